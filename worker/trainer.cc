#include "worker/trainer.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/host.h"
#include "common/ini.h"
#include "common/version.h"
#include "config/identity.h"
#include "model/checkpoint.h"
#include "model/device.h"
#include "schema/trial_contract.h"
#include "schema/trial_file.h"
#include "schema/trial_schema.h"
#include "vectors/trial_vectors.h"
#include "worker/evaluation.h"
#include "worker/learner.h"
#include "worker/numerics.h"
#include "worker/train_loop.h"
#include "worker/train_state.h"

namespace dts::worker {

namespace {

std::string DatasetName(const config::DataConfig& data) {
  switch (data.format) {
    case config::CorpusFormat::kAde:
      return "ade";
    case config::CorpusFormat::kConll04:
      return "conll04";
    case config::CorpusFormat::kJson:
      break;
  }
  std::filesystem::path path(data.path);
  if (path.filename().empty()) path = path.parent_path();
  return path.stem().string();
}

// train.max_epochs may grow between runs of one trial (ASHA promotes a trial by resuming it with a larger
// budget); any other difference means the trial file belongs to another trial. Returns the first differing
// key in the schema's order (keys only the file has come last) with both values, or nullopt when there is
// none.
struct ConfigDifference {
  std::string key;
  std::string what;  // "model.hidden = 16 in the trial file, 17 in this run"
};

std::optional<ConfigDifference> FirstDifferenceBesidesBudget(const std::string& stored_ini,
                                                             const std::string& config_ini) {
  static const std::string max_epochs =
      config::TrainSchema().Key(&config::TrainConfig::train, &config::OptimConfig::max_epochs);
  auto stored = schema::ParseConfigIni(stored_ini, "the trial file's configuration");
  const auto current = ParseIniText(config_ini, "the resolved configuration");
  const auto quoted = [](const std::string& value) { return "'" + value + "'"; };
  for (const auto& entry : current) {
    if (entry.key == max_epochs) continue;
    const auto it = stored.find(entry.key);
    if (it == stored.end())
      return ConfigDifference{
          entry.key, entry.key + " is not in the trial file, " + quoted(entry.value) + " in this run"};
    if (it->second != entry.value)
      return ConfigDifference{entry.key, entry.key + " = " + quoted(it->second) + " in the trial file, " +
                                             quoted(entry.value) + " in this run"};
    stored.erase(it);
  }
  stored.erase(max_epochs);
  if (!stored.empty())
    return ConfigDifference{stored.begin()->first, stored.begin()->first + " = " +
                                                       quoted(stored.begin()->second) +
                                                       " in the trial file, not in this run"};
  return std::nullopt;
}

class TrialRun {
 public:
  explicit TrialRun(const TrialOptions& options)
      : options_(options),
        config_(options.config),
        config_ini_(config::TrainSchema().CanonicalIni(options.config)),
        progress_(options.progress, options.config, options.out_path),
        checkpointer_(options.out_path, options.config, learner_, trial_) {}

  TrialRunResult Run();

 private:
  bool OpenTrialFile();
  void SetUp();
  void RestoreResumePoint();
  void RecordIdentity();
  StopReason Train();
  void Finish();
  float SelectTheta(const std::vector<SentencePrediction>& dev_predictions);
  void RecordFailure();
  TrialRunResult Result(int exit_code) const;

  const TrialOptions& options_;
  const config::TrainConfig& config_;
  const std::string config_ini_;
  torch::Device device_{torch::kCPU};
  Learner learner_;
  TrainState state_;
  schema::TrialFile trial_;
  ProgressReporter progress_;
  Checkpointer checkpointer_;
  bool last_epoch_is_the_model_ = false;
};

TrialRunResult TrialRun::Run() {
  SetTrialThreads(options_.threads > 0 ? options_.threads : config_.train.threads);
  device_ = model::ResolveDevice(options_.device);
  if (!OpenTrialFile()) {
    progress_.Note(options_.out_path + ": already completed, nothing to resume");
    return Result(kExitOk);
  }
  // Before anything can fail: a failure recorded in the file belongs to this attempt's row. The row ends
  // with the attempt's last save (Checkpointer).
  trial_.attempts.push_back(StartAttempt(trial_.attempts, device_.str()));
  try {
    SetUp();
    if (Train() == StopReason::kSignal) return Result(kExitResumeMe);
    Finish();
  } catch (...) {
    RecordFailure();
    throw;
  }
  return Result(kExitOk);
}

// Reads an existing trial file, which only --resume may continue. False when there is nothing left to do.
bool TrialRun::OpenTrialFile() {
  if (!std::filesystem::exists(options_.out_path)) return true;
  // Before the advice to pass --resume: a directory (or a device) can be neither resumed nor overwritten.
  if (!std::filesystem::is_regular_file(options_.out_path))
    throw IoError(options_.out_path, "not a regular file; --out names the trial file to write");
  if (!options_.resume)
    throw UsageError(options_.out_path +
                     ": trial file exists; pass --resume to continue it, or choose another --out");
  // Of the checkpoints, only the resume point is read: the best model stays in the file until the end.
  trial_ = schema::ReadTrialFile(options_.out_path);
  trial_.resume = schema::ReadCheckpointBlob(options_.out_path, schema::kResumeDataset);
  if (const auto difference = FirstDifferenceBesidesBudget(trial_.config_ini, config_ini_))
    throw ConfigError("", difference->key,
                      options_.out_path +
                          ": the trial file was written for a different configuration: " + difference->what);
  const bool more_epochs = config_.train.max_epochs > trial_.epochs_run && trial_.resume.has_value();
  return trial_.status != schema::TrialStatus::kCompleted || more_epochs;
}

void TrialRun::SetUp() {
  std::vector<std::string> notes;
  learner_ = MakeLearner(config_, device_, vectors::TrialVectorsCacheDir(options_.out_path), notes);
  for (const auto& note : notes) progress_.Note(note);
  last_epoch_is_the_model_ = learner_.dataset.split.kind == data::SplitKind::kFixed &&
                             config_.data.protocol == config::Protocol::kFinal;

  const bool resuming = trial_.resume.has_value();
  if (resuming) {
    RestoreResumePoint();
  } else {
    // A fresh start; a trial file left without a resume point starts over but keeps its attempt history.
    std::vector<schema::AttemptRow> attempts = std::move(trial_.attempts);
    trial_ = schema::TrialFile{};
    trial_.attempts = std::move(attempts);
    trial_.start_time = IsoUtcNow();
  }
  if (!trial_.data_fingerprint.empty() && trial_.data_fingerprint != learner_.dataset.fingerprint)
    throw InputError(config_.data.path, 0, "the data changed since this trial started (fingerprint differs)");
  RecordIdentity();
  trial_.failure_class = schema::FailureClass::kNone;
  trial_.failure_message.clear();
  // The first resume point: a kill during the first epoch restarts from the same initial weights.
  if (!resuming) checkpointer_.Save(schema::TrialStatus::kRunning, state_);
}

void TrialRun::RestoreResumePoint() {
  ResumePoint point = UnpackResumePoint(std::move(*trial_.resume), options_.out_path);
  // The file keeps it, and the checkpointer copies it from there while it is the latest.
  trial_.resume.reset();
  auto restored = model::LoadCheckpoint(point.checkpoint, learner_.device, options_.out_path);
  if (!restored.optimizer) throw IoError(options_.out_path, "resume checkpoint has no optimizer state");
  learner_.model = restored.model;
  learner_.optimizer = std::move(restored.optimizer);
  RestoreCpuRngState(point.cpu_rng_state);
  state_ = point.state;
  progress_.Note("resuming at epoch " + std::to_string(state_.CurrentEpoch()) + " batch " +
                 std::to_string(state_.next_batch));
}

void TrialRun::RecordIdentity() {
  trial_.config_ini = config_ini_;
  trial_.stage = config_.trial.stage;
  trial_.variant = config_.trial.variant;
  trial_.dataset = DatasetName(config_.data);
  trial_.fold = config_.data.fold;
  trial_.seed = static_cast<uint64_t>(config_.train.seed);
  trial_.data_fingerprint = learner_.dataset.fingerprint;
  trial_.trainable_parameters = learner_.model->TrainableParameterCount();
  trial_.dts_version = Version();
  trial_.host = HostName();
  // In a sweep the ids come with the assignment (made relative to the sweep directory). Run by hand, path
  // values enter them relative to the directory of the --out trial file, never the working directory, so
  // the same command gives the same ids from anywhere (config/identity.h).
  const std::string identity =
      config::IdentityText(config_, std::filesystem::absolute(options_.out_path).parent_path());
  trial_.config_id = !options_.config_id.empty() ? options_.config_id : config::ConfigId(identity);
  trial_.trial_id = !options_.trial_id.empty() ? options_.trial_id
                                               : config::TrialId(identity, trial_.fold, trial_.seed,
                                                                 config::DataFingerprint(config_.data.path));
}

StopReason TrialRun::Train() {
  DevEvaluator dev_evaluator(config_, learner_);
  EarlyStopper stopper(config_.train, last_epoch_is_the_model_);
  FaultInjector faults(config_.debug);
  TrainLoop loop(config_.train, learner_, state_, stopper);
  // In this order: the stopper judges the dev score, the checkpointer saves by the stopper's verdict, and
  // progress reports an epoch once it is on disk.
  loop.Observe(dev_evaluator);
  loop.Observe(stopper);
  loop.Observe(checkpointer_);
  loop.Observe(progress_);
  if (config_.debug.fault != config::Fault::kNone) loop.Observe(faults);
  return loop.Run();
}

// The selected epoch's model on dev (choosing theta_r) and on test; the trial is then complete.
void TrialRun::Finish() {
  // Training is over: the optimizer state (with Adam twice the model's size) and the last epoch's model go
  // before the best one comes in.
  learner_.optimizer.reset();
  if (const auto best_model = schema::ReadCheckpointBlob(options_.out_path, schema::kBestModelDataset))
    learner_.model = model::LoadCheckpoint(*best_model, learner_.device, options_.out_path).model;
  std::vector<SentencePrediction> dev_predictions;
  learner_.Evaluate(learner_.dataset.dev, static_cast<float>(config_.eval.theta_r), &dev_predictions);
  const float theta = SelectTheta(dev_predictions);
  trial_.dev = ToSchemaMetrics(worker::Evaluate(learner_.dataset.dev.sentences, dev_predictions,
                                                learner_.entity_types, learner_.relation_types, theta));
  std::vector<SentencePrediction> test_predictions;
  trial_.test = ToSchemaMetrics(learner_.Evaluate(learner_.dataset.test, theta, &test_predictions));
  trial_.predictions.clear();
  for (size_t i = 0; i < test_predictions.size(); ++i)
    trial_.predictions.push_back(
        PredictionJson(learner_.dataset.test.sentences[i], test_predictions[i], theta));
  trial_.end_time = IsoUtcNow();
  checkpointer_.Save(schema::TrialStatus::kCompleted, state_);
}

// Records the dev RE curve over the theta grid and returns eval.theta_r, or with theta_r_mode = dev_best
// the theta of the curve's maximum (the first one of a tie).
float TrialRun::SelectTheta(const std::vector<SentencePrediction>& dev_predictions) {
  const bool micro = SelectsOnMicro(config_);
  const auto curve = ThetaCurve(learner_.dataset.dev.sentences, dev_predictions, learner_.relation_types,
                                DefaultThetaGrid());
  trial_.theta_curve.clear();
  double theta = config_.eval.theta_r, best_f1 = -1;
  for (const auto& point : curve) {
    trial_.theta_curve.push_back({point.theta,
                                  {point.re_micro_p, point.re_micro_r, point.re_micro_f1, point.re_macro_p,
                                   point.re_macro_r, point.re_macro_f1}});
    const double f1 = micro ? point.re_micro_f1 : point.re_macro_f1;
    if (f1 > best_f1 + 1e-12) {
      best_f1 = f1;
      if (config_.eval.theta_r_mode == config::ThetaMode::kDevBest) theta = point.theta;
    }
  }
  trial_.theta_r = theta;
  return static_cast<float>(theta);
}

// Called while the error is being handled: the trial file says what happened before the error leaves.
void TrialRun::RecordFailure() {
  if (trial_.trial_id.empty()) return;  // no trial file yet: the error message says it all
  std::string message;
  // The same chain as the sweep's reading of the exit status: exception -> exit code -> failure class.
  trial_.failure_class = schema::FailureClassOfExit(ExitCodeForCurrentException(message), 0);
  trial_.failure_message = message.substr(0, message.find('\n'));
  const auto status = trial_.failure_class == schema::FailureClass::kDiverged ? schema::TrialStatus::kDiverged
                                                                              : schema::TrialStatus::kFailed;
  try {
    checkpointer_.Save(status, state_);
  } catch (const std::exception& e) {
    std::cerr << "dts-train: could not record the failure in " << options_.out_path << ": " << e.what()
              << std::endl;
  }
}

TrialRunResult TrialRun::Result(int exit_code) const {
  TrialRunResult result{exit_code, trial_};
  result.trial.best_model.reset();
  result.trial.resume.reset();
  return result;
}

}  // namespace

TrialRunResult RunTrial(const TrialOptions& options) { return TrialRun(options).Run(); }

std::string FinalLine(const schema::TrialFile& trial) {
  if (!trial.test) return "final test (no test metrics)";
  char line[256];
  std::snprintf(line, sizeof line,
                "final test ner_f1_micro=%.2f ner_f1_macro=%.2f re_f1_micro=%.2f re_f1_macro=%.2f",
                trial.test->ner.scores.f1_micro, trial.test->ner.scores.f1_macro,
                trial.test->re.scores.f1_micro, trial.test->re.scores.f1_macro);
  return line;
}

}  // namespace dts::worker
