#include "orchestrator/sweep_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "common/error.h"
#include "common/host.h"
#include "schema/sweep_manifest.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

namespace {

// Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the pid, it names one process, so a
// recycled pid is not mistaken for the holder. Empty when it cannot be read; "Z" for a zombie (exited, not
// yet reaped), which counts as gone.
std::string ProcessStartTicks(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return "";
  const auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3 && field == "Z") return "Z";
  }
  return field;
}

std::string ReadAll(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream text;
  if (ok) text << in.rdbuf();
  return text.str();
}

std::map<std::string, std::string> ParseLock(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return fields;
}

std::string Holder(const std::map<std::string, std::string>& fields) {
  auto get = [&](const char* key) {
    auto it = fields.find(key);
    return it == fields.end() || it->second.empty() ? std::string("?") : it->second;
  };
  return "host " + get("host") + " pid " + get("pid") + " since " + get("started");
}

// True only when the holder provably is gone: this host, and its pid no longer runs the process that wrote
// the lock.
bool ProvablyStale(const std::map<std::string, std::string>& fields, const std::string& host) {
  auto host_it = fields.find("host");
  auto pid_it = fields.find("pid");
  if (host_it == fields.end() || host_it->second != host || pid_it == fields.end()) return false;
  long pid = 0;
  try {
    pid = std::stol(pid_it->second);
  } catch (const std::exception&) {
    return false;
  }
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
  const std::string ticks = ProcessStartTicks(pid);
  if (ticks == "Z") return true;
  auto start_it = fields.find("pid_start");
  return !ticks.empty() && start_it != fields.end() && !start_it->second.empty() && start_it->second != ticks;
}

}  // namespace

SweepLock::SweepLock(const std::string& dir, bool break_lock, std::ostream& log)
    : dir_(dir), path_((fs::path(dir) / "sweep.lock").string()) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    created_dir_ = fs::create_directories(dir, ec);
    if (ec) throw IoError(dir, "cannot create the sweep directory: " + ec.message());
  }
  const std::string host = HostName();
  const std::string started = IsoUtcNow();
  content_ = "host=" + host + "\npid=" + std::to_string(getpid()) +
             "\npid_start=" + ProcessStartTicks(getpid()) + "\nstarted=" + started + "\n";
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const bool written =
          write(fd, content_.data(), content_.size()) == static_cast<ssize_t>(content_.size());
      const bool synced = fsync(fd) == 0;
      close(fd);
      held_ = true;
      if (!written || !synced) {
        const std::string error = std::strerror(errno);
        Abandon();
        throw IoError(path_, "cannot write the sweep lock: " + error);
      }
      return;
    }
    if (errno != EEXIST) {
      const std::string error = std::strerror(errno);
      Abandon();
      throw IoError(path_, "cannot create the sweep lock: " + error);
    }
    bool ok = false;
    const std::string text = ReadAll(path_, ok);
    if (!ok) continue;  // released meanwhile: try again
    const auto fields = ParseLock(text);
    if (break_lock || ProvablyStale(fields, host)) {
      // Move it aside rather than unlink it: if it was replaced since we read it (another run took it over
      // first), the file we moved is not the one we judged, and it goes back.
      const std::string aside = path_ + ".stale-" + std::to_string(getpid());
      if (rename(path_.c_str(), aside.c_str()) != 0) continue;
      bool read_back = false;
      if (ReadAll(aside, read_back) != text) {
        if (link(aside.c_str(), path_.c_str()) == 0) unlink(aside.c_str());
        continue;
      }
      unlink(aside.c_str());
      log << "dts-sweep: note: " << (break_lock ? "broke" : "took over the stale") << " lock " << path_
          << " of " << Holder(fields)
          << (break_lock ? " (--break-lock)"
                         : " (that process is gone; its running trials, if any, were "
                           "stopped with it)")
          << std::endl;
      continue;
    }
    Abandon();
    const bool same_host = fields.count("host") && fields.at("host") == host;
    throw UsageError(
        dir_ + " is in use by another dts-sweep (" + path_ + ": " + Holder(fields) + ")" +
        (same_host ? "; wait for it, or stop it"
                   : "; if that run is gone, break the lock: rm " + path_ + " (or rerun with --break-lock)"));
  }
  Abandon();
  throw UsageError(dir_ + ": could not take " + path_ +
                   " (it keeps changing: another dts-sweep is starting)");
}

SweepLock::~SweepLock() { Release(); }

void SweepLock::Release() {
  if (!held_) return;
  held_ = false;
  bool ok = false;
  if (ReadAll(path_, ok) == content_ && ok) unlink(path_.c_str());  // never remove a lock someone else took
}

void SweepLock::Abandon() {
  Release();
  if (created_dir_) {
    std::error_code ignored;
    fs::remove(dir_, ignored);  // only if empty: nothing of anyone else's is ever removed
    created_dir_ = false;
  }
}

void CheckSameSweep(const std::string& dir, const config::SweepConfig& sweep, bool adopt, std::ostream& log) {
  const fs::path manifest_path = fs::path(dir) / "sweep.h5";
  std::error_code ec;
  if (!fs::exists(manifest_path, ec)) return;
  const schema::SweepManifest old = schema::ReadSweepManifest(manifest_path.string());
  if (old.sweep_name == sweep.sweep.name && old.sweep_ini == sweep.text) return;
  const std::string what =
      old.sweep_name == sweep.sweep.name
          ? "sweep '" + old.sweep_name + "' from a different sweep file text than " + sweep.path
          : "sweep '" + old.sweep_name + "', not '" + sweep.sweep.name + "' (" + sweep.path + ")";
  if (adopt) {
    log << "dts-sweep: note: " << manifest_path.string() << " holds " << what
        << "; continuing it with this sweep file (--adopt): finished trials whose ids this plan shares are "
           "kept"
        << std::endl;
    return;
  }
  throw UsageError(manifest_path.string() + " holds " + what +
                   ": use another --out, or --adopt to continue that directory with this sweep file");
}

}  // namespace dts::orchestrator
