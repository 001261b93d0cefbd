#include "orchestrator/coordinator.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/host.h"
#include "common/stop.h"
#include "common/version.h"
#include "config/identity.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;
using schema::FailureClass;
using schema::TrialStatus;

namespace {

// A manifest row's key: the trial id, plus the rung for ASHA rows (one row per rung a trial reached).
std::string RowKey(const schema::PlannedTrial& row) {
  return AshaRung(row) >= 0 ? row.trial_id + "@" + row.variant : row.trial_id;
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
      planner_(sweep, config::DataFingerprint(sweep.base.data.path), std::move(counter)),
      workers_(comm.Size()) {
  if (sweep.sweep.strategy == config::Strategy::kAsha) rung_epochs_ = config::AshaRungEpochs(sweep.sweep);
  if (IsSequentialSearch(sweep)) sequential_ = std::make_unique<SequentialSearch>(sweep, planner_);
  if (!options_.log) options_.log = &std::cerr;
  if (!options_.json_out) options_.json_out = &std::cout;
  if (options_.trial_command.empty()) options_.trial_command = ResolveExecutable(sweep.sweep.trial_command);
}

std::string Coordinator::Prefix() const {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream out;
  out << "[" << std::put_time(&tm, "%H:%M:%S") << " r00/" << comm_.Size() << " coord] ";
  return out.str();
}

void Coordinator::Event(const std::string& json_line) {
  if (options_.json) *options_.json_out << json_line << std::endl;
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
  for (const auto& note : plan.notes) *options_.log << Prefix() << note << "\n";
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
  if (stage == "search" && sequential_)
    *options_.log << Prefix() << stage << ": runs are planned one at a time as results come in" << std::endl;
  else
    *options_.log << Prefix() << stage << ": " << plan.trials.size() << " trials planned, " << added.size()
                  << " to run" << std::endl;
  Event(nlohmann::json{
      {"event", "stage"}, {"stage", stage}, {"planned", plan.trials.size()}, {"to_run", added.size()}}
            .dump());
}

void Coordinator::RestoreSequentialRows() {
  manifest_.eliminations = previous_eliminations_;
  std::vector<size_t> unfinished;
  for (const auto& previous : previous_rows_) {
    if (previous.stage != "search" || index_.count(RowKey(previous))) continue;
    schema::PlannedTrial row = previous;
    if (!schema::IsTerminal(row.status)) row.status = TrialStatus::kPlanned;
    index_[RowKey(row)] = manifest_.trials.size();
    manifest_.trials.push_back(row);
    if (!schema::IsTerminal(row.status)) unfinished.push_back(manifest_.trials.size() - 1);
  }
  // Runs that were in flight go first, in their planning order, before anything new is planned.
  pending_.insert(pending_.begin(), unfinished.begin(), unfinished.end());
  if (!previous_rows_.empty())
    *options_.log << Prefix() << "search: " << manifest_.trials.size() << " runs restored, "
                  << unfinished.size() << " to finish, " << manifest_.eliminations.size()
                  << " configurations eliminated" << std::endl;
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
    *options_.log << Prefix() << "racing: config " << elimination.config_id << " eliminated after fold "
                  << elimination.after_fold << " (" << elimination.folds << " paired folds, "
                  << std::setprecision(3) << elimination.mean_gap << " points below "
                  << elimination.incumbent_id << ", p = " << std::setprecision(3) << elimination.p_value
                  << ")" << std::endl;
    Event(nlohmann::json{{"event", "elimination"},
                         {"config_id", elimination.config_id},
                         {"incumbent_id", elimination.incumbent_id},
                         {"folds", elimination.folds},
                         {"after_fold", elimination.after_fold},
                         {"mean_gap", elimination.mean_gap},
                         {"p_value", elimination.p_value}}
              .dump());
    manifest_.eliminations.push_back(std::move(elimination));
    dirty_ = true;
  }
}

void Coordinator::Dispatch() {
  if (stopping_) return;
  Refill();
  for (int rank = 1; rank < comm_.Size() && !pending_.empty(); ++rank) {
    WorkerState& worker = workers_[rank];
    if (!worker.ready || worker.busy) continue;
    schema::PlannedTrial& row = manifest_.trials[pending_.front()];
    pending_.pop_front();
    Assign assign;
    assign.trial_id = row.trial_id;
    assign.config_id = row.config_id;
    assign.command = options_.trial_command;
    assign.config_ini = row.config_ini;
    const fs::path trials = fs::path(options_.out_dir) / "trials";
    assign.config_path = (trials / (row.trial_id + ".ini")).string();
    assign.trial_path = (trials / (row.trial_id + ".h5")).string();
    assign.log_path = (trials / (row.trial_id + ".log")).string();
    // A trial file means an earlier attempt checkpointed (or even finished, when the coordinator died before
    // recording it): the trial goes on from there instead of starting over.
    std::error_code ec;
    assign.resume = fs::exists(assign.trial_path, ec);
    assign.threads = sweep_.sweep.threads_per_rank;
    assign.use_gpu = sweep_.sweep.device == config::DeviceChoice::kAuto && worker.device_count > 0;
    assign.attempt = row.attempts + 1;
    assign.timeout_s = sweep_.sweep.trial_timeout_s;
    // ASHA: the rung's budget as an override of the unchanged INI; a promoted trial's file exists, so it
    // resumes from its checkpoint with the larger budget.
    const int rung = AshaRung(row);
    if (rung >= 0) assign.max_epochs = rung_epochs_.at(static_cast<size_t>(rung));
    row.status = TrialStatus::kRunning;
    dirty_ = true;
    worker.busy = true;
    worker.trial_id = row.trial_id;
    worker.row = static_cast<size_t>(&row - manifest_.trials.data());
    comm_.Send(rank, Tag::kAssign, assign.Encode());
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
  if (result.failure != FailureClass::kNone && result.failure != FailureClass::kInterrupted) {
    *options_.log << Prefix() << "trial " << row.trial_id << " (" << row.stage << ", rank " << rank
                  << ", attempt " << row.attempts << "): " << outcome << ": " << result.message
                  << (row.status == TrialStatus::kPlanned ? " -- retrying" : "") << std::endl;
  }
  Event(nlohmann::json{{"event", "trial"},
                       {"stage", row.stage},
                       {"trial_id", row.trial_id},
                       {"rank", rank},
                       {"outcome", outcome},
                       {"status", schema::Name(row.status)},
                       {"attempts", row.attempts},
                       {"seconds", result.seconds},
                       {"dev_score", row.dev_score},
                       {"message", result.message},
                       {"variant", row.variant}}
            .dump());
  if (!rung_epochs_.empty() && AshaRung(row) >= 0 &&
      (result.failure == FailureClass::kNone || result.failure == FailureClass::kDiverged))
    PromoteAsha();
  if (sequential_ && row.stage == "search" &&
      (result.failure == FailureClass::kNone || result.failure == FailureClass::kDiverged))
    Race();
}

void Coordinator::RestoreAshaRows(const StagePlan& plan) {
  // Rungs above 0 are not planned: they are promotions an earlier run decided. Bring them back (rung order,
  // so that a trial's rows stay in order), unfinished ones queued first like any promotion.
  std::set<std::string> planned;
  for (const auto& trial : plan.trials) planned.insert(trial.trial_id);
  std::vector<const schema::PlannedTrial*> rows;
  for (const auto& row : previous_rows_)
    if (row.stage == "search" && AshaRung(row) >= 1 && planned.count(row.trial_id)) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto* a, const auto* b) { return AshaRung(*a) < AshaRung(*b); });
  for (const auto* previous : rows) {
    if (index_.count(RowKey(*previous))) continue;
    if (static_cast<size_t>(AshaRung(*previous)) >= rung_epochs_.size()) {
      *options_.log << Prefix() << "trial " << previous->trial_id << ": " << previous->variant
                    << " is beyond this sweep's last rung (sweep.max_epochs changed?); not resumed"
                    << std::endl;
      continue;
    }
    schema::PlannedTrial row = *previous;
    if (!schema::IsTerminal(row.status)) row.status = TrialStatus::kPlanned;
    index_[RowKey(row)] = manifest_.trials.size();
    manifest_.trials.push_back(row);
    if (!schema::IsTerminal(row.status)) pending_.push_front(manifest_.trials.size() - 1);
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
      *options_.log << Prefix() << "asha: trial " << row.trial_id << " (dev " << row.dev_score << ", rank "
                    << j + 1 << " of " << rows.size() << " at " << row.variant << ") promoted to "
                    << next.variant << " (" << rung_epochs_[rung + 1] << " epochs)" << std::endl;
      Event(nlohmann::json{{"event", "promotion"},
                           {"trial_id", row.trial_id},
                           {"from", row.variant},
                           {"to", next.variant},
                           {"epochs", rung_epochs_[rung + 1]}}
                .dump());
      index_[RowKey(next)] = manifest_.trials.size();
      manifest_.trials.push_back(std::move(next));  // invalidates `row`; not used below
      pending_.push_front(manifest_.trials.size() - 1);
      dirty_ = true;
    }
  }
}

void Coordinator::Handle(const Envelope& envelope) {
  switch (envelope.tag) {
    case Tag::kHello: {
      const Hello hello = Hello::Decode(envelope.payload);
      if (hello.version != kProtocolVersion)
        throw Error("rank " + std::to_string(envelope.source) + " (" + hello.host +
                    ") speaks protocol version " + std::to_string(hello.version) + ", the coordinator " +
                    std::to_string(kProtocolVersion) + ": mixed dts-sweep builds");
      workers_[envelope.source].ready = true;
      Event(nlohmann::json{
          {"event", "hello"},
          {"rank", envelope.source},
          {"host", hello.host},
          {"devices", hello.device_count},
          {"t", std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()}}
                .dump());
      workers_[envelope.source].device_count = hello.device_count;
      break;
    }
    case Tag::kResult:
      HandleResult(envelope.source, Result::Decode(envelope.payload));
      break;
    default:
      throw Error("coordinator: unexpected message tag " + std::to_string(static_cast<int>(envelope.tag)) +
                  " from rank " + std::to_string(envelope.source));
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
  const int left = (sequential ? std::max(total, sequential_->MaxRuns()) : total) - done - failed;
  const double eta =
      finished_count_ ? finished_seconds_ / finished_count_ * std::ceil(double(left) / workers) : -1;
  std::ostringstream line;
  line << Prefix() << stage << ": " << done << "/" << total << " done, " << running << " running, " << failed
       << " failed";
  if (best >= 0)
    line << " | best dev " << std::fixed << std::setprecision(2) << best << " (" << best_id << ")";
  // A sequential search plans as it goes: the total grows, and racing's eliminations say why it stays small.
  if (sequential_ && stage == "search") {
    line << " | " << total << " runs planned so far";
    if (sweep_.sweep.racing != config::RacingTest::kOff)
      line << ", " << manifest_.eliminations.size() << " configurations eliminated";
  }
  line << " | ETA " << (finished_count_ ? (sequential ? "<= " : "") + Duration(eta) : std::string("?"));
  *options_.log << line.str() << std::endl;
  Event(nlohmann::json{
      {"event", "progress"},
      {"stage", stage},
      {"done", done},
      {"running", running},
      {"failed", failed},
      {"total", total},
      {"best_dev", best},
      {"best_trial", best_id},
      {"eta_s",
       eta}}.dump());
}

void Coordinator::RunStage(const std::string& stage) {
  auto busy = [&] {
    return std::any_of(workers_.begin(), workers_.end(), [](const WorkerState& w) { return w.busy; });
  };
  for (;;) {
    Refill();  // a sequential search plans its next runs here; a planned stage has them all in pending_
    if (pending_.empty() && !busy()) break;
    if (StopRequested() && !stopping_) {
      stopping_ = true;
      *options_.log << Prefix() << "signal " << StopSignal() << ": waiting for running trials to checkpoint"
                    << std::endl;
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
  if (stopping_) {
    for (size_t index : pending_) manifest_.trials[index].status = TrialStatus::kPlanned;
  }
  FlushManifest();
}

int Coordinator::Run() {
  start_ = std::chrono::steady_clock::now();
  start_cpu_s_ = ProcessCpuSeconds();  // excludes MPI_Init and validation
  start_thread_cpu_s_ = ThreadCpuSeconds();
  const fs::path dir = options_.out_dir;
  fs::create_directories(dir / "trials");
  const fs::path manifest_path = dir / "sweep.h5";
  if (fs::exists(manifest_path)) {
    const schema::SweepManifest old = schema::ReadSweepManifest(manifest_path.string());
    for (const auto& row : old.trials) previous_[RowKey(row)] = row;
    previous_rows_ = old.trials;
    previous_eliminations_ = old.eliminations;
    int kept = 0;
    for (const auto& row : old.trials) kept += schema::IsTerminal(row.status);
    *options_.log << Prefix() << "resuming " << manifest_path.string() << " (" << schema::Name(old.status)
                  << "): " << kept << " of " << old.trials.size() << " trials finished" << std::endl;
  }
  manifest_.sweep_name = sweep_.sweep.name;
  manifest_.sweep_ini = sweep_.text;
  manifest_.status = TrialStatus::kRunning;
  manifest_.dts_version = Version();
  if (comm_.Size() < 2) throw UsageError("dts-sweep needs at least 2 ranks (1 coordinator + workers)");
  writer_ = std::make_unique<ManifestWriter>(manifest_path.string(), kManifestInterval);
  for (const auto& stage : sweep_.stages) {
    stage_ = stage;
    const double plan_start = ThreadCpuSeconds();
    if (stage == "search") AddStage(stage, planner_.PlanSearch());
    if (stage == "final") AddStage(stage, planner_.PlanFinal(manifest_.trials));
    if (stage == "ablation") AddStage(stage, planner_.PlanAblation(manifest_.trials));
    plan_cpu_s_ += ThreadCpuSeconds() - plan_start;
    FlushManifest();
    RunStage(stage);
    Progress(stage, true);
    if (stopping_) break;
  }
  manifest_.status = stopping_ ? TrialStatus::kInterrupted : TrialStatus::kCompleted;
  FlushManifest();
  for (int rank = 1; rank < comm_.Size(); ++rank)
    comm_.Send(rank, Tag::kStop, Stop{stopping_ ? "interrupted" : "done"}.Encode());
  int failed = 0, completed = 0;
  for (const auto& row : manifest_.trials) {
    failed += row.status == TrialStatus::kFailed || row.status == TrialStatus::kBadConfig;
    completed += schema::HasResult(row.status);
  }
  *options_.log << Prefix() << "sweep " << schema::Name(manifest_.status) << ": " << completed
                << " trials with results, " << failed << " failed, " << manifest_.trials.size()
                << " planned; manifest " << manifest_path.string() << std::endl;
  // The coordinator's own cost, for bench/sweep_overhead: CPU seconds of this process against wall seconds.
  const double cpu_s = ProcessCpuSeconds() - start_cpu_s_;
  const double thread_cpu_s = ThreadCpuSeconds() - start_thread_cpu_s_;
  const ManifestWriterStats writes = writer_->Stats();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  Event(nlohmann::json{{"event", "sweep"},
                       {"status", schema::Name(manifest_.status)},
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
                       {"manifest_write_cpu_s", writes.write_cpu_s}}
            .dump());
  return stopping_ ? kExitResumeMe : kExitOk;
}

void RunWorker(Communicator& comm, const TrialRunner& runner, int device_count) {
  Hello hello;
  hello.host = HostName();
  hello.local_rank = comm.LocalRank();
  hello.device_count = device_count;
  comm.Send(0, Tag::kHello, hello.Encode());
  for (;;) {
    // Idle workers sleep in Receive; a stop signal needs no action here: the coordinator answers it with
    // kStop.
    auto envelope = comm.Receive(std::chrono::milliseconds(1000));
    if (!envelope) continue;
    if (envelope->tag == Tag::kStop) return;
    if (envelope->tag != Tag::kAssign)
      throw Error("rank " + std::to_string(comm.Rank()) + ": unexpected message tag " +
                  std::to_string(static_cast<int>(envelope->tag)));
    const Assign assign = Assign::Decode(envelope->payload);
    comm.Send(0, Tag::kResult, runner(assign).Encode());
  }
}

}  // namespace dts::orchestrator
