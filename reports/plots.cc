#include "reports/plots.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace dts::reports {

namespace fs = std::filesystem;

bool GnuplotAvailable() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string GnuplotQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string TerminalSetup(const PlotSpec& plot, const std::string& format) {
  const std::string size = " size " + std::to_string(plot.width) + "," + std::to_string(plot.height);
  if (format == "png") {
    return "set terminal pngcairo" + size + " enhanced font 'sans,10'; set output " +
           GnuplotQuote(plot.stem + ".png");
  }
  return "set terminal svg" + size + " fixed enhanced font 'sans,11'; set output " +
         GnuplotQuote(plot.stem + ".svg");
}

std::vector<std::string> RenderPlot(const std::string& out_dir, const PlotSpec& plot,
                                    std::vector<std::string>& warnings) {
  std::vector<std::string> written;
  for (const char* format : {"svg", "png"}) {
    const std::string error = RunGnuplot(out_dir, plot.stem, TerminalSetup(plot, format));
    if (error.empty()) {
      written.push_back(plot.stem + "." + format);
    } else {
      warnings.push_back(error);
    }
  }
  return written;
}

std::string RunGnuplot(const std::string& out_dir, const std::string& stem, const std::string& setup) {
  const fs::path script_path = fs::path(out_dir) / (stem + ".gp");
  // posix_spawn rather than system(): no shell, so no quoting of paths. gnuplot first changes into out_dir,
  // so the script's relative data and output file names resolve there.
  const fs::path dir = fs::absolute(out_dir);
  std::vector<std::string> args = {"gnuplot", "-e",
                                   "cd " + GnuplotQuote(dir.string()) + (setup.empty() ? "" : "; " + setup),
                                   (dir / script_path.filename()).string()};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // gnuplot may chatter on stdout; the report's stdout is for the tables.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return std::string("cannot run gnuplot: ") + std::strerror(rc);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::string("waitpid: ") + std::strerror(errno);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "gnuplot failed on " + script_path.string() + " (status " + std::to_string(status) + ")";
  }
  return "";
}

}  // namespace dts::reports
