// dts-status's loop: one snapshot (text or JSON), or --watch: a full-screen view redrawn in place every few
// seconds until `q`, Ctrl-C, or the sweep's end. Plain ANSI escape sequences and termios: the alternate
// screen while watching, and the last view printed on the normal screen at the end, so it stays readable.
#pragma once

#include <string>

#include "status/summary.h"

namespace dts::status {

struct StatusOptions {
  std::string dir;
  bool json = false;
  bool watch = false;
  double interval_s = 2;  // --watch's refresh
  SummaryOptions summary;
};

// Runs dts-status; returns its exit code (0; errors are thrown). Watching needs a terminal on stdout:
// without one it prints one snapshot and returns.
int RunStatus(const StatusOptions& options);

}  // namespace dts::status
