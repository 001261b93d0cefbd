// Puts a sentence's annotations into the canonical form every later stage assumes: entities sorted by
// (start, end), no two sharing a token, relation indices valid and unique.
#pragma once

#include <string>

#include "data/corpus.h"

namespace dts::data {

// Refuses a line of text that no later stage can carry (a NUL byte, or bytes that are not well-formed UTF-8:
// vocabularies, the JSON of predictions and trial files need UTF-8) with an InputError naming the file, the
// line and the column. The corpus readers check every line this way; so must every other reader of text
// (word vectors, unlabelled text for dts-vectors).
void CheckTextLine(const std::string& path, long line, const std::string& text);

// Merges identical mentions and relations, then resolves overlaps: mentions are visited longest first
// (ties: leftmost, then by type name) and kept when they share no token with a mention already kept, so of
// a nested pair the longer span survives. Relations touching a dropped mention are dropped. Every change is
// counted in `report`. Entity spans must already lie inside the sentence.
void NormalizeSentence(Sentence& sentence, ReadReport& report);

}  // namespace dts::data
