#include <condition_variable>
#include <deque>
#include <mutex>

#include "common/error.h"
#include "orchestrator/comm.h"

namespace dts::orchestrator {

namespace {

struct Mailbox {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Envelope> queue;
};

// Shared by all endpoints of one group; endpoints keep it alive.
struct Group {
  std::vector<Mailbox> boxes;
  explicit Group(int n) : boxes(n) {}
};

class InProcessCommunicator : public Communicator {
 public:
  InProcessCommunicator(std::shared_ptr<Group> group, int rank) : group_(std::move(group)), rank_(rank) {}
  int Rank() const override { return rank_; }
  int Size() const override { return static_cast<int>(group_->boxes.size()); }
  int LocalRank() const override { return rank_ > 0 ? rank_ - 1 : 0; }

  void Send(int dest, Tag tag, std::string payload) override {
    if (dest < 0 || dest >= Size())
      throw Error("in-process send to rank " + std::to_string(dest) + " of " + std::to_string(Size()));
    Mailbox& box = group_->boxes[dest];
    {
      std::lock_guard<std::mutex> lock(box.mutex);
      box.queue.push_back(Envelope{rank_, tag, std::move(payload)});
    }
    box.ready.notify_one();
  }

  std::optional<Envelope> Receive(std::chrono::milliseconds timeout) override {
    Mailbox& box = group_->boxes[rank_];
    std::unique_lock<std::mutex> lock(box.mutex);
    if (!box.ready.wait_for(lock, timeout, [&] { return !box.queue.empty(); })) return std::nullopt;
    Envelope envelope = std::move(box.queue.front());
    box.queue.pop_front();
    return envelope;
  }

 private:
  std::shared_ptr<Group> group_;
  int rank_;
};

}  // namespace

std::vector<std::unique_ptr<Communicator>> MakeInProcessGroup(int n) {
  auto group = std::make_shared<Group>(n);
  std::vector<std::unique_ptr<Communicator>> endpoints;
  for (int i = 0; i < n; ++i) endpoints.push_back(std::make_unique<InProcessCommunicator>(group, i));
  return endpoints;
}

}  // namespace dts::orchestrator
