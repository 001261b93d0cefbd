// What a trial trains and what it learns from: shared by the training loop, its observers and the final
// evaluation, so that restoring a checkpoint (a resume, or the best epoch at the end) is seen by all of them.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "config/train_config.h"
#include "data/dataset.h"
#include "model/contextual.h"
#include "model/joint_model.h"
#include "worker/metrics.h"

namespace dts::worker {

struct Learner {
  torch::Device device{torch::kCPU};
  data::Dataset dataset;
  std::unique_ptr<model::ContextualEmbeddings> contextual;  // null unless model.contextual
  model::JointModel model{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  // The label sets macro averages run over: the training vocabulary's.
  std::vector<std::string> entity_types, relation_types;

  // Runs the model over `corpus` and scores it with relation threshold `theta_r`; `predictions`, when given,
  // receives what the model said.
  Scores Evaluate(const data::Corpus& corpus, float theta_r,
                  std::vector<SentencePrediction>* predictions = nullptr);
};

// A new trial's starting point: the data, the model and its optimizer for `config` (model::SetUpModel seeds
// the weights with train.seed). `notes` receives lines for people: the dataset, the word vectors and their
// coverage. With data.vectors_text the trial's own vectors are found in, or trained into,
// `vectors_cache_dir` (vectors/trial_vectors.h).
Learner MakeLearner(const config::TrainConfig& config, const torch::Device& device,
                    const std::string& vectors_cache_dir, std::vector<std::string>& notes);

}  // namespace dts::worker
