// One self-contained blob per trained model: resolved config (canonical INI), vocabularies (JSON), model
// weights and, optionally, the optimizer state. The worker stores these bytes in its HDF5 trial file;
// dts-predict needs nothing else.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "config/train_config.h"
#include "model/joint_model.h"

namespace dts::model {

// Bumped whenever the layout below changes incompatibly; LoadCheckpoint refuses other versions.
inline constexpr int64_t kCheckpointVersion = 1;

std::string SaveCheckpoint(const config::TrainConfig& config, const JointModel& model,
                           const torch::optim::Optimizer* optimizer);

struct Checkpoint {
  config::TrainConfig config;
  JointModel model{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;  // null when none was saved
};

// Rebuilds the model (and optimizer) on `device`. Malformed bytes throw IoError naming `source`.
Checkpoint LoadCheckpoint(const std::string& bytes, const torch::Device& device,
                          const std::string& source = "checkpoint");

void WriteCheckpointFile(const std::string& path, const std::string& bytes);
std::string ReadCheckpointFile(const std::string& path);

}  // namespace dts::model
