// Helpers shared by the readers (internal to data/).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"

namespace dts::data::internal {

// Opens a corpus file for reading; a missing or unreadable file is bad input, not an infrastructure error.
inline std::ifstream OpenInput(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw InputError(path, 0, "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open for reading");
  return in;
}

// Reads one line without its "\n" or "\r\n".
inline bool ReadLine(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

inline std::vector<std::string> SplitOn(const std::string& text, char sep) {
  std::vector<std::string> fields;
  std::size_t begin = 0;
  while (true) {
    const std::size_t pos = text.find(sep, begin);
    fields.push_back(text.substr(begin, pos == std::string::npos ? std::string::npos : pos - begin));
    if (pos == std::string::npos) return fields;
    begin = pos + 1;
  }
}

// Non-negative decimal integer that fits an int; false otherwise.
inline bool ParseIndex(const std::string& text, int& value) {
  if (text.empty() || text.size() > 9) return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

inline std::string FileStem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

// Shortens user text quoted in an error message so the message stays one readable line.
inline std::string Quote(const std::string& text) {
  std::string shown = text.size() > 60 ? text.substr(0, 57) + "..." : text;
  return "'" + shown + "'";
}

}  // namespace dts::data::internal
