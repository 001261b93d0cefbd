// What dts-status reads from a sweep directory, read-only: DIR/sweep.h5 (the manifest), DIR/sweep.lock (the
// coordinator's lease), and of DIR/trials/ the trial files and logs of the trials it has something to say
// about. It takes no lock and writes nothing in DIR: the coordinator and the trials replace their files
// atomically (temp file + rename), so a read sees a whole file; a read that fails anyway (the file was
// replaced while it was being opened) is retried.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"

namespace dts::status {

// DIR/sweep.lock as a reader on any host sees it. The age is now minus the file's mtime: the mtime comes from
// the file server's clock, "now" from this host's, so a skew between the two shows up in the age (dts-status
// may not write a file beside it to read the server's time, as dts-sweep does).
struct LockInfo {
  bool present = false;
  std::map<std::string, std::string> fields;  // host, pid, pid_start, started, lease_s, slurm_job_id, ...
  double age_s = 0;                           // since the holder last renewed it, by this host's clock
  double lease_s = 0;                         // 0: a lock of an older dts-sweep, which renews no lease
};

// The tail of DIR/trials/<id>.log: the last attempt's header line and the last line of output after it.
struct LogInfo {
  bool present = false;
  double mtime = 0;  // seconds since the epoch (the file server's clock)
  // From the last "=== attempt N at <UTC> on host H, rank R, pid P: <command>" line; attempt 0 if none.
  int attempt = 0;
  std::string start_time;
  std::string host;
  int rank = -1;
  long pid = 0;
  std::string last_line;  // the last non-empty line after that header, "" if the attempt printed nothing
};

// A trial file, read without its checkpoints and predictions (dts-status needs its progress, not its model).
struct TrialInfo {
  bool present = false;
  bool readable = false;
  std::string error;  // why it could not be read, after the retries
  double mtime = 0;
  long long size = 0;
  schema::TrialFile file;
};

// The [space] of the sweep file as far as counting configurations goes.
struct SpaceInfo {
  double grid_points = 1;        // product of each dimension's value count; 0 with a real/logreal range
  bool has_constraints = false;  // [constraints] skip points: grid_points is then an upper bound
};

// Finished trials read per size class for the ETA's time per epoch (the newest ones).
inline constexpr int kSampledPerClass = 5;

struct SweepState {
  std::string dir;
  double now = 0;  // this host's clock, seconds since the epoch
  LockInfo lock;
  bool has_manifest = false;
  std::string manifest_error;  // set when sweep.h5 exists but could not be read after every retry
  int manifest_retries = 0;    // reads that failed and were retried (a torn read while it was replaced)
  double manifest_mtime = 0;
  schema::SweepManifest manifest;
  // The manifest's sweep_ini, read for what dts-status needs: the [sweep] settings (defaults for a key the
  // text lacks) and the [space]. A key this version does not know (a newer or older sweep file) is noted and
  // skipped rather than refused: dts-status shows the sweep that ran, whatever version wrote it.
  config::SweepSettings settings;
  std::vector<std::string> settings_notes;
  SpaceInfo space;
  std::map<std::string, TrialInfo> trials;  // by trial id: the trial files read
  std::map<std::string, LogInfo> logs;      // by trial id: the logs read
  int trial_files_read = 0;                 // read from disk in this snapshot (not taken from the cache)
};

// Keeps trial files between snapshots of --watch: a file whose mtime and size did not change is not read
// again, so watching a sweep of thousands of finished trials costs one read of each.
class TrialCache {
 public:
  // The trial file at `path`, read (with retries) unless the cached copy has the same mtime and size.
  // `read` counts actual reads.
  const TrialInfo& Get(const std::string& path, int& read);

 private:
  std::map<std::string, TrialInfo> files_;
};

// Reads everything dts-status shows from DIR. Throws UsageError when DIR is not a directory. A missing
// manifest is not an error (has_manifest false: the sweep has not started, or DIR holds none).
SweepState ReadSweepState(const std::string& dir, TrialCache& cache);

// Reads the sweep manifest, retrying a failed read up to `tries` times (a torn read: the coordinator's writer
// replaced the file while it was being opened). `retries` counts the failed reads. Throws the last IoError
// when every try failed.
schema::SweepManifest ReadManifestWithRetry(const std::string& path, int tries, int& retries);

// Parses a log's tail (the text after its last header is what matters); exposed for the tests.
LogInfo ParseLogTail(const std::string& text);

// The [sweep] settings and [space] counts from a manifest's sweep_ini text (see SweepState::settings).
void ParseSweepText(const std::string& text, config::SweepSettings& settings, SpaceInfo& space,
                    std::vector<std::string>& notes);

// ISO 8601 UTC ("2026-11-29T09:10:00Z") to seconds since the epoch; 0 for text that is not one.
double ParseIsoUtc(const std::string& text);
std::string FormatIsoUtc(double seconds);

}  // namespace dts::status
