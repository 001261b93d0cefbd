// The only view of the process group that the coordinator and the workers have. Two implementations:
// MpiCommunicator (mpi_comm.h, the only file that includes <mpi.h>) and MakeInProcessGroup(n), n endpoints in
// one process joined by queues, so that scheduling, retries and resume are unit-tested without mpirun.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/protocol.h"

namespace dts::orchestrator {

struct Envelope {
  int source = -1;
  Tag tag = Tag::kStop;
  std::string payload;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int Rank() const = 0;
  virtual int Size() const = 0;  // rank 0 is the coordinator
  // Index of a worker among the worker ranks on its host (picks its GPU; the coordinator is not counted);
  // 0 for the coordinator. The in-process group is one host: worker rank r is r - 1.
  virtual int LocalRank() const = 0;
  // Never blocks for long: messages are small and the receiver drains them promptly.
  virtual void Send(int dest, Tag tag, std::string payload) = 0;
  // Waits up to `timeout` for a message from any rank. nullopt on timeout: the caller checks StopRequested()
  // and its own deadlines, then waits again. Implementations must not spin while waiting.
  virtual std::optional<Envelope> Receive(std::chrono::milliseconds timeout) = 0;
};

// n connected endpoints; endpoint i has rank i. Each may be used from its own thread.
std::vector<std::unique_ptr<Communicator>> MakeInProcessGroup(int n);

}  // namespace dts::orchestrator
