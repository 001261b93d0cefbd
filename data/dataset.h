// What the trainer asks for: the train/dev/test corpora of one [data] configuration.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/data_config.h"
#include "data/corpus.h"
#include "data/splits.h"

namespace dts::data {

// A corpus as stored: one part ("all") for a single file, or "train", "dev", "test" for a directory holding
// the fixed-split files (CoNLL04: train.txt dev.txt test.txt; JSON: train.json dev.json test.json). For ADE a
// directory means <dir>/DRUG-AE.rel.
struct CorpusParts {
  bool fixed_split = false;
  std::vector<std::pair<std::string, Corpus>> parts;
};
CorpusParts ReadCorpusParts(config::CorpusFormat format, const std::string& path);

// The split of stored parts: the fixed one, or a seeded cross-validation split.
Split MakeSplit(const CorpusParts& parts, double dev_fraction, int folds, int seed);

struct Dataset {
  Corpus train;
  Corpus dev;
  Corpus test;
  Split split;
  // Hash over the corpus content, the split, and the protocol/fold/limit that picked the parts: two runs with
  // the same fingerprint trained and tested on the same sentences.
  std::string fingerprint;
  std::string description;  // e.g. "ade fold 3/10: train 3460, dev 427, test 385"
};

// Semantics of config::DataConfig.protocol and .fold (see data_config.h):
//  cross-validated (single file): train = everything outside the held-out dev set and fold `fold`, dev = the
//    held-out dev set, test = fold `fold`; both protocols alike.
//  fixed split: kDev gives train/dev/test; kFinal trains on train+dev (dev stays dev, for reporting).
// config.split_file, when set, is read instead of recomputing the split; its corpus fingerprint must match.
// max_train_sentences > 0 keeps the first that many training sentences.
Dataset LoadDataset(const config::DataConfig& config);

}  // namespace dts::data
