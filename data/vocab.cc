#include "data/vocab.h"

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace dts::data {

Vocabulary::Vocabulary(bool with_specials) : with_specials_(with_specials) {
  if (with_specials_) {
    symbols_ = {"<pad>", "<unk>"};
    counts_ = {0, 0};
    index_ = {{"<pad>", kPad}, {"<unk>", kUnknown}};
  }
}

int Vocabulary::Add(const std::string& symbol) {
  const int index = Insert(symbol);
  ++counts_[index];
  return index;
}

int Vocabulary::Insert(const std::string& symbol) {
  auto [it, inserted] = index_.emplace(symbol, Size());
  if (inserted) {
    symbols_.push_back(symbol);
    counts_.push_back(0);
  }
  return it->second;
}

void Vocabulary::Prune(int min_count, const std::vector<std::string>& keep) {
  const std::set<std::string> kept(keep.begin(), keep.end());
  Vocabulary pruned(with_specials_);
  const int first = with_specials_ ? 2 : 0;
  for (int i = first; i < Size(); ++i) {
    if (counts_[i] >= min_count || kept.count(symbols_[i])) {
      const int index = pruned.Add(symbols_[i]);
      pruned.counts_[index] = counts_[i];
    }
  }
  *this = std::move(pruned);
}

int Vocabulary::Index(const std::string& symbol) const {
  auto it = index_.find(symbol);
  if (it != index_.end()) return it->second;
  if (!with_specials_) throw std::out_of_range("unknown label '" + symbol + "'");
  return kUnknown;
}

nlohmann::json Vocabulary::ToJson() const {
  return {{"with_specials", with_specials_}, {"symbols", symbols_}, {"counts", counts_}};
}

Vocabulary Vocabulary::FromJson(const nlohmann::json& json) {
  Vocabulary vocab(json.at("with_specials").get<bool>());
  const auto symbols = json.at("symbols").get<std::vector<std::string>>();
  const auto counts = json.at("counts").get<std::vector<int>>();
  if (symbols.size() != counts.size())
    throw std::runtime_error("vocabulary: symbols and counts differ in length");
  vocab.symbols_ = symbols;
  vocab.counts_ = counts;
  vocab.index_.clear();
  for (int i = 0; i < static_cast<int>(symbols.size()); ++i) vocab.index_[symbols[i]] = i;
  return vocab;
}

}  // namespace dts::data
