#include "data/bio.h"

#include <algorithm>
#include <stdexcept>

namespace dts::data {

std::vector<std::string> EncodeBio(const Sentence& sentence) {
  const int n = static_cast<int>(sentence.tokens.size());
  std::vector<std::string> tags(n, "O");
  std::vector<bool> taken(n, false);
  for (const Entity& e : sentence.entities) {
    if (e.start < 0 || e.end > n || e.start >= e.end) {
      throw std::invalid_argument("sentence " + sentence.id + ": entity span [" + std::to_string(e.start) +
                                  ", " + std::to_string(e.end) + ") outside its " + std::to_string(n) +
                                  " tokens");
    }
    for (int i = e.start; i < e.end; ++i) {
      if (taken[i]) {
        throw std::invalid_argument("sentence " + sentence.id + ": overlapping entities at token " +
                                    std::to_string(i) + "; BIO cannot encode them");
      }
      taken[i] = true;
      tags[i] = (i == e.start ? "B-" : "I-") + e.type;
    }
  }
  return tags;
}

std::vector<Entity> DecodeBio(const std::vector<std::string>& tags) { return DecodeBio(tags, nullptr); }

std::vector<Entity> DecodeBio(const std::vector<std::string>& tags, long* repairs) {
  std::vector<Entity> entities;
  bool open = false;  // entities.back() is still being extended
  for (int i = 0; i < static_cast<int>(tags.size()); ++i) {
    const std::string& tag = tags[i];
    const bool begin = tag.size() > 2 && tag.compare(0, 2, "B-") == 0;
    const bool inside = tag.size() > 2 && tag.compare(0, 2, "I-") == 0;
    if (!begin && !inside) {  // "O" and anything unrecognised end the current entity
      open = false;
      continue;
    }
    const std::string type = tag.substr(2);
    if (inside && open && entities.back().type == type) {
      entities.back().end = i + 1;
      continue;
    }
    if (inside && repairs != nullptr) ++*repairs;
    entities.push_back(Entity{type, i, i + 1});
    open = true;
  }
  // Built left to right, so already sorted by start.
  return entities;
}

}  // namespace dts::data
