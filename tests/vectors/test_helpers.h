// Helpers shared by the vectors tests.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include "data/dataset.h"
#include "data/tokenizer.h"

namespace dts::vectors::testing {

// A sentence as a training-text line: lowercased word keys joined by single spaces.
inline std::string Line(const data::Sentence& sentence) {
  std::string line;
  for (const auto& token : sentence.tokens)
    line += (line.empty() ? "" : " ") + data::WordKey(token.text, true);
  return line;
}

// The names of the files in `dir`.
inline std::set<std::string> Files(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    names.insert(entry.path().filename().string());
  return names;
}

}  // namespace dts::vectors::testing
