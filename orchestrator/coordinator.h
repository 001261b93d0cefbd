// Rank 0: plans each stage, hands trials to free workers, classifies and retries failures, keeps DIR/sweep.h5
// current, and stops cleanly on SIGTERM/SIGUSR1. All of it through Communicator, so it runs unchanged over
// MPI and over the in-process group of the tests.
#pragma once

#include <chrono>
#include <deque>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
  bool json = false;                 // one JSON line per event on json_out
  std::ostream* log = nullptr;       // progress and events; nullptr: std::cerr
  std::ostream* json_out = nullptr;  // nullptr: std::cout
  std::chrono::milliseconds receive_timeout{250};
};

class Coordinator {
 public:
  Coordinator(const config::SweepConfig& sweep, Communicator& comm, CoordinatorOptions options,
              ParamCounter counter);
  // Runs every stage to the end: kExitOk, or kExitResumeMe when stopped by a signal (trials checkpointed).
  // Failed trials do not fail the sweep; they are recorded in the manifest with their class.
  int Run();
  const schema::SweepManifest& manifest() const { return manifest_; }

 private:
  struct WorkerState {
    bool ready = false;  // said hello
    bool busy = false;
    std::string trial_id;
    size_t row = 0;  // manifest row of the trial it runs
    int device_count = 0;
  };

  void AddStage(const std::string& stage, const StagePlan& plan);
  void RunStage(const std::string& stage);
  void Dispatch();
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
  void Event(const std::string& json_line);
  double EstimatedCost(const schema::PlannedTrial& row) const;
  std::string Prefix() const;

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
  std::vector<WorkerState> workers_;
  std::string stage_;
  bool stopping_ = false;
  bool dirty_ = true;  // the writer has not been handed the latest manifest_
  std::unique_ptr<ManifestWriter> writer_;
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
