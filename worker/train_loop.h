// The training loop: batch after batch while the EarlyStopper says so, telling the observers
// (worker/train_observer.h) as epochs start and end. It decides nothing itself: which epoch is kept, when
// training ends and what is written are the observers' jobs.
#pragma once

#include <chrono>
#include <vector>

#include "config/train_config.h"
#include "model/batch.h"
#include "worker/learner.h"
#include "worker/observers.h"
#include "worker/train_observer.h"
#include "worker/train_state.h"

namespace dts::worker {

class TrainLoop {
 public:
  // `state` is where to start: zero for a new trial, a resume point's state for a resumed one.
  TrainLoop(const config::OptimConfig& train, Learner& learner, TrainState& state,
            const EarlyStopper& stopper);

  // Observers are notified in the order they were added.
  void Observe(TrainObserver& observer) { observers_.push_back(&observer); }

  // Trains until the stopper says stop and returns why. With kSignal, `state` then holds the next batch to
  // run (the checkpoint observers saved it); with any other reason, the epochs done.
  StopReason Run();

 private:
  using Clock = std::chrono::steady_clock;

  bool KeepGoing();
  void OpenEpoch();
  model::Batch NextBatch() const;
  void TrainBatch();
  void CloseEpoch();
  void Stop();
  schema::EpochRow TrainingRow() const;
  void MoveToNextEpoch();
  double EpochTrainSeconds() const;
  double TrainSeconds() const;

  const config::OptimConfig& train_;
  Learner& learner_;
  TrainState& state_;
  const EarlyStopper& stopper_;
  std::vector<TrainObserver*> observers_;
  StopReason stop_ = StopReason::kNone;

  const Clock::time_point run_start_ = Clock::now();
  const double seconds_before_run_;  // state.train_seconds when this run started
  // The open epoch: its batches (the same for every run of the trial) and when this run started it.
  bool epoch_open_ = false;
  std::vector<std::vector<int>> batches_;
  Clock::time_point epoch_start_;
};

}  // namespace dts::worker
