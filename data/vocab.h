// A string <-> index mapping with counts. Index 0 is padding and index 1 the unknown symbol when the
// vocabulary has one (words, characters); label vocabularies (tags, relation types) have neither.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace dts::data {

class Vocabulary {
 public:
  static constexpr int kPad = 0;
  static constexpr int kUnknown = 1;

  explicit Vocabulary(bool with_specials = true);

  // Counts one occurrence; adds the symbol if new. Returns its index.
  int Add(const std::string& symbol);
  // Adds the symbol with count 0 if it is new (a word known only from pretrained vectors). Returns its index.
  int Insert(const std::string& symbol);
  // Drops symbols seen fewer than `min_count` times, except those in `keep` (e.g. covered by pretrained
  // vectors); indices are reassigned in first-seen order, so the result depends only on the input order.
  void Prune(int min_count, const std::vector<std::string>& keep = {});

  // Index of a symbol; the unknown index if absent (throws std::out_of_range without specials).
  int Index(const std::string& symbol) const;
  bool Contains(const std::string& symbol) const { return index_.count(symbol) > 0; }
  const std::string& Symbol(int index) const { return symbols_.at(index); }
  int Count(int index) const { return counts_.at(index); }
  int Size() const { return static_cast<int>(symbols_.size()); }
  bool HasSpecials() const { return with_specials_; }
  const std::vector<std::string>& Symbols() const { return symbols_; }

  nlohmann::json ToJson() const;
  static Vocabulary FromJson(const nlohmann::json& json);

 private:
  bool with_specials_;
  std::vector<std::string> symbols_;
  std::vector<int> counts_;
  std::unordered_map<std::string, int> index_;  // looked up for every token of every batch
};

}  // namespace dts::data
