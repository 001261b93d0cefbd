// Rank 0: plans each stage, hands trials to free workers, classifies and retries failures, keeps DIR/sweep.h5
// current, and stops cleanly on SIGTERM/SIGUSR1. All of it through Communicator, so it runs unchanged over
// MPI and over the in-process group of the tests.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/log.h"
#include "config/sweep_config.h"
#include "orchestrator/comm.h"
#include "orchestrator/manifest_writer.h"
#include "orchestrator/planner.h"
#include "orchestrator/sequential_search.h"
#include "orchestrator/trial_runner.h"
#include "schema/sweep_manifest.h"

namespace dts::orchestrator {

struct CoordinatorOptions {
  std::string out_dir;               // DIR: sweep.h5 and trials/
  std::string trial_command;         // resolved executable; empty: sweep.trial_command resolved
  int threads_per_rank = 0;          // --threads of each trial; 0: sweep.threads_per_rank
  bool json = false;                 // one JSON line per event on json_out
  std::ostream* log = nullptr;       // progress and events; nullptr: std::cerr
  std::ostream* json_out = nullptr;  // nullptr: std::cout
  std::chrono::milliseconds receive_timeout{250};
  // True once another run took DIR/sweep.lock over (SweepLock::Lost): the coordinator stops at once.
  std::function<bool()> lock_lost;
};

class Coordinator {
 public:
  Coordinator(const config::SweepConfig& sweep, Communicator& comm, CoordinatorOptions options,
              ParamCounter counter);
  // Runs every stage to the end: kExitOk; kExitTrialsFailed when trials ended failed or bad_config (recorded
  // in the manifest with their class and host); kExitResumeMe when stopped by a signal (trials
  // checkpointed); kExitRanksLost when ranks went silent or were quarantined and left work undone (the next
  // stage is not started: its plan would miss their results).
  int Run();
  const schema::SweepManifest& manifest() const { return manifest_; }

 private:
  struct WorkerState {
    bool said_hello = false;
    bool ready = false;  // said hello and proved it sees DIR (kSeen)
    bool busy = false;
    bool lost = false;                // silent for longer than sweep.silent_rank_s
    bool quarantined = false;         // sweep.quarantine_after infrastructure failures in a row
    int infrastructure_failures = 0;  // in a row
    std::string trial_id;
    size_t row = 0;   // manifest row of the trial it runs
    int attempt = 0;  // and the attempt number it was given
    int device_count = 0;
    std::string host = "?";
    long pid = 0;
    std::string probe_path, probe_token;
    std::chrono::steady_clock::time_point last_heard{};
    bool Usable() const { return ready && !lost && !quarantined; }
    std::string Name(int rank) const;  // "rank 3 on host node07"
  };

  void AddStage(const std::string& stage, const StagePlan& plan);
  void RunStage(const std::string& stage);
  void Dispatch();
  // The first pending row `rank` may take: never one that just failed there with an infrastructure error
  // while another usable rank has not failed it. pending_.end() if none.
  std::deque<size_t>::iterator NextFor(int rank);
  // Waits for every worker's hello and proof that it sees DIR (at most sweep.silent_rank_s); a worker that
  // cannot see DIR refuses the sweep (UsageError naming its rank and host).
  void AwaitWorkers();
  // Marks ranks silent for longer than sweep.silent_rank_s lost, naming them and their trials.
  void CheckSilentRanks();
  void Quarantine(int rank, const std::string& why);
  bool Stranded() const;  // pending trials that no usable rank is left to run
  void Handle(const Envelope& envelope);
  void HandleResult(int rank, const Result& result);
  // ASHA: adds a row at rung k+1 for every trial in the top 1/eta of rung k's results not yet promoted, marks
  // its rung-k row "promoted" and queues the new row first (promotions before new configurations).
  void PromoteAsha();
  void RestoreAshaRows(const StagePlan& plan);
  // Sequential search (search_on = folds, tpe): an earlier run's search rows and eliminations come back in
  // file order (the start order of configurations); Refill() plans new runs for idle workers; Race() records
  // racing's eliminations after each result.
  void RestoreSequentialRows();
  void Refill();
  void Race();
  // Hands manifest_ to the writer thread when it changed (at most every kManifestInterval unless `now`);
  // FlushManifest() also waits until it is on disk (stage boundaries, exit).
  void SubmitManifest(bool now);
  void FlushManifest();
  void Progress(const std::string& stage, bool force);
  // A line for people (the log), and an event that is also a JSON line with --json: common/log.h.
  void Say(const std::string& text) const;
  void Emit(const std::string& event, const nlohmann::json& fields, const std::string& text) const;
  // Builds one line from stream insertions: Say(Line() << "trial " << id).
  class Line {
   public:
    template <class T>
    Line& operator<<(const T& value) {
      out_ << value;
      return *this;
    }
    std::string str() const { return out_.str(); }
    operator std::string() const { return out_.str(); }  // NOLINT: a Line is text
   private:
    std::ostringstream out_;
  };
  double EstimatedCost(const schema::PlannedTrial& row) const;

  const config::SweepConfig& sweep_;
  Communicator& comm_;
  CoordinatorOptions options_;
  Planner planner_;
  schema::SweepManifest manifest_;
  std::map<std::string, size_t> index_;                   // RowKey (trial id, ASHA rung) -> row
  std::map<std::string, schema::PlannedTrial> previous_;  // rows of an earlier run on the same DIR, by RowKey
  std::vector<schema::PlannedTrial> previous_rows_;       // the same, in file order
  std::vector<int> rung_epochs_;                          // ASHA rung budgets; empty for grid and random
  std::unique_ptr<SequentialSearch> sequential_;          // search_on = folds or tpe; null otherwise
  std::vector<schema::RaceElimination> previous_eliminations_;
  std::deque<size_t> pending_;
  std::map<size_t, std::set<int>> failed_on_;  // row -> ranks where it failed with an infrastructure error
  std::vector<WorkerState> workers_;
  std::vector<std::pair<std::string, std::string>> environment_;  // [sweep] environment, parsed
  std::string out_dir_;                                           // absolute
  bool degraded_ = false;  // ranks lost or quarantined left work undone: no further stage
  std::string degraded_reason_;
  std::string stage_;
  bool stopping_ = false;
  bool dirty_ = true;  // the writer has not been handed the latest manifest_
  std::unique_ptr<ManifestWriter> writer_;
  std::unique_ptr<EventLog> log_;
  std::chrono::steady_clock::time_point last_submit_{};
  std::chrono::steady_clock::time_point last_progress_{};
  double finished_seconds_ = 0;  // wall seconds of attempts finished in this run, for the ETA
  int finished_count_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double start_cpu_s_ = 0;
  double start_thread_cpu_s_ = 0;  // this (the dispatching) thread only: the writer's CPU is reported apart
  double plan_cpu_s_ = 0;          // of which planning stages (config resolution, parameter counts)
  double wait_cpu_s_ = 0;          // of which waiting for messages (comm_.Receive)
};

// Worker ranks: say hello, run each assigned trial with `runner`, report, until kStop.
void RunWorker(Communicator& comm, const TrialRunner& runner, int device_count);

}  // namespace dts::orchestrator
