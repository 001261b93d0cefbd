#include "worker/observers.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/stop.h"
#include "model/allocator.h"
#include "model/checkpoint.h"
#include "schema/trial_contract.h"
#include "worker/evaluation.h"

namespace dts::worker {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
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

}  // namespace

void DevEvaluator::AfterEpoch(TrainState&, EpochEnd& end) {
  const auto start = Clock::now();
  end.dev = learner_.Evaluate(learner_.dataset.dev, static_cast<float>(config_.eval.theta_r));
  schema::EpochRow& row = end.row;
  row.dev_ner_f1_micro = end.dev.ner.micro_f1;
  row.dev_ner_f1_macro = end.dev.ner.macro_f1;
  row.dev_re_f1_micro = end.dev.re.micro_f1;
  row.dev_re_f1_macro = end.dev.re.macro_f1;
  row.dev_score = DevScore(end.dev, config_);
  row.seconds += SecondsSince(start);  // an epoch's time includes its evaluation
}

StopReason EarlyStopper::ReasonToStop(const TrainState& state, double train_seconds) const {
  if (state.epoch >= train_.max_epochs) return StopReason::kMaxEpochs;
  const bool patience_applies = !last_epoch_is_the_model_ && train_.patience > 0;
  if (patience_applies && state.epochs_since_best >= train_.patience) return StopReason::kPatience;
  if (train_.time_limit_s > 0 && train_seconds >= train_.time_limit_s) return StopReason::kTimeLimit;
  if (StopRequested()) return StopReason::kSignal;
  return StopReason::kNone;
}

void EarlyStopper::AfterEpoch(TrainState& state, EpochEnd& end) {
  end.improved = last_epoch_is_the_model_ || end.row.dev_score > state.best_score;
  if (!end.improved) {
    ++state.epochs_since_best;
    return;
  }
  state.best_score = end.row.dev_score;
  state.best_epoch = end.row.epoch;
  state.epochs_since_best = 0;
}

void Checkpointer::AfterEpochClosed(const TrainState& state, const EpochEnd& end) {
  if (end.improved) trial_.dev = ToSchemaMetrics(end.dev);
  trial_.epochs.push_back(end.row);
  Write(schema::TrialStatus::kRunning, state, /*new_best_model=*/end.improved);
}

void Checkpointer::OnStop(const TrainState& state, StopReason reason) {
  if (reason != StopReason::kSignal) return;
  trial_.failure_class = schema::FailureClass::kInterrupted;
  trial_.failure_message = "stopped by signal " + std::to_string(StopSignal()) + " at epoch " +
                           std::to_string(state.CurrentEpoch()) + " batch " +
                           std::to_string(state.next_batch);
  Save(schema::TrialStatus::kInterrupted, state);
}

void Checkpointer::Save(schema::TrialStatus status, const TrainState& state) {
  Write(status, state, /*new_best_model=*/false);
}

// The checkpoints are streamed into the file as it is written, and the ones that did not change are copied
// from the file being replaced: the trial never holds a serialised checkpoint in memory.
void Checkpointer::Write(schema::TrialStatus status, const TrainState& state, bool new_best_model) {
  trial_.status = status;
  // Only an attempt's last save has another status than running: it ends the attempt's row.
  if (status != schema::TrialStatus::kRunning && !trial_.attempts.empty())
    schema::EndAttemptRow(trial_.attempts.back(), status);
  trial_.best_epoch = state.best_epoch;
  trial_.epochs_run = state.epoch;
  // The training steps' freed memory, kept for their reuse, is of no use to the file's in-memory image.
  model::ReturnFreedMemory();

  std::optional<model::CheckpointWriter> best_model_writer;
  schema::BlobSource best_model = schema::BlobSource::Previous();
  if (new_best_model) {
    best_model_writer.emplace(config_, learner_.model, nullptr);
    best_model = schema::BlobSource::Produced(
        best_model_writer->Size(),
        [&](const schema::BlobSource::Sink& sink) { best_model_writer->WriteTo(sink); });
  }

  // A completed trial keeps the resume point of its last epoch: a larger train.max_epochs continues it.
  std::optional<model::CheckpointWriter> resume_writer;
  std::string resume_head;
  schema::BlobSource resume = schema::BlobSource::Previous();
  if (status == schema::TrialStatus::kRunning || status == schema::TrialStatus::kInterrupted) {
    resume_writer.emplace(config_, learner_.model, learner_.optimizer.get());
    const std::uint64_t checkpoint_size = resume_writer->Size();
    resume_head = ResumePointHead(state, CpuRngState(), checkpoint_size);
    resume = schema::BlobSource::Produced(resume_head.size() + checkpoint_size,
                                          [&](const schema::BlobSource::Sink& sink) {
                                            sink(resume_head.data(), resume_head.size());
                                            resume_writer->WriteTo(sink);
                                          });
  }
  schema::WriteTrialFile(path_, trial_, best_model, resume);
}

void ProgressReporter::AfterEpochClosed(const TrainState& state, const EpochEnd& end) {
  if (mode_ == ProgressMode::kQuiet) return;
  const int epoch = end.row.epoch, max_epochs = config_.train.max_epochs;
  const double elapsed = state.train_seconds;
  const double eta = epoch > 0 ? elapsed / epoch * (max_epochs - epoch) : 0;
  if (mode_ == ProgressMode::kJson)
    EpochJson(end.row, elapsed, eta);
  else
    EpochText(end.row, elapsed, eta, end.improved);
}

void ProgressReporter::EpochJson(const schema::EpochRow& row, double elapsed, double eta) const {
  std::cerr << nlohmann::json{{"event", "epoch"},
                              {"epoch", row.epoch},
                              {"max_epochs", config_.train.max_epochs},
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
}

void ProgressReporter::EpochText(const schema::EpochRow& row, double elapsed, double eta,
                                 bool improved) const {
  // The line shows the averaging that selects epochs, so its "score" can be read off the two F1s.
  const bool micro = SelectsOnMicro(config_);
  char line[256];
  std::snprintf(
      line, sizeof line,
      "epoch %d/%d loss %.4f (ner %.4f re %.4f) dev %s F1 ner %.2f re %.2f score %.2f%s | %.0f sent/s | "
      "%.1fs | elapsed %s ETA<=%s",
      row.epoch, config_.train.max_epochs, row.train_loss, row.ner_loss, row.re_loss,
      micro ? "micro" : "macro", micro ? row.dev_ner_f1_micro : row.dev_ner_f1_macro,
      micro ? row.dev_re_f1_micro : row.dev_re_f1_macro, row.dev_score, improved ? " *" : "",
      row.sentences_per_second, row.seconds, FormatDuration(elapsed).c_str(), FormatDuration(eta).c_str());
  std::cerr << line << std::endl;
}

void ProgressReporter::OnStop(const TrainState& state, StopReason reason) {
  if (reason == StopReason::kTimeLimit)
    Note("train.time_limit_s reached at epoch " + std::to_string(state.CurrentEpoch()) + " batch " +
         std::to_string(state.next_batch));
  if (reason == StopReason::kSignal) Note(trial_path_ + ": checkpointed after signal; resume with --resume");
}

void ProgressReporter::Note(const std::string& text) const {
  if (mode_ == ProgressMode::kText) std::cerr << text << std::endl;
  if (mode_ == ProgressMode::kJson)
    std::cerr << nlohmann::json{{"event", "note"}, {"text", text}}.dump() << std::endl;
}

void FaultInjector::BeforeEpoch(const TrainState& state) {
  if (state.CurrentEpoch() != debug_.fault_epoch) return;
  switch (debug_.fault) {
    case config::Fault::kCrash:
      std::raise(SIGSEGV);
      break;
    case config::Fault::kAbort:
      std::abort();
    case config::Fault::kHang:
      // A stuck trial: only a signal ends it (the sweep's stop, or a kill).
      while (!StopRequested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      break;
    case config::Fault::kNan:  // in OnBatchLoss
    case config::Fault::kNone:
      break;
  }
}

void FaultInjector::OnBatchLoss(const TrainState& state, torch::Tensor& loss) {
  if (debug_.fault == config::Fault::kNan && state.CurrentEpoch() == debug_.fault_epoch)
    loss = loss * std::numeric_limits<float>::quiet_NaN();
}

}  // namespace dts::worker
