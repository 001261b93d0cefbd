#include "common/stop.h"

#include <atomic>
#include <csignal>
#include <initializer_list>

namespace dts {

namespace {
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free,
              "the stop flag must be safe to set from a signal handler");
extern "C" void OnStopSignal(int signal) { g_stop_signal.store(signal); }
}  // namespace

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  for (int signal : {SIGTERM, SIGUSR1, SIGINT}) sigaction(signal, &action, nullptr);
}

bool StopRequested() noexcept { return g_stop_signal.load() != 0; }
int StopSignal() noexcept { return g_stop_signal.load(); }
void RequestStop(int signal) noexcept { g_stop_signal.store(signal); }
void ClearStopRequest() noexcept { g_stop_signal.store(0); }

}  // namespace dts
