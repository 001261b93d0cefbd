// BIO tags <-> entity spans. The tag of token i is "O", "B-<type>" or "I-<type>".
#pragma once

#include <string>
#include <vector>

#include "data/corpus.h"

namespace dts::data {

// One tag per token. Entities must not overlap (readers resolve overlaps first); an overlap throws.
std::vector<std::string> EncodeBio(const Sentence& sentence);

// Spans from tags, sorted by start. Repair rule (the conlleval convention): an "I-X" that does not continue
// an entity of type X (after "O", at the start, or after another type) opens a new entity of type X.
std::vector<Entity> DecodeBio(const std::vector<std::string>& tags);
// The same; adds to `repairs` the number of I- tags that had to open an entity.
std::vector<Entity> DecodeBio(const std::vector<std::string>& tags, long* repairs);

}  // namespace dts::data
