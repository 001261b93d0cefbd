#include "worker/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/hash.h"
#include "common/stop.h"
#include "common/version.h"
#include "data/dataset.h"
#include "model/batch.h"
#include "model/checkpoint.h"
#include "model/contextual.h"
#include "model/device.h"
#include "model/joint_model.h"
#include "model/optimizer.h"
#include "model/setup.h"
#include "worker/evaluation.h"

namespace dts::worker {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string IsoNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string HostName() {
  char buffer[256] = {0};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

// Everything besides model and optimizer that an exact resume needs.
struct LoopState {
  int epoch = 0;       // completed epochs
  int next_batch = 0;  // first batch of epoch `epoch + 1` still to run (non-zero after a mid-epoch stop)
  double epoch_loss = 0, epoch_ner = 0, epoch_re = 0;
  long epoch_sentences = 0;
  double epoch_train_seconds = 0;
  double best_score = -1;
  int best_epoch = 0;
  int epochs_since_best = 0;
  double train_seconds = 0;  // over all epochs and resumes, for train.time_limit_s

  nlohmann::json ToJson() const {
    return {{"epoch", epoch},
            {"next_batch", next_batch},
            {"epoch_loss", epoch_loss},
            {"epoch_ner", epoch_ner},
            {"epoch_re", epoch_re},
            {"epoch_sentences", epoch_sentences},
            {"epoch_train_seconds", epoch_train_seconds},
            {"best_score", best_score},
            {"best_epoch", best_epoch},
            {"epochs_since_best", epochs_since_best},
            {"train_seconds", train_seconds}};
  }
  static LoopState FromJson(const nlohmann::json& j) {
    LoopState s;
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
};

// The resumable checkpoint: a small framed container of the loop state (JSON), the CPU generator state and
// the model + optimizer checkpoint. Framing: "dts-resume 1\n" then "<bytes>\n" + payload, three times.
std::string PackResume(const LoopState& state, const std::string& rng_state, const std::string& checkpoint) {
  std::string out = "dts-resume 1\n";
  const std::string loop_state = state.ToJson().dump();
  for (const std::string* part : {&loop_state, &rng_state, &checkpoint}) {
    out += std::to_string(part->size()) + "\n";
    out += *part;
  }
  return out;
}

void UnpackResume(const std::string& bytes, const std::string& source, LoopState& state, std::string& rng_state,
                  std::string& checkpoint) {
  const std::string magic = "dts-resume 1\n";
  if (bytes.compare(0, magic.size(), magic) != 0) throw IoError(source, "resume checkpoint has an unknown format");
  size_t pos = magic.size();
  std::string parts[3];
  for (auto& part : parts) {
    const size_t newline = bytes.find('\n', pos);
    if (newline == std::string::npos) throw IoError(source, "resume checkpoint is truncated");
    const size_t size = std::stoull(bytes.substr(pos, newline - pos));
    pos = newline + 1;
    if (pos + size > bytes.size()) throw IoError(source, "resume checkpoint is truncated");
    part = bytes.substr(pos, size);
    pos += size;
  }
  try {
    state = LoopState::FromJson(nlohmann::json::parse(parts[0]));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(source, std::string("resume checkpoint loop state: ") + e.what());
  }
  rng_state = std::move(parts[1]);
  checkpoint = std::move(parts[2]);
}

// Dropout draws from LibTorch's default CPU generator; its state is part of an exact resume.
std::string GetCpuRngState() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  const torch::Tensor state = generator.get_state();
  return std::string(static_cast<const char*>(state.data_ptr()), state.numel());
}

void SetCpuRngState(const std::string& bytes) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  torch::Tensor state = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(state.data_ptr(), bytes.data(), bytes.size());
  generator.set_state(state);
}

std::string WithoutMaxEpochs(const std::string& canonical_ini) {
  std::istringstream in(canonical_ini);
  std::string line, section, out;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') section = line;
    if (section == "[train]" && line.rfind("max_epochs ", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

// One stream per (seed, epoch, batch): independent of how many batches ran before a resume.
uint64_t WordDropoutSeed(int seed, int epoch, int batch) {
  return Hasher().Add("word_dropout").Add(static_cast<uint64_t>(seed)).Add(static_cast<uint64_t>(epoch))
      .Add(static_cast<uint64_t>(batch)).Value();
}

}  // namespace

bool SelectsOnMicro(const model::TrainConfig& config) {
  switch (config.train.selection_average) {
    case model::SelectionAverage::kMicro:
      return true;
    case model::SelectionAverage::kMacro:
      return false;
    case model::SelectionAverage::kAuto:
      break;
  }
  return config.data.format == data::CorpusFormat::kConll04;  // CoNLL04 reports micro; ADE and others macro
}

namespace {

double DevScore(const Scores& dev, model::EarlyStopMetric metric, bool micro) {
  const double ner = micro ? dev.ner.micro_f1 : dev.ner.macro_f1;
  const double re = micro ? dev.re.micro_f1 : dev.re.macro_f1;
  switch (metric) {
    case model::EarlyStopMetric::kNerF1:
      return ner;
    case model::EarlyStopMetric::kReF1:
      return re;
    case model::EarlyStopMetric::kMean:
      break;
  }
  return (ner + re) / 2;
}

std::string DatasetName(const data::DataConfig& config) {
  switch (config.format) {
    case data::CorpusFormat::kAde:
      return "ade";
    case data::CorpusFormat::kConll04:
      return "conll04";
    case data::CorpusFormat::kJson:
      break;
  }
  std::filesystem::path path(config.path);
  if (path.filename().empty()) path = path.parent_path();
  return path.stem().string();
}

std::string FormatDuration(double seconds) {
  char buffer[32];
  const long s = static_cast<long>(seconds);
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  return buffer;
}

class Progress {
 public:
  explicit Progress(ProgressMode mode) : mode_(mode) {}
  void Epoch(const schema::EpochRow& row, int max_epochs, double elapsed, bool improved, bool micro) const {
    if (mode_ == ProgressMode::kQuiet) return;
    const double eta = row.epoch > 0 ? elapsed / row.epoch * (max_epochs - row.epoch) : 0;
    if (mode_ == ProgressMode::kJson) {
      std::cerr << nlohmann::json{{"event", "epoch"},
                                  {"epoch", row.epoch},
                                  {"max_epochs", max_epochs},
                                  {"loss", row.train_loss},
                                  {"ner_loss", row.ner_loss},
                                  {"re_loss", row.re_loss},
                                  {"dev_ner_f1_macro", row.dev_ner_f1_macro},
                                  {"dev_re_f1_macro", row.dev_re_f1_macro},
                                  {"dev_ner_f1_micro", row.dev_ner_f1_micro},
                                  {"dev_re_f1_micro", row.dev_re_f1_micro},
                                  {"dev_score", row.dev_score},
                                  {"sentences_per_second", row.sentences_per_second},
                                  {"seconds", row.seconds},
                                  {"elapsed_s", elapsed},
                                  {"eta_s", eta}}
                       .dump()
                << std::endl;
      return;
    }
    // The text line shows the averaging that selects epochs, so its "score" can be read off the two F1s.
    char line[256];
    std::snprintf(line, sizeof line,
                  "epoch %d/%d loss %.4f (ner %.4f re %.4f) dev %s F1 ner %.2f re %.2f score %.2f%s | %.0f sent/s | "
                  "%.1fs | elapsed %s ETA<=%s",
                  row.epoch, max_epochs, row.train_loss, row.ner_loss, row.re_loss, micro ? "micro" : "macro",
                  micro ? row.dev_ner_f1_micro : row.dev_ner_f1_macro,
                  micro ? row.dev_re_f1_micro : row.dev_re_f1_macro, row.dev_score, improved ? " *" : "",
                  row.sentences_per_second, row.seconds,
                  FormatDuration(elapsed).c_str(), FormatDuration(eta).c_str());
    std::cerr << line << std::endl;
  }
  void Note(const std::string& text) const {
    if (mode_ == ProgressMode::kText) std::cerr << text << std::endl;
    if (mode_ == ProgressMode::kJson) std::cerr << nlohmann::json{{"event", "note"}, {"text", text}}.dump() << std::endl;
  }

 private:
  ProgressMode mode_;
};

void InjectFault(model::Fault fault) {
  switch (fault) {
    case model::Fault::kCrash:
      std::raise(SIGSEGV);
      break;
    case model::Fault::kAbort:
      std::abort();
    case model::Fault::kHang:
      // A stuck trial: only a signal ends it (the sweep's stop, or a kill).
      while (!StopRequested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      break;
    case model::Fault::kNan:
    case model::Fault::kNone:
      break;
  }
}

std::string FailureClassOf(const std::exception_ptr& error, std::string& message) {
  try {
    std::rethrow_exception(error);
  } catch (const ConfigError& e) {
    message = e.what();
    return "bad_config";
  } catch (const InputError& e) {
    message = e.what();
    return "bad_config";
  } catch (const DivergedError& e) {
    message = e.what();
    return "diverged";
  } catch (const IoError& e) {
    message = e.what();
    return "io";
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown error";
  }
  return "crashed";
}

class TrialRun {
 public:
  explicit TrialRun(const TrialOptions& options) : options_(options), config_(options.config), progress_(options.progress) {}

  TrialOutcome Run();

 private:
  void Prepare();
  bool TrainEpochs();  // false when stopped by a signal
  void Finish();
  void Save(const std::string& status);
  Scores Evaluate(const data::Corpus& corpus, float theta_r, std::vector<SentencePrediction>* predictions);

  const TrialOptions& options_;
  const model::TrainConfig& config_;
  Progress progress_;
  torch::Device device_{torch::kCPU};
  std::string config_ini_;
  data::Dataset dataset_;
  std::unique_ptr<model::ContextualEmbeddings> contextual_;
  model::JointModel model_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<std::string> entity_types_, relation_types_;
  LoopState state_;
  schema::TrialFile trial_;
  bool fixed_final_ = false;  // train+dev protocol: dev is inside training, so no early stopping
};

TrialOutcome TrialRun::Run() {
  const int threads = options_.threads > 0 ? options_.threads : config_.train.threads;
  if (threads > 0) torch::set_num_threads(threads);
  device_ = model::ResolveDevice(options_.device);
  config_ini_ = model::TrainSchema().CanonicalIni(config_);

  namespace fs = std::filesystem;
  const bool exists = fs::exists(options_.out_path);
  if (exists && !options_.resume)
    throw UsageError(options_.out_path + ": trial file exists; pass --resume to continue it, or choose another --out");
  if (exists) {
    trial_ = schema::ReadTrialFile(options_.out_path, /*with_checkpoints=*/true);
    // train.max_epochs may grow between runs of one trial (ASHA promotes a trial by resuming it with a larger
    // budget); any other difference means this file belongs to another configuration.
    if (WithoutMaxEpochs(trial_.config_ini) != WithoutMaxEpochs(config_ini_))
      throw ConfigError("", "", options_.out_path + ": the trial file was written for a different configuration");
    const bool more_epochs = config_.train.max_epochs > trial_.epochs_run && trial_.resume.has_value();
    if (trial_.status == "completed" && !more_epochs) {
      progress_.Note(options_.out_path + ": already completed, nothing to resume");
      trial_.best_model.reset();
      trial_.resume.reset();
      return {kExitOk, trial_};
    }
  }
  try {
    Prepare();
    if (!TrainEpochs()) {
      trial_.failure_class = "interrupted";
      trial_.failure_message = "stopped by signal " + std::to_string(StopSignal()) + " at epoch " +
                               std::to_string(state_.epoch + 1) + " batch " + std::to_string(state_.next_batch);
      Save("interrupted");
      progress_.Note(options_.out_path + ": checkpointed after signal; resume with --resume");
      trial_.best_model.reset();
      trial_.resume.reset();
      return {kExitResumeMe, trial_};
    }
    Finish();
  } catch (...) {
    const auto error = std::current_exception();
    if (!trial_.trial_id.empty()) {
      std::string message;
      trial_.failure_class = FailureClassOf(error, message);
      trial_.failure_message = message.substr(0, message.find('\n'));
      try {
        Save(trial_.failure_class == "diverged" ? "diverged" : "failed");
      } catch (const std::exception& e) {
        std::cerr << "dts-train: could not record the failure in " << options_.out_path << ": " << e.what() << std::endl;
      }
    }
    std::rethrow_exception(error);
  }
  trial_.best_model.reset();
  trial_.resume.reset();
  return {kExitOk, trial_};
}

void TrialRun::Prepare() {
  auto setup = model::SetUpModel(config_, device_);
  dataset_ = std::move(setup.dataset);
  model_ = setup.model;
  contextual_ = std::move(setup.contextual);
  progress_.Note(dataset_.description);
  if (!setup.vector_coverage.empty()) progress_.Note(setup.vector_coverage);
  fixed_final_ = dataset_.split.kind == data::SplitKind::kFixed && config_.data.protocol == data::Protocol::kFinal;
  entity_types_ = model_->vocabularies().entity_types.Symbols();
  relation_types_ = model_->vocabularies().relation_types.Symbols();
  optimizer_ = model::MakeOptimizer(config_.train, model_->TrainableParameters());

  const bool resuming = trial_.resume.has_value();
  if (resuming) {
    std::string rng, checkpoint;
    UnpackResume(*trial_.resume, options_.out_path, state_, rng, checkpoint);
    auto restored = model::LoadCheckpoint(checkpoint, device_, options_.out_path);
    model_ = restored.model;
    if (!restored.optimizer) throw IoError(options_.out_path, "resume checkpoint has no optimizer state");
    optimizer_ = std::move(restored.optimizer);
    SetCpuRngState(rng);
    progress_.Note("resuming at epoch " + std::to_string(state_.epoch + 1) + " batch " +
                   std::to_string(state_.next_batch));
  } else {
    trial_ = schema::TrialFile{};
    trial_.start_time = IsoNow();
  }
  if (trial_.data_fingerprint.empty() == false && trial_.data_fingerprint != dataset_.fingerprint)
    throw InputError(config_.data.path, 0, "the data changed since this trial started (fingerprint differs)");

  trial_.config_ini = config_ini_;
  trial_.stage = config_.trial.stage;
  trial_.variant = config_.trial.variant;
  trial_.config_id = !options_.config_id.empty() ? options_.config_id : ConfigId(config_ini_);
  trial_.dataset = DatasetName(config_.data);
  trial_.fold = config_.data.fold;
  trial_.seed = static_cast<uint64_t>(config_.train.seed);
  trial_.data_fingerprint = dataset_.fingerprint;
  trial_.trainable_parameters = model_->TrainableParameterCount();
  trial_.dts_version = Version();
  trial_.host = HostName();
  trial_.trial_id = !options_.trial_id.empty()
                        ? options_.trial_id
                        : Hasher()
                              .Add(config_ini_)
                              .Add(static_cast<uint64_t>(trial_.fold))
                              .Add(trial_.seed)
                              .Add(dataset_.fingerprint)
                              .Hex();
  trial_.failure_class.clear();
  trial_.failure_message.clear();
  if (!resuming) Save("running");
}

Scores TrialRun::Evaluate(const data::Corpus& corpus, float theta_r, std::vector<SentencePrediction>* predictions) {
  std::vector<SentencePrediction> predicted = PredictCorpus(model_, corpus, device_, 64, contextual_.get());
  Scores scores = worker::Evaluate(corpus.sentences, predicted, entity_types_, relation_types_, theta_r);
  if (predictions) *predictions = std::move(predicted);
  return scores;
}

bool TrialRun::TrainEpochs() {
  const auto& train = dataset_.train.sentences;
  const int max_epochs = config_.train.max_epochs;
  const auto run_start = Clock::now();
  const double seconds_before = state_.train_seconds;
  auto over_time = [&] {
    return config_.train.time_limit_s > 0 && state_.train_seconds >= config_.train.time_limit_s;
  };
  const bool early_stopping = !fixed_final_ && config_.train.patience > 0;
  while (state_.epoch < max_epochs && (!early_stopping || state_.epochs_since_best < config_.train.patience) &&
         !over_time()) {
    const int epoch = state_.epoch + 1;
    if (state_.next_batch == 0 && epoch == config_.debug.fault_epoch) InjectFault(config_.debug.fault);
    const auto batches = model::LengthBucketedBatches(
        train, config_.train.batch_size, static_cast<uint64_t>(config_.train.seed) * 1000003ULL + epoch,
        config_.train.length_bucket_batches);
    model_->train();
    auto epoch_start = Clock::now();
    const double epoch_seconds_before = state_.epoch_train_seconds;
    for (int b = state_.next_batch; b < static_cast<int>(batches.size()); ++b) {
      if (config_.train.time_limit_s > 0 &&
          seconds_before + SecondsSince(run_start) >= config_.train.time_limit_s) {
        progress_.Note("train.time_limit_s reached at epoch " + std::to_string(epoch) + " batch " + std::to_string(b));
        state_.train_seconds = seconds_before + SecondsSince(run_start);
        break;
      }
      if (StopRequested()) {
        state_.next_batch = b;
        state_.epoch_train_seconds = epoch_seconds_before + SecondsSince(epoch_start);
        state_.train_seconds = seconds_before + SecondsSince(run_start);
        return false;
      }
      std::vector<const data::Sentence*> members;
      for (int index : batches[b]) members.push_back(&train[index]);
      auto batch = model::MakeBatch(members, model_->vocabularies(), device_, true, contextual_.get());
      model::ApplyWordDropout(batch, model_->vocabularies(), config_.train.word_dropout,
                              config_.train.word_dropout_max_count, WordDropoutSeed(config_.train.seed, epoch, b));
      optimizer_->zero_grad();
      auto losses = model_->Loss(batch, config_.train.lambda_r);
      torch::Tensor total = losses.total;
      if (config_.debug.fault == model::Fault::kNan && epoch == config_.debug.fault_epoch)
        total = total * std::numeric_limits<float>::quiet_NaN();
      const double loss_value = total.item<double>();
      if (!std::isfinite(loss_value)) throw DivergedError(epoch, b, "training loss is " + std::to_string(loss_value));
      total.backward();
      if (config_.train.clip_norm > 0)
        torch::nn::utils::clip_grad_norm_(model_->TrainableParameters(), config_.train.clip_norm);
      optimizer_->step();
      const double n = static_cast<double>(members.size());
      state_.epoch_loss += loss_value * n;
      state_.epoch_ner += losses.ner.item<double>() * n;
      state_.epoch_re += losses.re.item<double>() * n;
      state_.epoch_sentences += static_cast<long>(members.size());
    }
    const double train_seconds = epoch_seconds_before + SecondsSince(epoch_start);

    const auto eval_start = Clock::now();
    const Scores dev = Evaluate(dataset_.dev, static_cast<float>(config_.eval.theta_r), nullptr);
    schema::EpochRow row;
    row.epoch = epoch;
    const double count = std::max<double>(1, static_cast<double>(state_.epoch_sentences));
    row.train_loss = state_.epoch_loss / count;
    row.ner_loss = state_.epoch_ner / count;
    row.re_loss = state_.epoch_re / count;
    row.dev_ner_f1_micro = dev.ner.micro_f1;
    row.dev_ner_f1_macro = dev.ner.macro_f1;
    row.dev_re_f1_micro = dev.re.micro_f1;
    row.dev_re_f1_macro = dev.re.macro_f1;
    row.dev_score = DevScore(dev, config_.train.early_stop_metric, SelectsOnMicro(config_));
    row.seconds = train_seconds + SecondsSince(eval_start);
    row.sentences_per_second = state_.epoch_sentences / std::max(1e-9, train_seconds);

    // With train+dev training, dev says nothing about generalisation: the last epoch is the model.
    const bool improved = fixed_final_ || row.dev_score > state_.best_score;
    state_.epoch = epoch;
    state_.next_batch = 0;
    state_.epoch_loss = state_.epoch_ner = state_.epoch_re = 0;
    state_.epoch_sentences = 0;
    state_.epoch_train_seconds = 0;
    state_.train_seconds = seconds_before + SecondsSince(run_start);
    if (improved) {
      state_.best_score = row.dev_score;
      state_.best_epoch = epoch;
      state_.epochs_since_best = 0;
      trial_.best_model = model::SaveCheckpoint(config_, model_, nullptr);
      trial_.dev = ToSchemaMetrics(dev);
    } else {
      ++state_.epochs_since_best;
    }
    trial_.epochs.push_back(row);
    Save("running");
    progress_.Epoch(row, max_epochs, state_.train_seconds, improved, SelectsOnMicro(config_));
  }
  return true;
}

void TrialRun::Finish() {
  if (trial_.best_model) {
    model_ = model::LoadCheckpoint(*trial_.best_model, device_, options_.out_path).model;
  }
  std::vector<SentencePrediction> dev_predictions;
  Evaluate(dataset_.dev, static_cast<float>(config_.eval.theta_r), &dev_predictions);
  const auto curve = ThetaCurve(dataset_.dev.sentences, dev_predictions, relation_types_, DefaultThetaGrid());
  trial_.theta_curve.clear();
  double theta = config_.eval.theta_r, best_f1 = -1;
  for (const auto& point : curve) {
    trial_.theta_curve.push_back({point.theta,
                                  {point.re_micro_p, point.re_micro_r, point.re_micro_f1, point.re_macro_p,
                                   point.re_macro_r, point.re_macro_f1}});
    const double f1 = SelectsOnMicro(config_) ? point.re_micro_f1 : point.re_macro_f1;
    if (f1 > best_f1 + 1e-12) {
      best_f1 = f1;
      if (config_.eval.theta_r_mode == model::ThetaMode::kDevBest) theta = point.theta;
    }
  }
  trial_.theta_r = theta;
  trial_.dev = ToSchemaMetrics(worker::Evaluate(dataset_.dev.sentences, dev_predictions, entity_types_,
                                                relation_types_, static_cast<float>(theta)));
  std::vector<SentencePrediction> test_predictions;
  const Scores test = Evaluate(dataset_.test, static_cast<float>(theta), &test_predictions);
  trial_.test = ToSchemaMetrics(test);
  trial_.predictions.clear();
  for (size_t i = 0; i < test_predictions.size(); ++i)
    trial_.predictions.push_back(PredictionJson(dataset_.test.sentences[i], test_predictions[i], static_cast<float>(theta)));
  trial_.end_time = IsoNow();
  // The resume point of the last epoch stays: a larger train.max_epochs can continue this trial.
  Save("completed");
}

void TrialRun::Save(const std::string& status) {
  trial_.status = status;
  trial_.best_epoch = state_.best_epoch;
  trial_.epochs_run = state_.epoch;
  if (status == "running" || status == "interrupted") {
    trial_.resume = PackResume(state_, GetCpuRngState(), model::SaveCheckpoint(config_, model_, optimizer_.get()));
  }
  schema::WriteTrialFile(options_.out_path, trial_);
}

}  // namespace

TrialOutcome RunTrial(const TrialOptions& options) { return TrialRun(options).Run(); }

std::string FinalLine(const schema::TrialFile& trial) {
  if (!trial.test) return "final test (no test metrics)";
  char line[256];
  std::snprintf(line, sizeof line, "final test ner_f1_micro=%.2f ner_f1_macro=%.2f re_f1_micro=%.2f re_f1_macro=%.2f",
                trial.test->ner.scores.f1_micro, trial.test->ner.scores.f1_macro, trial.test->re.scores.f1_micro,
                trial.test->re.scores.f1_macro);
  return line;
}

std::string ConfigId(const std::string& canonical_ini) {
  std::istringstream in(canonical_ini);
  std::string line, section;
  Hasher hasher;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') {
      section = line;
      continue;
    }
    const std::string key = line.substr(0, line.find(' '));
    if (section == "[trial]" || (section == "[data]" && key == "fold") || (section == "[train]" && key == "seed"))
      continue;
    hasher.Add(section + line);
  }
  return hasher.Hex();
}

}  // namespace dts::worker
