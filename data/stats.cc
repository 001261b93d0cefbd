#include "data/stats.h"

#include <nlohmann/json.hpp>
#include <sstream>

namespace dts::data {

bool CorpusStats::operator==(const CorpusStats& o) const {
  return sentences == o.sentences && tokens == o.tokens && entities == o.entities &&
         relations == o.relations && entities_by_type == o.entities_by_type &&
         relations_by_type == o.relations_by_type && sentences_with_relations == o.sentences_with_relations &&
         longest_sentence == o.longest_sentence;
}

CorpusStats ComputeStats(const Corpus& corpus) {
  CorpusStats stats;
  stats.name = corpus.name;
  stats.report = corpus.report;
  for (const Sentence& s : corpus.sentences) {
    ++stats.sentences;
    const long n = static_cast<long>(s.tokens.size());
    stats.tokens += n;
    if (n > stats.longest_sentence) {
      stats.longest_sentence = n;
      stats.longest_sentence_id = s.id;
    }
    for (const Entity& e : s.entities) ++stats.entities_by_type[e.type];
    for (const Relation& r : s.relations) ++stats.relations_by_type[r.type];
    stats.entities += static_cast<long>(s.entities.size());
    stats.relations += static_cast<long>(s.relations.size());
    stats.sentences_with_relations += !s.relations.empty();
  }
  return stats;
}

namespace {

void PrintCounts(std::ostringstream& out, const char* label, long total,
                 const std::map<std::string, long>& counts) {
  out << "  " << label << ' ' << total;
  const char* sep = " (";
  for (const auto& [type, count] : counts) {
    out << sep << type << ' ' << count;
    sep = ", ";
  }
  out << (counts.empty() ? "" : ")") << '\n';
}

}  // namespace

std::string FormatStats(const CorpusStats& stats) {
  std::ostringstream out;
  const ReadReport& r = stats.report;
  out << stats.name << '\n';
  out << "  sentences " << stats.sentences << " (" << stats.sentences_with_relations << " with relations)\n";
  out << "  tokens " << stats.tokens << ", longest sentence " << stats.longest_sentence << " tokens ("
      << stats.longest_sentence_id << ")\n";
  PrintCounts(out, "entity mentions", stats.entities, stats.entities_by_type);
  PrintCounts(out, "relations", stats.relations, stats.relations_by_type);
  if (r.source_rows > 0) out << "  relation rows in source " << r.source_rows << '\n';
  out << "  overlaps removed " << r.overlapping_pairs << " pairs: " << r.entities_dropped << " mentions and "
      << r.relations_dropped << " relations dropped\n";
  out << "  repairs: duplicate mentions " << r.duplicate_entities << ", duplicate relations "
      << r.duplicate_relations << ", trimmed mentions " << r.trimmed_mentions << ", widened mentions "
      << r.widened_mentions << ", repaired BIO tags " << r.repaired_tags << '\n';
  return out.str();
}

nlohmann::json StatsToJson(const CorpusStats& stats) {
  const ReadReport& r = stats.report;
  return nlohmann::json{
      {"name", stats.name},
      {"sentences", stats.sentences},
      {"sentences_with_relations", stats.sentences_with_relations},
      {"tokens", stats.tokens},
      {"longest_sentence", stats.longest_sentence},
      {"longest_sentence_id", stats.longest_sentence_id},
      {"entities", stats.entities},
      {"entities_by_type", stats.entities_by_type},
      {"relations", stats.relations},
      {"relations_by_type", stats.relations_by_type},
      {"source_rows", r.source_rows},
      {"overlapping_pairs", r.overlapping_pairs},
      {"entities_dropped", r.entities_dropped},
      {"relations_dropped", r.relations_dropped},
      {"duplicate_entities", r.duplicate_entities},
      {"duplicate_relations", r.duplicate_relations},
      {"trimmed_mentions", r.trimmed_mentions},
      {"widened_mentions", r.widened_mentions},
      {"repaired_tags", r.repaired_tags},
  };
}

}  // namespace dts::data
