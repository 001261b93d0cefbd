// Everything the model needs to turn a data::Sentence into indices and back: words, characters, BIO tags,
// entity and relation types, and the relation-direction statistics of the training set. Built once from the
// training corpus and saved with the model, so a trained model is usable on its own.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "config/data_config.h"
#include "data/corpus.h"
#include "data/vocab.h"
#include "data/word_vectors.h"

namespace dts::model {

// Casing classes of the one-hot casing feature. 0 is padding and is never produced for a real token.
enum Casing : int {
  kCasingPad = 0,
  kCasingLower,      // "aspirin"
  kCasingUpper,      // "NSAID"
  kCasingTitle,      // "Boston"
  kCasingNumeric,    // "12", "3.5", "1,000": digits and number punctuation only
  kCasingHasDigit,   // "IL-2", "5mg"
  kCasingMixed,      // "mRNA", "McDonald"
  kCasingNoLetters,  // ".", "(", "--"
  kCasingCount
};
Casing CasingOf(const std::string& token);

// Splits UTF-8 text into characters (one string per code point; a malformed byte is its own character).
std::vector<std::string> Utf8Characters(const std::string& text);

// The unordered-pair relation scorer cannot tell head from tail (DistMult and cosine are symmetric), so the
// direction of a predicted relation is decided from the training set (docs/model.md, "Direction rule").
class RelationDirections {
 public:
  void Resize(int relation_types) {
    pair_counts_.resize(relation_types);
    head_first_.resize(relation_types, 0);
    tail_first_.resize(relation_types, 0);
  }
  // One training relation of type `relation` whose head has entity type `head_type`; `head_first`: the head
  // span starts before the tail span.
  void Observe(int relation, int head_type, int tail_type, bool head_first);
  // For an entity pair ordered by position (`earlier` starts first), true when the earlier one is the head:
  // the more frequent (head type, tail type) orientation wins; same types or a tie fall back to the more
  // frequent textual order of head and tail (head first on a tie).
  bool EarlierIsHead(int relation, int earlier_type, int later_type) const;
  long PairCount(int relation, int head_type, int tail_type) const;

  nlohmann::json ToJson() const;
  static RelationDirections FromJson(const nlohmann::json& json);

 private:
  std::vector<std::map<std::pair<int, int>, long>> pair_counts_;
  std::vector<long> head_first_;
  std::vector<long> tail_first_;
};

struct Vocabularies {
  data::Vocabulary words{true};
  data::Vocabulary chars{true};
  data::Vocabulary entity_types{false};
  data::Vocabulary relation_types{false};
  RelationDirections directions;
  bool lowercase_words = true;

  // Tag ids: 0 is "O"; entity type k has B = 1 + 2k and I = 2 + 2k. Padding positions also hold 0 (masked).
  int NumTags() const { return 1 + 2 * entity_types.Size(); }
  static int BeginTag(int type) { return 1 + 2 * type; }
  static int InsideTag(int type) { return 2 + 2 * type; }
  std::string TagName(int tag) const;
  int TagIndex(const std::string& tag) const;  // throws std::out_of_range for an unknown entity type

  std::string WordKey(const std::string& token) const;  // lowercased when lowercase_words
  int WordIndex(const std::string& token) const { return words.Index(WordKey(token)); }

  nlohmann::json ToJson() const;
  static Vocabularies FromJson(const nlohmann::json& json);
};

// Builds the vocabularies from the training sentences only. Words seen fewer than config.min_word_count times
// map to the unknown word unless `vectors` (may be null) has a vector for them; every word of `vectors` is in
// the word vocabulary (count 0 when it does not occur in training).
Vocabularies BuildVocabularies(const std::vector<data::Sentence>& train, const config::DataConfig& config,
                               const data::WordVectors* vectors);

}  // namespace dts::model
