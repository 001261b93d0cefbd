#include "orchestrator/lease_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/host.h"

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

std::string Field(const LockFields& fields, const char* key) {
  auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

// True only when the holder ran on this host and its pid no longer runs the process that wrote the lock.
bool HolderGoneFromThisHost(const LockFields& fields) {
  long pid = 0;
  try {
    pid = std::stol(Field(fields, "pid"));
  } catch (const std::exception&) {
    return false;
  }
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
  const std::string ticks = ProcessStartTicks(pid);
  if (ticks == "Z") return true;
  const std::string start = Field(fields, "pid_start");
  return !ticks.empty() && !start.empty() && start != ticks;
}

int RestartCount(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoi(text);
  } catch (const std::exception&) {
    return 0;
  }
}

double Seconds(const timespec& t) { return static_cast<double>(t.tv_sec) + t.tv_nsec * 1e-9; }

// The file server's "now": the mtime of a file written beside `path` this instant. Falls back to this host's
// clock when nothing can be written there (then clock skew between hosts counts; the note says so).
double ServerNow(const std::string& path, bool& from_server) {
  const std::string probe = path + ".clock-" + HostName() + "-" + std::to_string(getpid());
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    struct stat st {};
    const bool ok = write(fd, "t", 1) == 1 && fstat(fd, &st) == 0;
    close(fd);
    unlink(probe.c_str());
    if (ok) {
      from_server = true;
      return Seconds(st.st_mtim);
    }
  }
  from_server = false;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return Seconds(now);
}

bool MtimeOf(const std::string& path, timespec& mtime) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  mtime = st.st_mtim;
  return true;
}

std::string Round(double seconds) { return std::to_string(std::lround(seconds)) + " s"; }

}  // namespace

std::string LockText(double lease_s, const LockFields& extra) {
  std::ostringstream text;
  text << "host=" << HostName() << "\npid=" << getpid() << "\npid_start=" << ProcessStartTicks(getpid())
       << "\nstarted=" << IsoUtcNow() << "\nlease_s=" << lease_s << "\n";
  if (const char* job = std::getenv("SLURM_JOB_ID")) {
    text << "slurm_job_id=" << job << "\n";
    const char* restart = std::getenv("SLURM_RESTART_COUNT");
    text << "slurm_restart_count=" << (restart ? restart : "0") << "\n";
  }
  for (const auto& [key, value] : extra) text << key << "=" << value << "\n";
  return text.str();
}

LockFields ParseLockText(const std::string& text) {
  LockFields fields;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return fields;
}

std::string DescribeHolder(const LockFields& fields) {
  auto get = [&](const char* key) {
    const std::string value = Field(fields, key);
    return value.empty() ? std::string("?") : value;
  };
  std::string text = "host " + get("host") + " pid " + get("pid") + " since " + get("started");
  if (!Field(fields, "slurm_job_id").empty()) text += ", Slurm job " + Field(fields, "slurm_job_id");
  return text;
}

bool CreateLockFile(const std::string& path, const std::string& text) {
  // Written whole under a private name first, so that nobody ever reads half a lock; link() then publishes
  // it only if the name is free. NFS may answer a retransmitted link() with EEXIST although the first one
  // worked: the link count of the private name tells.
  const std::string tmp = path + ".tmp-" + HostName() + "-" + std::to_string(getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(path, std::string("cannot create the lock: ") + std::strerror(errno));
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = written && fsync(fd) == 0;
  const int write_error = errno;
  close(fd);
  if (!synced) {
    unlink(tmp.c_str());
    throw IoError(path, std::string("cannot write the lock: ") + std::strerror(write_error));
  }
  bool created = link(tmp.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  if (!created) {
    struct stat st {};
    created = stat(tmp.c_str(), &st) == 0 && st.st_nlink == 2;
  }
  unlink(tmp.c_str());
  if (created) return true;
  if (link_error == EEXIST) return false;
  throw IoError(path, std::string("cannot create the lock: ") + std::strerror(link_error));
}

bool ReadLockFile(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  text = bytes.str();
  return true;
}

LockVerdict JudgeLock(const std::string& path, const std::string& text,
                      const std::function<void(const std::string&)>& note,
                      const std::function<bool()>& give_up) {
  const LockFields fields = ParseLockText(text);
  if (Field(fields, "host") == HostName()) {
    if (HolderGoneFromThisHost(fields)) return {true, "that process is gone"};
    return {false, "that process is alive on this host"};
  }
  const char* job = std::getenv("SLURM_JOB_ID");
  if (job && !Field(fields, "slurm_job_id").empty() && Field(fields, "slurm_job_id") == job) {
    const char* restart = std::getenv("SLURM_RESTART_COUNT");
    if (RestartCount(Field(fields, "slurm_restart_count")) < RestartCount(restart ? restart : ""))
      return {true, std::string("Slurm requeued job ") + job + ": the run that wrote it is over"};
  }
  double lease = 0;
  try {
    lease = std::stod(Field(fields, "lease_s"));
  } catch (const std::exception&) {
    // Written by a dts-sweep that did not renew a lease: nothing here can tell whether it lives.
    return {false, "it renews no lease, so another host cannot tell whether it lives"};
  }
  timespec first{};
  if (!MtimeOf(path, first)) return {false, "it was released meanwhile", true};
  bool from_server = false;
  double age = ServerNow(path, from_server) - Seconds(first);
  if (age > lease)
    return {true, "its lease was not renewed for " + Round(age) + " (lease " + Round(lease) + ")"};
  note("the lock of " + DescribeHolder(fields) + " was renewed " + Round(std::max(0.0, age)) +
       " ago; waiting up to " + Round(lease - age + 1) + " to see whether its holder still renews it" +
       (from_server ? "" : " (by this host's clock: the directory is not writable)"));
  // A live holder renews every lease/4; a stale lock's age passes the lease. Checked often enough to answer
  // within a fraction of a lease, with a local cap in case the server's clock does not move.
  const auto step = std::chrono::duration<double>(std::clamp(lease / 8, 0.05, 1.0));
  const auto cap = std::chrono::steady_clock::now() + std::chrono::duration<double>(2 * lease + 10);
  while (std::chrono::steady_clock::now() < cap) {
    if (give_up && give_up()) return {false, "stopped while waiting for it"};
    std::this_thread::sleep_for(step);
    std::string now_text;
    timespec mtime{};
    if (!ReadLockFile(path, now_text) || now_text != text || !MtimeOf(path, mtime))
      return {false, "it changed meanwhile", true};
    if (mtime.tv_sec != first.tv_sec || mtime.tv_nsec != first.tv_nsec)
      return {false, "its holder renewed the lease: it is alive"};
    age = ServerNow(path, from_server) - Seconds(first);
    if (age > lease)
      return {true, "its lease was not renewed for " + Round(age) + " (lease " + Round(lease) + ")"};
  }
  return {false, "its age could not be measured (the file server's clock did not move)"};
}

bool RemoveStaleLock(const std::string& path, const std::string& text) {
  const std::string aside = path + ".stale-" + HostName() + "-" + std::to_string(getpid());
  if (rename(path.c_str(), aside.c_str()) != 0) return false;
  std::string moved;
  if (!ReadLockFile(aside, moved) || moved != text) {
    if (link(aside.c_str(), path.c_str()) == 0) unlink(aside.c_str());
    return false;
  }
  unlink(aside.c_str());
  return true;
}

LeaseRenewer::LeaseRenewer(std::string path, std::string text, double lease_s)
    : path_(std::move(path)),
      text_(std::move(text)),
      interval_(std::max(0.05, lease_s / 4)),
      thread_([this] { Run(); }) {}

LeaseRenewer::~LeaseRenewer() { Release(); }

void LeaseRenewer::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    std::string now;
    if (!ReadLockFile(path_, now) || now != text_) {
      lost_.store(true);
      return;
    }
    // NULL times: "now" as the file server sets it (NFS: SET_TO_SERVER_TIME), the clock JudgeLock reads.
    if (utimensat(AT_FDCWD, path_.c_str(), nullptr, 0) != 0 && errno == ENOENT) {
      lost_.store(true);
      return;
    }
  }
}

void LeaseRenewer::Release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::string now;
  if (!lost_.load() && ReadLockFile(path_, now) && now == text_)
    unlink(path_.c_str());  // never remove a lock someone else took
}

}  // namespace dts::orchestrator
