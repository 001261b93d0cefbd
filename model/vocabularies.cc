#include "model/vocabularies.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "data/tokenizer.h"

namespace dts::model {

Casing CasingOf(const std::string& token) {
  int lower = 0, upper = 0, digit = 0, other = 0;
  for (const unsigned char c : token) {
    if (std::islower(c)) {
      ++lower;
    } else if (std::isupper(c)) {
      ++upper;
    } else if (std::isdigit(c)) {
      ++digit;
    } else if (c != '.' && c != ',' && c != '-' && c != '+') {
      ++other;
    }
  }
  const int letters = lower + upper;
  if (letters == 0) {
    // Number punctuation alone ("-", ".") is not a number.
    if (digit > 0 && other == 0) return kCasingNumeric;
    return digit > 0 ? kCasingHasDigit : kCasingNoLetters;
  }
  if (digit > 0) return kCasingHasDigit;
  if (upper == 0) return kCasingLower;
  if (lower == 0) return kCasingUpper;
  if (std::isupper(static_cast<unsigned char>(token[0])) && upper == 1) return kCasingTitle;
  return kCasingMixed;
}

std::vector<std::string> Utf8Characters(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = 1;
    if (c >= 0xF0 && c < 0xF8) {
      n = 4;
    } else if (c >= 0xE0) {
      n = (c < 0xF0) ? 3 : 1;
    } else if (c >= 0xC0) {
      n = 2;
    }
    // A truncated or malformed sequence: take the lead byte alone.
    bool valid = i + n <= text.size();
    for (std::size_t k = 1; valid && k < n; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!valid) n = 1;
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

void RelationDirections::Observe(int relation, int head_type, int tail_type, bool head_first) {
  if (relation >= static_cast<int>(pair_counts_.size())) Resize(relation + 1);
  ++pair_counts_[relation][{head_type, tail_type}];
  ++(head_first ? head_first_ : tail_first_)[relation];
}

long RelationDirections::PairCount(int relation, int head_type, int tail_type) const {
  if (relation >= static_cast<int>(pair_counts_.size())) return 0;
  const auto it = pair_counts_[relation].find({head_type, tail_type});
  return it == pair_counts_[relation].end() ? 0 : it->second;
}

bool RelationDirections::EarlierIsHead(int relation, int earlier_type, int later_type) const {
  if (earlier_type != later_type) {
    const long earlier_head = PairCount(relation, earlier_type, later_type);
    const long later_head = PairCount(relation, later_type, earlier_type);
    if (earlier_head != later_head) return earlier_head > later_head;
  }
  if (relation >= static_cast<int>(head_first_.size())) return true;
  return head_first_[relation] >= tail_first_[relation];
}

nlohmann::json RelationDirections::ToJson() const {
  nlohmann::json relations = nlohmann::json::array();
  for (std::size_t k = 0; k < pair_counts_.size(); ++k) {
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& [types, count] : pair_counts_[k]) pairs.push_back({types.first, types.second, count});
    relations.push_back(
        {{"type_pairs", pairs}, {"head_first", head_first_[k]}, {"tail_first", tail_first_[k]}});
  }
  return relations;
}

RelationDirections RelationDirections::FromJson(const nlohmann::json& json) {
  RelationDirections d;
  d.Resize(static_cast<int>(json.size()));
  for (std::size_t k = 0; k < json.size(); ++k) {
    for (const auto& row : json[k].at("type_pairs"))
      d.pair_counts_[k][{row.at(0).get<int>(), row.at(1).get<int>()}] = row.at(2).get<long>();
    d.head_first_[k] = json[k].at("head_first").get<long>();
    d.tail_first_[k] = json[k].at("tail_first").get<long>();
  }
  return d;
}

std::string Vocabularies::TagName(int tag) const {
  if (tag == 0) return "O";
  return ((tag - 1) % 2 == 0 ? "B-" : "I-") + entity_types.Symbol((tag - 1) / 2);
}

int Vocabularies::TagIndex(const std::string& tag) const {
  if (tag == "O") return 0;
  const int type = entity_types.Index(tag.substr(2));
  return tag[0] == 'B' ? BeginTag(type) : InsideTag(type);
}

std::string Vocabularies::WordKey(const std::string& token) const {
  return data::WordKey(token, lowercase_words);
}

nlohmann::json Vocabularies::ToJson() const {
  return {{"words", words.ToJson()},
          {"chars", chars.ToJson()},
          {"entity_types", entity_types.ToJson()},
          {"relation_types", relation_types.ToJson()},
          {"directions", directions.ToJson()},
          {"lowercase_words", lowercase_words}};
}

Vocabularies Vocabularies::FromJson(const nlohmann::json& json) {
  Vocabularies v;
  v.words = data::Vocabulary::FromJson(json.at("words"));
  v.chars = data::Vocabulary::FromJson(json.at("chars"));
  v.entity_types = data::Vocabulary::FromJson(json.at("entity_types"));
  v.relation_types = data::Vocabulary::FromJson(json.at("relation_types"));
  v.directions = RelationDirections::FromJson(json.at("directions"));
  v.lowercase_words = json.at("lowercase_words").get<bool>();
  return v;
}

Vocabularies BuildVocabularies(const std::vector<data::Sentence>& train, const config::DataConfig& config,
                               const data::WordVectors* vectors) {
  Vocabularies v;
  v.lowercase_words = config.lowercase_words;
  for (const auto& sentence : train) {
    for (const auto& token : sentence.tokens) {
      v.words.Add(v.WordKey(token.text));
      for (const auto& c : Utf8Characters(token.text)) v.chars.Add(c);
    }
    for (const auto& entity : sentence.entities) v.entity_types.Add(entity.type);
    for (const auto& relation : sentence.relations) v.relation_types.Add(relation.type);
  }
  std::vector<std::string> keep;
  if (vectors != nullptr) {
    for (int i = 2; i < v.words.Size(); ++i)
      if (vectors->Find(v.words.Symbol(i)) >= 0) keep.push_back(v.words.Symbol(i));
  }
  v.words.Prune(config.min_word_count, keep);
  // Every word with a pretrained vector stays in the vocabulary, seen in training or not (as with GloVe):
  // an unseen test word then gets its own vector instead of <unk>'s. Sorted, so the indices depend only on
  // the vector file's words.
  if (vectors != nullptr) {
    std::vector<std::string> vector_words;
    vector_words.reserve(vectors->words.size());
    for (const auto& word : vectors->words) vector_words.push_back(v.WordKey(word));
    std::sort(vector_words.begin(), vector_words.end());
    for (const auto& word : vector_words) v.words.Insert(word);
  }
  v.directions.Resize(v.relation_types.Size());
  for (const auto& sentence : train) {
    for (const auto& relation : sentence.relations) {
      const auto& head = sentence.entities.at(relation.head);
      const auto& tail = sentence.entities.at(relation.tail);
      v.directions.Observe(v.relation_types.Index(relation.type), v.entity_types.Index(head.type),
                           v.entity_types.Index(tail.type), head.start <= tail.start);
    }
  }
  return v;
}

}  // namespace dts::model
