// Entry point of dts-sweep below the app: validation, --dry-run, and the split into coordinator and workers.
#pragma once

#include <iosfwd>
#include <string>

#include "orchestrator/comm.h"
#include "orchestrator/planner.h"
#include "orchestrator/sweep_config.h"

namespace dts::orchestrator {

struct SweepOptions {
  std::string sweep_path;
  std::string out_dir;
  bool dry_run = false;
  bool json = false;
  std::string trial_command;  // overrides [sweep] trial_command when set
};

// `trial_command --config X --dry-run` -> "trainable parameters: N", cached per config. Configs are written to
// `scratch_dir`.
ParamCounter MakeChildParamCounter(const std::string& command, const std::string& scratch_dir);

// Runs `trial_command --config X --dump-config` for the base config with each searched value in turn (ranges:
// both ends) and the stage keys the planner sets, so that a value the trainer rejects fails the sweep before
// any work starts, naming the sweep file's line.
void ValidateWithTrialCommand(const SweepConfig& sweep, const std::string& command, const std::string& scratch_dir);

// Prints the plan: trials per stage, the parameter count of each search configuration, a cost estimate.
void PrintPlan(const SweepConfig& sweep, const ParamCounter& counter, const ConfigResolver& resolver,
               std::ostream& out);

// Rank 0 validates and coordinates; the other ranks run trials as child processes. Returns the exit code
// (kExitOk, kExitResumeMe) on every rank.
int RunSweep(const SweepOptions& options, Communicator& comm);

}  // namespace dts::orchestrator
