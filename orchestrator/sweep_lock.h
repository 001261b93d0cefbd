// One directory, one sweep. SweepLock holds DIR/sweep.lock for the run's life: a file created with
// O_CREAT|O_EXCL (atomic on local file systems and on NFSv3+/Lustre, unlike flock on some cluster mounts)
// that names its holder (host, pid, the pid's start time, when, the command). A lock whose holder is gone is
// taken over only when that is provable: same host and the pid is dead (or is another process now). A lock
// held from another host cannot be checked from here: it is refused, naming the holder and the command that
// breaks it (docs/orchestrator.md, "One directory, one sweep").
#pragma once

#include <string>

#include "config/sweep_config.h"

namespace dts::orchestrator {

class SweepLock {
 public:
  // Creates DIR (and remembers whether it did) and takes DIR/sweep.lock. `break_lock`: remove any existing
  // lock first (the holder must be known to be gone). Notes (a stale lock taken over) go to `log`.
  // Throws UsageError naming the holder when another run holds it, IoError when the lock cannot be written.
  SweepLock(const std::string& dir, bool break_lock, std::ostream& log);
  ~SweepLock();  // removes the lock if it is still ours
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;

  // Undoes everything this run did to DIR: the lock, and DIR itself when the lock created it and it is
  // otherwise empty. For a sweep refused before it started.
  void Abandon();
  const std::string& path() const { return path_; }

 private:
  void Release();

  std::string dir_, path_, content_;
  bool created_dir_ = false, held_ = false;
};

// Refuses to run `sweep` on DIR when DIR/sweep.h5 belongs to another sweep (its stored name or sweep file
// text differs), unless `adopt`; throws UsageError naming both sweeps. A DIR without sweep.h5 is fine.
void CheckSameSweep(const std::string& dir, const config::SweepConfig& sweep, bool adopt, std::ostream& log);

}  // namespace dts::orchestrator
