// Cooperative stop: SIGTERM / SIGUSR1 / SIGINT only set a flag (anything more in a handler is undefined
// behaviour); long loops check StopRequested() at a safe boundary (a batch, a scheduling step).
#pragma once

namespace dts {

void InstallStopHandlers();
bool StopRequested() noexcept;
int StopSignal() noexcept;              // the signal that asked us to stop, 0 if none
void RequestStop(int signal) noexcept;  // for tests and for forwarding
void ClearStopRequest() noexcept;

}  // namespace dts
