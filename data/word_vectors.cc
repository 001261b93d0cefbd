#include "data/word_vectors.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "data/reader_util.h"

namespace dts::data {
namespace {

// Fields separated by single spaces or tabs; GloVe files contain words such as "\xa0" that other
// whitespace-splitting rules would lose.
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    fields.push_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

bool ParseFloat(const std::string& text, float& value) {
  errno = 0;
  char* end = nullptr;
  value = std::strtof(text.c_str(), &end);
  return end == text.c_str() + text.size() && !text.empty() && errno == 0 && std::isfinite(value);
}

}  // namespace

int WordVectors::Find(const std::string& word) const {
  const auto it = index.find(word);
  return it == index.end() ? -1 : it->second;
}

WordVectors ReadWordVectors(const std::string& path) {
  std::ifstream in = internal::OpenInput(path);
  WordVectors vectors;
  std::string line;
  long line_number = 0;
  long expected_rows = -1;
  long rows = 0;
  while (internal::ReadLine(in, line)) {
    ++line_number;
    // A word that is not UTF-8 would reach the vocabulary and the JSON of predictions; refuse it here,
    // where its file and line are known. (A byte-order mark is allowed only at the start, like the corpora.)
    if (line_number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    internal::CheckText(path, line_number, line);
    const std::vector<std::string> fields = Fields(line);
    if (fields.empty()) continue;
    int header_rows = 0;
    int header_dim = 0;
    if (line_number == 1 && fields.size() == 2 && internal::ParseIndex(fields[0], header_rows) &&
        internal::ParseIndex(fields[1], header_dim)) {
      if (header_dim == 0) throw InputError(path, line_number, "header gives dimension 0");
      expected_rows = header_rows;
      vectors.dim = header_dim;
      continue;
    }
    const int values = static_cast<int>(fields.size()) - 1;
    if (vectors.dim == 0) {
      if (values == 0)
        throw InputError(path, line_number, "word " + internal::Quote(fields[0]) + " has no values");
      vectors.dim = values;
    }
    if (values != vectors.dim) {
      throw InputError(path, line_number,
                       "expected " + std::to_string(vectors.dim) + " values after " +
                           internal::Quote(fields[0]) + ", found " + std::to_string(values));
    }
    ++rows;
    std::vector<float> row(vectors.dim);
    for (int d = 0; d < vectors.dim; ++d) {
      if (!ParseFloat(fields[d + 1], row[d])) {
        throw InputError(path, line_number,
                         "value " + std::to_string(d + 1) + " of " + internal::Quote(fields[0]) + ", " +
                             internal::Quote(fields[d + 1]) + ", is not a finite number");
      }
    }
    if (!vectors.index.emplace(fields[0], static_cast<int>(vectors.words.size())).second) {
      ++vectors.duplicates;
      continue;
    }
    vectors.words.push_back(fields[0]);
    vectors.values.insert(vectors.values.end(), row.begin(), row.end());
  }
  if (in.bad()) throw InputError(path, line_number, "read error");
  if (expected_rows >= 0 && rows != expected_rows) {
    throw InputError(
        path, 1,
        "header announces " + std::to_string(expected_rows) + " vectors, file has " + std::to_string(rows));
  }
  if (rows == 0) throw InputError(path, 0, "no vectors");
  return vectors;
}

VectorCoverage ComputeCoverage(const WordVectors& vectors, const Vocabulary& vocabulary,
                               bool lowercase_fallback) {
  VectorCoverage coverage;
  const int first = vocabulary.HasSpecials() ? 2 : 0;
  for (int i = first; i < vocabulary.Size(); ++i) {
    // Count-0 words came from the vectors themselves (model vocabularies keep every vector word): they would
    // count as covered by construction and say nothing about the corpus.
    if (vocabulary.Count(i) == 0) continue;
    const std::string& word = vocabulary.Symbol(i);
    bool covered = vectors.Find(word) >= 0;
    if (!covered && lowercase_fallback) {
      std::string lower = word;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      covered = vectors.Find(lower) >= 0;
    }
    ++coverage.vocabulary_words;
    coverage.vocabulary_tokens += vocabulary.Count(i);
    if (covered) {
      ++coverage.covered_words;
      coverage.covered_tokens += vocabulary.Count(i);
    }
  }
  return coverage;
}

std::string FormatCoverage(const VectorCoverage& c) {
  auto percent = [](long part, long whole) {
    std::ostringstream out;
    out.precision(1);
    out << std::fixed << (whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole))
        << '%';
    return out.str();
  };
  return "vectors cover " + std::to_string(c.covered_words) + "/" + std::to_string(c.vocabulary_words) +
         " vocabulary words (" + percent(c.covered_words, c.vocabulary_words) + "), " +
         std::to_string(c.covered_tokens) + "/" + std::to_string(c.vocabulary_tokens) + " tokens (" +
         percent(c.covered_tokens, c.vocabulary_tokens) + ")";
}

}  // namespace dts::data
