// Entry point of dts-sweep below the app: --dry-run, and the split into coordinator and workers. The sweep
// file is validated completely by config::ReadSweepConfig, in this process, before any rank starts work.
#pragma once

#include <iosfwd>
#include <string>

#include "config/sweep_config.h"
#include "orchestrator/comm.h"
#include "orchestrator/planner.h"

namespace dts::orchestrator {

struct SweepOptions {
  std::string sweep_path;
  std::string out_dir;
  bool dry_run = false;
  bool json = false;
  std::string trial_command;  // overrides [sweep] trial_command when set
  bool adopt = false;         // run on a DIR whose sweep.h5 holds another sweep (CheckSameSweep)
  bool break_lock = false;    // remove DIR/sweep.lock first, whoever holds it (SweepLock)
  int threads_per_rank = 0;   // overrides [sweep] threads_per_rank when > 0 (dts-submit: --cpus-per-task)
};

// `trial_command --config X --count-parameters X.json` (schema/trial_contract.h), once per configuration
// (configurations told apart by their identity text under `identity_base`); the files live in `scratch_dir`
// while the child runs.
ParamCounter MakeChildParamCounter(const std::string& command, const std::string& scratch_dir,
                                   const IdentityBase& identity_base);

// Prints the plan: trials per stage, the parameter count of each search configuration (with its config id
// under `identity_base`), a cost estimate.
void PrintPlan(const config::SweepConfig& sweep, const ParamCounter& counter,
               const IdentityBase& identity_base, std::ostream& out);

// Why a relative path given to this process cannot be trusted, or "" when it can: under Open MPI, a rank on
// another host than mpirun's whose working directory is $HOME (Open MPI's silent fallback when the launch
// directory does not exist there; no variable tells the launch directory). Rank 0 then refuses a relative
// --out or --config rather than write the sweep into $HOME.
std::string LaunchDirectoryUnknown();

// Rank 0 validates and coordinates; the other ranks run trials as child processes. Returns the exit code
// (kExitOk, kExitResumeMe) on every rank.
int RunSweep(const SweepOptions& options, Communicator& comm);

}  // namespace dts::orchestrator
