// What a process' floating-point results depend on beyond its inputs and seeds, and that the host or the
// launching shell could otherwise decide: the native libraries' thread counts and the BLAS. Nothing here
// links them: their functions are looked up in the running process (dlsym), so a process without OpenMP or
// OpenBLAS (the tests' synthetic trial, or a LibTorch built on MKL) works the same, with less to set.
// LibTorch's own thread counts are worker/numerics.h's.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dts {

// Sets OpenMP's (omp_set_num_threads) and OpenBLAS's (openblas_set_num_threads) thread counts to `threads`,
// whichever of the two this process has loaded, overriding OMP_NUM_THREADS and OPENBLAS_NUM_THREADS.
void SetNativeThreadCounts(int threads);

struct BlasInForce {
  std::string
      library;       // openblas_get_config(), else the path of the library holding the BLAS, else "unknown"
  std::string core;  // openblas_get_corename(): the kernels OpenBLAS picked for this CPU; "" otherwise
};
BlasInForce CurrentBlas();

// The variables of this process' environment that numerical libraries read (prefixes OMP_, OPENBLAS_, GOTO,
// MKL_, KMP_, GOMP_) as "KEY=VALUE;KEY=VALUE", sorted; "" when there are none.
std::string NumericsEnvironment();

// True for the names NumericsEnvironment() reports: the one list of variables that numerical libraries read.
bool IsNumericsVariable(std::string_view name);

// A sweep's `environment` setting, "NAME=VALUE, NAME=VALUE", as pairs in the order given. Throws Error naming
// the item for one without '=', with a name that is not a numerics variable, or with a name given twice.
std::vector<std::pair<std::string, std::string>> ParseNumericsSettings(const std::string& text);

}  // namespace dts
