// One trial: (configuration, fold, seed) trained into one HDF5 trial file. The unit that the sweep
// distributes; it must be complete, self-describing and impossible to lose (docs/hdf5-schema.md).
#pragma once

#include <cstdint>
#include <string>

#include "model/train_config.h"
#include "schema/trial_file.h"

namespace dts::worker {

enum class ProgressMode { kText, kQuiet, kJson };

struct TrialOptions {
  model::TrainConfig config;
  std::string out_path;      // the trial file
  bool resume = false;       // continue from the trial file's resumable checkpoint
  std::string device = "auto";
  int threads = 0;           // 0: train.threads
  ProgressMode progress = ProgressMode::kText;
  std::string trial_id;      // given by the sweep; empty: derived from the config, fold, seed and data
  std::string config_id;     // given by the sweep; empty: ConfigId of the canonical config
};

struct TrialOutcome {
  int exit_code = 0;  // common/exit_codes.h: kExitOk, or kExitResumeMe when stopped by a signal
  schema::TrialFile trial;  // what was written (without checkpoint blobs)
};

// Trains, evaluates and writes the trial file. Failures are recorded in the trial file (status and failure
// class) before the exception is rethrown, so the file always says what happened. A SIGTERM/SIGUSR1 seen at a
// batch boundary writes a resumable checkpoint and returns kExitResumeMe. Resuming a completed trial does
// nothing and returns its stored outcome.
TrialOutcome RunTrial(const TrialOptions& options);

// "final test ner_f1_micro=… ner_f1_macro=… re_f1_micro=… re_f1_macro=…" (percent, two decimals).
std::string FinalLine(const schema::TrialFile& trial);

// Whether epoch selection (and eval.theta_r_mode = dev_best) uses micro-averaged F1: train.selection_average,
// with auto following the corpus' reporting convention (CoNLL04 micro, everything else macro).
bool SelectsOnMicro(const model::TrainConfig& config);

// Hash of the canonical config without the fold, the seed and the [trial] labels: the runs of one
// configuration share it.
std::string ConfigId(const std::string& canonical_ini);

}  // namespace dts::worker
