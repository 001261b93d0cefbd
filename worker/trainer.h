// One trial: (configuration, fold, seed) trained into one HDF5 trial file. The unit that the sweep
// distributes; it must be complete, self-describing and impossible to lose (docs/hdf5-schema.md).
#pragma once

#include <string>

#include "config/train_config.h"
#include "schema/trial_file.h"
#include "worker/observers.h"

namespace dts::worker {

struct TrialOptions {
  config::TrainConfig config;
  std::string out_path;  // the trial file
  bool resume = false;   // continue from the trial file's resumable checkpoint
  std::string device = "auto";
  int threads = 0;  // 0: train.threads
  ProgressMode progress = ProgressMode::kText;
  // Given by the sweep. Empty: derived by config/identity.h's rule from the resolved config (the trial id
  // also from the fold, the seed and the corpus), so a stand-alone run gets the ids a sweep would give it.
  std::string trial_id;
  std::string config_id;
};

// How one run of a trial ended.
struct TrialRunResult {
  int exit_code = 0;        // common/exit_codes.h: kExitOk, or kExitResumeMe when stopped by a signal
  schema::TrialFile trial;  // what was written (without checkpoint blobs)
};

// Trains, evaluates and writes the trial file. Failures are recorded in the trial file (status and failure
// class) before the exception is rethrown, so the file always says what happened. A SIGTERM/SIGUSR1 seen at a
// batch boundary writes a resumable checkpoint and returns kExitResumeMe. Resuming a completed trial does
// nothing and returns its stored result, unless train.max_epochs grew (an ASHA promotion): then it continues.
TrialRunResult RunTrial(const TrialOptions& options);

// "final test ner_f1_micro=… ner_f1_macro=… re_f1_micro=… re_f1_macro=…" (percent, two decimals).
std::string FinalLine(const schema::TrialFile& trial);

}  // namespace dts::worker
