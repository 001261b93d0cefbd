#include "orchestrator/coordinator.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/host.h"
#include "common/log.h"
#include "common/numerics.h"
#include "common/stop.h"
#include "common/version.h"
#include "config/identity.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;
using schema::FailureClass;
using schema::TrialStatus;

namespace {

// A manifest row's key: the trial id, plus the rung for ASHA rows (one row per rung a trial reached) and
// "@reused" for a final-stage row that a search trial serves (the same trial id as its search row).
std::string RowKey(const schema::PlannedTrial& row) {
  return AshaRung(row) >= 0 || row.variant == schema::kReusedVariant ? row.trial_id + "@" + row.variant
                                                                     : row.trial_id;
}

std::string Duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  const long s = std::lround(seconds);
  std::ostringstream out;
  if (s >= 3600)
    out << s / 3600 << "h" << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << "m";
  else if (s >= 60)
    out << s / 60 << "m" << std::setw(2) << std::setfill('0') << s % 60 << "s";
  else
    out << s << "s";
  return out.str();
}

// sweep.h5 is rewritten at most this often while trials run (plus at every stage boundary and at exit).
constexpr std::chrono::milliseconds kManifestInterval{500};

// CPU seconds (user + system) of this process, threads included (the in-process group's workers too).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec * 1e-6;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

Coordinator::Coordinator(const config::SweepConfig& sweep, Communicator& comm, CoordinatorOptions options,
                         ParamCounter counter)
    : sweep_(sweep),
      comm_(comm),
      options_(std::move(options)),
      // The base of a new sweep; Run() switches to an older one when a resumed DIR was planned under it.
      planner_(sweep, config::DataFingerprint(sweep.base.data.path), std::move(counter),
               SweepDirectoryBase(options_.out_dir)),
      workers_(comm.Size()) {
  if (sweep.sweep.strategy == config::Strategy::kAsha) rung_epochs_ = config::AshaRungEpochs(sweep.sweep);
  if (!options_.log) options_.log = &std::cerr;
  if (!options_.json_out) options_.json_out = &std::cout;
  log_ = std::make_unique<EventLog>(LogIdentity{0, comm.Size(), "", "coord"}, *options_.log,
                                    options_.json ? options_.json_out : nullptr);
  if (options_.trial_command.empty()) options_.trial_command = ResolveExecutable(sweep.sweep.trial_command);
  environment_ = ParseNumericsSettings(sweep.sweep.environment);
  out_dir_ = fs::absolute(options_.out_dir).lexically_normal().string();
}

std::string Coordinator::WorkerState::Name(int rank) const {
  return "rank " + std::to_string(rank) + " on host " + host;
}

void Coordinator::Say(const std::string& text) const { log_->Say(text); }

void Coordinator::Emit(const std::string& event, const nlohmann::json& fields,
                       const std::string& text) const {
  log_->Emit(event, fields, text);
}

void Coordinator::SubmitManifest(bool now) {
  if (!dirty_) return;
  const auto time = std::chrono::steady_clock::now();
  // A copy per submit, so at most one per interval: the dispatch path never waits on HDF5 or fsync.
  if (!now && time - last_submit_ < kManifestInterval) return;
  dirty_ = false;
  last_submit_ = time;
  writer_->Submit(manifest_);
}

void Coordinator::FlushManifest() {
  dirty_ = true;  // stage boundaries and exit always write, even when nothing changed since the last snapshot
  SubmitManifest(/*now=*/true);
  writer_->Flush();
}

double Coordinator::EstimatedCost(const schema::PlannedTrial& row) const {
  // A previous attempt's wall time is the best estimate; otherwise the BiRNN layer count times the epochs,
  // a proxy in other units, used only to order trials whose time is unknown among themselves.
  if (row.seconds > 0) return 1e12 + row.seconds;
  const config::TrainConfig config = RowConfig(row);
  return static_cast<double>(config.model.shared_layers + config.model.ner_layers + config.model.re_layers) *
         config.train.max_epochs;
}

void Coordinator::AddStage(const std::string& stage, const StagePlan& plan) {
  for (const auto& note : plan.notes) Say(Line() << note);
  std::vector<size_t> added;
  for (const auto& planned : plan.trials) {
    if (index_.count(RowKey(planned))) continue;  // the same run planned by an earlier stage
    schema::PlannedTrial row = planned;
    auto prev = previous_.find(RowKey(row));
    if (prev != previous_.end()) {
      row.status = prev->second.status;
      row.failure = prev->second.failure;
      row.attempts = prev->second.attempts;
      row.seconds = prev->second.seconds;
      row.dev_score = prev->second.dev_score;
      if (!schema::IsTerminal(row.status)) row.status = TrialStatus::kPlanned;
    }
    index_[RowKey(row)] = manifest_.trials.size();
    manifest_.trials.push_back(row);
    if (!schema::IsTerminal(row.status)) added.push_back(manifest_.trials.size() - 1);
  }
  std::map<size_t, double> cost;  // parsed once per row, not once per comparison
  for (size_t index : added) cost[index] = EstimatedCost(manifest_.trials[index]);
  // Longest first shortens a planned stage, but ASHA's rung 0 keeps its random draw order: promotions are
  // decided on the results so far, and the deepest configurations first (the worst at a small budget) made
  // ASHA then racing promote more and cost 242 fold-trainings instead of 184 on the tabular benchmark
  // (docs/benchmarks.md). An interrupted rung-0 run still comes first: it was the first of those left.
  const bool draw_order = stage == "search" && !rung_epochs_.empty();
  if (!draw_order)
    std::stable_sort(added.begin(), added.end(), [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  pending_.insert(pending_.end(), added.begin(), added.end());
  if (stage == "search" && !rung_epochs_.empty()) {
    RestoreAshaRows(plan);
    PromoteAsha();  // a coordinator killed between a result and its promotion decides it now
  }
  if (stage == "search" && sequential_) {
    RestoreSequentialRows();
    Race();  // likewise for an elimination
  }
  Emit("stage", {{"stage", stage}, {"planned", plan.trials.size()}, {"to_run", added.size()}},
       stage == "search" && sequential_ ? stage + ": runs are planned one at a time as results come in"
                                        : (Line() << stage << ": " << plan.trials.size()
                                                  << " trials planned, " << added.size() << " to run")
                                              .str());
}

void Coordinator::RestoreSequentialRows() {
  manifest_.eliminations = previous_eliminations_;
  std::vector<size_t> unfinished;
  for (const auto& previous : previous_rows_) {
    // ASHA rows (ASHA then racing) are RestoreAshaRows' to restore, or not (beyond the last rung).
    if (previous.stage != "search" || AshaRung(previous) >= 0 || index_.count(RowKey(previous))) continue;
    schema::PlannedTrial row = previous;
    if (!schema::IsTerminal(row.status)) row.status = TrialStatus::kPlanned;
    index_[RowKey(row)] = manifest_.trials.size();
    manifest_.trials.push_back(row);
    if (!schema::IsTerminal(row.status)) unfinished.push_back(manifest_.trials.size() - 1);
  }
  // Runs that were in flight go first, in their planning order, before anything new is planned.
  pending_.insert(pending_.begin(), unfinished.begin(), unfinished.end());
  if (!previous_rows_.empty())
    Say(Line() << "search: " << manifest_.trials.size() << " runs restored, " << unfinished.size()
               << " to finish, " << manifest_.eliminations.size() << " configurations eliminated");
}

void Coordinator::Refill() {
  if (!sequential_ || stage_ != "search" || stopping_) return;
  const int busy = static_cast<int>(
      std::count_if(workers_.begin(), workers_.end(), [](const WorkerState& w) { return w.busy; }));
  // Workers that have not said hello yet count as idle: the stage must not end before they arrive.
  int idle = comm_.Size() - 1 - busy - static_cast<int>(pending_.size());
  for (; idle > 0; --idle) {
    std::optional<schema::PlannedTrial> next = sequential_->Next(manifest_);
    if (!next) return;
    index_[RowKey(*next)] = manifest_.trials.size();
    manifest_.trials.push_back(std::move(*next));
    pending_.push_back(manifest_.trials.size() - 1);
    dirty_ = true;
  }
}

void Coordinator::Race() {
  for (auto& elimination : sequential_->Race(manifest_)) {
    Emit("elimination",
         {{"config_id", elimination.config_id},
          {"incumbent_id", elimination.incumbent_id},
          {"folds", elimination.folds},
          {"after_fold", elimination.after_fold},
          {"mean_gap", elimination.mean_gap},
          {"p_value", elimination.p_value}},
         Line() << "racing: config " << elimination.config_id << " eliminated after fold "
                << elimination.after_fold << " (" << elimination.folds << " paired folds, "
                << std::setprecision(3) << elimination.mean_gap << " points below "
                << elimination.incumbent_id << ", p = " << std::setprecision(3) << elimination.p_value
                << ")");
    manifest_.eliminations.push_back(std::move(elimination));
    dirty_ = true;
  }
}

void Coordinator::Dispatch() {
  if (stopping_) return;
  Refill();
  for (int rank = 1; rank < comm_.Size() && !pending_.empty(); ++rank) {
    WorkerState& worker = workers_[rank];
    if (!worker.Usable() || worker.busy) continue;
    const auto next = NextFor(rank);
    if (next == pending_.end()) continue;
    const size_t index = *next;
    pending_.erase(next);
    schema::PlannedTrial& row = manifest_.trials[index];
    Assign assign;
    assign.trial_id = row.trial_id;
    assign.config_id = row.config_id;
    assign.command = options_.trial_command;
    assign.config_ini = row.config_ini;
    // Absolute: a worker on another host may have started in another working directory.
    const fs::path trials = fs::path(out_dir_) / "trials";
    assign.config_path = (trials / (row.trial_id + ".ini")).string();
    assign.trial_path = (trials / (row.trial_id + ".h5")).string();
    assign.log_path = (trials / (row.trial_id + ".log")).string();
    // A trial file means an earlier attempt checkpointed (or even finished, when the coordinator died before
    // recording it): the trial goes on from there instead of starting over.
    std::error_code ec;
    assign.resume = fs::exists(assign.trial_path, ec);
    assign.threads =
        options_.threads_per_rank > 0 ? options_.threads_per_rank : sweep_.sweep.threads_per_rank;
    assign.use_gpu = sweep_.sweep.device == config::DeviceChoice::kAuto && worker.device_count > 0;
    // Every start counts here (the retry budget, row.attempts, counts only attempts that ended in a failure
    // or a result): the number of this row's attempts on record, plus this one.
    assign.attempt =
        1 + static_cast<int>(
                std::count_if(manifest_.attempts.begin(), manifest_.attempts.end(), [&](const auto& a) {
                  return a.trial_id == row.trial_id && a.stage == row.stage && a.variant == row.variant;
                }));
    assign.timeout_s = sweep_.sweep.trial_timeout_s;
    assign.environment = environment_;
    assign.rank = rank;
    assign.lease_s = sweep_.sweep.lock_lease_s;
    assign.trials_per_gpu = sweep_.sweep.trials_per_gpu;
    // ASHA: the rung's budget as an override of the unchanged INI; a promoted trial's file exists, so it
    // resumes from its checkpoint with the larger budget.
    const int rung = AshaRung(row);
    if (rung >= 0) assign.max_epochs = rung_epochs_.at(static_cast<size_t>(rung));
    row.status = TrialStatus::kRunning;
    dirty_ = true;
    worker.busy = true;
    worker.trial_id = row.trial_id;
    worker.row = static_cast<size_t>(&row - manifest_.trials.data());
    worker.attempt = assign.attempt;
    comm_.Send(rank, Tag::kAssign, assign.Encode());
  }
}

std::deque<size_t>::iterator Coordinator::NextFor(int rank) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    auto failed = failed_on_.find(*it);
    if (failed == failed_on_.end() || !failed->second.count(rank)) return it;
    // It failed here with an infrastructure error: only when every usable rank has failed it too.
    bool elsewhere = false;
    for (int other = 1; other < comm_.Size() && !elsewhere; ++other)
      elsewhere = workers_[other].Usable() && !failed->second.count(other);
    if (!elsewhere) return it;
  }
  return pending_.end();
}

bool Coordinator::Stranded() const {
  if (pending_.empty()) return false;
  for (int rank = 1; rank < comm_.Size(); ++rank)
    if (workers_[rank].Usable() || (!workers_[rank].ready && !workers_[rank].lost)) return false;
  return true;
}

void Coordinator::Quarantine(int rank, const std::string& why) {
  WorkerState& worker = workers_[rank];
  if (worker.quarantined) return;
  worker.quarantined = true;
  Emit("quarantine", {{"worker_rank", rank}, {"worker_host", worker.host}, {"reason", why}},
       Line() << "quarantined " << worker.Name(rank) << " (pid " << worker.pid << "): " << why
              << "; it gets no more trials");
}

void Coordinator::CheckSilentRanks() {
  const auto now = std::chrono::steady_clock::now();
  const auto bound = std::chrono::duration<double>(sweep_.sweep.silent_rank_s);
  for (int rank = 1; rank < comm_.Size(); ++rank) {
    WorkerState& worker = workers_[rank];
    if (worker.lost || now - worker.last_heard <= bound) continue;
    worker.lost = true;
    const double silent = std::chrono::duration<double>(now - worker.last_heard).count();
    std::string trial = "idle", trial_id;
    if (worker.busy) {
      trial_id = worker.trial_id;
      schema::PlannedTrial& row = manifest_.trials[worker.row];
      // Not retried elsewhere in this run: the silent rank may still hold the trial's locks (a frozen
      // host), and the trial's checkpoint is where the next run resumes it.
      row.status = TrialStatus::kInterrupted;
      trial = "its trial " + row.trial_id + " (" + row.stage + ", attempt " + std::to_string(worker.attempt) +
              ") is left for the next run";
      manifest_.attempts.push_back({row.trial_id, row.stage, row.variant, worker.attempt, rank, worker.host,
                                    0, "", silent, "lost", "rank silent for " + Duration(silent)});
      // Free for the stage's end, but its trial id stays: a rank that is heard again may still report it.
      worker.busy = false;
      dirty_ = true;
    }
    Emit("lost",
         {{"worker_rank", rank}, {"worker_host", worker.host}, {"trial_id", trial_id}, {"silent_s", silent}},
         Line() << "lost " << worker.Name(rank) << " (pid " << worker.pid << "): silent for "
                << Duration(silent) << " (sweep.silent_rank_s = " << sweep_.sweep.silent_rank_s << "); "
                << trial);
  }
}

void Coordinator::HandleResult(int rank, const Result& result) {
  WorkerState& worker = workers_[rank];
  worker.busy = false;
  if (worker.trial_id.empty() || worker.trial_id != result.trial_id)
    throw Error("rank " + std::to_string(rank) + " reported trial " + result.trial_id +
                ", which it was not given");
  worker.trial_id.clear();
  const size_t index = worker.row;
  schema::PlannedTrial& row = manifest_.trials[index];
  const std::string outcome_word =
      result.failure == FailureClass::kNone ? "completed" : schema::Name(result.failure);
  manifest_.attempts.push_back({row.trial_id, row.stage, row.variant, worker.attempt, rank,
                                result.host.empty() ? worker.host : result.host, result.pid, result.started,
                                result.seconds, outcome_word, result.message});
  if (result.failure == FailureClass::kInfrastructure) {
    failed_on_[index].insert(rank);
    if (++worker.infrastructure_failures >= sweep_.sweep.quarantine_after)
      Quarantine(rank, std::to_string(worker.infrastructure_failures) +
                           " infrastructure failures in a row (last: " + result.message + ")");
  } else if (result.failure != FailureClass::kInterrupted) {
    worker.infrastructure_failures = 0;
  }
  dirty_ = true;
  row.seconds = result.seconds;
  finished_seconds_ += result.seconds;
  ++finished_count_;
  // The attempt in one word for the log and the JSON events: "completed" or its failure class.
  const std::string outcome =
      result.failure == FailureClass::kNone ? "completed" : schema::Name(result.failure);
  switch (result.failure) {
    case FailureClass::kNone:
      row.status = TrialStatus::kCompleted;
      row.dev_score = result.dev_score;
      row.failure.clear();
      ++row.attempts;
      break;
    case FailureClass::kDiverged:
      row.status = TrialStatus::kDiverged;
      row.dev_score = 0;  // a result, the worst score
      row.failure = "diverged: " + result.message;
      ++row.attempts;
      break;
    case FailureClass::kBadConfig:
      row.status = TrialStatus::kBadConfig;
      row.failure = "bad_config: " + result.message;
      ++row.attempts;
      break;
    case FailureClass::kInterrupted:
      // Not an attempt: it checkpointed and goes on with --resume, now or in the next run.
      if (stopping_) {
        row.status = TrialStatus::kInterrupted;
      } else {
        row.status = TrialStatus::kPlanned;
        pending_.push_front(index);
      }
      break;
    case FailureClass::kCrashed:
    case FailureClass::kInfrastructure:
      ++row.attempts;
      row.failure = outcome + ": " + result.message;
      if (row.attempts <= sweep_.sweep.max_retries && !stopping_) {
        row.status = TrialStatus::kPlanned;
        pending_.push_back(index);
      } else {
        row.status =
            row.attempts <= sweep_.sweep.max_retries ? TrialStatus::kInterrupted : TrialStatus::kFailed;
      }
      break;
  }
  // Every result is an event; only failures are lines for people (a sweep has thousands of results).
  const bool failed = result.failure != FailureClass::kNone && result.failure != FailureClass::kInterrupted;
  Emit("trial",
       {{"stage", row.stage},
        {"trial_id", row.trial_id},
        {"worker_rank", rank},
        {"worker_host", worker.host},
        {"outcome", outcome},
        {"status", schema::Name(row.status)},
        {"attempts", row.attempts},
        {"seconds", result.seconds},
        {"dev_score", row.dev_score},
        {"message", result.message},
        {"variant", row.variant}},
       !failed
           ? std::string()
           : (Line() << "trial " << row.trial_id << " (" << row.stage << ", " << worker.Name(rank)
                     << ", attempt " << row.attempts << "): " << outcome << ": " << result.message
                     << (row.status != TrialStatus::kPlanned               ? ""
                         : result.failure == FailureClass::kInfrastructure ? " -- retrying on another rank"
                                                                           : " -- retrying"))
                 .str());
  if (!rung_epochs_.empty() && AshaRung(row) >= 0 &&
      (result.failure == FailureClass::kNone || result.failure == FailureClass::kDiverged))
    PromoteAsha();
  if (sequential_ && row.stage == "search" &&
      (result.failure == FailureClass::kNone || result.failure == FailureClass::kDiverged))
    Race();
}

void Coordinator::RestoreAshaRows(const StagePlan& plan) {
  // Rungs above 0 are not planned: they are promotions an earlier run decided. Bring them back, unfinished
  // ones queued first like any promotion. With asha_sampler = tpe rung 0 was proposed, not planned: its rows
  // come back too, unfinished ones queued behind in proposal order like a planned rung 0's.
  const bool proposed = ProposesAshaRungZero(sweep_);
  std::set<std::string> planned;
  for (const auto& trial : plan.trials) planned.insert(trial.trial_id);
  // File order, which is proposal and promotion order (a trial's rows are already in rung order): each
  // unfinished promotion pushed to the front in that order rebuilds the queue the killed run had, newest
  // promotion first.
  for (const auto& previous : previous_rows_) {
    const int rung = AshaRung(previous);
    if (previous.stage != "search" || rung < 0 || index_.count(RowKey(previous))) continue;
    if (rung == 0 && proposed) planned.insert(previous.trial_id);
    if (!planned.count(previous.trial_id) || (rung == 0 && !proposed)) continue;
    if (static_cast<size_t>(rung) >= rung_epochs_.size()) {
      Say(Line() << "trial " << previous.trial_id << ": " << previous.variant
                 << " is beyond this sweep's last rung (sweep.max_epochs changed?); not resumed");
      continue;
    }
    schema::PlannedTrial row = previous;
    if (!schema::IsTerminal(row.status)) row.status = TrialStatus::kPlanned;
    index_[RowKey(row)] = manifest_.trials.size();
    manifest_.trials.push_back(row);
    if (schema::IsTerminal(row.status)) continue;
    if (rung == 0)
      pending_.push_back(manifest_.trials.size() - 1);
    else
      pending_.push_front(manifest_.trials.size() - 1);
  }
}

void Coordinator::PromoteAsha() {
  if (stopping_) return;  // decided by the next run, from the same results
  const int eta = sweep_.sweep.reduction_factor;
  // Rows by rung; ties in score go to the smaller trial id, so the rule does not depend on arrival order.
  std::vector<std::vector<size_t>> results(rung_epochs_.size());
  std::set<std::string> reached;  // RowKeys present
  for (size_t i = 0; i < manifest_.trials.size(); ++i) {
    const schema::PlannedTrial& row = manifest_.trials[i];
    const int rung = AshaRung(row);
    if (row.stage != "search" || rung < 0) continue;
    reached.insert(RowKey(row));
    if (row.status == TrialStatus::kCompleted || row.status == TrialStatus::kPromoted ||
        row.status == TrialStatus::kDiverged)
      results[static_cast<size_t>(rung)].push_back(i);
  }
  // Lowest rung first, each promotion pushed to the front: the highest rung's promotions run first.
  for (size_t rung = 0; rung + 1 < rung_epochs_.size(); ++rung) {
    std::vector<size_t>& rows = results[rung];
    auto score = [&](size_t i) {
      const auto& row = manifest_.trials[i];
      return row.status == TrialStatus::kDiverged ? 0.0 : row.dev_score;
    };
    std::sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
      return score(a) != score(b) ? score(a) > score(b)
                                  : manifest_.trials[a].trial_id < manifest_.trials[b].trial_id;
    });
    const size_t top = rows.size() / static_cast<size_t>(eta);
    for (size_t j = 0; j < top; ++j) {
      schema::PlannedTrial& row = manifest_.trials[rows[j]];
      if (row.status != TrialStatus::kCompleted)
        continue;  // promoted already, or diverged (nothing to continue)
      schema::PlannedTrial next = row;
      next.variant = AshaRungName(static_cast<int>(rung) + 1);
      if (reached.count(RowKey(next))) continue;
      row.status = TrialStatus::kPromoted;
      next.status = TrialStatus::kPlanned;
      next.failure.clear();
      next.attempts = 0;
      next.seconds = 0;
      next.dev_score = -1;
      Emit("promotion",
           {{"trial_id", row.trial_id},
            {"from", row.variant},
            {"to", next.variant},
            {"epochs", rung_epochs_[rung + 1]}},
           Line() << "asha: trial " << row.trial_id << " (dev " << row.dev_score << ", rank " << j + 1
                  << " of " << rows.size() << " at " << row.variant << ") promoted to " << next.variant
                  << " (" << rung_epochs_[rung + 1] << " epochs)");
      index_[RowKey(next)] = manifest_.trials.size();
      manifest_.trials.push_back(std::move(next));  // invalidates `row`; not used below
      pending_.push_front(manifest_.trials.size() - 1);
      dirty_ = true;
    }
  }
}

void Coordinator::Handle(const Envelope& envelope) {
  WorkerState& worker = workers_[envelope.source];
  const auto now = std::chrono::steady_clock::now();
  if (worker.lost) {
    worker.lost = false;
    Say(Line() << worker.Name(envelope.source) << " is heard again after "
               << Duration(std::chrono::duration<double>(now - worker.last_heard).count()));
  }
  worker.last_heard = now;
  switch (envelope.tag) {
    case Tag::kHello: {
      const Hello hello = Hello::Decode(envelope.payload);
      if (hello.version != kProtocolVersion)
        throw Error("rank " + std::to_string(envelope.source) + " (" + hello.host +
                    ") speaks protocol version " + std::to_string(hello.version) + ", the coordinator " +
                    std::to_string(kProtocolVersion) + ": mixed dts-sweep builds");
      worker.said_hello = true;
      worker.host = hello.host;
      worker.pid = hello.pid;
      worker.device_count = hello.device_count;
      Emit("hello",
           {{"worker_rank", envelope.source},
            {"worker_host", hello.host},
            {"pid", hello.pid},
            {"devices", hello.device_count},
            {"t", std::chrono::duration<double>(now - start_).count()}},
           "");
      // Every worker proves that it sees this DIR: a path private to some host (a node-local /tmp, a
      // directory that is not exported) would otherwise leave trial files where nobody reads them.
      orchestrator::Welcome welcome;
      welcome.out_dir = out_dir_;
      welcome.token = std::to_string(envelope.source) + "-" + std::to_string(getpid()) + "-" +
                      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
      welcome.probe_path = (fs::path(out_dir_) / (".probe-" + welcome.token)).string();
      welcome.heartbeat_s = sweep_.sweep.silent_rank_s / 10;
      worker.probe_path = welcome.probe_path;
      worker.probe_token = welcome.token;
      comm_.Send(envelope.source, Tag::kWelcome, welcome.Encode());
      break;
    }
    case Tag::kSeen: {
      const Seen seen = Seen::Decode(envelope.payload);
      std::string text;
      std::ifstream in(worker.probe_path, std::ios::binary);
      std::getline(in, text);
      const bool found = seen.ok && in && text == worker.probe_token;
      std::error_code ignored;
      fs::remove(worker.probe_path, ignored);
      if (!found)
        throw UsageError(out_dir_ + ": " + worker.Name(envelope.source) +
                         (seen.ok ? " wrote " + worker.probe_path + " there, but this coordinator (host " +
                                        HostName() + ") does not see it"
                                  : " cannot use it: " + seen.message) +
                         "; the sweep directory must be on a file system that every host shares (--out)");
      worker.ready = true;
      break;
    }
    case Tag::kHeartbeat:
      break;
    case Tag::kResult:
      HandleResult(envelope.source, Result::Decode(envelope.payload));
      break;
    default:
      throw Error("coordinator: unexpected message tag " + std::to_string(static_cast<int>(envelope.tag)) +
                  " from rank " + std::to_string(envelope.source));
  }
}

void Coordinator::AwaitWorkers() {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(sweep_.sweep.silent_rank_s);
  auto waiting = [&] {
    for (int rank = 1; rank < comm_.Size(); ++rank)
      if (!workers_[rank].ready) return true;
    return false;
  };
  while (waiting() && std::chrono::steady_clock::now() < deadline && !StopRequested()) {
    if (options_.lock_lost && options_.lock_lost()) break;
    if (auto envelope = comm_.Receive(options_.receive_timeout)) Handle(*envelope);
  }
  for (int rank = 1; rank < comm_.Size(); ++rank) {
    WorkerState& worker = workers_[rank];
    if (worker.ready) continue;
    worker.lost = true;
    Say(Line() << "lost " << worker.Name(rank) << ": "
               << (worker.said_hello ? "it never said whether it sees " + out_dir_
                                     : std::string("never said hello"))
               << " within sweep.silent_rank_s = " << sweep_.sweep.silent_rank_s
               << " s; the sweep goes on without it");
  }
}

void Coordinator::Progress(const std::string& stage, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_progress_ < std::chrono::duration<double>(sweep_.sweep.progress_every_s)) return;
  last_progress_ = now;
  int done = 0, running = 0, failed = 0, total = 0;
  double best = -1;
  std::string best_id;
  for (const auto& row : manifest_.trials) {
    if (row.stage != stage) continue;
    ++total;
    if (row.status == TrialStatus::kRunning)
      ++running;
    else if (row.status == TrialStatus::kFailed || row.status == TrialStatus::kBadConfig)
      ++failed;
    else if (schema::IsTerminal(row.status))
      ++done;
    if (row.status == TrialStatus::kCompleted && row.dev_score > best) {
      best = row.dev_score;
      best_id = row.trial_id;
    }
  }
  const int workers = std::max(1, comm_.Size() - 1);
  // A sequential search plans as it goes, so its ETA is an upper bound: every configuration on every run.
  const bool sequential = sequential_ && stage == "search";
  // ASHA's search has none this line can give: asynchronous promotion may exceed n / eta per rung, and its
  // runs (a rung's few epochs, a race run's whole budget) differ too much for a mean (on a real ADE search
  // it said "<= 4m32s" with 50 minutes left). dts-status prices them apart.
  const bool asha_search = stage == "search" && !rung_epochs_.empty();
  const int left = (sequential ? std::max(total, sequential_->MaxRuns()) : total) - done - failed;
  const double eta = finished_count_ && !asha_search
                         ? finished_seconds_ / finished_count_ * std::ceil(double(left) / workers)
                         : -1;
  Line line;
  line << stage << ": " << done << "/" << total << " done, " << running << " running, " << failed
       << " failed";
  if (best >= 0)
    line << " | best dev " << std::fixed << std::setprecision(2) << best << " (" << best_id << ")";
  // A sequential search plans as it goes: the total grows, and racing's eliminations say why it stays small.
  if (sequential_ && stage == "search") {
    line << " | " << total << " runs planned so far";
    if (sweep_.sweep.racing != config::RacingTest::kOff)
      line << ", " << manifest_.eliminations.size() << " configurations eliminated";
  }
  if (asha_search)
    line << " | ETA: dts-status " << out_dir_;
  else
    line << " | ETA " << (finished_count_ ? (sequential ? "<= " : "") + Duration(eta) : std::string("?"));
  Emit("progress",
       {{"stage", stage},
        {"done", done},
        {"running", running},
        {"failed", failed},
        {"total", total},
        {"best_dev", best},
        {"best_trial", best_id},
        {"eta_s", eta}},
       line);
}

void Coordinator::RunStage(const std::string& stage) {
  auto busy = [&] {
    return std::any_of(workers_.begin(), workers_.end(), [](const WorkerState& w) { return w.busy; });
  };
  for (;;) {
    if (options_.lock_lost && options_.lock_lost())
      throw Error(out_dir_ + "/sweep.lock was taken over by another run (this one did not renew it for " +
                  "longer than sweep.lock_lease_s: a frozen or cut-off host): stopping without writing more");
    CheckSilentRanks();
    Refill();  // a sequential search plans its next runs here; a planned stage has them all in pending_
    if (pending_.empty() && !busy()) break;
    if (!busy() && Stranded()) {
      degraded_ = true;
      degraded_reason_ = "no usable rank is left for " + std::to_string(pending_.size()) + " trials";
      Say(Line() << stage << ": " << degraded_reason_
                 << " (every worker lost or quarantined): stopping; run the same command again on healthy "
                    "nodes");
      break;
    }
    if (StopRequested() && !stopping_) {
      stopping_ = true;
      Say(Line() << "signal " << StopSignal() << ": waiting for running trials to checkpoint");
      // mpirun answers a SIGTERM by killing the job (SIGTERM to each rank, SIGKILL
      // odls_base_sigkill_timeout = 1 s later): record what is known now, before waiting for the trials.
      FlushManifest();
    }
    if (stopping_ && !busy()) break;
    Dispatch();
    // Writing sweep.h5 costs tens of ms (HDF5 + fsync), so the writer thread does it, coalescing changes to
    // at most one write per kManifestInterval (and one at every stage boundary and stop). Losing the last
    // interval to a kill -9 repeats no work: a trial recorded as running whose file exists is run with
    // --resume, which returns at once when it had already finished.
    SubmitManifest(/*now=*/false);
    // Sleeps in Receive (never spins) until a worker reports or the timeout lets us look at the stop flag.
    const double wait_start = ThreadCpuSeconds();
    auto envelope = comm_.Receive(options_.receive_timeout);
    wait_cpu_s_ += ThreadCpuSeconds() - wait_start;
    if (!envelope) continue;
    Handle(*envelope);
    // Drain whatever else arrived before writing the manifest once for all of it.
    while (auto more = comm_.Receive(std::chrono::milliseconds(0))) Handle(*more);
    // Hand the freed workers their next trials first, so that the progress line counts them as running.
    Dispatch();
    Progress(stage, sweep_.sweep.progress_every_s == 0);
  }
  if (stopping_ || degraded_) {
    for (size_t index : pending_) manifest_.trials[index].status = TrialStatus::kPlanned;
  }
  FlushManifest();
}

int Coordinator::Run() {
  start_ = std::chrono::steady_clock::now();
  start_cpu_s_ = ProcessCpuSeconds();  // excludes MPI_Init and validation
  start_thread_cpu_s_ = ThreadCpuSeconds();
  const fs::path dir = out_dir_;
  if (comm_.Size() < 2) throw UsageError("dts-sweep needs at least 2 ranks (1 coordinator + workers)");
  fs::create_directories(dir);
  for (auto& worker : workers_) worker.last_heard = start_;
  AwaitWorkers();  // before anything is written in DIR: a worker that cannot see it refuses the sweep
  fs::create_directories(dir / "trials");
  const fs::path manifest_path = dir / "sweep.h5";
  if (fs::exists(manifest_path)) {
    const schema::SweepManifest old = schema::ReadSweepManifest(manifest_path.string());
    for (const auto& row : old.trials) previous_[RowKey(row)] = row;
    previous_rows_ = old.trials;
    previous_eliminations_ = old.eliminations;
    manifest_.attempts = old.attempts;
    int kept = 0;
    for (const auto& row : old.trials) kept += schema::IsTerminal(row.status);
    Say(Line() << "resuming " << manifest_path.string() << " (" << schema::Name(old.status) << "): " << kept
               << " of " << old.trials.size() << " trials finished");
    // Before anything is planned: the old rows keep their ids only under the rule they were made with.
    const IdentityBaseChoice identity =
        ChooseIdentityBase(old, dir, sweep_.path, planner_.fingerprint(), fs::current_path());
    planner_.SetIdentityBase(identity.base);
    Say(Line() << identity.note);
  }
  // Built here, not in the constructor: it makes its configurations' ids at once, under the base just chosen.
  if (IsSequentialSearch(sweep_)) sequential_ = std::make_unique<SequentialSearch>(sweep_, planner_);
  manifest_.identity_base = planner_.identity_base().ManifestValue();
  manifest_.sweep_name = sweep_.sweep.name;
  manifest_.sweep_ini = sweep_.text;
  manifest_.status = TrialStatus::kRunning;
  manifest_.dts_version = Version();
  manifest_.workers = comm_.Size() - 1;  // dts-status divides the work left by it
  writer_ = std::make_unique<ManifestWriter>(manifest_path.string(), kManifestInterval);
  for (const auto& stage : sweep_.stages) {
    stage_ = stage;
    const double plan_start = ThreadCpuSeconds();
    if (stage == "search") AddStage(stage, planner_.PlanSearch());
    if (stage == "final") AddStage(stage, planner_.PlanFinal(manifest_.trials, previous_rows_));
    if (stage == "ablation") AddStage(stage, planner_.PlanAblation(manifest_.trials));
    plan_cpu_s_ += ThreadCpuSeconds() - plan_start;
    FlushManifest();
    RunStage(stage);
    Progress(stage, true);
    if (stopping_) break;
    // A trial left behind by a lost rank has no result yet: the next stage's plan would be made without it.
    const auto left = std::count_if(manifest_.trials.begin(), manifest_.trials.end(), [&](const auto& row) {
      return row.stage == stage && !schema::IsTerminal(row.status);
    });
    if (left > 0 && !degraded_) {
      degraded_ = true;
      degraded_reason_ = std::to_string(left) + " " + stage + " trials were left by lost ranks";
    }
    if (degraded_) {
      Say(Line() << stage << ": " << degraded_reason_ << "; the sweep stops here (" << left
                 << " trials unfinished); run the same command again to resume");
      break;
    }
  }
  manifest_.status = stopping_ || degraded_ ? TrialStatus::kInterrupted : TrialStatus::kCompleted;
  FlushManifest();
  for (int rank = 1; rank < comm_.Size(); ++rank)
    if (!workers_[rank].lost)  // a frozen rank would never take it; MPI may wait on it at exit
      comm_.Send(rank, Tag::kStop, Stop{stopping_ || degraded_ ? "interrupted" : "done"}.Encode());
  int failed = 0, completed = 0;
  std::map<std::string, int> failed_by_host;  // where each failed trial's last attempt ran
  for (const auto& row : manifest_.trials) {
    const bool row_failed = row.status == TrialStatus::kFailed || row.status == TrialStatus::kBadConfig;
    failed += row_failed;
    completed += schema::HasResult(row.status);
    if (!row_failed) continue;
    std::string host = "?";
    for (const auto& attempt : manifest_.attempts)
      if (attempt.trial_id == row.trial_id && attempt.stage == row.stage) host = attempt.host;
    ++failed_by_host[host];
  }
  std::string hosts;
  for (const auto& [host, count] : failed_by_host)
    hosts += (hosts.empty() ? " (" : ", ") + std::string("host ") + host + ": " + std::to_string(count);
  if (!hosts.empty()) hosts += ")";
  std::string out_of_service;
  for (int rank = 1; rank < comm_.Size(); ++rank)
    if (workers_[rank].lost || workers_[rank].quarantined)
      out_of_service += (out_of_service.empty() ? "; " : ", ") + workers_[rank].Name(rank) +
                        (workers_[rank].lost ? " lost" : " quarantined");
  // The coordinator's own cost, for bench/sweep_overhead: CPU seconds of this process against wall seconds.
  const double cpu_s = ProcessCpuSeconds() - start_cpu_s_;
  const double thread_cpu_s = ThreadCpuSeconds() - start_thread_cpu_s_;
  const ManifestWriterStats writes = writer_->Stats();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  Emit("sweep",
       {{"status", schema::Name(manifest_.status)},
        {"completed", completed},
        {"failed", failed},
        {"planned", manifest_.trials.size()},
        {"process_cpu_s", cpu_s},
        {"dispatch_cpu_s", thread_cpu_s},
        {"plan_cpu_s", plan_cpu_s_},
        {"wait_cpu_s", wait_cpu_s_},
        {"wall_s", wall_s},
        {"manifest_writes", writes.writes},
        {"manifest_snapshots", writes.snapshots},
        {"manifest_write_s", writes.write_s},
        {"manifest_write_cpu_s", writes.write_cpu_s}},
       Line() << "sweep " << schema::Name(manifest_.status) << ": " << completed << " trials with results, "
              << failed << " failed" << hosts << ", " << manifest_.trials.size() << " planned"
              << out_of_service << "; manifest " << manifest_path.string());
  if (stopping_) return kExitResumeMe;
  if (degraded_) return kExitRanksLost;
  return failed > 0 ? kExitTrialsFailed : kExitOk;
}

namespace {

// Writes the coordinator's probe file, proving this rank sees the sweep directory. Never creates the
// directory: one missing here is the answer.
Seen WriteProbe(const Welcome& welcome) {
  Seen seen;
  std::error_code ec;
  if (!fs::is_directory(welcome.out_dir, ec)) {
    seen.message = "no directory " + welcome.out_dir + " on this host";
    return seen;
  }
  std::ofstream out(welcome.probe_path, std::ios::binary | std::ios::trunc);
  out << welcome.token << "\n";
  if (!out.flush()) {
    seen.message = "cannot write " + welcome.probe_path + ": " + std::strerror(errno);
    return seen;
  }
  seen.ok = true;
  return seen;
}

}  // namespace

void RunWorker(Communicator& comm, const TrialRunner& runner, int device_count) {
  Hello hello;
  hello.host = HostName();
  hello.pid = getpid();
  hello.local_rank = comm.LocalRank();
  hello.device_count = device_count;
  comm.Send(0, Tag::kHello, hello.Encode());
  auto last_sent = std::chrono::steady_clock::now();
  auto send = [&](Tag tag, std::string payload) {
    comm.Send(0, tag, std::move(payload));
    last_sent = std::chrono::steady_clock::now();
  };
  std::chrono::duration<double> heartbeat{0};  // set by kWelcome
  std::string probe_path;
  // The trial runs on a thread of its own, so that this (the only MPI) thread keeps answering: heartbeats
  // while a trial runs are how the coordinator tells a busy rank from a frozen or lost one.
  std::future<Result> running;
  std::string running_trial;
  for (;;) {
    if (running.valid() && running.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      send(Tag::kResult, running.get().Encode());
      running_trial.clear();
    }
    if (heartbeat.count() > 0 && std::chrono::steady_clock::now() - last_sent >= heartbeat)
      send(Tag::kHeartbeat, Heartbeat{running_trial}.Encode());
    // Idle workers sleep in Receive; a stop signal needs no action here: the trial's runner forwards it to
    // the child, and the coordinator answers it with kStop.
    auto envelope = comm.Receive(std::chrono::milliseconds(running.valid() ? 50 : 500));
    if (!envelope) continue;
    switch (envelope->tag) {
      case Tag::kStop:
        if (running.valid()) running.wait();  // never orphan a trial: it checkpoints and exits first
        if (!probe_path.empty()) {
          std::error_code ignored;
          fs::remove(probe_path, ignored);  // a directory only this host sees keeps no trace of the probe
        }
        return;
      case Tag::kWelcome: {
        const Welcome welcome = Welcome::Decode(envelope->payload);
        heartbeat = std::chrono::duration<double>(welcome.heartbeat_s);
        const Seen seen = WriteProbe(welcome);
        if (seen.ok) probe_path = welcome.probe_path;
        send(Tag::kSeen, seen.Encode());
        break;
      }
      case Tag::kAssign: {
        if (running.valid())
          throw Error("rank " + std::to_string(comm.Rank()) + ": given trial while trial " + running_trial +
                      " runs");
        Assign assign = Assign::Decode(envelope->payload);
        running_trial = assign.trial_id;
        running =
            std::async(std::launch::async, [&runner, assign = std::move(assign)] { return runner(assign); });
        break;
      }
      default:
        throw Error("rank " + std::to_string(comm.Rank()) + ": unexpected message tag " +
                    std::to_string(static_cast<int>(envelope->tag)));
    }
  }
}

}  // namespace dts::orchestrator
