// Corpus statistics, as printed by dts-prepare.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "data/corpus.h"

namespace dts::data {

struct CorpusStats {
  std::string name;
  long sentences = 0;
  long tokens = 0;
  long entities = 0;
  long relations = 0;
  std::map<std::string, long> entities_by_type;
  std::map<std::string, long> relations_by_type;
  long sentences_with_relations = 0;
  long longest_sentence = 0;  // in tokens
  std::string longest_sentence_id;
  ReadReport report;  // what the reader dropped or repaired
  bool operator==(const CorpusStats& o) const;
};

CorpusStats ComputeStats(const Corpus& corpus);

// A few aligned lines, e.g. "sentences 4272 | tokens 92310 | longest 97 (...)", then per-type counts.
std::string FormatStats(const CorpusStats& stats);
nlohmann::json StatsToJson(const CorpusStats& stats);

}  // namespace dts::data
