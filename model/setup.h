// From a config::TrainConfig to a ready model: load the data split, read word vectors, build the vocabularies
// from the training part, seed, construct the model on the device. dts-train --dry-run and the trainer share
// it.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "config/train_config.h"
#include "data/dataset.h"
#include "model/contextual.h"
#include "model/joint_model.h"

namespace dts::model {

struct ModelSetup {
  data::Dataset dataset;
  JointModel model{nullptr};
  std::unique_ptr<ContextualEmbeddings> contextual;  // null unless model.contextual
  std::string vector_coverage;                       // empty without data.word_vectors
};

// Seeds LibTorch's generator with train.seed before constructing, so the same config gives the same weights.
// `vectors`, when given, are the word vectors (the trial's own, data.vectors_text: vectors/trial_vectors.h);
// otherwise data.word_vectors is read when set.
ModelSetup SetUpModel(const config::TrainConfig& config, const torch::Device& device,
                      const data::WordVectors* vectors = nullptr);

// A few lines for a human: dataset, vocabulary sizes, coverage, and "trainable parameters: N".
std::string DescribeSetup(const ModelSetup& setup);

}  // namespace dts::model
