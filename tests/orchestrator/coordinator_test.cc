// Scheduling, failure classes, retries and resume with the real coordinator and real workers on an in-process
// group of 8 ranks; trials are a fake runner (no child processes), so each test takes milliseconds.
#include "orchestrator/coordinator.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/exit_codes.h"
#include "common/hash.h"
#include "common/stop.h"
#include "schema/sweep_manifest.h"

namespace dts::orchestrator {
namespace {

namespace fs = std::filesystem;

const char* kSweep =
    "[sweep]\nname = t\ncorpus = fixed_split\nfinal_top_k = 2\nfinal_seeds = 3\nablation_seeds = 2\n"
    "max_retries = 2\nprogress_every_s = 1000\n"
    "[space]\nmodel.shared_layers = 1, 2\nmodel.ner_layers = 0, 1\nmodel.re_layers = 1, 2\n"
    "[constraints]\ntotal = model.shared_layers + model.ner_layers + model.re_layers <= 4\n";

long long FakeParams(const TrialConfig& c) {
  return 1000 * (std::stoll(c.at("model.shared_layers")) + std::stoll(c.at("model.ner_layers")) +
                 std::stoll(c.at("model.re_layers")));
}

double FakeScore(const std::string& config_ini) {
  return static_cast<double>(Hasher().Add(config_ini).Value() % 10000) / 100.0;
}

// Records every call; `decide` picks the outcome of each attempt.
class FakeTrials {
 public:
  using Decide = std::function<TrialOutcome(const Assign&, int call)>;
  explicit FakeTrials(Decide decide) : decide_(std::move(decide)) {}
  Result operator()(const Assign& assign) {
    int call;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      call = ++calls_[assign.trial_id];
      resumed_[assign.trial_id] += assign.resume;
      threads_.insert(std::this_thread::get_id());
    }
    Result r;
    r.trial_id = assign.trial_id;
    r.outcome = decide_(assign, call);
    r.seconds = 0.001;
    if (r.outcome == TrialOutcome::kInterrupted) std::ofstream(assign.trial_path) << "checkpoint";
    if (r.outcome == TrialOutcome::kCompleted) {
      // The score must not depend on labels, like a real trainer's.
      TrialConfig c = ParseTrialConfig(assign.config_ini);
      c.erase("trial.stage");
      c.erase("trial.variant");
      r.dev_score = FakeScore(CanonicalText(c));
      std::lock_guard<std::mutex> lock(mutex_);
      ++completed_[assign.trial_id];
    }
    return r;
  }
  std::map<std::string, int> calls_, completed_, resumed_;
  std::set<std::thread::id> threads_;

 private:
  Decide decide_;
  std::mutex mutex_;
};

struct SweepRun {
  int rc = -1;
  schema::SweepManifest manifest;
};

SweepRun RunGroup(const SweepConfig& sweep, const std::string& dir, FakeTrials& trials, int ranks = 8) {
  auto group = MakeInProcessGroup(ranks);
  std::vector<std::thread> workers;
  for (int r = 1; r < ranks; ++r)
    workers.emplace_back([&, r] { RunWorker(*group[r], [&](const Assign& a) { return trials(a); }, 0); });
  std::ostringstream log;
  CoordinatorOptions options;
  options.out_dir = dir;
  options.trial_command = "fake";
  options.log = &log;
  options.receive_timeout = std::chrono::milliseconds(20);
  Coordinator coordinator(sweep, *group[0], options, FakeParams);
  SweepRun run;
  run.rc = coordinator.Run();
  for (auto& w : workers) w.join();
  run.manifest = schema::ReadSweepManifest(dir + "/sweep.h5");
  return run;
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("dts-coord-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    sweep_ = ParseSweepConfig(kSweep, "t.ini");
    ClearStopRequest();
  }
  void TearDown() override {
    ClearStopRequest();
    fs::remove_all(dir_);
  }
  std::map<std::string, const schema::PlannedTrial*> ById(const schema::SweepManifest& m) {
    std::map<std::string, const schema::PlannedTrial*> rows;
    for (const auto& row : m.trials) rows[row.trial_id] = &row;
    return rows;
  }
  std::string dir_;
  SweepConfig sweep_;
};

TEST_F(CoordinatorTest, RunsEveryStageAndEveryTrialExactlyOnce) {
  FakeTrials trials([](const Assign&, int) { return TrialOutcome::kCompleted; });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  EXPECT_EQ(run.rc, kExitOk);
  EXPECT_EQ(run.manifest.status, "completed");
  std::map<std::string, int> per_stage;
  for (const auto& row : run.manifest.trials) {
    EXPECT_EQ(row.status, "completed") << row.trial_id;
    EXPECT_EQ(trials.calls_[row.trial_id], 1) << row.trial_id;
    EXPECT_EQ(row.attempts, 1);
    ++per_stage[row.stage];
  }
  EXPECT_EQ(trials.calls_.size(), run.manifest.trials.size());
  // 7 grid points (one violates the constraint); final: top 2 x 3 seeds; ablation: 3 variants x 2 seeds (+0
  // baseline: both baseline seeds are final-stage runs already).
  EXPECT_EQ(per_stage["search"], 7);
  EXPECT_EQ(per_stage["final"], 6);
  const schema::PlannedTrial* best = nullptr;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "search" && (!best || row.dev_score > best->dev_score)) best = &row;
  const TrialConfig b = ParseTrialConfig(best->config_ini);
  const bool ner = b.at("model.ner_layers") != "0", re = b.at("model.re_layers") != "0";
  EXPECT_EQ(per_stage["ablation"], 2 * (ner + re + (ner && re)));
  EXPECT_GT(trials.threads_.size(), 1u) << "work should spread over the workers";
}

TEST_F(CoordinatorTest, FinalStageTakesTheBestSearchConfigs) {
  FakeTrials trials([](const Assign&, int) { return TrialOutcome::kCompleted; });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  std::vector<std::pair<double, std::string>> search;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "search") {
      TrialConfig c = ParseTrialConfig(row.config_ini);
      search.emplace_back(row.dev_score, c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers"));
    }
  std::sort(search.rbegin(), search.rend());
  std::set<std::string> best{search[0].second, search[1].second}, finals;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "final") {
      TrialConfig c = ParseTrialConfig(row.config_ini);
      finals.insert(c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers"));
      EXPECT_EQ(c.at("data.protocol"), "final");
    }
  EXPECT_EQ(finals, best);
}

TEST_F(CoordinatorTest, FailureClassesAndRetries) {
  // By search grid point: shared/ner/re = 1/0/1 crashes once then succeeds; 1/0/2 always crashes;
  // 1/1/1 is a bad config; 1/1/2 diverges; 2/0/1 is interrupted once (no retry spent).
  auto key = [](const Assign& a) {
    const TrialConfig c = ParseTrialConfig(a.config_ini);
    if (c.at("trial.stage") != "search") return std::string();
    return c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers");
  };
  FakeTrials trials([&](const Assign& a, int call) {
    const std::string k = key(a);
    if (k == "101" && call == 1) return TrialOutcome::kCrashed;
    if (k == "102") return TrialOutcome::kCrashed;
    if (k == "111") return TrialOutcome::kBadConfig;
    if (k == "112") return TrialOutcome::kDiverged;
    if (k == "201" && call == 1) return TrialOutcome::kInterrupted;
    if (k == "202" && call == 1) return TrialOutcome::kInfrastructure;
    return TrialOutcome::kCompleted;
  });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  EXPECT_EQ(run.rc, kExitOk);
  for (const auto& row : run.manifest.trials) {
    if (row.stage != "search") {
      EXPECT_EQ(row.status, "completed");
      continue;
    }
    const TrialConfig c = ParseTrialConfig(row.config_ini);
    const std::string k = c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers");
    const int calls = trials.calls_[row.trial_id];
    if (k == "101") {
      EXPECT_EQ(row.status, "completed");
      EXPECT_EQ(calls, 2);
      EXPECT_EQ(row.attempts, 2);
    } else if (k == "102") {
      EXPECT_EQ(row.status, "failed");
      EXPECT_EQ(calls, 1 + sweep_.sweep.max_retries);
      EXPECT_EQ(row.failure.rfind("crashed", 0), 0u) << row.failure;
    } else if (k == "111") {
      EXPECT_EQ(row.status, "bad_config");
      EXPECT_EQ(calls, 1) << "a bad config is never retried";
    } else if (k == "112") {
      EXPECT_EQ(row.status, "diverged");
      EXPECT_EQ(calls, 1) << "a diverged trial is a result";
      EXPECT_EQ(row.dev_score, 0);
    } else if (k == "201") {
      EXPECT_EQ(row.status, "completed");
      EXPECT_EQ(calls, 2);
      EXPECT_EQ(row.attempts, 1) << "an interruption spends no retry";
      EXPECT_EQ(trials.resumed_[row.trial_id], 1) << "the second run resumes from the checkpoint";
    } else if (k == "202") {
      EXPECT_EQ(row.status, "completed");
      EXPECT_EQ(calls, 2);
    } else {
      EXPECT_EQ(row.status, "completed");
      EXPECT_EQ(calls, 1);
    }
  }
}

TEST_F(CoordinatorTest, StopSignalCheckpointsAndResumeFinishesWithoutRepeatingWork) {
  // Reference: an uninterrupted sweep.
  FakeTrials reference([](const Assign&, int) { return TrialOutcome::kCompleted; });
  const SweepRun full = RunGroup(sweep_, dir_ + "-ref", reference);
  fs::remove_all(dir_ + "-ref");

  // A SIGTERM arrives during the 4th trial: running trials checkpoint (kInterrupted), the sweep exits 75.
  std::mutex mutex;
  int started = 0;
  FakeTrials first([&](const Assign&, int) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (++started == 4) RequestStop(SIGTERM);
    }
    return StopRequested() ? TrialOutcome::kInterrupted : TrialOutcome::kCompleted;
  });
  const SweepRun stopped = RunGroup(sweep_, dir_, first);
  EXPECT_EQ(stopped.rc, kExitResumeMe);
  EXPECT_EQ(stopped.manifest.status, "interrupted");
  ClearStopRequest();

  FakeTrials second([](const Assign&, int) { return TrialOutcome::kCompleted; });
  const SweepRun resumed = RunGroup(sweep_, dir_, second);
  EXPECT_EQ(resumed.rc, kExitOk);
  ASSERT_EQ(resumed.manifest.trials.size(), full.manifest.trials.size());
  auto full_rows = ById(full.manifest);
  for (const auto& row : resumed.manifest.trials) {
    ASSERT_TRUE(full_rows.count(row.trial_id)) << "planned differently: " << row.trial_id;
    EXPECT_EQ(row.status, "completed");
    EXPECT_EQ(row.dev_score, full_rows[row.trial_id]->dev_score);
    EXPECT_EQ(row.stage, full_rows[row.trial_id]->stage);
    EXPECT_EQ(first.completed_[row.trial_id] + second.completed_[row.trial_id], 1)
        << "trial " << row.trial_id << " must complete exactly once";
  }
  int resumed_count = 0;
  for (const auto& [id, n] : second.resumed_) resumed_count += n;
  EXPECT_GT(resumed_count, 0) << "interrupted trials go on from their checkpoint";
}

TEST_F(CoordinatorTest, RestartAfterCoordinatorDeathReusesCompletedTrials) {
  // Simulates a coordinator killed mid-run: a manifest with some trials completed and some left "running".
  FakeTrials first([](const Assign&, int) { return TrialOutcome::kCompleted; });
  SweepRun run = RunGroup(sweep_, dir_, first);
  schema::SweepManifest m = run.manifest;
  m.status = "running";
  std::set<std::string> were_running;
  for (size_t i = 0; i < m.trials.size(); ++i) {
    if (i % 3 == 0) {
      m.trials[i].status = "running";
      were_running.insert(m.trials[i].trial_id);
      std::ofstream(dir_ + "/trials/" + m.trials[i].trial_id + ".h5") << "partial";
    }
  }
  schema::WriteSweepManifest(dir_ + "/sweep.h5", m);
  FakeTrials second([](const Assign&, int) { return TrialOutcome::kCompleted; });
  SweepRun again = RunGroup(sweep_, dir_, second);
  EXPECT_EQ(again.manifest.status, "completed");
  EXPECT_EQ(second.calls_.size(), were_running.size());
  for (const auto& [id, n] : second.calls_) {
    EXPECT_TRUE(were_running.count(id)) << id << " was completed and must not run again";
    EXPECT_EQ(second.resumed_[id], 1) << id << " has a trial file: resume";
  }
}

TEST_F(CoordinatorTest, AblationMatchesParameterCounts) {
  FakeTrials trials([](const Assign&, int) { return TrialOutcome::kCompleted; });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  const schema::PlannedTrial* best = nullptr;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "search" && (!best || row.dev_score > best->dev_score)) best = &row;
  ASSERT_NE(best, nullptr);
  const TrialConfig b = ParseTrialConfig(best->config_ini);
  const long long target = FakeParams(b);
  for (const auto& row : run.manifest.trials) {
    if (row.stage != "ablation") continue;
    const TrialConfig c = ParseTrialConfig(row.config_ini);
    EXPECT_EQ(c.at("trial.variant"), row.variant);
    if (row.variant == "no_ner_specific") {
      EXPECT_EQ(c.at("model.ner_layers"), "0");
    }
    if (row.variant == "no_re_specific") {
      EXPECT_EQ(c.at("model.re_layers"), "0");
    }
    // Fake params are 1000 per layer: the closest count restores the total, capped at 3 shared layers.
    const long long want = std::min<long long>(target, 1000 * (3 + std::stoll(c.at("model.ner_layers")) +
                                                               std::stoll(c.at("model.re_layers"))));
    EXPECT_EQ(FakeParams(c), want) << row.variant;
  }
}

}  // namespace
}  // namespace dts::orchestrator
