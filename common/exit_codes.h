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
  kExitResumeMe = 75,  // stopped by SIGTERM/SIGUSR1 after a checkpoint: run the same command again
                       // (75 is EX_TEMPFAIL from sysexits.h: "try again later")
};

}  // namespace dts
