// Runs one trial as a child process, so that a segfault, an abort or the OOM killer ends the trial and not the
// rank: the outcome is read from the wait status. The child is `Assign::command` (dts-train, or any drop-in
// with the same command line) and never links MPI.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "orchestrator/protocol.h"

namespace dts::orchestrator {

// The exit code / signal of a finished child -> failure class. The one place that reads common/exit_codes.h.
TrialOutcome ClassifyExit(int exit_code, int term_signal);

// The argv of one attempt:
//   command --config C --out T [--resume] [--train.max_epochs E] --threads N --device cpu|cuda:K
// (--train.max_epochs: an ASHA rung's budget, a `--section.key value` override of the INI).
std::vector<std::string> TrialArgv(const Assign& assign, int local_rank, int device_count);

// CUDA devices this process may use: CUDA_VISIBLE_DEVICES when set, else the /dev/nvidiaN nodes.
int VisibleCudaDevices();

using TrialRunner = std::function<Result(const Assign&)>;

// Writes assign.config_ini to assign.config_path, spawns the child with stdout and stderr piped through this
// process into assign.log_path, forwards the stop signal (SIGTERM / SIGUSR1; SIGINT as SIGTERM) once it is
// raised, and waits. Never throws for anything the child does; an unstartable child is kInfrastructure.
Result RunChildTrial(const Assign& assign, int local_rank, int device_count);

// Path of an executable: as given when it contains '/', else next to the running executable, else on PATH.
std::string ResolveExecutable(const std::string& command);

// Runs `argv` to completion and returns its stdout (stderr passes through). Throws Error naming the command
// when it cannot start or exits non-zero. For the planner's --dry-run / --dump-config queries.
std::string CaptureOutput(const std::vector<std::string>& argv);
// The same for many commands, up to `parallel` running at once; outputs in the order of `argvs`. The first
// failure (in that order) is thrown once every started child has been waited for.
std::vector<std::string> CaptureOutputs(const std::vector<std::vector<std::string>>& argvs, int parallel);

}  // namespace dts::orchestrator
