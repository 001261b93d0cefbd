// The events of the training loop (worker/train_loop.h) and the interface of what reacts to them. The loop
// only trains batches; evaluation, checkpoints, early stopping, progress lines and fault injection are
// observers (worker/observers.h), notified in the order they were registered.
#pragma once

#include <torch/torch.h>

#include "schema/trial_file.h"
#include "worker/metrics.h"
#include "worker/train_state.h"

namespace dts::worker {

// Why the loop stopped. Every reason but kSignal ends the training of the trial.
enum class StopReason {
  kNone,       // keep going
  kMaxEpochs,  // train.max_epochs epochs done
  kPatience,   // train.patience epochs without a better dev score
  kTimeLimit,  // train.time_limit_s of training over all runs of the trial
  kSignal,     // SIGTERM / SIGUSR1 / SIGINT: checkpoint and exit, to be resumed
};

// One finished epoch, filled in turn: the loop (losses, training time), the DevEvaluator (dev scores), the
// EarlyStopper (improved).
struct EpochEnd {
  schema::EpochRow row;
  Scores dev;
  bool improved = false;  // this epoch is the new selected model
};

class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  // The first batch of epoch state.CurrentEpoch() is next (not called when a resume continues an epoch).
  virtual void BeforeEpoch(const TrainState&) {}
  // A batch's loss, before the loop checks it and back-propagates it.
  virtual void OnBatchLoss(const TrainState&, torch::Tensor& /*loss*/) {}
  // An epoch's batches are done; state still describes the epoch: measure it and decide about it.
  virtual void AfterEpoch(TrainState&, EpochEnd&) {}
  // The state has moved past the epoch (what a resume point stores): record and report it.
  virtual void AfterEpochClosed(const TrainState&, const EpochEnd&) {}
  // The loop stopped before the batch at state.next_batch. For kTimeLimit inside an epoch the epoch's
  // events follow: the trained part of the epoch is evaluated like a whole one.
  virtual void OnStop(const TrainState&, StopReason) {}
};

}  // namespace dts::worker
