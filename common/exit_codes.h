// Exit codes shared by every dts executable, the sweep worker that reads a trial child's status,
// and the Slurm scripts that decide whether to requeue. Documented in docs/architecture.md.
#pragma once

namespace dts {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,    // an unexpected error (a bug, or an exception we did not classify)
  kExitUsage = 2,      // bad command line
  kExitBadConfig = 3,  // unknown key, wrong type, value out of range: never retried
  kExitBadInput = 4,   // malformed corpus, missing input file
  kExitIo = 5,         // cannot write output, corrupt HDF5: infrastructure, may be retried elsewhere
  kExitDiverged = 6,   // non-finite loss: a result (worst score), not retried
  // dts-sweep only: the sweep ran to its end, but some trials ended failed or bad_config (their retries
  // spent, or not retriable); the manifest and the log name them and the hosts they failed on.
  kExitTrialsFailed = 7,
  // dts-sweep only: ranks were lost (silent past sweep.silent_rank_s: a frozen or cut-off host) or
  // quarantined, and work is left that no healthy rank could do. State saved: run the same command again,
  // on healthy nodes (69 is EX_UNAVAILABLE from sysexits.h).
  kExitRanksLost = 69,
  kExitResumeMe = 75,  // stopped by SIGTERM/SIGUSR1 after a checkpoint: run the same command again
                       // (75 is EX_TEMPFAIL from sysexits.h: "try again later")
};

}  // namespace dts
