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

}  // namespace dts::data
