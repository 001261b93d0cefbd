#include "model/checkpoint.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "model/optimizer.h"

namespace dts::model {

std::string SaveCheckpoint(const config::TrainConfig& config, const JointModel& model,
                           const torch::optim::Optimizer* optimizer) {
  torch::serialize::OutputArchive archive;
  archive.write("version", c10::IValue(kCheckpointVersion));
  archive.write("config_ini", c10::IValue(config::TrainSchema().CanonicalIni(config)));
  archive.write("vocabularies", c10::IValue(model->vocabularies().ToJson().dump()));
  torch::serialize::OutputArchive weights;
  model->save(weights);
  archive.write("model", weights);
  archive.write("has_optimizer", c10::IValue(optimizer != nullptr));
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive state;
    optimizer->save(state);
    archive.write("optimizer", state);
  }
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

Checkpoint LoadCheckpoint(const std::string& bytes, const torch::Device& device, const std::string& source) {
  Checkpoint checkpoint;
  try {
    std::istringstream in(bytes);
    torch::serialize::InputArchive archive;
    archive.load_from(in, device);
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
