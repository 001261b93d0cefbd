// Pretrained word vectors in the GloVe / word2vec text format: `word v1 ... vD` per line, optionally after a
// word2vec header line `N D`.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "data/vocab.h"

namespace dts::data {

struct WordVectors {
  int dim = 0;
  std::vector<std::string> words;
  std::vector<float> values;  // row-major, words.size() x dim
  std::unordered_map<std::string, int> index;
  long duplicates = 0;  // later rows for a word already read; the first row wins

  const float* Row(int i) const { return values.data() + static_cast<std::size_t>(i) * dim; }
  // Row index of a word, -1 if absent.
  int Find(const std::string& word) const;
};

// Every line must carry the same number of values (the header's D when there is a header; N is then checked
// too); anything else is an InputError at that line.
WordVectors ReadWordVectors(const std::string& path);

struct VectorCoverage {
  long vocabulary_words = 0;  // excluding padding and unknown
  long covered_words = 0;
  long vocabulary_tokens = 0;  // the same, weighted by the vocabulary's counts
  long covered_tokens = 0;
};

// Over the vocabulary's words seen in its text (count > 0). A word counts as covered when it, or (if
// `lowercase_fallback`) its lowercase form, has a vector.
VectorCoverage ComputeCoverage(const WordVectors& vectors, const Vocabulary& vocabulary,
                               bool lowercase_fallback);
std::string FormatCoverage(const VectorCoverage& coverage);

}  // namespace dts::data
