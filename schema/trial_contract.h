// The contract between dts-sweep and a trial command (dts-train, or a drop-in with the same command line such
// as the tests' synthetic trial): the command line the sweep passes, what each exit code means, and where the
// answer is. The answer is never read from the child's output, which is only a log for people: a training run
// answers with its trial file, a parameter count with a small JSON file.
//
//   command --config C --out T [--resume] [--trial-id ID] [--config-id ID] [--section.key value ...]
//           --threads N --device cpu|cuda:K
//   command --config C --count-parameters OUT.json
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/exit_codes.h"
#include "schema/trial_file.h"
#include "schema/trial_status.h"

namespace dts::schema {

// The long options of the contract, without "--": dts-train registers these names and the sweep passes them.
namespace trial_option {
inline constexpr char kConfig[] = "config";
inline constexpr char kOut[] = "out";
inline constexpr char kResume[] = "resume";
inline constexpr char kTrialId[] = "trial-id";
inline constexpr char kConfigId[] = "config-id";
inline constexpr char kThreads[] = "threads";
inline constexpr char kDevice[] = "device";
inline constexpr char kCountParameters[] = "count-parameters";
}  // namespace trial_option

// Environment variables the sweep worker sets for a trial command: which attempt at the trial this is
// (1-based: the row's attempts on record in the manifest's /attempts, plus one) and which sweep rank runs it.
// The trial records both in its trial file's /attempts table (StartAttemptRow), so a result can be traced to
// the rank and host that produced it. A trial command run by hand sees neither: its attempt is the number of
// the file's last row + 1 (1 for the first) and its rank -1.
namespace trial_env {
inline constexpr char kAttempt[] = "DTS_ATTEMPT";
inline constexpr char kRank[] = "DTS_RANK";
}  // namespace trial_env

// The /attempts row of an attempt starting now, after the file's `earlier` rows: the attempt number (the
// sweep's, trial_env, unless the file's own rows are past it: a coordinator killed with its attempt never
// heard of it) and rank (trial_env), this host, pid and time, dts's version, and the BLAS and numerics
// environment in force (common/numerics.h). The caller adds what only it knows: its device and LibTorch's
// thread counts. Throws ConfigError naming the variable for a trial_env value that is not an integer.
AttemptRow StartAttemptRow(const std::vector<AttemptRow>& earlier);
// Ends `row` now with `outcome` (completed, interrupted, failed or diverged): the attempt's last save.
void EndAttemptRow(AttemptRow& row, TrialStatus outcome);

// One training attempt.
struct TrialInvocation {
  std::string config_path;  // the trial's INI: the manifest row's text, every key
  std::string out_path;     // the trial file to write, or to continue with resume
  bool resume = false;      // continue the trial file's checkpoint (a completed trial: answer again, no work)
  std::string trial_id;  // the manifest's ids, recorded in the trial file so that both name the trial alike
  std::string config_id;
  // "section.key" -> value overrides of the INI, e.g. an ASHA rung's train.max_epochs: the INI, and with it
  // the trial id, stay the same across rungs, so --resume continues the same run.
  std::vector<std::pair<std::string, std::string>> overrides;
  int threads = 1;
  std::string device = "cpu";  // "cpu" or "cuda:K"
};
std::vector<std::string> TrialArgv(const std::string& command, const TrialInvocation& invocation);

// The parameter count of a configuration: the one question about a configuration that needs the model (and
// with dts-train, LibTorch). The trial command writes {"trainable_parameters": N} to `out_path` and exits 0.
std::vector<std::string> CountParametersArgv(const std::string& command, const std::string& config_path,
                                             const std::string& out_path);
void WriteParameterCount(const std::string& path, std::int64_t trainable_parameters);
std::int64_t ReadParameterCount(const std::string& path);  // throws IoError naming the path

// What an exit code (common/exit_codes.h) or a killing signal says about an attempt. The one table from
// exit code to failure class; common/app.cc holds the one from exception to exit code.
struct ExitMeaning {
  int exit_code;
  FailureClass failure;
};
inline constexpr ExitMeaning kTrialExits[] = {
    {kExitOk, FailureClass::kNone},
    {kExitFailure, FailureClass::kCrashed},
    {kExitUsage, FailureClass::kBadConfig},
    {kExitBadConfig, FailureClass::kBadConfig},
    {kExitBadInput, FailureClass::kBadConfig},
    {kExitIo, FailureClass::kInfrastructure},
    {kExitDiverged, FailureClass::kDiverged},
    {kExitResumeMe, FailureClass::kInterrupted},
    {126, FailureClass::kInfrastructure},  // found but not executable (the shell's convention)
    {127, FailureClass::kInfrastructure},  // not found, or exec failed
};
// term_signal 0: the child exited with exit_code. SIGTERM / SIGUSR1 mean it was stopped (the stop signals
// reach every process of a job; one that arrives before the trial's handler is installed kills it):
// interrupted. Any other signal, or an exit code not in the table: crashed.
FailureClass FailureClassOfExit(int exit_code, int term_signal);

// A training attempt's answer, from its trial file.
struct TrialAnswer {
  TrialStatus status = TrialStatus::kRunning;
  FailureClass failure = FailureClass::kNone;
  std::string failure_message;
  double dev_score = -1;  // the selected (best) epoch's early-stopping score; -1 without one
  int epochs_run = 0;
  std::optional<SplitMetrics> test;
};
// The early-stopping dev score of the trial's best epoch, -1 if it has none yet: what a sweep ranks by.
double SelectedDevScore(const TrialFile& trial);
// Throws IoError naming the path when the file is missing, corrupt or foreign.
TrialAnswer ReadTrialAnswer(const std::string& trial_path);

}  // namespace dts::schema
