// The status of a trial and the class of a failure: one enum each, with the words the HDF5 files, the JSON
// events and the report use. Trial files carry running, completed, failed, diverged and interrupted; the
// sweep manifest all of them (planned and promoted only exist in a sweep; bad_config is the manifest's word
// for a failure that retrying cannot help).
#pragma once

#include <string>

namespace dts::schema {

enum class TrialStatus {
  kPlanned,      // manifest: waiting for a worker
  kRunning,      // a worker (or dts-train) is on it
  kCompleted,    // a result
  kPromoted,     // manifest, ASHA: completed at this rung and continued at the next one
  kDiverged,     // a result, the worst score: non-finite loss
  kBadConfig,    // manifest: the configuration or its input is wrong; never retried
  kFailed,       // crashed or could not run, retries spent
  kInterrupted,  // stopped by a signal after a checkpoint; resumed by the next run
};

// How one attempt of a trial ended. kNone: it completed.
enum class FailureClass {
  kNone,
  kBadConfig,       // exit 2/3/4: usage, configuration or input error
  kDiverged,        // exit 6: non-finite loss
  kCrashed,         // a signal (segfault, abort, OOM killer) or exit 1: retried up to sweep.max_retries
  kInterrupted,     // exit 75: checkpointed after SIGTERM/SIGUSR1; resumed without spending a retry
  kInfrastructure,  // exit 5 (I/O), or the child could not be started: retried up to sweep.max_retries
};

const char* Name(TrialStatus status);
const char* Name(FailureClass failure);  // "" for kNone
// Throw dts::Error naming the word for one that is not a status / failure class ("io", the trial files' word
// for kInfrastructure before the two were one enum, is still read).
TrialStatus ParseTrialStatus(const std::string& name);
FailureClass ParseFailureClass(const std::string& name);

// Completed, promoted or diverged: the trial has a dev score (diverged: the worst).
bool HasResult(TrialStatus status);
// Nothing more will happen to it in this sweep unless its configuration changes.
bool IsTerminal(TrialStatus status);

}  // namespace dts::schema
