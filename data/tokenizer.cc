#include "data/tokenizer.h"

namespace dts::data {
namespace {

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Non-ASCII bytes count as word characters: splitting inside a UTF-8 sequence would produce invalid text.
bool IsWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

}  // namespace

std::vector<Token> Tokenize(const std::string& text) {
  std::vector<Token> tokens;
  const int n = static_cast<int>(text.size());
  int i = 0;
  while (i < n) {
    const unsigned char c = text[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    int j = i + 1;
    if (IsWordChar(c)) {
      while (j < n && IsWordChar(static_cast<unsigned char>(text[j]))) ++j;
    }
    tokens.push_back(Token{text.substr(i, j - i), i, j});
    i = j;
  }
  return tokens;
}

std::string WordKey(const std::string& token, bool lowercase) {
  if (!lowercase) return token;
  std::string key = token;
  for (char& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return key;
}

}  // namespace dts::data
