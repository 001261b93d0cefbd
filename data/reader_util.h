// Helpers shared by the readers (internal to data/).
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
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

// Offset of the first byte of `text` that is not part of well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or std::string::npos. Every later stage (the JSON writers,
// dts-predict) needs valid UTF-8, so the readers refuse anything else at its line.
inline std::size_t FindInvalidUtf8(const std::string& text) {
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    unsigned char low = 0x80;  // allowed range of the second byte
    unsigned char high = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + extra >= n) return i;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += extra + 1;
  }
  return std::string::npos;
}

// First byte no later stage can carry: a NUL byte or one that is not part of well-formed UTF-8; npos if none.
inline std::size_t FindBadByte(const std::string& text) {
  return std::min(text.find('\0'), FindInvalidUtf8(text));
}

// "NUL byte at column 5" or "invalid UTF-8 (byte 0xFF) at column 17" for the byte FindBadByte found; the
// column is 1-based, in bytes.
inline std::string BadByteMessage(char byte, std::size_t column) {
  if (byte == '\0') return "NUL byte at column " + std::to_string(column);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(byte)));
  return "invalid UTF-8 (byte " + std::string(hex) + ") at column " + std::to_string(column);
}

// Refuses a line that holds a NUL byte or is not UTF-8, naming its column.
inline void CheckText(const std::string& path, long line, const std::string& text) {
  const std::size_t bad = FindBadByte(text);
  if (bad != std::string::npos) throw InputError(path, line, BadByteMessage(text[bad], bad + 1));
}

// Reads a text corpus line by line: strips "\n" or "\r\n", skips a UTF-8 byte-order mark at the start of the
// file, refuses NUL bytes and invalid UTF-8 (CheckText) and counts lines (1-based) for error messages.
class LineReader {
 public:
  explicit LineReader(std::string path) : path_(std::move(path)), in_(OpenInput(path_)) {}

  bool Next(std::string& line) {
    if (!ReadLine(in_, line)) {
      if (in_.bad()) throw InputError(path_, line_, "read error");
      return false;
    }
    ++line_;
    if (line_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    CheckText(path_, line_, line);
    return true;
  }
  long line() const { return line_; }

 private:
  std::string path_;
  std::ifstream in_;
  long line_ = 0;
};

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
  if (text.size() <= 60) return "'" + text + "'";
  std::size_t cut = 57;  // never inside a UTF-8 sequence
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "'" + text.substr(0, cut) + "...'";
}

}  // namespace dts::data::internal
