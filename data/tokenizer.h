// The tokenizer for sources that come as raw text (ADE).
#pragma once

#include <string>
#include <vector>

#include "data/corpus.h"

namespace dts::data {

// Splits on whitespace and makes every punctuation character (ASCII non-alphanumeric, hyphens included) a
// token of its own; runs of ASCII letters, digits and non-ASCII bytes form words, so UTF-8 sequences are
// never cut. Offsets are byte offsets into `text`, [begin, end). "azithromycin-induced" -> "azithromycin" "-"
// "induced", which lets a mention end inside a hyphenated word, as ADE's mentions do.
std::vector<Token> Tokenize(const std::string& text);

// The key a token is looked up by in a word vocabulary or a word-vector file: the token itself, or with its
// ASCII letters lowercased (data.lowercase_words; other bytes, UTF-8 included, stay as they are). The model
// (Vocabularies::WordKey) and dts-vectors both key words by it, so vectors are found under the model's keys.
std::string WordKey(const std::string& token, bool lowercase);

}  // namespace dts::data
