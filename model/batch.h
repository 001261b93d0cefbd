// A padded mini-batch: every index the model needs, built on the host in one pass over the sentences and
// moved to the model's device once. The model never looks at strings.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/corpus.h"
#include "model/contextual.h"
#include "model/vocabularies.h"

namespace dts::model {

struct Batch {
  int size = 0;     // B, sentences
  int max_len = 0;  // L, tokens of the longest sentence
  std::vector<const data::Sentence*> sentences;
  std::vector<int64_t> host_lengths;

  torch::Tensor words;    // [B, L] int64 word ids, padding 0
  torch::Tensor lengths;  // [B] int64, always on the CPU (packing needs host lengths)
  torch::Tensor mask;     // [B, L] bool, true at real tokens
  torch::Tensor casing;   // [B, L] int64 Casing, padding kCasingPad
  // Characters of the batch's distinct token strings (U of them): each is encoded once.
  torch::Tensor char_ids;      // [U, C] int64, padding 0
  torch::Tensor char_lengths;  // [U] int64, CPU
  torch::Tensor token_types;   // [B, L] int64 row of char_ids for each token; padding U (a zero row)
  torch::Tensor contextual;    // [B, layers, L, dim] float, undefined when contextual embeddings are off

  // Gold annotation, defined only when built with gold.
  bool has_gold = false;
  torch::Tensor tags;           // [B, L] int64 BIO tag ids, padding 0
  torch::Tensor entity_last;    // [B, E] int64 last token of each gold entity, padding 0
  torch::Tensor entity_label;   // [B, E] int64 tag id at that token
  torch::Tensor entity_mask;    // [B, E] bool
  torch::Tensor relation_gold;  // [B, E, E, K] float: 1 at (b, head, tail, k) for every gold relation;
                                // the model derives its pair targets from it (JointModel::Loss)
};

// Sentences must have at least one token. With `with_gold`, entity and relation types unknown to the
// vocabularies throw InputError naming the sentence. `contextual` may be null (then batch.contextual is
// undefined).
Batch MakeBatch(const std::vector<const data::Sentence*>& sentences, const Vocabularies& vocabularies,
                const torch::Device& device, bool with_gold,
                const ContextualEmbeddings* contextual = nullptr);

// Word dropout on a training batch: every token whose word was seen at most `max_count` times in the training
// set (0: every known word) becomes the unknown word with `probability`. The draws depend on `seed` alone
// (one generator per call), so a resumed epoch replays exactly the replacements of the interrupted one.
void ApplyWordDropout(Batch& batch, const Vocabularies& vocabularies, double probability, int max_count,
                      uint64_t seed);

// Batches of similar length: shuffle with `seed`, sort windows of 50 batches by length, cut, shuffle the
// batches. Less padding and far fewer wasted RNN steps than random batches, with nearly the same randomness.
// `window_batches` batches are sorted together (1: plain random batches).
std::vector<std::vector<int>> LengthBucketedBatches(const std::vector<data::Sentence>& sentences,
                                                    int batch_size, uint64_t seed, int window_batches = 50);

}  // namespace dts::model
