#include "status/watch.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "common/stop.h"
#include "status/render.h"
#include "status/sweep_state.h"

namespace dts::status {

namespace {

// The layout is made for 80 columns; a narrower terminal gets it cut at its edge rather than wrapped by the
// terminal, which would scroll the screen.
constexpr int kWidth = 80;
constexpr int kMinWidth = 40;

void WriteAll(const std::string& text) {
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = write(STDOUT_FILENO, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the terminal went away: nothing more to show
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

// The terminal while watching: keys without Enter and without echo (Ctrl-C still signals), the alternate
// screen and a hidden cursor; all undone on every way out, exceptions included.
class Screen {
 public:
  Screen() {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      keys_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    WriteAll("\x1b[?1049h\x1b[?25l");
  }
  ~Screen() {
    WriteAll("\x1b[?25h\x1b[?1049l");
    if (keys_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  bool keys() const { return keys_; }

  void Draw(const std::string& text) {
    // Home, each line cleared to its end, then everything below: no flicker, no leftovers of a longer frame.
    std::string frame = "\x1b[H";
    size_t start = 0;
    while (start < text.size()) {
      const size_t end = text.find('\n', start);
      frame += text.substr(start, (end == std::string::npos ? text.size() : end) - start) + "\x1b[K\r\n";
      if (end == std::string::npos) break;
      start = end + 1;
    }
    frame += "\x1b[J";
    WriteAll(frame);
  }

 private:
  termios saved_{};
  bool keys_ = false;
};

void TerminalSize(int& width, int& height) {
  winsize size{};
  width = kWidth;
  height = 24;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    width = std::max(kMinWidth, std::min<int>(kWidth, size.ws_col));
    height = std::max(10, static_cast<int>(size.ws_row));
  }
}

// Waits up to `seconds` for a key; true when the user asked to quit (q, or Ctrl-C / SIGTERM).
bool WaitForQuit(double seconds, bool keys) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (StopRequested()) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    const int ready = poll(keys ? &fd : nullptr, keys ? 1 : 0, static_cast<int>(left.count()));
    if (ready < 0) continue;  // EINTR: a signal; StopRequested() says whether it was a stop
    if (ready > 0 && (fd.revents & POLLIN)) {
      char buffer[64];
      const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
      if (n <= 0) keys = false;  // end of input: only signals can stop us now
      for (ssize_t i = 0; i < n; ++i)
        if (buffer[i] == 'q' || buffer[i] == 'Q') return true;
    }
  }
}

}  // namespace

int RunStatus(const StatusOptions& options) {
  TrialCache cache;
  auto snapshot = [&] { return Summarize(ReadSweepState(options.dir, cache), options.summary); };
  if (options.json) {
    std::cout << RenderJson(snapshot()) << std::endl;
    return 0;
  }
  if (!options.watch || !isatty(STDOUT_FILENO)) {
    std::cout << RenderText(snapshot(), kWidth, 0, "") << std::flush;
    return 0;
  }
  InstallStopHandlers();
  StatusSummary last;
  bool ended = false;
  {
    Screen screen;
    const std::string footer = "every " + FormatDuration(options.interval_s) +
                               (screen.keys() ? " | q or Ctrl-C quits" : " | Ctrl-C quits") +
                               " | exits by itself when the sweep ends";
    for (;;) {
      last = snapshot();
      int width = kWidth, height = 24;
      TerminalSize(width, height);
      screen.Draw(RenderText(last, width, height, footer));
      if (HasEnded(last.phase)) {
        ended = true;
        break;
      }
      if (WaitForQuit(options.interval_s, screen.keys())) break;
    }
  }
  // The last view stays on the normal screen, so the end of a sweep (or what was seen at `q`) can be read.
  std::cout << RenderText(last, kWidth, 0, "") << std::flush;
  if (ended) std::cout << "dts-status: the sweep has ended (" << Name(last.phase) << ")" << std::endl;
  return 0;
}

}  // namespace dts::status
