// dts-status's library on sweep directories written here with the real writers (schema/): what it reads,
// what it concludes (phase, counts, running trials, failures, ETA), that it never writes, that a manifest
// replaced while it reads is retried rather than half-read, and that a manifest of an older version reads.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"
#include "status/asha_forecast.h"
#include "status/render.h"
#include "status/summary.h"
#include "status/sweep_state.h"

namespace dts::status {
namespace {

namespace fs = std::filesystem;
using schema::PlannedTrial;
using schema::TrialStatus;

constexpr char kConfig[] =
    "[model]\nshared_layers = 1\nner_layers = 0\nre_layers = 1\nhidden = 8\n\n[train]\nmax_epochs = 3\n";

class StatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dts-status-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "trials");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static double Now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  std::string Trial(const std::string& id, const std::string& ext) const {
    return (dir_ / "trials" / (id + ext)).string();
  }
  void WriteLock(double age_s, double lease_s = 60) const {
    const std::string path = (dir_ / "sweep.lock").string();
    std::ofstream(path) << "host=node07\npid=4242\npid_start=1\nstarted=2026-01-01T00:00:00Z\nlease_s="
                        << lease_s << "\n";
    SetAge(path, age_s);
  }
  static void SetAge(const std::string& path, double age_s) {
    const double when = Now() - age_s;
    utimbuf times{static_cast<time_t>(when), static_cast<time_t>(when)};
    ASSERT_EQ(utime(path.c_str(), &times), 0) << path;
  }
  // A running sweep's manifest with one worker rank and the given stored sweep text; rows to be added.
  static schema::SweepManifest RunningSweep(const std::string& name, const std::string& sweep_ini) {
    schema::SweepManifest m;
    m.sweep_name = name;
    m.sweep_ini = sweep_ini;
    m.status = TrialStatus::kRunning;
    m.workers = 1;
    return m;
  }
  static PlannedTrial Row(const std::string& id, const std::string& stage, TrialStatus status,
                          const std::string& config_id = "cfg1") {
    PlannedTrial row;
    row.trial_id = id;
    row.stage = stage;
    row.config_id = config_id;
    row.status = status;
    row.config_ini = kConfig;
    row.dev_score = schema::HasResult(status) ? 70 : -1;
    row.attempts = schema::HasResult(status) ? 1 : 0;
    return row;
  }
  // A trial file with `epochs` epochs of `epoch_s` seconds each; a running one has an open attempt on
  // `host` / `rank`.
  void WriteTrial(const std::string& id, TrialStatus status, int epochs, double epoch_s,
                  const std::string& host = "node08", int rank = 1) const {
    schema::TrialFile t;
    t.trial_id = id;
    t.status = status;
    t.config_ini = kConfig;
    t.stage = "search";
    t.epochs_run = epochs;
    for (int e = 1; e <= epochs; ++e) {
      schema::EpochRow row;
      row.epoch = e;
      row.seconds = epoch_s;
      row.dev_score = 60 + e;
      t.epochs.push_back(row);
    }
    schema::AttemptRow attempt;
    attempt.attempt = 1;
    attempt.rank = rank;
    attempt.host = host;
    attempt.pid = 777;
    attempt.start_time = FormatIsoUtc(Now() - 15);
    if (status != TrialStatus::kRunning) {
      attempt.end_time = FormatIsoUtc(Now());
      attempt.outcome = status;
    }
    t.attempts.push_back(attempt);
    schema::WriteTrialFile(Trial(id, ".h5"), t);
  }
  // Two completed trials (3 epochs of 10 s, 32 s of wall time each: 2 s of overhead), one running (1 epoch
  // done, its file just written), three planned; two workers; search only.
  schema::SweepManifest StandardSweep() const {
    schema::SweepManifest m;
    m.sweep_name = "t";
    m.sweep_ini = "[sweep]\nname = t\nstages = search\n";
    m.status = TrialStatus::kRunning;
    m.workers = 2;
    m.trials = {Row("aaaa000000000001", "search", TrialStatus::kCompleted),
                Row("aaaa000000000002", "search", TrialStatus::kCompleted),
                Row("bbbb000000000003", "search", TrialStatus::kRunning),
                Row("cccc000000000004", "search", TrialStatus::kPlanned),
                Row("cccc000000000005", "search", TrialStatus::kPlanned),
                Row("cccc000000000006", "search", TrialStatus::kPlanned)};
    for (const char* id : {"aaaa000000000001", "aaaa000000000002"}) {
      WriteTrial(id, TrialStatus::kCompleted, 3, 10);
      schema::AttemptRecord a;
      a.trial_id = id;
      a.stage = "search";
      a.attempt = 1;
      a.rank = 1;
      a.host = "node08";
      a.start_time = FormatIsoUtc(Now() - 100);
      a.seconds = 32;
      a.outcome = "completed";
      m.attempts.push_back(a);
    }
    WriteTrial("bbbb000000000003", TrialStatus::kRunning, 1, 10, "node09", 2);
    std::ofstream(Trial("bbbb000000000003", ".log"))
        << "=== attempt 1 at " << FormatIsoUtc(Now() - 12)
        << " on host node09, rank 2, pid 5151: dts-train --config x.ini\nepoch 1/3 loss 0.5\n";
    return m;
  }
  void WriteManifest(const schema::SweepManifest& m) const {
    schema::WriteSweepManifest((dir_ / "sweep.h5").string(), m);
  }
  StatusSummary Snapshot(const SummaryOptions& options = {}) const {
    TrialCache cache;
    return Summarize(ReadSweepState(dir_.string(), cache), options);
  }

  fs::path dir_;
};

TEST_F(StatusTest, ParsesTheLogsAttemptHeaderAndLastLine) {
  const LogInfo log = ParseLogTail(
      "=== attempt 1 at 2026-12-07T09:00:00Z on host a, rank 1, pid 10: x\nold output\n"
      "=== set aside a stale DIR/trials/x.h5.tmp\n"
      "=== attempt 2 at 2026-12-07T09:05:00Z on host node12, rank 3, pid 4242: dts-train --config c.ini\n"
      "epoch 1/27 loss 0.9\n  Segmentation fault  \n\n");
  EXPECT_EQ(log.attempt, 2);
  EXPECT_EQ(log.start_time, "2026-12-07T09:05:00Z");
  EXPECT_EQ(log.host, "node12");
  EXPECT_EQ(log.rank, 3);
  EXPECT_EQ(log.pid, 4242);
  EXPECT_EQ(log.last_line, "Segmentation fault");
  // A child that could not be started: "pid none".
  EXPECT_EQ(ParseLogTail("=== attempt 1 at 2026-12-07T09:00:00Z on host a, rank 1, pid none: x\n").pid, 0);
  EXPECT_EQ(ParseLogTail("=== attempt 1 at 2026-12-07T09:00:00Z on host a, rank 1, pid 9: x\n").last_line,
            "");
}

TEST_F(StatusTest, CountsRunningTrialsAndComputesTheEtaFromMeasuredEpochs) {
  WriteManifest(StandardSweep());
  WriteLock(1);
  const StatusSummary s = Snapshot();
  EXPECT_EQ(s.phase, SweepPhase::kRunning) << s.phase_detail;
  EXPECT_NE(s.phase_detail.find("judged by this host's clock"), std::string::npos) << s.phase_detail;
  ASSERT_EQ(s.stages.size(), 1u);
  EXPECT_EQ(s.stages[0].rows, 6);
  EXPECT_EQ(s.stages[0].running, 1);
  EXPECT_EQ(s.stages[0].completed, 2);
  EXPECT_EQ(s.stages[0].not_started, 3);
  EXPECT_TRUE(s.stages[0].selection.present);
  EXPECT_TRUE(s.stages[0].selection.provisional);
  EXPECT_EQ(s.stages[0].selection.config, "lstm 1/0/1");

  ASSERT_EQ(s.running.size(), 1u);
  const RunningTrial& r = s.running[0];
  EXPECT_EQ(r.host, "node09");  // the log's header: the newest word on where it runs
  EXPECT_EQ(r.rank, 2);
  EXPECT_EQ(r.pid, 5151);
  EXPECT_EQ(r.epoch, 1);
  EXPECT_EQ(r.max_epochs, 3);
  EXPECT_NEAR(r.elapsed_s, 12, 2);
  EXPECT_DOUBLE_EQ(r.last_dev, 61);
  EXPECT_FALSE(r.silent);

  // 2 workers: the running trial needs 2 more epochs (20 s), each planned one 3 x 10 s + 2 s overhead.
  // First free worker: [20, 0] -> 32 on the idle one, 52 after the running one, 64 after the first: 64 s.
  const EtaEstimate& e = s.eta;
  ASSERT_TRUE(e.available) << e.why_not;
  EXPECT_EQ(e.workers, 2);
  EXPECT_NEAR(e.remaining_s.expected, 64, 1.5);
  EXPECT_DOUBLE_EQ(e.remaining_s.lo, e.remaining_s.expected);  // nothing left that the search can add
  EXPECT_DOUBLE_EQ(e.remaining_s.hi, e.remaining_s.expected);
  EXPECT_EQ(e.trials_done, 2);
  EXPECT_DOUBLE_EQ(e.trials_left.expected, 4);
  EXPECT_NEAR(e.end_time.expected - s.now, e.remaining_s.expected, 1e-6);
  std::string basis;
  for (const auto& b : e.basis) basis += b + "\n";
  EXPECT_NE(basis.find("median of 7 epochs in 3 trial files"), std::string::npos) << basis;
  EXPECT_NE(basis.find("overhead 2.0 s"), std::string::npos) << basis;
  EXPECT_NE(basis.find("recorded in sweep.h5"), std::string::npos) << basis;
}

TEST_F(StatusTest, SaysWhetherTheCoordinatorLivesFromTheLockAndTheManifest) {
  schema::SweepManifest m = StandardSweep();
  WriteManifest(m);
  // No lock, status running: killed.
  EXPECT_EQ(Snapshot().phase, SweepPhase::kCrashed);
  EXPECT_TRUE(HasEnded(SweepPhase::kCrashed));
  // A lock not renewed for longer than its lease: dead or frozen.
  WriteLock(/*age_s=*/120, /*lease_s=*/60);
  StatusSummary s = Snapshot();
  EXPECT_EQ(s.phase, SweepPhase::kCoordinatorLost);
  EXPECT_FALSE(HasEnded(s.phase));  // it may be frozen, not dead: a watcher keeps watching
  EXPECT_NE(s.phase_detail.find("node07"), std::string::npos) << s.phase_detail;
  EXPECT_FALSE(s.eta.available);
  // A trial of a dead coordinator is stopped, not silent.
  for (const auto& r : s.running) EXPECT_FALSE(r.silent);
  // Renewed in time: running.
  WriteLock(5, 60);
  EXPECT_EQ(Snapshot().phase, SweepPhase::kRunning);
  // Ended: the manifest says so, and the lock is gone.
  fs::remove(dir_ / "sweep.lock");
  m.status = TrialStatus::kCompleted;
  WriteManifest(m);
  s = Snapshot();
  EXPECT_EQ(s.phase, SweepPhase::kCompleted);
  EXPECT_TRUE(HasEnded(s.phase));
  m.status = TrialStatus::kInterrupted;
  WriteManifest(m);
  EXPECT_EQ(Snapshot().phase, SweepPhase::kInterrupted);
  // A new run's fresh lock over an ended manifest: starting, not ended.
  WriteLock(1, 60);
  EXPECT_EQ(Snapshot().phase, SweepPhase::kStarting);
  EXPECT_FALSE(HasEnded(SweepPhase::kStarting));
  // Nothing at all.
  fs::remove(dir_ / "sweep.lock");
  fs::remove(dir_ / "sweep.h5");
  EXPECT_EQ(Snapshot().phase, SweepPhase::kNoSweep);
}

TEST_F(StatusTest, ATrialWhoseFilesStoppedChangingIsSilentAndShownFirst) {
  WriteManifest(StandardSweep());
  WriteLock(1);
  SetAge(Trial("bbbb000000000003", ".h5"), 300);
  SetAge(Trial("bbbb000000000003", ".log"), 290);
  const StatusSummary s = Snapshot();
  ASSERT_EQ(s.running.size(), 1u);
  EXPECT_TRUE(s.running[0].silent);
  EXPECT_NEAR(s.running[0].quiet_s, 290, 2);
  EXPECT_DOUBLE_EQ(s.running[0].silent_bound_s, 120);  // sweep.silent_rank_s; 3 epochs are only 30 s
  const std::string text = RenderText(s, 80, 0, "");
  const auto silent = text.find("bbbb0000 silent for");
  ASSERT_NE(silent, std::string::npos) << text;
  EXPECT_LT(silent, text.find("stage     runs")) << "attention comes before the tables:\n" << text;
  // A fixed bound from the command line.
  SummaryOptions options;
  options.silent_after_s = 1000;
  EXPECT_FALSE(Snapshot(options).running[0].silent);
}

TEST_F(StatusTest, GroupsFailuresByHostAndClassWithTheLogsLastLine) {
  schema::SweepManifest m = StandardSweep();
  m.trials.push_back(Row("dddd000000000007", "search", TrialStatus::kFailed));
  m.trials.back().failure = "crashed: killed by signal 9";
  m.trials.back().attempts = 2;
  m.trials.push_back(Row("eeee000000000008", "search", TrialStatus::kCompleted));
  auto failed_attempt = [&](const std::string& id, int n, const std::string& host,
                            const std::string& outcome) {
    schema::AttemptRecord a;
    a.trial_id = id;
    a.stage = "search";
    a.attempt = n;
    a.rank = 1;
    a.host = host;
    a.outcome = outcome;
    a.message = "killed by signal 9";
    m.attempts.push_back(a);
  };
  failed_attempt("dddd000000000007", 1, "node12", "crashed");
  failed_attempt("dddd000000000007", 2, "node12", "crashed");
  failed_attempt("eeee000000000008", 1, "node13", "infrastructure");
  WriteManifest(m);
  WriteLock(1);
  std::ofstream(Trial("dddd000000000007", ".log"))
      << "=== attempt 1 at 2026-12-07T09:00:00Z on host node12, rank 1, pid 1: x\nfirst\n"
      << "=== attempt 2 at 2026-12-07T09:01:00Z on host node12, rank 1, pid 2: x\nSegmentation fault\n";
  const StatusSummary s = Snapshot();
  ASSERT_EQ(s.failures.size(), 2u);
  EXPECT_EQ(s.failures[0].host, "node12");  // a trial failed for good comes first
  EXPECT_EQ(s.failures[0].failure_class, "crashed");
  EXPECT_EQ(s.failures[0].final_trials, 1);
  ASSERT_EQ(s.failures[0].entries.size(), 2u);
  EXPECT_FALSE(s.failures[0].entries[0].final);
  EXPECT_TRUE(s.failures[0].entries[1].final);
  EXPECT_EQ(s.failures[0].entries[0].last_log_line, "");  // the log's last line is attempt 2's
  EXPECT_EQ(s.failures[0].entries[1].last_log_line, "Segmentation fault");
  EXPECT_EQ(s.failures[1].host, "node13");
  EXPECT_EQ(s.failures[1].failure_class, "infrastructure");
  EXPECT_EQ(s.failures[1].final_trials, 0);
  EXPECT_EQ(s.stages[0].failed, 1);
  EXPECT_EQ(s.stages[0].failed_by_class.at("crashed"), 1);
  const std::string text = RenderText(s, 80, 0, "");
  EXPECT_NE(text.find("! crashed on node12: 2 attempts, 1 trial failed for good"), std::string::npos) << text;
  EXPECT_NE(text.find("log: Segmentation fault"), std::string::npos) << text;
}

TEST_F(StatusTest, GivesARangeWhileTheSearchCanStillAddWork) {
  schema::SweepManifest m;
  m.sweep_name = "race";
  m.sweep_ini =
      "[sweep]\nstrategy = tpe\nbudget = 6\nsearch_on = folds\nracing = t_test\nracing_min_folds = 3\n"
      "corpus = cross_validated\nstages = search,final\n[space]\nmodel.hidden = 8, 16\n";
  m.status = TrialStatus::kRunning;
  m.workers = 2;
  const std::string config = std::string(kConfig) + "\n[data]\nfolds = 5\n";
  for (int fold = 0; fold < 2; ++fold) {
    PlannedTrial row = Row("f" + std::to_string(fold) + "00000000000001", "search", TrialStatus::kCompleted);
    row.config_ini = config;
    row.fold = fold;
    m.trials.push_back(row);
    WriteTrial(row.trial_id, TrialStatus::kCompleted, 3, 10);
  }
  PlannedTrial running = Row("f200000000000001", "search", TrialStatus::kRunning);
  running.config_ini = config;
  running.fold = 2;
  m.trials.push_back(running);
  WriteManifest(m);
  WriteLock(1);
  const StatusSummary s = Snapshot();
  ASSERT_EQ(s.stages.size(), 2u);
  // The search: 1 configuration seen (2 more folds at least, 3 at most beyond the running one... ), 5 more
  // proposals of 3..5 folds each.
  const Range& more = s.stages[0].unplanned;
  EXPECT_DOUBLE_EQ(more.lo, 0 + 5 * 3);  // this configuration reaches 3 folds with its running one
  EXPECT_DOUBLE_EQ(more.hi, 2 + 5 * 5);  // every fold of every configuration
  EXPECT_TRUE(s.stages[0].selection.provisional);
  EXPECT_EQ(s.stages[0].selection.runs_needed, 5);
  // The final stage, not planned yet: final_top_k (1) x 5 folds.
  EXPECT_FALSE(s.stages[1].planned);
  EXPECT_DOUBLE_EQ(s.stages[1].unplanned.expected, 5);
  ASSERT_TRUE(s.eta.available) << s.eta.why_not;
  EXPECT_LT(s.eta.remaining_s.lo, s.eta.remaining_s.hi);
  EXPECT_LE(s.eta.remaining_s.lo, s.eta.remaining_s.expected);
  EXPECT_LE(s.eta.remaining_s.expected, s.eta.remaining_s.hi);
  EXPECT_NE(RenderText(s, 80, 0, "").find(", range "), std::string::npos);
}

// ASHA then racing: the race's rows (variant "race", folds 1..) count with the top-rung row of fold 0 toward
// the configuration's folds and mean, as the coordinator ranks them; found on a real ADE run, where the
// selection stayed at "1/10 folds" while the survivor's race went on.
TEST_F(StatusTest, RaceRowsCountAsFoldsOfTheTopRung) {
  schema::SweepManifest m = RunningSweep(
      "asha-race",
      "[sweep]\nstrategy = asha\nbudget = 3\nmin_epochs = 1\nreduction_factor = 3\nmax_epochs = 3\n"
      "search_on = folds\nracing = t_test\ncorpus = cross_validated\nstages = search\n[space]\n"
      "model.hidden = 8, 16, 32\n");
  const std::string config = std::string(kConfig) + "\n[data]\nfolds = 5\n";
  auto add = [&](const std::string& id, const std::string& config_id, const std::string& variant, int fold,
                 double dev) {
    PlannedTrial row = Row(id, "search", TrialStatus::kCompleted, config_id);
    row.config_ini = config;
    row.variant = variant;
    row.fold = fold;
    row.dev_score = dev;
    m.trials.push_back(row);
  };
  add("a000000000000001", "winner", "rung0", 0, 60);
  add("a000000000000001", "winner", "rung1", 0, 80);
  add("b000000000000002", "loser", "rung0", 0, 50);
  add("c000000000000003", "other", "rung0", 0, 55);
  for (int fold = 1; fold <= 3; ++fold)
    add("a00000000000000" + std::to_string(3 + fold), "winner", "race", fold, 70 + fold);
  WriteManifest(m);
  WriteLock(1);
  const StatusSummary s = Snapshot();
  ASSERT_FALSE(s.stages.empty());
  const auto& selection = s.stages[0].selection;
  EXPECT_EQ(selection.config_id, "winner");
  EXPECT_EQ(selection.runs, 4) << "fold 0's top rung and the race's folds 1-3";
  EXPECT_NEAR(selection.mean_dev, (80 + 71 + 72 + 73) / 4.0, 1e-9);
  EXPECT_TRUE(selection.provisional);
}

// ASHA then racing, early on: the runs still to come include the race (each configuration that reaches the
// top rung may train every other fold at the top rung's budget; one survivor at least trains them all), and
// the final stage costs nothing (it reuses the race's trials). A real ADE run's ETA came 28 minutes early at
// 10% of its work without this.
TEST_F(StatusTest, AshaThenRaceCountsTheRaceAndNoFinalTraining) {
  schema::SweepManifest m = RunningSweep(
      "asha-race",
      "[sweep]\nstrategy = asha\nbudget = 9\nmin_epochs = 1\nreduction_factor = 3\nmax_epochs = 9\n"
      "search_on = folds\nracing = t_test\nracing_min_folds = 3\ncorpus = cross_validated\n"
      "stages = search,final\n[space]\nmodel.hidden = 8, 16, 32\n");
  const std::string config = std::string(kConfig) + "\n[data]\nfolds = 5\n";
  for (int i = 0; i < 9; ++i) {
    PlannedTrial row = Row("a00000000000000" + std::to_string(i), "search",
                           i < 2 ? TrialStatus::kCompleted : TrialStatus::kPlanned, "c" + std::to_string(i));
    row.config_ini = config;
    row.variant = "rung0";
    m.trials.push_back(row);
  }
  WriteManifest(m);
  WriteLock(1);
  const StatusSummary s = Snapshot();
  ASSERT_EQ(s.stages.size(), 2u);
  // Rungs of 1, 3, 9 epochs: 9 results at rung 0 make 3 promotions at the least, then 1 to rung 2, which
  // races the 4 other folds. Asynchronous promotion may let more climb: the range's top holds more.
  const Range& more = s.stages[0].unplanned;
  EXPECT_DOUBLE_EQ(more.lo, 3 + 1 + 4) << "the survivor trains every other fold";
  EXPECT_GT(more.hi, 3 + 1 + 4 + 4) << "a second configuration at the top rung, racing every fold";
  EXPECT_GT(more.expected, more.lo);
  EXPECT_LT(more.expected, more.hi);
  EXPECT_DOUBLE_EQ(s.stages[1].unplanned.hi, 0) << "the final stage reuses the race's trials";
}

// asha_sampler = tpe: rung 0 is proposed one configuration at a time, so the configurations not proposed
// yet are work the search will still add (rung 0's epochs each), besides their promotions and the race.
TEST_F(StatusTest, AshaWithTpeCountsTheConfigurationsNotYetProposed) {
  schema::SweepManifest m = RunningSweep(
      "asha-tpe",
      "[sweep]\nstrategy = asha\nasha_sampler = tpe\nbudget = 9\nmin_epochs = 1\nreduction_factor = 3\n"
      "max_epochs = 9\nsearch_on = folds\nracing = t_test\nracing_min_folds = 3\ncorpus = cross_validated\n"
      "stages = search,final\n[space]\nmodel.hidden = 8, 16, 32\n");
  for (int i = 0; i < 2; ++i) {
    PlannedTrial row = Row("a00000000000000" + std::to_string(i), "search", TrialStatus::kCompleted,
                           "c" + std::to_string(i));
    row.config_ini = std::string(kConfig) + "\n[data]\nfolds = 5\n";
    row.variant = "rung0";
    m.trials.push_back(row);
    WriteTrial(row.trial_id, TrialStatus::kCompleted, 1, 10);
  }
  WriteManifest(m);
  WriteLock(1);
  const StatusSummary s = Snapshot();
  ASSERT_EQ(s.stages.size(), 2u);
  // 7 configurations to propose; of the 9, about 3.4 promotions to rung 1 (asynchronous ASHA: more than
  // floor(9 / 3)), from those about 1.2 to rung 2, and the race over the 4 other folds: halfway between 2 and
  // 4 runs each while none is decided, at least 4 (the survivor's).
  const Range& more = s.stages[0].unplanned;
  EXPECT_DOUBLE_EQ(more.lo, 7 + 3 + 1 + 4);
  const double to_rung1 = ForecastPromotions({RungResult::kEligible, RungResult::kEligible}, 9, 3).expected;
  const double to_rung2 = ForecastPromotions({}, static_cast<int>(std::lround(to_rung1)), 3).expected;
  const double race = std::max(4.0, to_rung2 * 3);
  EXPECT_NEAR(to_rung1, 3.43, 0.01);
  EXPECT_NEAR(more.expected, 7 + to_rung1 + to_rung2 + race, 1e-9);
  ASSERT_TRUE(s.eta.available) << s.eta.why_not;
  // One worker, 10 s epochs: 1 epoch for each new configuration, 2 more at rung 1, 6 more at rung 2, 9 a race
  // run.
  EXPECT_NEAR(s.eta.remaining_s.expected, 10.0 * (7 * 1 + to_rung1 * 2 + to_rung2 * 6 + race * 9), 1e-6);
}

// ASHA then racing prices promotions and race runs at the time per epoch of the configurations that climb,
// not at the search's median: on a real ADE run the top rung's configurations were small and fast (about a
// fifth of the median epoch) and the ETA at 50% of the work was late by 500% of the time left. Here one fast
// configuration (4 s per epoch) leads eight slow ones (40 s).
TEST_F(StatusTest, AshaThenRacePricesTheRaceAtTheClimbingConfigurationsEpochs) {
  const std::string fast = std::string(kConfig) + "\n[data]\nfolds = 5\n";
  std::string slow = fast;
  slow.replace(slow.find("hidden = 8"), 10, "hidden = 64");
  auto sweep = [&](bool at_top) {
    schema::SweepManifest m = RunningSweep(
        "asha-race",
        "[sweep]\nstrategy = asha\nbudget = 9\nmin_epochs = 1\nreduction_factor = 3\nmax_epochs = 9\n"
        "search_on = folds\nracing = t_test\nracing_min_folds = 3\ncorpus = cross_validated\n"
        "stages = search,final\n[space]\nmodel.hidden = 8, 64\n");
    // Rungs of 1, 3 and 9 epochs: nine at rung 0, three promoted to rung 1 (the fast one best), and the fast
    // one at rung 2 (the top) when at_top, else not yet.
    auto rungs_of = [&](int i) { return i == 0 ? (at_top ? 3 : 2) : i < 3 ? 2 : 1; };
    for (int rung = 0; rung < 3; ++rung)  // in plan order, as the coordinator appends them
      for (int i = 0; i < 9; ++i) {
        if (rung >= rungs_of(i)) continue;
        PlannedTrial row = Row("a00000000000000" + std::to_string(i), "search",
                               rung + 1 < rungs_of(i) ? TrialStatus::kPromoted : TrialStatus::kCompleted,
                               "c" + std::to_string(i));
        row.config_ini = i == 0 ? fast : slow;
        row.variant = "rung" + std::to_string(rung);
        row.dev_score =
            i == 0 ? 90 : 50 - i;  // the three promoted are the best three, as the coordinator has it
        m.trials.push_back(row);
      }
    for (int i = 0; i < 9; ++i)
      WriteTrial("a00000000000000" + std::to_string(i), TrialStatus::kCompleted,
                 rungs_of(i) == 3   ? 9
                 : rungs_of(i) == 2 ? 3
                                    : 1,
                 i == 0 ? 4 : 40);
    WriteManifest(m);
    WriteLock(1);
    return Snapshot();
  };
  {
    const StatusSummary s = sweep(true);
    ASSERT_TRUE(s.eta.available) << s.eta.why_not;
    // Nothing more to promote; the fast configuration races the 4 other folds at 9 epochs of 4 s (no overhead
    // measured). The search's median epoch (22 s, half of the sampled epochs slow) would give 792 s.
    EXPECT_DOUBLE_EQ(s.stages[0].unplanned.expected, 4);
    EXPECT_NEAR(s.eta.remaining_s.expected, 4 * 9 * 4, 1e-6);
    std::string basis;
    for (const auto& b : s.eta.basis) basis += b + "\n";
    EXPECT_NE(basis.find("a race epoch 4.00 s against the search's median 22.00 s"), std::string::npos)
        << basis;
  }
  {
    // The fast configuration is the best at rung 1: its promotion (6 more epochs) and its race are priced at
    // its 4 s, though it has not reached the top rung yet.
    const StatusSummary s = sweep(false);
    ASSERT_TRUE(s.eta.available) << s.eta.why_not;
    EXPECT_DOUBLE_EQ(s.stages[0].unplanned.expected, 1 + 4);
    EXPECT_NEAR(s.eta.remaining_s.expected, 6 * 4 + 4 * 9 * 4, 1e-6);
  }
}

// Which configurations will climb is open until they have: on a real ADE run the first rung-0 results were
// small, fast ones (3 s an epoch) and the race's were 13.5 s, and a range that only varied the counts ended
// 50 minutes before the actual end. Here the fast configuration leads rung 1, but two slow ones (40 s) have
// not reported there yet: the range's top prices the climbers at the slowest, its bottom at the fastest.
TEST_F(StatusTest, AshaThenRacePricesTheClimbersStillOpenAtTheFastestAndTheSlowest) {
  const std::string fast = std::string(kConfig) + "\n[data]\nfolds = 5\n";
  std::string slow = fast;
  slow.replace(slow.find("hidden = 8"), 10, "hidden = 64");
  schema::SweepManifest m = RunningSweep(
      "asha-race",
      "[sweep]\nstrategy = asha\nbudget = 9\nmin_epochs = 1\nreduction_factor = 3\nmax_epochs = 9\n"
      "search_on = folds\nracing = t_test\nracing_min_folds = 3\ncorpus = cross_validated\n"
      "stages = search,final\n[space]\nmodel.hidden = 8, 64\n");
  auto add = [&](int i, int rung, TrialStatus status, double dev) {
    PlannedTrial row = Row("a00000000000000" + std::to_string(i), "search", status, "c" + std::to_string(i));
    row.config_ini = i == 0 ? fast : slow;
    row.variant = "rung" + std::to_string(rung);
    row.dev_score = schema::HasResult(status) ? dev : -1;
    m.trials.push_back(row);
  };
  for (int i = 0; i < 9; ++i)
    add(i, 0, i < 3 ? TrialStatus::kPromoted : TrialStatus::kCompleted, i == 0 ? 90 : 50 - i);
  add(0, 1, TrialStatus::kCompleted, 95);
  add(1, 1, TrialStatus::kRunning, 0);
  add(2, 1, TrialStatus::kPlanned, 0);
  WriteTrial("a000000000000000", TrialStatus::kCompleted, 3, 4);
  WriteTrial("a000000000000001", TrialStatus::kRunning, 2, 40);
  for (int i = 3; i < 9; ++i)
    WriteTrial("a00000000000000" + std::to_string(i), TrialStatus::kCompleted, 1, 40);
  WriteManifest(m);
  WriteLock(1);
  const StatusSummary s = Snapshot();
  ASSERT_TRUE(s.eta.available) << s.eta.why_not;
  std::string basis;
  for (const auto& b : s.eta.basis) basis += b + "\n";
  EXPECT_NE(
      basis.find("the range prices those still to climb at the fastest and the slowest that may (4.00..40.00 "
                 "s an epoch)"),
      std::string::npos)
      << basis;
  // The race's survivor alone trains 4 folds of 9 epochs; at the slowest climber's 40 s that is 1440 s, which
  // the range's top holds; priced at the leader's 4 s, the expected end is far below it.
  EXPECT_GT(s.eta.remaining_s.hi, 4 * 9 * 40);
  EXPECT_LT(s.eta.remaining_s.expected, 4 * 9 * 40);
  EXPECT_LE(s.eta.remaining_s.lo, s.eta.remaining_s.expected);
}

// Asynchronous ASHA promotes more than 1/eta (both real ADE searches: 15 of 36 at eta 3, not 12), and racing
// eliminated fewer than half (2 of 6): the early ETA missed its range by whole races. Each rung is now
// forecast from the ranks at the rung below (status/asha_forecast.h), and a configuration's race runs from
// those decided so far, the incumbent aside. Here, 36 at rung 0, 15 climbed; 9 of them have a rung-1 result,
// 3 climbed; at the top, c0 has raced every other fold, c1 was eliminated after 2, c2 has just arrived.
TEST_F(StatusTest, AshaThenRaceForecastsAsynchronousPromotionsAndRacesLikeTheDecidedOnes) {
  schema::SweepManifest m = RunningSweep(
      "asha-race",
      "[sweep]\nstrategy = asha\nbudget = 36\nmin_epochs = 2\nreduction_factor = 3\nmax_epochs = 18\n"
      "search_on = folds\nracing = t_test\nracing_min_folds = 3\ncorpus = cross_validated\n"
      "stages = search,final\n[space]\nmodel.hidden = 8, 16, 32\n");
  const std::string config = std::string(kConfig) + "\n[data]\nfolds = 10\n";
  auto add = [&](int i, const std::string& variant, TrialStatus status, double dev, int fold = 0) {
    PlannedTrial row =
        Row((variant == "race" ? "r" : "a") + std::to_string(100 + i) + "f" + std::to_string(fold), "search",
            status, "c" + std::to_string(i));
    if (variant != "race") row.trial_id = "a" + std::to_string(100 + i);
    row.config_ini = config;
    row.variant = variant;
    row.fold = fold;
    row.dev_score = schema::HasResult(status) ? dev : -1;
    m.trials.push_back(row);
  };
  for (int i = 0; i < 36; ++i)
    add(i, "rung0", i < 15 ? TrialStatus::kPromoted : TrialStatus::kCompleted, 100 - i);
  for (int i = 0; i < 15; ++i)
    add(i, "rung1",
        i < 3    ? TrialStatus::kPromoted
        : i < 9  ? TrialStatus::kCompleted
        : i == 9 ? TrialStatus::kRunning
                 : TrialStatus::kPlanned,
        110 - i);
  add(0, "rung2", TrialStatus::kCompleted, 120);
  add(1, "rung2", TrialStatus::kCompleted, 119);
  add(2, "rung2", TrialStatus::kRunning, 0);
  for (int fold = 1; fold <= 9; ++fold) add(0, "race", TrialStatus::kCompleted, 120, fold);
  for (int fold = 1; fold <= 2; ++fold) add(1, "race", TrialStatus::kCompleted, 110, fold);
  schema::RaceElimination out;
  out.config_id = "c1";
  out.incumbent_id = "c0";
  out.folds = 3;
  out.after_fold = 2;
  m.eliminations.push_back(out);
  WriteManifest(m);
  WriteLock(1);
  const StatusSummary s = Snapshot();
  ASSERT_FALSE(s.stages.empty());
  using R = RungResult;
  const std::vector<R> at_rung1{R::kClimbed,  R::kClimbed,  R::kClimbed,  R::kEligible, R::kEligible,
                                R::kEligible, R::kEligible, R::kEligible, R::kEligible};
  const PromotionForecast to_top = ForecastPromotions(at_rung1, 15, 3);  // rung 0 is complete: 15 exactly
  EXPECT_GT(to_top.expected, 5);
  // c1's 2 runs; not c0's 9: the incumbent, which the schedule races first with nothing to lose against.
  const double race_each = 2;
  const Range& more = s.stages[0].unplanned;
  // Rung 1 is full; rung 2 gets floor(15 / 3) - 3 at the least; c2 races 2 folds at the least, each one to
  // arrive 2 (c0 has survived already); the most: every fold for each.
  EXPECT_DOUBLE_EQ(more.lo, 2 + 2 + 2 * 2);
  EXPECT_NEAR(more.expected, (to_top.expected - 3) + race_each + (to_top.expected - 3) * race_each, 1e-9);
  EXPECT_NEAR(more.hi, (to_top.hi - 3) + 9 + (to_top.hi - 3) * 9, 1e-9);
  std::string basis;
  for (const auto& b : s.eta.basis) basis += b + "\n";
  EXPECT_NE(basis.find("the rungs will hold 36.0, 15.0, "), std::string::npos) << basis;
  EXPECT_NE(basis.find("race runs per configuration at the top rung: 2.0 (the mean of the 1 decided so far "
                       "besides the incumbent)"),
            std::string::npos)
      << basis;
}

TEST_F(StatusTest, FitsEightyColumnsAndTheTerminalsHeight) {
  schema::SweepManifest m = StandardSweep();
  for (int i = 0; i < 40; ++i) {
    m.trials.push_back(Row("r" + std::to_string(100000000000000 + i), "search", TrialStatus::kRunning));
    m.trials.back().failure = std::string(200, 'x');
  }
  WriteManifest(m);
  WriteLock(1);
  const StatusSummary s = Snapshot();
  for (int height : {0, 20, 30}) {
    const std::string text = RenderText(s, 80, height, "q quits");
    std::istringstream lines(text);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
      EXPECT_LE(line.size(), 80u) << line;
      ++count;
    }
    if (height > 0) {
      EXPECT_LE(count, height) << text;
      EXPECT_NE(text.find("more lines of running trials"), std::string::npos) << text;
      EXPECT_NE(text.find("ETA "), std::string::npos) << text;  // never cut
    }
  }
}

TEST_F(StatusTest, JsonCarriesTheEtaRangeAndItsBasis) {
  WriteManifest(StandardSweep());
  WriteLock(1);
  const auto j = nlohmann::json::parse(RenderJson(Snapshot()));
  EXPECT_EQ(j["state"], "running");
  EXPECT_EQ(j["ended"], false);
  EXPECT_TRUE(j["eta"]["available"].get<bool>());
  EXPECT_LE(j["eta"]["remaining_s"]["lo"].get<double>(), j["eta"]["remaining_s"]["hi"].get<double>());
  EXPECT_FALSE(j["eta"]["basis"].empty());
  EXPECT_EQ(j["eta"]["end"]["expected"].get<std::string>().size(), 20u);
  EXPECT_EQ(j["running"][0]["host"], "node09");
  EXPECT_EQ(j["stages"][0]["name"], "search");
}

TEST_F(StatusTest, ReadsAManifestOfAnEarlierVersion) {
  // Written before /attempts, identity_base and workers existed (the fuzz seed, committed 2026-11-29).
  fs::copy_file("fuzz/corpus/sweep_manifest/small.h5", dir_ / "sweep.h5");
  const StatusSummary s = Snapshot();
  EXPECT_NE(s.phase, SweepPhase::kUnreadable) << s.phase_detail;
  EXPECT_FALSE(s.stages.empty());
  EXPECT_NE(s.eta.workers_basis.find("distinct ranks"), std::string::npos) << s.eta.workers_basis;
  EXPECT_FALSE(RenderText(s, 80, 0, "").empty());
}

TEST_F(StatusTest, RetriesAManifestReadThatFails) {
  // What a reader on a network file system can meet while the coordinator's writer replaces the file: a read
  // that fails. Here the name holds garbage first; the valid manifest is renamed over it 100 ms later.
  const std::string path = (dir_ / "sweep.h5").string();
  std::ofstream(path) << "not an HDF5 file";
  schema::SweepManifest m = StandardSweep();
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    schema::WriteSweepManifest((dir_ / "next.h5").string(), m);
    fs::rename(dir_ / "next.h5", path);
  });
  int retries = 0;
  const schema::SweepManifest read = ReadManifestWithRetry(path, 20, retries);
  writer.join();
  EXPECT_GE(retries, 1);
  EXPECT_EQ(read.trials.size(), m.trials.size());
  // A file that stays damaged is an error after the tries, named in the view, not a crash.
  std::ofstream(path) << "still not an HDF5 file";
  const StatusSummary s = Snapshot();
  EXPECT_EQ(s.phase, SweepPhase::kUnreadable);
  EXPECT_NE(s.phase_detail.find("sweep.h5"), std::string::npos) << s.phase_detail;
}

TEST_F(StatusTest, NeverSeesHalfAManifestWhileTheCoordinatorRewritesIt) {
  schema::SweepManifest small = StandardSweep(), big = StandardSweep();
  big.status = TrialStatus::kInterrupted;
  for (int i = 0; i < 300; ++i)
    big.trials.push_back(Row("z" + std::to_string(100000000000000 + i), "search", TrialStatus::kPlanned));
  WriteManifest(small);
  WriteLock(1);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) WriteManifest(i % 2 ? small : big);
  });
  int reads = 0;
  for (; reads < 60; ++reads) {
    TrialCache cache;
    const SweepState state = ReadSweepState(dir_.string(), cache);
    ASSERT_TRUE(state.manifest_error.empty()) << state.manifest_error;
    const size_t expected =
        state.manifest.status == TrialStatus::kRunning ? small.trials.size() : big.trials.size();
    ASSERT_EQ(state.manifest.trials.size(), expected);
  }
  stop = true;
  writer.join();
}

TEST_F(StatusTest, WritesNothingInTheSweepDirectory) {
  WriteManifest(StandardSweep());
  WriteLock(1);
  auto listing = [&] {
    std::map<std::string, std::pair<long long, long long>> files;  // path -> (size, mtime ns)
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      struct stat st {};
      stat(entry.path().c_str(), &st);
      files[entry.path().string()] = {static_cast<long long>(st.st_size),
                                      st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
    }
    struct stat st {};
    stat(dir_.c_str(), &st);
    files["."] = {0, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
    return files;
  };
  const auto before = listing();
  const StatusSummary s = Snapshot();
  RenderText(s, 80, 24, "");
  RenderJson(s);
  EXPECT_EQ(listing(), before);
}

}  // namespace
}  // namespace dts::status
