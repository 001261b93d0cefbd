// Lock files that any host can judge: the sweep's DIR/sweep.lock and a trial's DIR/trials/<id>.lease.
//
// A lock file is created atomically (written under a name unique to this host and pid, then link()ed to its
// name: link fails with EEXIST when the lock exists, on local disks and on NFS/Lustre alike) and names its
// holder as `key=value` lines. Its holder proves it is alive by a lease: it renews the file's mtime every
// lease/4 seconds. A lock is provably stale, from any host, when
//   - its holder ran on this host and its pid is gone (or is another process now): at once;
//   - it names this Slurm job with a lower SLURM_RESTART_COUNT (a requeued job: Slurm never runs two
//     incarnations of one job at a time): at once;
//   - its mtime has not moved for a whole lease, measured on the file server's clock (the mtime of a file
//     this process just wrote beside it), never against a local clock that may disagree with the holder's.
// A live holder on another host is told apart by watching the mtime move, for at most one lease.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace dts::orchestrator {

using LockFields = std::map<std::string, std::string>;

// The lock text for this process: host, pid, pid_start, started (UTC), lease_s, and the Slurm job id and
// restart count when run under Slurm, then `extra` fields.
std::string LockText(double lease_s, const LockFields& extra = {});
LockFields ParseLockText(const std::string& text);
// "host node07 pid 4242 since 2026-11-29T08:10:00Z" (and the Slurm job when there is one).
std::string DescribeHolder(const LockFields& fields);

// Creates `path` holding `text`, atomically. False when it exists; throws IoError naming the path otherwise.
bool CreateLockFile(const std::string& path, const std::string& text);
// Reads `path` whole; false when it does not exist (or cannot be read).
bool ReadLockFile(const std::string& path, std::string& text);

struct LockVerdict {
  bool stale = false;
  std::string reason;    // why: "that process is gone", "not renewed for 75 s", "renewed ...: alive"
  bool changed = false;  // released or replaced while judged: read it again
};

// Judges the lock `text` read from `path`. May wait up to about one lease (the holder's lease_s) watching the
// mtime when only the lease can tell; `note` says so once before waiting. Returns early, as not stale, when
// `give_up` returns true (a stop signal) or when the file changed (the caller reads it again).
LockVerdict JudgeLock(const std::string& path, const std::string& text,
                      const std::function<void(const std::string&)>& note,
                      const std::function<bool()>& give_up);

// Removes the lock at `path` judged stale from `text`: moved aside first and checked, so that a lock replaced
// since it was read (another run took it over first) is put back instead. False when it was not removed.
bool RemoveStaleLock(const std::string& path, const std::string& text);

// Renews the lease of a lock file this process created, from a thread of its own, until destroyed or
// Release()d. Each renewal also checks that the file still holds `text`: if another process took it over
// (this one was frozen or cut off for longer than the lease), Lost() turns true and renewal stops.
class LeaseRenewer {
 public:
  LeaseRenewer(std::string path, std::string text, double lease_s);
  ~LeaseRenewer();
  LeaseRenewer(const LeaseRenewer&) = delete;
  LeaseRenewer& operator=(const LeaseRenewer&) = delete;
  bool Lost() const { return lost_.load(); }
  // Stops renewing and removes the file if it still holds our text.
  void Release();

 private:
  void Run();

  std::string path_, text_;
  std::chrono::duration<double> interval_;
  std::atomic<bool> lost_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dts::orchestrator
