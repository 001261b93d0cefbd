// Runs one trial as a child process, so that a segfault, an abort or the OOM killer ends the trial and not
// the rank. The child is `Assign::command` (dts-train, or any drop-in that keeps schema/trial_contract.h) and
// never links MPI: how it ended comes from its wait status, its result from the trial file it wrote.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "orchestrator/protocol.h"
#include "schema/trial_contract.h"

namespace dts::orchestrator {

// The contract's invocation of one attempt (an ASHA rung's budget becomes a train.max_epochs override).
schema::TrialInvocation InvocationOf(const Assign& assign, int local_rank, int device_count);

// The device of a host's worker number `worker_index` (Communicator::LocalRank: the coordinator is not
// counted): cuda:(worker_index % device_count) for the first device_count x trials_per_gpu workers, so each
// GPU gets trials_per_gpu of them, and "cpu" for the rest or when there is no GPU.
std::string DeviceFor(int worker_index, int device_count, int trials_per_gpu);

// CUDA devices this process may use: CUDA_VISIBLE_DEVICES when set; none in a Slurm job that did not set
// it (no GPU was allocated); else the /dev/nvidiaN nodes.
int VisibleCudaDevices();

using TrialRunner = std::function<Result(const Assign&)>;

// Writes assign.config_ini to assign.config_path, spawns the child with stdout and stderr piped through this
// process into assign.log_path, forwards the stop signal (SIGTERM / SIGUSR1; SIGINT as SIGTERM) once it is
// raised, and waits. Never throws for anything the child does; an unstartable child is kInfrastructure.
// One writer per trial file: holds an flock on TrialLockPath(trial_path) while the child runs (the child
// inherits it) and the lease TrialLeasePath(trial_path); a second runner for the same trial waits for the
// first to let go (kInterrupted if a stop signal comes meanwhile) and resumes from the trial file the first
// one left. The attempt's seconds and its timeout count from the spawn, not the wait.
Result RunChildTrial(const Assign& assign, int local_rank, int device_count);

// DIR/trials/<id>.lock for DIR/trials/<id>.h5 (the flock), and DIR/trials/<id>.lease (the lease any host
// can judge: lease_file.h).
std::string TrialLockPath(const std::string& trial_path);
std::string TrialLeasePath(const std::string& trial_path);

// The trial child's environment: `base` without any numerics variable (common/numerics.h), then the sweep's
// (assign.environment), then the attempt and the rank (schema/trial_contract.h trial_env). Whatever host or
// shell started the worker, every trial computes with the same numerics settings.
std::vector<std::string> TrialEnvironment(const Assign& assign, char** base);

// Path of an executable: as given when it contains '/', else next to the running executable, else on PATH.
std::string ResolveExecutable(const std::string& command);

// Runs `argv` to completion, its output passed through to this process' stderr (a log for people). Throws
// Error naming the command when it cannot start or does not exit 0. For the planner's parameter counts.
void RunToCompletion(const std::vector<std::string>& argv);

}  // namespace dts::orchestrator
