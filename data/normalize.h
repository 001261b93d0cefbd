// Puts a sentence's annotations into the canonical form every later stage assumes: entities sorted by
// (start, end), no two sharing a token, relation indices valid and unique.
#pragma once

#include "data/corpus.h"

namespace dts::data {

// Merges identical mentions and relations, then resolves overlaps: mentions are visited longest first
// (ties: leftmost, then by type name) and kept when they share no token with a mention already kept, so of
// a nested pair the longer span survives. Relations touching a dropped mention are dropped. Every change is
// counted in `report`. Entity spans must already lie inside the sentence.
void NormalizeSentence(Sentence& sentence, ReadReport& report);

}  // namespace dts::data
