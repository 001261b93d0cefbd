#include "orchestrator/mpi_comm.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <list>
#include <thread>

#include "common/error.h"

namespace dts::orchestrator {

namespace {

void Check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw Error(std::string(call) + " failed: " + std::string(text, length));
}

constexpr std::chrono::microseconds kMaxSleep{2000};

// All ranks communicate on one duplicated communicator so that nothing else (a library) can intercept our
// tags.
class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    Check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    Check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    Check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    // The local rank counts the workers of this host only (it picks a worker's GPU): counting the
    // coordinator too would leave GPU 0 of its host unused.
    MPI_Comm workers;
    Check(MPI_Comm_split(comm_, rank_ == 0 ? MPI_UNDEFINED : 1, rank_, &workers), "MPI_Comm_split");
    if (workers != MPI_COMM_NULL) {
      MPI_Comm local;
      Check(MPI_Comm_split_type(workers, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
            "MPI_Comm_split_type");
      Check(MPI_Comm_rank(local, &local_rank_), "MPI_Comm_rank(local)");
      MPI_Comm_free(&local);
      MPI_Comm_free(&workers);
    }
  }
  int Rank() const override { return rank_; }
  int Size() const override { return size_; }
  int LocalRank() const override { return local_rank_; }

  ~MpiCommunicator() override {
    // Every message handed to MPI is delivered before MPI_Finalize (a worker's last result, the coordinator's
    // stop messages).
    for (auto& send : sends_) MPI_Wait(&send.request, MPI_STATUS_IGNORE);
  }

  void Send(int dest, Tag tag, std::string payload) override {
    // Non-blocking: a blocking MPI_Send spun in Open MPI's progress loop until the receiving rank polled,
    // measured at 2.8 ms of coordinator CPU per assignment with 8 oversubscribed ranks
    // (bench/sweep_overhead). The payload lives in sends_ until MPI reports the send complete.
    ReapCompletedSends();
    sends_.push_back({MPI_REQUEST_NULL, std::move(payload)});
    auto& send = sends_.back();
    Check(MPI_Isend(send.payload.data(), static_cast<int>(send.payload.size()), MPI_CHAR, dest,
                    static_cast<int>(tag), comm_, &send.request),
          "MPI_Isend");
  }

  std::optional<Envelope> Receive(std::chrono::milliseconds timeout) override {
    // Open MPI's blocking receive spins at 100% CPU and would steal a core from the trial on the
    // coordinator's node; instead poll MPI_Iprobe with a sleep that grows from 20 us to kMaxSleep: a message
    // is seen within microseconds while messages keep coming, within kMaxSleep (about 1/1000 of a 1-second
    // trial) otherwise, and an idle rank wakes about 500 times a second, a few us of CPU each (well under 1%
    // of a core).
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto sleep = std::chrono::microseconds(20);
    for (;;) {
      int flag = 0;
      MPI_Status status;
      Check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, &status), "MPI_Iprobe");
      if (flag) {
        int count = 0;
        Check(MPI_Get_count(&status, MPI_CHAR, &count), "MPI_Get_count");
        Envelope envelope;
        envelope.source = status.MPI_SOURCE;
        envelope.tag = static_cast<Tag>(status.MPI_TAG);
        envelope.payload.resize(count);
        Check(MPI_Recv(envelope.payload.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, comm_,
                       MPI_STATUS_IGNORE),
              "MPI_Recv");
        return envelope;
      }
      ReapCompletedSends();
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(sleep, deadline - now));
      sleep = std::min(sleep * 2, kMaxSleep);
    }
  }

 private:
  struct PendingSend {
    MPI_Request request;
    std::string payload;
  };

  void ReapCompletedSends() {
    for (auto it = sends_.begin(); it != sends_.end();) {
      int done = 0;
      Check(MPI_Test(&it->request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      it = done ? sends_.erase(it) : std::next(it);
    }
  }

  std::list<PendingSend> sends_;  // std::list: a payload must not move while MPI may read it
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, local_rank_ = 0;
};

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  // Only the main thread calls MPI.
  Check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as codes and become exceptions naming the call, instead of aborting inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  world_ = std::make_unique<MpiCommunicator>();
}

Communicator& MpiSession::World() { return *world_; }

void MpiSession::Finalize() {
  if (finalized_) return;
  finalized_ = true;
  world_.reset();
  MPI_Finalize();
}

void MpiSession::Abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

bool MpiSession::IsUp() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

}  // namespace dts::orchestrator
