#include "model/checkpoint.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "model/optimizer.h"

namespace dts::model {

CheckpointWriter::CheckpointWriter(const config::TrainConfig& config, const JointModel& model,
                                   const torch::optim::Optimizer* optimizer) {
  // The archive refers to the model's and the optimizer's tensors; it copies none of them.
  archive_.write("version", c10::IValue(kCheckpointVersion));
  archive_.write("config_ini", c10::IValue(config::TrainSchema().CanonicalIni(config)));
  archive_.write("vocabularies", c10::IValue(model->vocabularies().ToJson().dump()));
  torch::serialize::OutputArchive weights;
  model->save(weights);
  archive_.write("model", weights);
  archive_.write("has_optimizer", c10::IValue(optimizer != nullptr));
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive state;
    optimizer->save(state);
    archive_.write("optimizer", state);
  }
}

std::uint64_t CheckpointWriter::Size() {
  std::uint64_t size = 0;
  archive_.save_to([&size](const void*, std::size_t n) {
    size += n;
    return n;
  });
  return size;
}

void CheckpointWriter::WriteTo(const Sink& sink) {
  archive_.save_to([&sink](const void* data, std::size_t n) {
    sink(static_cast<const char*>(data), n);
    return n;
  });
}

std::string SaveCheckpoint(const config::TrainConfig& config, const JointModel& model,
                           const torch::optim::Optimizer* optimizer) {
  CheckpointWriter writer(config, model, optimizer);
  std::string bytes;
  bytes.reserve(writer.Size());
  writer.WriteTo([&bytes](const char* data, std::size_t n) { bytes.append(data, n); });
  return bytes;
}

Checkpoint LoadCheckpoint(const std::string& bytes, const torch::Device& device, const std::string& source) {
  Checkpoint checkpoint;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size(), device);  // reads `bytes` in place, no copy
    c10::IValue value;
    archive.read("version", value);
    if (value.toInt() != kCheckpointVersion)
      throw IoError(source, "checkpoint version " + std::to_string(value.toInt()) + ", this build reads " +
                                std::to_string(kCheckpointVersion));
    archive.read("config_ini", value);
    checkpoint.config = config::ParseTrainConfig(value.toStringRef(), source + ":config_ini");
    archive.read("vocabularies", value);
    auto vocabularies = Vocabularies::FromJson(nlohmann::json::parse(value.toStringRef()));
    checkpoint.model = JointModel(checkpoint.config.model, std::move(vocabularies));
    torch::serialize::InputArchive weights;
    archive.read("model", weights);
    checkpoint.model->load(weights);
    checkpoint.model->to(device);
    archive.read("has_optimizer", value);
    if (value.toBool()) {
      checkpoint.optimizer = MakeOptimizer(checkpoint.config.train, checkpoint.model->TrainableParameters());
      torch::serialize::InputArchive state;
      archive.read("optimizer", state);
      checkpoint.optimizer->load(state);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw IoError(source, "not a readable dts checkpoint: " + what.substr(0, what.find('\n')));
  }
  return checkpoint;
}

void WriteCheckpointFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw IoError(path, "cannot write checkpoint");
}

std::string ReadCheckpointFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open checkpoint");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace dts::model
