#include "worker/train_loop.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "common/hash.h"
#include "model/batch.h"
#include "model/optimizer.h"

namespace dts::worker {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The batches of an epoch depend on the seed and the epoch alone, so a resumed epoch sees the same ones.
uint64_t EpochShuffleSeed(int seed, int epoch) { return static_cast<uint64_t>(seed) * 1000003ULL + epoch; }

// One stream per (seed, epoch, batch): independent of how many batches ran before a resume.
uint64_t WordDropoutSeed(int seed, int epoch, int batch) {
  return Hasher()
      .Add("word_dropout")
      .Add(static_cast<uint64_t>(seed))
      .Add(static_cast<uint64_t>(epoch))
      .Add(static_cast<uint64_t>(batch))
      .Value();
}

}  // namespace

TrainLoop::TrainLoop(const config::OptimConfig& train, Learner& learner, TrainState& state,
                     const EarlyStopper& stopper)
    : train_(train),
      learner_(learner),
      state_(state),
      stopper_(stopper),
      seconds_before_run_(state.train_seconds) {}

StopReason TrainLoop::Run() {
  while (KeepGoing()) {
    if (!epoch_open_) {
      OpenEpoch();
      continue;  // opening may have waited for a signal (debug.fault = hang): ask again before a batch
    }
    if (state_.next_batch < static_cast<int>(batches_.size())) TrainBatch();
    if (state_.next_batch >= static_cast<int>(batches_.size())) CloseEpoch();
  }
  Stop();
  return stop_;
}

// The one place that decides whether another batch runs.
bool TrainLoop::KeepGoing() {
  stop_ = stopper_.ReasonToStop(state_, TrainSeconds());
  return stop_ == StopReason::kNone;
}

void TrainLoop::OpenEpoch() {
  if (state_.next_batch == 0)
    for (TrainObserver* observer : observers_) observer->BeforeEpoch(state_);
  batches_ = model::LengthBucketedBatches(learner_.dataset.train.sentences, train_.batch_size,
                                          EpochShuffleSeed(train_.seed, state_.CurrentEpoch()),
                                          train_.length_bucket_batches);
  learner_.model->train();
  epoch_start_ = Clock::now();
  epoch_open_ = true;
}

// The batch at state.next_batch, with its word dropout.
model::Batch TrainLoop::NextBatch() const {
  const auto& sentences = learner_.dataset.train.sentences;
  std::vector<const data::Sentence*> members;
  for (int index : batches_[state_.next_batch]) members.push_back(&sentences[index]);
  const auto& vocabularies = learner_.model->vocabularies();
  auto batch =
      model::MakeBatch(members, vocabularies, learner_.device, /*with_gold=*/true, learner_.contextual.get());
  model::ApplyWordDropout(batch, vocabularies, train_.word_dropout, train_.word_dropout_max_count,
                          WordDropoutSeed(train_.seed, state_.CurrentEpoch(), state_.next_batch));
  return batch;
}

void TrainLoop::TrainBatch() {
  const model::Batch batch = NextBatch();
  model::ClearGradients(*learner_.optimizer);
  const model::Losses losses = learner_.model->Loss(batch, train_.lambda_r);
  torch::Tensor total = losses.total;
  for (TrainObserver* observer : observers_) observer->OnBatchLoss(state_, total);
  const double loss = total.item<double>();
  if (!std::isfinite(loss))
    throw DivergedError(state_.CurrentEpoch(), state_.next_batch, "training loss is " + std::to_string(loss));
  total.backward();
  if (train_.clip_norm > 0)
    torch::nn::utils::clip_grad_norm_(learner_.model->TrainableParameters(), train_.clip_norm);
  learner_.optimizer->step();

  // Sums weighted by sentences, so an epoch's mean does not depend on how its batches were cut.
  const double n = batch.size;
  state_.epoch_loss += loss * n;
  state_.epoch_ner += losses.ner.item<double>() * n;
  state_.epoch_re += losses.re.item<double>() * n;
  state_.epoch_sentences += batch.size;
  ++state_.next_batch;
}

void TrainLoop::CloseEpoch() {
  EpochEnd end;
  end.row = TrainingRow();
  for (TrainObserver* observer : observers_) observer->AfterEpoch(state_, end);
  MoveToNextEpoch();
  for (TrainObserver* observer : observers_) observer->AfterEpochClosed(state_, end);
}

// The part of the epoch's row the loop knows: losses per sentence and the training time.
schema::EpochRow TrainLoop::TrainingRow() const {
  schema::EpochRow row;
  row.epoch = state_.CurrentEpoch();
  const double count = std::max<double>(1, static_cast<double>(state_.epoch_sentences));
  row.train_loss = state_.epoch_loss / count;
  row.ner_loss = state_.epoch_ner / count;
  row.re_loss = state_.epoch_re / count;
  const double seconds = EpochTrainSeconds();
  row.seconds = seconds;
  row.sentences_per_second = state_.epoch_sentences / std::max(1e-9, seconds);
  return row;
}

void TrainLoop::MoveToNextEpoch() {
  state_.epoch = state_.CurrentEpoch();
  state_.next_batch = 0;
  state_.epoch_loss = state_.epoch_ner = state_.epoch_re = 0;
  state_.epoch_sentences = 0;
  state_.epoch_train_seconds = 0;
  state_.train_seconds = TrainSeconds();
  epoch_open_ = false;
}

void TrainLoop::Stop() {
  state_.train_seconds = TrainSeconds();
  // A resume continues the epoch, and its clock.
  if (stop_ == StopReason::kSignal) state_.epoch_train_seconds = EpochTrainSeconds();
  for (TrainObserver* observer : observers_) observer->OnStop(state_, stop_);
  // The batches trained before the time limit are not wasted: they end the last epoch.
  if (stop_ == StopReason::kTimeLimit && state_.next_batch > 0) CloseEpoch();
}

double TrainLoop::EpochTrainSeconds() const {
  return state_.epoch_train_seconds + (epoch_open_ ? SecondsSince(epoch_start_) : 0.0);
}

double TrainLoop::TrainSeconds() const { return seconds_before_run_ + SecondsSince(run_start_); }

}  // namespace dts::worker
