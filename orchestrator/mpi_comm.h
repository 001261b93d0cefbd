// MPI behind the Communicator interface. This header does not include <mpi.h>; only mpi_comm.cc does.
#pragma once

#include <memory>

#include "orchestrator/comm.h"

namespace dts::orchestrator {

// Owns MPI_Init_thread / MPI_Finalize. Finalize() is explicit, never in the destructor: one rank unwinding
// into MPI_Finalize while the others still wait for it hangs the job. Abort() is for an error that escaped on
// one rank, the one case where the others would otherwise wait forever.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  Communicator& World();
  void Finalize();
  [[noreturn]] static void Abort(int code);
  static bool IsUp();

 private:
  std::unique_ptr<Communicator> world_;
  bool finalized_ = false;
};

}  // namespace dts::orchestrator
