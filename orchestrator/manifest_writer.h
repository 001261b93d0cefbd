// Keeps DIR/sweep.h5 current without making the coordinator wait for HDF5 and fsync (tens of ms a write).
// The coordinator hands over snapshots; a background thread writes the latest one, at most every `interval`
// (older snapshots that were never written are dropped: the latest wins). Flush() writes whatever was handed
// over and waits for it: the coordinator calls it at stage boundaries and at exit, so no state change is lost
// on a clean exit or a stop signal. After a kill -9 the manifest is at most one interval behind, which
// repeats no work (docs/orchestrator.md, "Trial ids, files and resume").
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "schema/sweep_manifest.h"

namespace dts::orchestrator {

// What the writes cost, for the sweep's closing event and bench/sweep_overhead.
struct ManifestWriterStats {
  int writes = 0;          // files written
  int snapshots = 0;       // snapshots handed over (writes + those superseded before being written)
  double write_s = 0;      // wall seconds inside WriteSweepManifest
  double write_cpu_s = 0;  // CPU seconds of the writer thread (HDF5 encoding; fsync waits are not CPU)
};

class ManifestWriter {
 public:
  ManifestWriter(std::string path, std::chrono::milliseconds interval);
  ~ManifestWriter();  // writes the last snapshot (errors are reported by Flush, not here) and joins
  ManifestWriter(const ManifestWriter&) = delete;
  ManifestWriter& operator=(const ManifestWriter&) = delete;

  // Hands over a snapshot; returns at once. Rethrows (on the caller's thread) an error of an earlier write.
  void Submit(schema::SweepManifest snapshot);
  // Writes the latest snapshot now (if any is unwritten) and waits until it is on disk. Rethrows write
  // errors.
  void Flush();
  ManifestWriterStats Stats() const;

 private:
  void Loop();
  void RethrowLocked();

  const std::string path_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the writer: a snapshot, a flush or the end
  std::condition_variable written_;  // Flush(): a write finished
  std::optional<schema::SweepManifest> latest_;
  long long submitted_ = 0;  // sequence number of the latest snapshot handed over
  long long durable_ = 0;    // sequence number of the latest snapshot on disk
  bool flush_ = false, done_ = false;
  std::exception_ptr error_;
  ManifestWriterStats stats_;
  std::chrono::steady_clock::time_point last_write_{};
  std::thread thread_;  // last: starts once everything above is initialised
};

}  // namespace dts::orchestrator
