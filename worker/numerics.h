// The numerics a trial runs with are set by the trial itself, whatever the environment of the shell that
// launched it says (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, ...), so that a trial's result does not depend on
// the host or rank that ran it; and every attempt records what was in force in the trial file's /attempts
// table. The native libraries' side (OpenMP, OpenBLAS, the environment) is common/numerics.h's; this adds
// LibTorch's.
#pragma once

#include <string>
#include <vector>

#include "schema/trial_file.h"

namespace dts::worker {

// threads > 0: LibTorch's intra-op threads, OpenMP's and OpenBLAS's counts become `threads`. 0 leaves them
// to LibTorch's default (which follows OMP_NUM_THREADS: the attempt's row records it). LibTorch's inter-op
// threads become 1 in either case: dts runs no inter-op parallel work, and the pool's default size is the
// host's core count.
void SetTrialThreads(int threads);

// The /attempts row of an attempt starting now after the file's `earlier` rows (schema::StartAttemptRow),
// with LibTorch's thread counts in force and the resolved `device` ("cpu", "cuda:0").
schema::AttemptRow StartAttempt(const std::vector<schema::AttemptRow>& earlier, const std::string& device);

}  // namespace dts::worker
