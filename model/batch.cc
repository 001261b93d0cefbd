#include "model/batch.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "common/error.h"
#include "data/bio.h"

namespace dts::model {
namespace {

torch::Tensor ToTensor(std::vector<int64_t>& values, std::initializer_list<int64_t> shape) {
  return torch::from_blob(values.data(), shape, torch::kInt64).clone();
}

int LabelIndex(const data::Vocabulary& vocabulary, const std::string& label, const data::Sentence& sentence,
               const char* what) {
  try {
    return vocabulary.Index(label);
  } catch (const std::out_of_range&) {
    throw InputError(sentence.id, 0,
                     std::string(what) + " '" + label + "' does not occur in the training set");
  }
}

}  // namespace

Batch MakeBatch(const std::vector<const data::Sentence*>& sentences, const Vocabularies& vocabularies,
                const torch::Device& device, bool with_gold, const ContextualEmbeddings* contextual) {
  Batch batch;
  batch.size = static_cast<int>(sentences.size());
  batch.sentences = sentences;
  if (batch.size == 0) throw std::invalid_argument("MakeBatch: no sentences");
  for (const auto* s : sentences) {
    if (s->tokens.empty()) throw InputError(s->id, 0, "sentence has no tokens");
    batch.host_lengths.push_back(static_cast<int64_t>(s->tokens.size()));
    batch.max_len = std::max(batch.max_len, static_cast<int>(s->tokens.size()));
  }
  const int64_t B = batch.size, L = batch.max_len;
  std::vector<int64_t> words(B * L, 0), casing(B * L, kCasingPad), token_types(B * L, -1);
  std::vector<uint8_t> mask(B * L, 0);
  std::unordered_map<std::string, int64_t> type_of;  // distinct token string -> row of char_ids
  std::vector<const std::string*> distinct;
  for (int64_t b = 0; b < B; ++b) {
    const auto& tokens = sentences[b]->tokens;
    for (int64_t t = 0; t < static_cast<int64_t>(tokens.size()); ++t) {
      const std::string& text = tokens[t].text;
      words[b * L + t] = vocabularies.WordIndex(text);
      casing[b * L + t] = CasingOf(text);
      mask[b * L + t] = 1;
      auto [it, inserted] = type_of.emplace(text, static_cast<int64_t>(distinct.size()));
      if (inserted) distinct.push_back(&it->first);
      token_types[b * L + t] = it->second;
    }
  }
  const int64_t U = static_cast<int64_t>(distinct.size());
  for (auto& t : token_types)
    if (t < 0) t = U;  // padding reads the zero row appended after the U encoded strings
  std::vector<std::vector<std::string>> chars(U);
  int64_t max_chars = 1;
  for (int64_t u = 0; u < U; ++u) {
    chars[u] = Utf8Characters(*distinct[u]);
    max_chars = std::max<int64_t>(max_chars, static_cast<int64_t>(chars[u].size()));
  }
  std::vector<int64_t> char_ids(U * max_chars, data::Vocabulary::kPad), char_lengths(U);
  for (int64_t u = 0; u < U; ++u) {
    // An empty token string still gets one (padding) character, so the char BiRNN sees no empty sequence.
    char_lengths[u] = std::max<int64_t>(1, static_cast<int64_t>(chars[u].size()));
    for (std::size_t c = 0; c < chars[u].size(); ++c)
      char_ids[u * max_chars + c] = vocabularies.chars.Index(chars[u][c]);
  }

  batch.words = ToTensor(words, {B, L}).to(device);
  batch.lengths = ToTensor(batch.host_lengths, {B});
  batch.mask = torch::from_blob(mask.data(), {B, L}, torch::kUInt8).to(torch::kBool).to(device);
  batch.casing = ToTensor(casing, {B, L}).to(device);
  batch.token_types = ToTensor(token_types, {B, L}).to(device);
  batch.char_ids = ToTensor(char_ids, {U, max_chars}).to(device);
  batch.char_lengths = ToTensor(char_lengths, {U});

  if (contextual != nullptr) {
    const int64_t layers = contextual->layers(), dim = contextual->dim();
    auto values = torch::zeros({B, layers, L, dim});
    for (int64_t b = 0; b < B; ++b) {
      auto sentence_values = contextual->Read(*sentences[b]);
      const int64_t n = batch.host_lengths[b];
      values[b].narrow(1, 0, n).copy_(
          torch::from_blob(sentence_values.data(), {layers, n, dim}, torch::kFloat));
    }
    batch.contextual = values.to(device);
  }

  if (!with_gold) return batch;
  batch.has_gold = true;
  std::vector<int64_t> tags(B * L, 0);
  int64_t max_entities = 1;  // at least one column, so empty batches still have well-formed [B, E] tensors
  for (const auto* s : sentences) max_entities = std::max<int64_t>(max_entities, s->entities.size());
  const int64_t E = max_entities, K = vocabularies.relation_types.Size();
  std::vector<int64_t> entity_last(B * E, 0), entity_label(B * E, 0);
  std::vector<uint8_t> entity_mask(B * E, 0);
  std::vector<float> gold(B * E * E * K, 0.0f);
  for (int64_t b = 0; b < B; ++b) {
    const auto& s = *sentences[b];
    std::vector<std::string> bio;
    try {
      bio = data::EncodeBio(s);
    } catch (const std::invalid_argument& e) {
      throw InputError(s.id, 0, e.what());
    }
    for (std::size_t t = 0; t < bio.size(); ++t) {
      if (bio[t] != "O") LabelIndex(vocabularies.entity_types, bio[t].substr(2), s, "entity type");
      tags[b * L + t] = vocabularies.TagIndex(bio[t]);
    }
    const int64_t n = static_cast<int64_t>(s.entities.size());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t last = s.entities[i].end - 1;
      entity_last[b * E + i] = last;
      entity_label[b * E + i] = tags[b * L + last];
      entity_mask[b * E + i] = 1;
    }
    for (const auto& r : s.relations) {
      const int64_t k = LabelIndex(vocabularies.relation_types, r.type, s, "relation type");
      const int64_t head = r.head, tail = r.tail;
      if (head == tail || std::min(head, tail) < 0 || std::max(head, tail) >= n)
        throw InputError(s.id, 0, "relation with invalid arguments");
      gold[((b * E + head) * E + tail) * K + k] = 1.0f;
    }
  }
  batch.tags = ToTensor(tags, {B, L}).to(device);
  batch.entity_last = ToTensor(entity_last, {B, E}).to(device);
  batch.entity_label = ToTensor(entity_label, {B, E}).to(device);
  batch.entity_mask = torch::from_blob(entity_mask.data(), {B, E}, torch::kUInt8).to(torch::kBool).to(device);
  batch.relation_gold = torch::from_blob(gold.data(), {B, E, E, K}, torch::kFloat).clone().to(device);
  return batch;
}

void ApplyWordDropout(Batch& batch, const Vocabularies& vocabularies, double probability, int max_count,
                      uint64_t seed) {
  if (probability <= 0) return;
  auto words = batch.words.to(torch::kCPU, torch::kInt64, /*non_blocking=*/false, /*copy=*/true).contiguous();
  int64_t* ids = words.data_ptr<int64_t>();
  const int64_t L = batch.max_len;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int64_t b = 0; b < batch.size; ++b) {
    for (int64_t t = 0; t < batch.host_lengths[b]; ++t) {
      int64_t& id = ids[b * L + t];
      if (id == data::Vocabulary::kPad || id == data::Vocabulary::kUnknown) continue;
      if (max_count > 0 && vocabularies.words.Count(static_cast<int>(id)) > max_count) continue;
      if (uniform(rng) < probability) id = data::Vocabulary::kUnknown;
    }
  }
  batch.words = words.to(batch.words.device());
}

std::vector<std::vector<int>> LengthBucketedBatches(const std::vector<data::Sentence>& sentences,
                                                    int batch_size, uint64_t seed, int window_batches) {
  std::vector<int> order(sentences.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const std::size_t window = static_cast<std::size_t>(batch_size) * std::max(1, window_batches);
  std::vector<std::vector<int>> batches;
  for (std::size_t start = 0; start < order.size(); start += window) {
    const auto first = order.begin() + start;
    const auto last = order.begin() + std::min(order.size(), start + window);
    std::stable_sort(first, last,
                     [&](int a, int b) { return sentences[a].tokens.size() < sentences[b].tokens.size(); });
    for (auto it = first; it < last; it += std::min<std::ptrdiff_t>(batch_size, last - it))
      batches.emplace_back(it, it + std::min<std::ptrdiff_t>(batch_size, last - it));
  }
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

}  // namespace dts::model
