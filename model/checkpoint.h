// One self-contained blob per trained model: resolved config (canonical INI), vocabularies (JSON), model
// weights and, optionally, the optimizer state. The worker stores these bytes in its HDF5 trial file;
// dts-predict needs nothing else.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/train_config.h"
#include "model/joint_model.h"

namespace dts::model {

// Bumped whenever the layout below changes incompatibly; LoadCheckpoint refuses other versions.
inline constexpr int64_t kCheckpointVersion = 1;

// A checkpoint serialised on demand, for writers that stream it to its destination instead of holding it:
// with the optimizer state a checkpoint is tens of MB, and a serialisation buffer (grown by doubling) plus
// its copy held two to three times that at once. Size() and WriteTo() serialise it anew each time and see
// the same bytes while the model and the optimizer stay unchanged in between.
class CheckpointWriter {
 public:
  using Sink = std::function<void(const char* data, std::size_t size)>;

  // `optimizer` may be null (a model alone, as the best model is stored); both must outlive the writer.
  CheckpointWriter(const config::TrainConfig& config, const JointModel& model,
                   const torch::optim::Optimizer* optimizer);
  std::uint64_t Size();
  // Hands the bytes to `sink` in order, in pieces of any size.
  void WriteTo(const Sink& sink);

 private:
  torch::serialize::OutputArchive archive_;
};

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
