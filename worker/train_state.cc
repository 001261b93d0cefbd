#include "worker/train_state.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace dts::worker {

namespace {

constexpr char kMagic[] = "dts-resume 1\n";

// The JSON names are stored in trial files: renaming one breaks resuming the trials written before.
nlohmann::json ToJson(const TrainState& s) {
  return {{"epoch", s.epoch},
          {"next_batch", s.next_batch},
          {"epoch_loss", s.epoch_loss},
          {"epoch_ner", s.epoch_ner},
          {"epoch_re", s.epoch_re},
          {"epoch_sentences", s.epoch_sentences},
          {"epoch_train_seconds", s.epoch_train_seconds},
          {"best_score", s.best_score},
          {"best_epoch", s.best_epoch},
          {"epochs_since_best", s.epochs_since_best},
          {"train_seconds", s.train_seconds}};
}

TrainState FromJson(const nlohmann::json& j) {
  TrainState s;
  s.epoch = j.at("epoch");
  s.next_batch = j.at("next_batch");
  s.epoch_loss = j.at("epoch_loss");
  s.epoch_ner = j.at("epoch_ner");
  s.epoch_re = j.at("epoch_re");
  s.epoch_sentences = j.at("epoch_sentences");
  s.epoch_train_seconds = j.at("epoch_train_seconds");
  s.best_score = j.at("best_score");
  s.best_epoch = j.at("best_epoch");
  s.epochs_since_best = j.at("epochs_since_best");
  s.train_seconds = j.at("train_seconds");
  return s;
}

}  // namespace

std::string ResumePointHead(const TrainState& state, const std::string& cpu_rng_state,
                            std::uint64_t checkpoint_size) {
  std::string head = kMagic;
  const std::string state_json = ToJson(state).dump();
  for (const std::string* part : {&state_json, &cpu_rng_state}) {
    head += std::to_string(part->size()) + "\n";
    head += *part;
  }
  head += std::to_string(checkpoint_size) + "\n";
  return head;
}

ResumePoint UnpackResumePoint(std::string bytes, const std::string& source) {
  const std::string magic = kMagic;
  if (bytes.compare(0, magic.size(), magic) != 0)
    throw IoError(source, "resume checkpoint has an unknown format");
  size_t pos = magic.size();
  // Where each part's bytes start and how many there are: the state, the generator state, the checkpoint.
  size_t starts[3], sizes[3];
  for (int i = 0; i < 3; ++i) {
    const size_t newline = bytes.find('\n', pos);
    if (newline == std::string::npos) throw IoError(source, "resume checkpoint is truncated");
    sizes[i] = std::stoull(bytes.substr(pos, newline - pos));
    pos = newline + 1;
    if (pos + sizes[i] > bytes.size()) throw IoError(source, "resume checkpoint is truncated");
    starts[i] = pos;
    pos += sizes[i];
  }
  ResumePoint point;
  try {
    point.state = FromJson(nlohmann::json::parse(bytes.substr(starts[0], sizes[0])));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(source, std::string("resume checkpoint loop state: ") + e.what());
  }
  point.cpu_rng_state = bytes.substr(starts[1], sizes[1]);
  bytes.erase(0, starts[2]);  // moves the checkpoint to the front within the same buffer
  bytes.resize(sizes[2]);
  point.checkpoint = std::move(bytes);
  return point;
}

std::string CpuRngState() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  const torch::Tensor state = generator.get_state();
  return std::string(static_cast<const char*>(state.data_ptr()), state.numel());
}

void RestoreCpuRngState(const std::string& bytes) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  torch::Tensor state = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(state.data_ptr(), bytes.data(), bytes.size());
  generator.set_state(state);
}

}  // namespace dts::worker
