// What reacts to the training loop's events (worker/train_observer.h), one job each. RunTrial registers them
// in the order DevEvaluator, EarlyStopper, Checkpointer, ProgressReporter (each reads what the ones before
// it wrote into the epoch's EpochEnd), then FaultInjector when debug.fault is set.
#pragma once

#include <string>
#include <utility>

#include "config/train_config.h"
#include "schema/trial_file.h"
#include "worker/learner.h"
#include "worker/train_observer.h"

namespace dts::worker {

// Scores each epoch on dev: the row's dev F1s and the early-stopping score (train.early_stop_metric).
class DevEvaluator : public TrainObserver {
 public:
  DevEvaluator(const config::TrainConfig& config, Learner& learner) : config_(config), learner_(learner) {}
  void AfterEpoch(TrainState& state, EpochEnd& end) override;

 private:
  const config::TrainConfig& config_;
  Learner& learner_;
};

// Selects the epoch that becomes the model, and decides whether training goes on: train.max_epochs,
// train.patience, train.time_limit_s and the stop signal.
class EarlyStopper : public TrainObserver {
 public:
  // last_epoch_is_the_model: training on train+dev (data.protocol = final on a fixed split), where dev says
  // nothing about generalisation: every epoch replaces the model and patience does not apply.
  EarlyStopper(const config::OptimConfig& train, bool last_epoch_is_the_model)
      : train_(train), last_epoch_is_the_model_(last_epoch_is_the_model) {}
  // kNone while another batch may run. The budgets come first: a trial that has used them up finishes, even
  // when a signal arrived meanwhile. `train_seconds`: training time over all runs of the trial so far.
  StopReason ReasonToStop(const TrainState& state, double train_seconds) const;
  void AfterEpoch(TrainState& state, EpochEnd& end) override;

 private:
  const config::OptimConfig& train_;
  bool last_epoch_is_the_model_;
};

// Keeps the trial file current. After every epoch it adds the row, the model when it is the best so far and
// a resume point; on a stop signal it saves a resume point inside the epoch. The trainer calls Save at the
// start, the end and on failure. Each save replaces the whole file atomically (schema::WriteTrialFile), so a
// kill -9 at any moment leaves the last save intact to resume from. The checkpoints live in the file alone:
// a save streams the new ones into it and copies the others from the file it replaces.
class Checkpointer : public TrainObserver {
 public:
  Checkpointer(std::string path, const config::TrainConfig& config, const Learner& learner,
               schema::TrialFile& trial)
      : path_(std::move(path)), config_(config), learner_(learner), trial_(trial) {}
  void AfterEpochClosed(const TrainState& state, const EpochEnd& end) override;
  void OnStop(const TrainState& state, StopReason reason) override;
  // Writes the trial file with `status`; a running or interrupted trial also gets a resume point of `state`.
  // Any status but running is the attempt's last save: it also ends the trial's last /attempts row.
  void Save(schema::TrialStatus status, const TrainState& state);

 private:
  // Save, where `new_best_model` stores the current model as the best one (else the file's is kept).
  void Write(schema::TrialStatus status, const TrainState& state, bool new_best_model);

  std::string path_;
  const config::TrainConfig& config_;
  const Learner& learner_;
  schema::TrialFile& trial_;
};

enum class ProgressMode { kText, kQuiet, kJson };

// Progress lines for people on stderr (text or JSON lines): one per epoch, and notes.
class ProgressReporter : public TrainObserver {
 public:
  ProgressReporter(ProgressMode mode, const config::TrainConfig& config, std::string trial_path)
      : mode_(mode), config_(config), trial_path_(std::move(trial_path)) {}
  void AfterEpochClosed(const TrainState& state, const EpochEnd& end) override;
  void OnStop(const TrainState& state, StopReason reason) override;
  void Note(const std::string& text) const;

 private:
  void EpochText(const schema::EpochRow& row, double elapsed, double eta, bool improved) const;
  void EpochJson(const schema::EpochRow& row, double elapsed, double eta) const;

  ProgressMode mode_;
  const config::TrainConfig& config_;
  std::string trial_path_;
};

// debug.fault at epoch debug.fault_epoch, so that the sweep's failure handling can be tested end to end:
// crash and abort end the process as the epoch starts, hang waits there for a stop signal, nan poisons the
// epoch's losses (the trainer then fails as diverged). Only registered when a fault is set.
class FaultInjector : public TrainObserver {
 public:
  explicit FaultInjector(const config::DebugConfig& debug) : debug_(debug) {}
  void BeforeEpoch(const TrainState& state) override;
  void OnBatchLoss(const TrainState& state, torch::Tensor& loss) override;

 private:
  const config::DebugConfig& debug_;
};

}  // namespace dts::worker
