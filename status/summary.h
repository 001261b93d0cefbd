// What dts-status shows, derived from a SweepState (status/sweep_state.h) by pure functions: the sweep's
// state (running, finished, crashed, ...), per stage counts and selection, the running trials, failures by
// host and class, and the ETA with its basis. Rendering (text, JSON) is status/render.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "status/sweep_state.h"

namespace dts::status {

// What a reader can conclude about the sweep from the lock and the manifest.
enum class SweepPhase {
  kNoSweep,          // neither sweep.h5 nor sweep.lock
  kStarting,         // a lock, no manifest yet (or a new run's lock over an ended manifest)
  kRunning,          // status running, the lock's lease renewed in time
  kCoordinatorLost,  // status running, a lock not renewed for longer than its lease: a dead or frozen host
  kCrashed,          // status running and no lock: the coordinator was killed (kill -9, a node crash, OOM)
  kCompleted,
  kFailed,
  kInterrupted,  // stopped by a signal (or lost ranks) with its state saved: rerun to resume
  kUnreadable,   // sweep.h5 exists but could not be read after every retry
};
const char* Name(SweepPhase phase);
// True once nothing will change any more without a new dts-sweep run: --watch exits by itself. A lost
// coordinator (lease run out) is not ended: it may be frozen and wake up.
bool HasEnded(SweepPhase phase);

// A configuration's architecture, from its canonical INI (every key) or an older manifest's partial one
// (the schema's defaults complete it).
struct ConfigFacts {
  std::string cell = "lstm";
  int shared = 1, ner = 0, re = 1, hidden = 0;
  int max_epochs = 0, folds = 0;
  std::string format, path;
  // "lstm 2/1/1": cell, then shared / NER-specific / RE-specific BiRNN layers.
  std::string Short() const;
  // The size class the ETA measures time per epoch by: cell, layers and hidden size.
  std::string SizeClass() const;
  int Layers() const { return shared + ner + re; }
};
ConfigFacts FactsOfIni(const std::string& config_ini);

struct Range {
  double lo = 0, expected = 0, hi = 0;
};

struct Selection {
  bool present = false;
  std::string config_id;
  std::string config;  // ConfigFacts::Short()
  double mean_dev = 0;
  int runs = 0;         // runs with a result at the configuration's highest rung
  int runs_needed = 0;  // folds (search_on = folds) or seeds per configuration
  bool provisional = true;
};

struct StageSummary {
  std::string name;
  bool planned = false;  // rows exist in the manifest
  int rows = 0;          // planned runs (ASHA: one per rung reached)
  int running = 0;
  int completed = 0;  // completed + promoted
  int diverged = 0;
  int failed = 0;  // failed + bad_config
  std::map<std::string, int> failed_by_class;
  int interrupted = 0;
  int not_started = 0;  // planned, not yet run
  int eliminated = 0;   // racing: configurations eliminated
  int runs_saved = 0;   // racing: their folds never trained
  Range unplanned;      // runs the stage will still add (not yet in the manifest)
  Selection selection;  // search: the best configuration so far; final: the best final configuration
  std::vector<std::string> notes;
};

struct RunningTrial {
  std::string trial_id, stage, variant, config;
  int fold = 0;
  unsigned long long seed = 0;
  std::string host;
  int rank = -1;
  long pid = 0;
  int attempt = 0;
  int epoch = 0;  // epochs completed (the trial file's epochs_run)
  int max_epochs = 0;
  double elapsed_s = -1;  // since the attempt started; -1 unknown
  double last_dev = -1, best_dev = -1;
  double quiet_s = 0;  // since its trial file or log last changed
  double silent_bound_s = 0;
  bool silent = false;
};

struct FailureEntry {
  std::string trial_id, stage, variant;
  int attempt = 0;
  bool final = false;  // the trial failed for good (retries spent, or bad_config); else retried or retrying
  std::string message;
  std::string last_log_line;
};
struct FailureGroup {
  std::string host, failure_class;
  int final_trials = 0;
  std::vector<FailureEntry> entries;
};

struct EtaEstimate {
  bool available = false;  // an end time is meaningful: the coordinator is running
  std::string why_not;
  Range remaining_s;  // from now
  Range end_time;     // seconds since the epoch
  int workers = 0;
  std::string workers_basis;
  int trials_done = 0;             // runs with a final status (ASHA: rung rows)
  Range trials_left;               // running + not started + not yet planned
  double work_left_s = 0;          // expected worker-seconds left
  double fraction_done = 0;        // trials_done / (trials_done + trials_left.expected)
  std::vector<std::string> basis;  // how it was computed, one sentence each
  std::string basis_brief;         // the same in one short paragraph, for the --watch screen
};

struct StatusSummary {
  std::string dir;
  double now = 0;
  std::string sweep_name;
  SweepPhase phase = SweepPhase::kNoSweep;
  std::string phase_detail;  // one line: who holds the lock, how old its lease is, what to do
  std::vector<StageSummary> stages;
  std::vector<RunningTrial> running;  // silent first, then longest running
  std::vector<FailureGroup> failures;
  EtaEstimate eta;
  int manifest_retries = 0;
  int trial_files_read = 0;
  std::vector<std::string> notes;
};

struct SummaryOptions {
  double silent_after_s = 0;  // > 0: fixed bound for "silent"; 0: max(sweep.silent_rank_s, 3 epochs)
};

StatusSummary Summarize(const SweepState& state, const SummaryOptions& options);

// "3m05s", "1h02m", "2d04h"
std::string FormatDuration(double seconds);

}  // namespace dts::status
