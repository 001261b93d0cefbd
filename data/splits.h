// Train/dev/test splits. A cross-validated corpus (one file) is shuffled with a seed into a held-out dev set
// and K folds over the rest; a fixed-split corpus (a directory of train/dev/test files) uses its files. A
// split is written to a file of sentence ids so every trial of a sweep sees the same one, and the file
// carries the corpus fingerprint so it cannot silently be applied to a different corpus.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/corpus.h"

namespace dts::data {

enum class SplitKind { kCrossValidation, kFixed };

struct Split {
  SplitKind kind = SplitKind::kCrossValidation;
  std::string corpus_fingerprint;
  // Cross-validation only.
  int seed = 0;
  double dev_fraction = 0.0;
  std::vector<std::vector<std::string>> folds;
  // Both kinds: the held-out dev set, or the dev file.
  std::vector<std::string> dev;
  // Fixed split only.
  std::vector<std::string> train;
  std::vector<std::string> test;
  bool operator==(const Split& o) const;
};

// Content hash of a corpus (ids, tokens, entities, relations), 16 hex digits.
std::string CorpusFingerprint(const Corpus& corpus);

// Seeded and independent of the standard library's distributions, so a split is the same on every platform.
// Dev gets round(n * dev_fraction) sentences; the rest is dealt into `folds` folds whose sizes differ by at
// most one. Throws InputError on duplicate sentence ids or when a part would be empty.
Split MakeCrossValidationSplit(const Corpus& corpus, double dev_fraction, int folds, int seed);
Split MakeFixedSplit(const Corpus& train, const Corpus& dev, const Corpus& test);

void WriteSplit(const Split& split, const std::string& path);  // throws IoError
Split ReadSplit(const std::string& path);                      // throws InputError for a malformed file

// The sentences of `corpus` with the given ids, in the order of `ids`. Throws InputError naming
// `split_source` for an id the corpus lacks.
Corpus SelectSentences(const Corpus& corpus, const std::vector<std::string>& ids,
                       const std::string& part_name, const std::string& split_source);

}  // namespace dts::data
