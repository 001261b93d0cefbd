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
#include "common/stop.h"
#include "schema/sweep_manifest.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

SweepLock::SweepLock(const std::string& dir, bool break_lock, double lease_s, const EventLog& log)
    : dir_(dir), path_((fs::path(dir) / "sweep.lock").string()) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    created_dir_ = fs::create_directories(dir, ec);
    if (ec) throw IoError(dir, "cannot create the sweep directory: " + ec.message());
  }
  const std::string content = LockText(lease_s);
  for (int attempt = 0; attempt < 5; ++attempt) {
    try {
      if (CreateLockFile(path_, content)) {
        renewer_ = std::make_unique<LeaseRenewer>(path_, content, lease_s);
        return;
      }
    } catch (...) {
      Abandon();
      throw;
    }
    std::string text;
    if (!ReadLockFile(path_, text)) continue;  // released meanwhile: try again
    const LockFields fields = ParseLockText(text);
    const LockVerdict verdict = break_lock ? LockVerdict{true, "--break-lock"}
                                           : JudgeLock(
                                                 path_, text, [&](const std::string& note) { log.Say(note); },
                                                 [] { return StopRequested(); });
    if (verdict.changed) continue;
    if (verdict.stale) {
      if (!RemoveStaleLock(path_, text)) continue;
      log.Say(std::string(break_lock ? "broke" : "took over the stale") + " lock " + path_ + " of " +
              DescribeHolder(fields) + " (" + verdict.reason +
              (break_lock ? ")" : "; its running trials, if any, stopped with it)"));
      continue;
    }
    Abandon();
    throw UsageError(dir_ + " is in use by another dts-sweep (" + path_ + ": " + DescribeHolder(fields) +
                     "; " + verdict.reason + ")" +
                     (fields.count("lease_s") ? "; wait for it, or stop it"
                                              : "; if that run is gone, break the lock: rm " + path_ +
                                                    " (or rerun with --break-lock)"));
  }
  Abandon();
  throw UsageError(dir_ + ": could not take " + path_ +
                   " (it keeps changing: another dts-sweep is starting)");
}

SweepLock::~SweepLock() { Release(); }

void SweepLock::Release() {
  if (!renewer_) return;
  renewer_->Release();  // removes the lock only if it is still ours
  renewer_.reset();
}

void SweepLock::Abandon() {
  Release();
  if (created_dir_) {
    std::error_code ignored;
    fs::remove(dir_, ignored);  // only if empty: nothing of anyone else's is ever removed
    created_dir_ = false;
  }
}

void CheckSameSweep(const std::string& dir, const config::SweepConfig& sweep, bool adopt,
                    const EventLog& log) {
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
    log.Say(manifest_path.string() + " holds " + what +
            "; continuing it with this sweep file (--adopt): finished trials whose ids this plan shares are "
            "kept");
    return;
  }
  throw UsageError(manifest_path.string() + " holds " + what +
                   ": use another --out, or --adopt to continue that directory with this sweep file");
}

}  // namespace dts::orchestrator
