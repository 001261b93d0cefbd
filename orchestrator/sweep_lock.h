// One directory, one sweep. SweepLock holds DIR/sweep.lock for the run's life: a lock file (lease_file.h)
// created atomically, naming its holder (host, pid, the pid's start time, when, the lease, the Slurm job),
// whose mtime the holder renews as a lease. A lock whose holder is gone is taken over when that is provable
// from this host: on its own host the pid is dead; from any host its lease ran out (judged by the file
// server's clock) or it names an earlier incarnation of this requeued Slurm job. A live holder is refused,
// naming it (docs/orchestrator.md, "One directory, one sweep").
#pragma once

#include <memory>
#include <string>

#include "common/log.h"
#include "config/sweep_config.h"
#include "orchestrator/lease_file.h"

namespace dts::orchestrator {

class SweepLock {
 public:
  // Creates DIR (and remembers whether it did) and takes DIR/sweep.lock, renewing it every lease_s / 4
  // seconds. `break_lock`: remove any existing lock first (the holder must be known to be gone). Notes (a
  // stale lock taken over, a wait to see whether a holder on another host is alive) go to `log`. Throws
  // UsageError naming the holder when another live run holds it, IoError when the lock cannot be written.
  SweepLock(const std::string& dir, bool break_lock, double lease_s, const EventLog& log);
  ~SweepLock();  // removes the lock if it is still ours
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;

  // Undoes everything this run did to DIR: the lock, and DIR itself when the lock created it and it is
  // otherwise empty. For a sweep refused before it started.
  void Abandon();
  const std::string& path() const { return path_; }
  // True once another run took the lock over (this one stopped renewing it for longer than the lease: a
  // frozen or cut-off host): this run must stop writing DIR at once.
  bool Lost() const { return renewer_ && renewer_->Lost(); }

 private:
  void Release();

  std::string dir_, path_;
  bool created_dir_ = false;
  std::unique_ptr<LeaseRenewer> renewer_;  // while held
};

// Refuses to run `sweep` on DIR when DIR/sweep.h5 belongs to another sweep (its stored name or sweep file
// text differs), unless `adopt`; throws UsageError naming both sweeps. A DIR without sweep.h5 is fine.
void CheckSameSweep(const std::string& dir, const config::SweepConfig& sweep, bool adopt,
                    const EventLog& log);

}  // namespace dts::orchestrator
