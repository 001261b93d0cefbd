#include "orchestrator/coordinator.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/stop.h"
#include "orchestrator/trial_keys.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

namespace {

bool IsTerminal(const std::string& status) {
  return status == "completed" || status == "diverged" || status == "bad_config" || status == "failed";
}

std::string Duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  const long s = std::lround(seconds);
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << "h" << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << "m";
  else if (s >= 60) out << s / 60 << "m" << std::setw(2) << std::setfill('0') << s % 60 << "s";
  else out << s << "s";
  return out.str();
}

constexpr std::chrono::milliseconds kManifestInterval{1000};

// CPU seconds (user + system) of this process, threads included (the in-process group's workers too).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
}

}  // namespace

Coordinator::Coordinator(const SweepConfig& sweep, Communicator& comm, CoordinatorOptions options,
                         ParamCounter counter)
    : sweep_(sweep),
      comm_(comm),
      options_(std::move(options)),
      planner_(sweep, DataFingerprint(sweep.base), std::move(counter)),
      workers_(comm.Size()) {
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

void Coordinator::WriteManifest() {
  dirty_ = false;
  const auto start = std::chrono::steady_clock::now();
  last_write_ = start;
  const double cpu_before = ProcessCpuSeconds();
  schema::WriteSweepManifest((fs::path(options_.out_dir) / "sweep.h5").string(), manifest_);
  manifest_write_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  manifest_write_cpu_s_ += ProcessCpuSeconds() - cpu_before;
  ++manifest_writes_;
}

double Coordinator::EstimatedCost(const schema::PlannedTrial& row) const {
  // A previous attempt's wall time is the best estimate; otherwise the BiRNN layer count times the epochs,
  // a proxy in other units, used only to order trials whose time is unknown among themselves.
  if (row.seconds > 0) return 1e12 + row.seconds;
  const TrialConfig config = ParseTrialConfig(row.config_ini);
  auto get = [&](const char* key, double fallback) {
    auto it = config.find(key);
    if (it == config.end()) return fallback;
    try {
      return std::stod(it->second);
    } catch (const std::exception&) {
      return fallback;
    }
  };
  return (get(keys::kSharedLayers, 1) + get(keys::kNerLayers, 0) + get(keys::kReLayers, 0)) *
         get(keys::kMaxEpochs, 1);
}

void Coordinator::AddStage(const std::string& stage, const StagePlan& plan) {
  for (const auto& note : plan.notes) *options_.log << Prefix() << note << "\n";
  std::vector<size_t> added;
  for (const auto& planned : plan.trials) {
    if (index_.count(planned.trial_id)) continue;  // the same run planned by an earlier stage
    schema::PlannedTrial row = planned;
    auto prev = previous_.find(row.trial_id);
    if (prev != previous_.end()) {
      row.status = prev->second.status;
      row.failure = prev->second.failure;
      row.attempts = prev->second.attempts;
      row.seconds = prev->second.seconds;
      row.dev_score = prev->second.dev_score;
      if (!IsTerminal(row.status)) row.status = "planned";
    }
    index_[row.trial_id] = manifest_.trials.size();
    manifest_.trials.push_back(row);
    if (!IsTerminal(row.status)) added.push_back(manifest_.trials.size() - 1);
  }
  std::stable_sort(added.begin(), added.end(), [&](size_t a, size_t b) {
    return EstimatedCost(manifest_.trials[a]) > EstimatedCost(manifest_.trials[b]);
  });
  pending_.insert(pending_.end(), added.begin(), added.end());
  *options_.log << Prefix() << stage << ": " << plan.trials.size() << " trials planned, " << added.size()
                << " to run" << std::endl;
  Event(nlohmann::json{{"event", "stage"}, {"stage", stage}, {"planned", plan.trials.size()}, {"to_run", added.size()}}
            .dump());
}

void Coordinator::Dispatch() {
  if (stopping_) return;
  for (int rank = 1; rank < comm_.Size() && !pending_.empty(); ++rank) {
    WorkerState& worker = workers_[rank];
    if (!worker.ready || worker.busy) continue;
    schema::PlannedTrial& row = manifest_.trials[pending_.front()];
    pending_.pop_front();
    Assign assign;
    assign.trial_id = row.trial_id;
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
    assign.use_gpu = sweep_.sweep.device == DeviceChoice::kAuto && worker.device_count > 0;
    assign.attempt = row.attempts + 1;
    assign.timeout_s = sweep_.sweep.trial_timeout_s;
    row.status = "running";
    dirty_ = true;
    worker.busy = true;
    worker.trial_id = row.trial_id;
    comm_.Send(rank, Tag::kAssign, assign.Encode());
  }
}

void Coordinator::HandleResult(int rank, const Result& result) {
  WorkerState& worker = workers_[rank];
  worker.busy = false;
  auto it = index_.find(result.trial_id);
  if (it == index_.end() || worker.trial_id != result.trial_id)
    throw Error("rank " + std::to_string(rank) + " reported trial " + result.trial_id + ", which it was not given");
  worker.trial_id.clear();
  schema::PlannedTrial& row = manifest_.trials[it->second];
  dirty_ = true;
  row.seconds = result.seconds;
  finished_seconds_ += result.seconds;
  ++finished_count_;
  const std::string outcome = OutcomeName(result.outcome);
  switch (result.outcome) {
    case TrialOutcome::kCompleted:
      row.status = "completed";
      row.dev_score = result.dev_score;
      row.failure.clear();
      ++row.attempts;
      break;
    case TrialOutcome::kDiverged:
      row.status = "diverged";
      row.dev_score = 0;  // a result, the worst score
      row.failure = "diverged: " + result.message;
      ++row.attempts;
      break;
    case TrialOutcome::kBadConfig:
      row.status = "bad_config";
      row.failure = "bad_config: " + result.message;
      ++row.attempts;
      break;
    case TrialOutcome::kInterrupted:
      // Not an attempt: it checkpointed and goes on with --resume, now or in the next run.
      if (stopping_) {
        row.status = "interrupted";
      } else {
        row.status = "planned";
        pending_.push_front(it->second);
      }
      break;
    case TrialOutcome::kCrashed:
    case TrialOutcome::kInfrastructure:
      ++row.attempts;
      row.failure = outcome + ": " + result.message;
      if (row.attempts <= sweep_.sweep.max_retries && !stopping_) {
        row.status = "planned";
        pending_.push_back(it->second);
      } else {
        row.status = row.attempts <= sweep_.sweep.max_retries ? "interrupted" : "failed";
      }
      break;
  }
  if (result.outcome != TrialOutcome::kCompleted && result.outcome != TrialOutcome::kInterrupted) {
    *options_.log << Prefix() << "trial " << row.trial_id << " (" << row.stage << ", rank " << rank << ", attempt "
                  << row.attempts << "): " << outcome << ": " << result.message
                  << (row.status == "planned" ? " -- retrying" : "") << std::endl;
  }
  Event(nlohmann::json{{"event", "trial"},     {"stage", row.stage},        {"trial_id", row.trial_id},
                       {"rank", rank},         {"outcome", outcome},        {"status", row.status},
                       {"attempts", row.attempts}, {"seconds", result.seconds}, {"dev_score", row.dev_score},
                       {"message", result.message}}
            .dump());
}

void Coordinator::Handle(const Envelope& envelope) {
  switch (envelope.tag) {
    case Tag::kHello: {
      const Hello hello = Hello::Decode(envelope.payload);
      if (hello.version != kProtocolVersion)
        throw Error("rank " + std::to_string(envelope.source) + " (" + hello.host + ") speaks protocol version " +
                    std::to_string(hello.version) + ", the coordinator " + std::to_string(kProtocolVersion) +
                    ": mixed dts-sweep builds");
      workers_[envelope.source].ready = true;
      Event(nlohmann::json{{"event", "hello"}, {"rank", envelope.source}, {"host", hello.host},
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
    if (row.status == "running") ++running;
    else if (row.status == "failed" || row.status == "bad_config") ++failed;
    else if (IsTerminal(row.status)) ++done;
    if (row.status == "completed" && row.dev_score > best) {
      best = row.dev_score;
      best_id = row.trial_id;
    }
  }
  const int workers = std::max(1, comm_.Size() - 1);
  const int left = total - done - failed;
  const double eta = finished_count_ ? finished_seconds_ / finished_count_ * std::ceil(double(left) / workers) : -1;
  std::ostringstream line;
  line << Prefix() << stage << ": " << done << "/" << total << " done, " << running << " running, " << failed
       << " failed";
  if (best >= 0) line << " | best dev " << std::fixed << std::setprecision(2) << best << " (" << best_id << ")";
  line << " | ETA " << (finished_count_ ? Duration(eta) : std::string("?"));
  *options_.log << line.str() << std::endl;
  Event(nlohmann::json{{"event", "progress"}, {"stage", stage}, {"done", done},     {"running", running},
                       {"failed", failed},    {"total", total}, {"best_dev", best}, {"best_trial", best_id},
                       {"eta_s", eta}}
            .dump());
}

void Coordinator::RunStage(const std::string& stage) {
  auto busy = [&] {
    return std::any_of(workers_.begin(), workers_.end(), [](const WorkerState& w) { return w.busy; });
  };
  while (!pending_.empty() || busy()) {
    if (StopRequested() && !stopping_) {
      stopping_ = true;
      *options_.log << Prefix() << "signal " << StopSignal() << ": waiting for running trials to checkpoint"
                    << std::endl;
    }
    if (stopping_ && !busy()) break;
    Dispatch();
    // Writing sweep.h5 costs tens of ms (fsync), so state changes are written at most once a second, and at
    // every stage boundary and stop. Losing the last second to a kill -9 repeats no work: a trial recorded as
    // running whose file exists is run with --resume, which returns at once when it had already finished.
    if (dirty_ && std::chrono::steady_clock::now() - last_write_ >= kManifestInterval) WriteManifest();
    // Sleeps in Receive (never spins) until a worker reports or the timeout lets us look at the stop flag.
    auto envelope = comm_.Receive(options_.receive_timeout);
    if (!envelope) continue;
    Handle(*envelope);
    // Drain whatever else arrived before writing the manifest once for all of it.
    while (auto more = comm_.Receive(std::chrono::milliseconds(0))) Handle(*more);
    Progress(stage, sweep_.sweep.progress_every_s == 0);
  }
  if (stopping_) {
    for (size_t index : pending_) manifest_.trials[index].status = "planned";
  }
  WriteManifest();
}

int Coordinator::Run() {
  start_ = std::chrono::steady_clock::now();
  start_cpu_s_ = ProcessCpuSeconds();  // excludes MPI_Init and validation
  const fs::path dir = options_.out_dir;
  fs::create_directories(dir / "trials");
  const fs::path manifest_path = dir / "sweep.h5";
  if (fs::exists(manifest_path)) {
    const schema::SweepManifest old = schema::ReadSweepManifest(manifest_path.string());
    for (const auto& row : old.trials) previous_[row.trial_id] = row;
    int kept = 0;
    for (const auto& row : old.trials) kept += IsTerminal(row.status);
    *options_.log << Prefix() << "resuming " << manifest_path.string() << " (" << old.status << "): " << kept
                  << " of " << old.trials.size() << " trials finished" << std::endl;
  }
  manifest_.sweep_name = sweep_.sweep.name;
  manifest_.sweep_ini = sweep_.text;
  manifest_.status = "running";
#ifdef DTS_VERSION
  manifest_.dts_version = DTS_VERSION;
#endif
  if (comm_.Size() < 2) throw UsageError("dts-sweep needs at least 2 ranks (1 coordinator + workers)");
  for (const auto& stage : sweep_.stages) {
    stage_ = stage;
    if (stage == "search") AddStage(stage, planner_.PlanSearch());
    if (stage == "final") AddStage(stage, planner_.PlanFinal(manifest_.trials));
    if (stage == "ablation") AddStage(stage, planner_.PlanAblation(manifest_.trials));
    WriteManifest();
    RunStage(stage);
    Progress(stage, true);
    if (stopping_) break;
  }
  manifest_.status = stopping_ ? "interrupted" : "completed";
  WriteManifest();
  for (int rank = 1; rank < comm_.Size(); ++rank)
    comm_.Send(rank, Tag::kStop, Stop{stopping_ ? "interrupted" : "done"}.Encode());
  int failed = 0, completed = 0;
  for (const auto& row : manifest_.trials) {
    failed += row.status == "failed" || row.status == "bad_config";
    completed += row.status == "completed" || row.status == "diverged";
  }
  *options_.log << Prefix() << "sweep " << manifest_.status << ": " << completed << " trials with results, " << failed
                << " failed, " << manifest_.trials.size() << " planned; manifest " << manifest_path.string()
                << std::endl;
  // The coordinator's own cost, for bench/sweep_overhead: CPU seconds of this process against wall seconds.
  const double cpu_s = ProcessCpuSeconds() - start_cpu_s_;
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  Event(nlohmann::json{{"event", "sweep"},       {"status", manifest_.status}, {"completed", completed},
                       {"failed", failed},       {"planned", manifest_.trials.size()},
                       {"process_cpu_s", cpu_s}, {"wall_s", wall_s},
                       {"manifest_writes", manifest_writes_}, {"manifest_write_s", manifest_write_s_},
                       {"manifest_write_cpu_s", manifest_write_cpu_s_}}
            .dump());
  return stopping_ ? kExitResumeMe : kExitOk;
}

void RunWorker(Communicator& comm, const TrialRunner& runner, int device_count) {
  Hello hello;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  hello.host = host;
  hello.local_rank = comm.LocalRank();
  hello.device_count = device_count;
  comm.Send(0, Tag::kHello, hello.Encode());
  for (;;) {
    // Idle workers sleep in Receive; a stop signal needs no action here: the coordinator answers it with kStop.
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
