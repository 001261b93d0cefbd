// The joint NER + RE model of Crone (2020): embedder -> shared BiRNN stack -> NER stack -> FFNN e1 -> FFNN e2
// -> CRF, and shared stack -> RE stack -> entity-end representations ∘ label embedding -> relation scorer.
// docs/model.md describes it as implemented.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/model_config.h"
#include "data/corpus.h"
#include "data/word_vectors.h"
#include "model/batch.h"
#include "model/layers.h"
#include "model/vocabularies.h"

namespace dts::model {

struct Losses {
  torch::Tensor ner;    // CRF negative log-likelihood, summed over the batch's sentences / B
  torch::Tensor re;     // binary cross-entropy, summed over pairs and relation types / B
  torch::Tensor total;  // ner + lambda_r * re
};

struct ScoredRelation {
  int head = 0;  // index into SentencePrediction::entities
  int tail = 0;
  std::string type;
  double probability = 0;
};

struct SentencePrediction {
  std::vector<data::Entity> entities;     // from Viterbi + data::DecodeBio
  std::vector<ScoredRelation> relations;  // every (pair, type) with probability >= the floor, oriented
};

// Relations below this probability are not returned by Predict; low enough that sweeping theta_r over
// [0.05, 0.95] afterwards loses nothing.
inline constexpr double kProbabilityFloor = 0.01;

class JointModelImpl : public torch::nn::Module {
 public:
  // `word_vectors`: undefined for random initialisation, else [vocabularies.words.Size(), word_dim].
  // Weights are drawn from LibTorch's global generator: seed it (torch::manual_seed) first.
  JointModelImpl(const config::ModelConfig& config, Vocabularies vocabularies,
                 const torch::Tensor& word_vectors = {});

  Losses Loss(const Batch& batch, double lambda_r);
  // Runs in eval mode without gradients (and restores the previous mode).
  std::vector<SentencePrediction> Predict(const Batch& batch, double probability_floor = kProbabilityFloor);

  int64_t TrainableParameterCount() const;
  std::vector<torch::Tensor> TrainableParameters() const;
  const config::ModelConfig& config() const { return config_; }
  const Vocabularies& vocabularies() const { return vocabularies_; }

  // The stages, public so tests can check them one by one.
  struct Encoded {
    torch::Tensor ner;  // [B, L, ner width], zero at padding
    torch::Tensor re;   // [B, L, re width]
  };
  Encoded Encode(const Batch& batch);
  torch::Tensor NerEmissions(const torch::Tensor& h_ner);  // [B, L, tags]
  torch::Tensor RelationLogits(const torch::Tensor& h_re, const torch::Tensor& entity_last,
                               const torch::Tensor& entity_label,
                               const torch::Tensor& entity_mask);  // [P, K]
  Crf& crf() { return crf_; }
  RelationScorer& relation_scorer() { return scorer_; }

 private:
  config::ModelConfig config_;
  Vocabularies vocabularies_;
  Embedder embedder_{nullptr};
  BiRnnStack shared_{nullptr}, ner_stack_{nullptr}, re_stack_{nullptr};
  torch::nn::Linear e1_{nullptr}, e2_{nullptr};
  Crf crf_{nullptr};
  torch::nn::Embedding label_embedding_{nullptr};
  RelationScorer scorer_{nullptr};
};
TORCH_MODULE(JointModel);

// [words, dim] matrix for the word vocabulary: the pretrained vector where there is one (exact word, else
// its lowercase form), else a draw from N(0, s^2), s the standard deviation of the pretrained values.
torch::Tensor WordVectorMatrix(const data::Vocabulary& words, const data::WordVectors& vectors);

}  // namespace dts::model
