// The building blocks of the joint model: the token embedder, BiRNN layers and stacks (one cell factory),
// the linear-chain CRF and the relation scorer. Each is an XImpl + TORCH_MODULE pair.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/model_config.h"
#include "model/batch.h"
#include "model/fused_rnn.h"

namespace dts::model {

torch::Tensor Activate(config::Activation activation, const torch::Tensor& x);

// Inverted dropout: zeroes each element with probability p and scales the rest by 1 / (1 - p); the identity
// when not training or p = 0. On the CPU the mask is a counter-based hash of one 64-bit draw from LibTorch's
// global generator (so seeding and saving that generator still make training reproducible and resumable);
// LibTorch's bernoulli_ drew one 64-bit number per element: a quarter to a third of a training step's forward
// pass.
torch::Tensor Dropout(const torch::Tensor& x, double p, bool training);

// Re-draws an embedding matrix [rows, d] in place as model.embedding_init says (see config::EmbeddingInit).
void InitEmbedding(config::EmbeddingInit init, torch::Tensor& weight);

// Where each padded sequence of a batch ends, and the index that reverses every sequence within its own
// length (an involution: applying it twice restores the order). Padding stays at the end either way.
struct SequenceLayout {
  torch::Tensor last;            // [B] int64, length - 1, on the data's device
  torch::Tensor reverse;         // [B, L] int64: t -> length - 1 - t for t < length, t otherwise
  std::vector<int64_t> lengths;  // [B], on the host
  static SequenceLayout Make(const torch::Tensor& lengths, int64_t max_len, const torch::Device& device);
};

// One bidirectional recurrent layer over padded, batch-first input; the constructor is the only switch on
// config::CellType. The parameters are those of two LibTorch LSTM/GRU modules (names, shapes,
// initialisation), so checkpoints and parameter counts do not depend on how the layer runs. In both
// directions padding only ever follows the real tokens: the backward direction starts at each sequence's own
// last token. On the CPU both directions run as one fused autograd node (model/fused_rnn.h); elsewhere as
// LibTorch modules over each sequence reversed within its length. (Packed sequences give the same guarantee,
// but LibTorch's CPU kernel slices its input once per time step and each slice's backward allocates and
// zero-fills the whole input: quadratic, and 3x slower.)
class BiRnnLayerImpl : public torch::nn::Module {
 public:
  BiRnnLayerImpl(config::CellType cell, int64_t input_size, int64_t hidden_size);
  // [B, L, input] -> [B, L, 2 * hidden]; positions past a sequence's length hold unspecified values.
  torch::Tensor forward(const torch::Tensor& x, const SequenceLayout& layout);
  // The last state of each direction, concatenated: [B, 2 * hidden].
  torch::Tensor FinalStates(const torch::Tensor& x, const SequenceLayout& layout);

 private:
  torch::Tensor Run(int direction, const torch::Tensor& x);
  RnnWeights Weights(int direction) const;
  config::CellType cell_;
  torch::nn::LSTM lstm_[2] = {nullptr, nullptr};
  torch::nn::GRU gru_[2] = {nullptr, nullptr};
};
TORCH_MODULE(BiRnnLayer);

// Reverses each sequence of x [B, L, D] within its length.
torch::Tensor ReverseWithin(const torch::Tensor& x, const SequenceLayout& layout);

// `layers` BiRNN layers (possibly 0: then the identity), dropout before each.
class BiRnnStackImpl : public torch::nn::Module {
 public:
  BiRnnStackImpl(config::CellType cell, int64_t input_size, int64_t hidden_size, int layers, double dropout);
  torch::Tensor forward(const torch::Tensor& x, const SequenceLayout& layout);
  int64_t output_size() const { return output_size_; }

 private:
  std::vector<BiRnnLayer> layers_;
  double dropout_;
  int64_t output_size_;
};
TORCH_MODULE(BiRnnStack);

// The character BiRNN's output for each distinct character sequence seen at inference, kept across batches
// while the character weights stay the same (same storage, same version): an evaluation pass then encodes
// each distinct token string once, not once per batch. CPU only; cleared when the weights change.
class CharStateCache {
 public:
  // States [U, 2h] for the batch's strings (char_ids [U, C], char_lengths [U], both on the CPU); `encode`
  // computes the missing ones from a subset of rows (ids [M, C'], lengths [M]) -> [M, 2h].
  torch::Tensor Lookup(
      const torch::Tensor& char_ids, const torch::Tensor& char_lengths,
      const std::vector<torch::Tensor>& weights,
      const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& encode);

 private:
  static constexpr int64_t kMaxEntries = 1 << 18;            // beyond this, start over (bounded memory)
  std::vector<std::pair<const void*, uint32_t>> signature_;  // each weight's storage and version
  std::unordered_map<std::string, int64_t> row_of_;          // character ids (bytes) -> row of values_
  torch::Tensor values_;                                     // [capacity, 2h]
  int64_t rows_ = 0;
};

// v_i = word ∘ char BiRNN ∘ casing one-hot ∘ scaled softmax mix of contextual layers (each part optional but
// the word embedding).
class EmbedderImpl : public torch::nn::Module {
 public:
  // `word_vectors`: undefined for random initialisation, else [words, word_dim] (copied).
  EmbedderImpl(const config::ModelConfig& config, int64_t words, int64_t chars,
               const torch::Tensor& word_vectors);
  torch::Tensor forward(const Batch& batch);  // [B, L, output_size()]
  int64_t output_size() const { return output_size_; }

 private:
  config::ModelConfig config_;
  torch::nn::Embedding word_{nullptr};
  torch::nn::Embedding char_{nullptr};
  BiRnnLayer char_rnn_{nullptr};
  CharStateCache char_cache_;  // used under c10::InferenceMode in eval mode (JointModel::Predict)
  torch::Tensor mix_weights_;  // [contextual_layers], softmax-normalised in forward
  torch::Tensor mix_scale_;    // [1]
  int64_t output_size_ = 0;
};
TORCH_MODULE(Embedder);

// Linear-chain CRF over tag scores. transitions[i][j] scores tag i followed by tag j.
class CrfImpl : public torch::nn::Module {
 public:
  explicit CrfImpl(int64_t num_tags);
  // log Z per sentence: [B]. emissions [B, L, T]; mask [B, L] bool, a prefix of each row, mask[:, 0] true.
  // On the CPU one autograd node with a hand-written forward-backward gradient; elsewhere tensor ops.
  torch::Tensor LogPartition(const torch::Tensor& emissions, const torch::Tensor& mask);
  // Score of the given tag sequences: [B].
  torch::Tensor SequenceScore(const torch::Tensor& emissions, const torch::Tensor& tags,
                              const torch::Tensor& mask);
  // -log p(tags | emissions): [B].
  torch::Tensor NegLogLikelihood(const torch::Tensor& emissions, const torch::Tensor& tags,
                                 const torch::Tensor& mask) {
    return LogPartition(emissions, mask) - SequenceScore(emissions, tags, mask);
  }
  // Best tag sequence of each sentence (its real length).
  std::vector<std::vector<int64_t>> Viterbi(const torch::Tensor& emissions, const torch::Tensor& mask);

  torch::Tensor transitions, start, end;
};
TORCH_MODULE(Crf);

// Scores every pair of entities of each sentence at once:
// s = r2([DistMult_k(g_i, g_j) for k] ∘ (1 - cos(r1(g_i), r1(g_j)))), one logit per relation type.
// Unordered (the paper): pairs i < j; s is symmetric in (i, j). Ordered: pairs i != j with i the head, and
// s + head_k · g_i + tail_k · g_j, the only terms that differ between (i, j) and (j, i).
class RelationScorerImpl : public torch::nn::Module {
 public:
  RelationScorerImpl(int64_t input_size, int64_t relations, int64_t ffnn_size, config::Activation activation,
                     double dropout, bool ordered = false);
  // g [B, E, p], entity_mask [B, E] bool -> logits [P, K], rows in PairMask(entity_mask) row-major order.
  torch::Tensor forward(const torch::Tensor& g, const torch::Tensor& entity_mask);
  // [B, E, E] bool: both entities real and i < j (unordered) or i != j (ordered).
  static torch::Tensor PairMask(const torch::Tensor& entity_mask, bool ordered = false);
  bool ordered() const { return ordered_; }

  torch::Tensor distmult;  // [K, p], the diagonals of M^{r_k}
  torch::nn::Linear r1{nullptr}, r2{nullptr};
  torch::Tensor head, tail;  // [K, p] each, ordered only (zeros at first: the paper's scorer)

 private:
  config::Activation activation_;
  double dropout_;
  bool ordered_;
};
TORCH_MODULE(RelationScorer);

}  // namespace dts::model
