// Scheduling, failure classes, retries and resume with the real coordinator and real workers on an in-process
// group of 8 ranks; trials are a fake runner (no child processes), so each test takes milliseconds.
#include "orchestrator/coordinator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/hash.h"
#include "common/stop.h"
#include "config/identity.h"
#include "config/train_config.h"
#include "orchestrator/trial_runner.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"

namespace dts::orchestrator {
namespace {

namespace fs = std::filesystem;
using schema::FailureClass;
using schema::TrialStatus;

const char* kSweep =
    "[sweep]\nname = t\ncorpus = fixed_split\nfinal_top_k = 2\nfinal_seeds = 3\nablation_seeds = 2\n"
    "max_retries = 2\nprogress_every_s = 1000\n"
    "[space]\nmodel.shared_layers = 1, 2\nmodel.ner_layers = 0, 1\nmodel.re_layers = 1, 2\n"
    "[constraints]\ntotal = model.shared_layers + model.ner_layers + model.re_layers <= 4\n";

long long FakeParams(const config::TrainConfig& c) {
  return 1000 * (c.model.shared_layers + c.model.ner_layers + c.model.re_layers);
}

// The score must not depend on labels, like a real trainer's; fold and seed do change it.
double FakeScore(const std::string& config_ini) {
  const config::TrainConfig c = config::ParseTrainConfig(config_ini, "assign");
  const std::string text = config::TrainSchema().CanonicalIni(
      c, [](const std::string& key) { return key.rfind("trial.", 0) != 0; });
  return static_cast<double>(Hasher().Add(text).Value() % 10000) / 100.0;
}

// Records every call; `decide` picks the outcome of each attempt.
class FakeTrials {
 public:
  using Decide = std::function<schema::FailureClass(const Assign&, int call)>;
  explicit FakeTrials(Decide decide) : decide_(std::move(decide)) {}
  Result operator()(const Assign& assign) {
    int call;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      call = ++calls_[assign.trial_id];
      resumed_[assign.trial_id] += assign.resume;
      ranks_.insert(assign.rank);
    }
    Result r;
    r.trial_id = assign.trial_id;
    r.failure = decide_(assign, call);
    size_t slot = 0;
    if (assign.max_epochs > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      slot = sequence_.size();
      sequence_.push_back({assign.trial_id, assign.max_epochs, assign.resume, assign.config_ini});
    }
    r.seconds = 0.001;
    if (r.failure == FailureClass::kInterrupted) std::ofstream(assign.trial_path) << "checkpoint";
    if (r.failure == FailureClass::kNone) {
      r.dev_score = score_ ? score_(assign.config_ini) : FakeScore(assign.config_ini);
      if (assign.max_epochs > 0) {
        r.dev_score += assign.max_epochs;  // more epochs, better; the order within a rung is the config's
        std::ofstream(assign.trial_path) << "epochs " << assign.max_epochs;  // a trainer's trial file
      }
      std::lock_guard<std::mutex> lock(mutex_);
      ++completed_[assign.trial_id];
      if (assign.max_epochs > 0) {
        ++completed_at_[{assign.trial_id, assign.max_epochs}];
        sequence_[slot].dev_score = r.dev_score;
      }
    }
    return r;
  }
  struct Call {
    std::string trial_id;
    int max_epochs = 0;
    bool resume = false;
    std::string config_ini;
    double dev_score = -1;  // -1: no result
  };
  std::map<std::string, int> calls_, completed_, resumed_;
  std::map<std::pair<std::string, int>, int> completed_at_;     // (trial, rung budget) -> completions
  std::vector<Call> sequence_;                                  // ASHA calls in dispatch order
  std::set<int> ranks_;                                         // the ranks that ran trials
  std::function<double(const std::string& config_ini)> score_;  // the dev score; FakeScore when empty

 private:
  Decide decide_;
  std::mutex mutex_;
};

struct SweepRun {
  int rc = -1;
  schema::SweepManifest manifest;
  std::string log;
};

SweepRun RunGroup(const config::SweepConfig& sweep, const std::string& dir, FakeTrials& trials,
                  int ranks = 8) {
  auto group = MakeInProcessGroup(ranks);
  std::vector<std::thread> workers;
  for (int r = 1; r < ranks; ++r)
    workers.emplace_back([&, r] {
      RunWorker(
          *group[r], [&](const Assign& a) { return trials(a); }, 0);
    });
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
  run.log = log.str();
  return run;
}

// A sweep on one worker stopped (SIGTERM) as its `stop_at`-th trial call starts, then run again to the end;
// both runs' fake trials keep their counts.
struct StoppedAndResumed {
  StoppedAndResumed(int stop_at, std::function<double(const std::string&)> score)
      : first([this, stop_at](const Assign&, int) {
          {
            std::lock_guard<std::mutex> lock(mutex);
            if (++started == stop_at) RequestStop(SIGTERM);
          }
          return StopRequested() ? FailureClass::kInterrupted : FailureClass::kNone;
        }),
        second([](const Assign&, int) { return FailureClass::kNone; }) {
    first.score_ = score;
    second.score_ = std::move(score);
  }
  void Run(const config::SweepConfig& sweep, const std::string& dir) {
    stopped = RunGroup(sweep, dir, first, /*ranks=*/2);
    EXPECT_EQ(stopped.rc, kExitResumeMe);
    ClearStopRequest();
    resumed = RunGroup(sweep, dir, second, /*ranks=*/2);
    EXPECT_EQ(resumed.rc, kExitOk);
  }
  std::mutex mutex;
  int started = 0;
  FakeTrials first, second;
  SweepRun stopped, resumed;
};

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("dts-coord-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    sweep_ = config::ParseSweepConfig(kSweep, "t.ini");
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
  config::SweepConfig sweep_;
};

TEST_F(CoordinatorTest, RunsEveryStageAndEveryTrialExactlyOnce) {
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  EXPECT_EQ(run.rc, kExitOk);
  EXPECT_EQ(run.manifest.status, TrialStatus::kCompleted);
  std::map<std::string, int> per_stage;
  for (const auto& row : run.manifest.trials) {
    EXPECT_EQ(row.status, TrialStatus::kCompleted) << row.trial_id;
    EXPECT_EQ(trials.calls_[row.trial_id], 1) << row.trial_id;
    EXPECT_EQ(row.attempts, 1);
    ++per_stage[row.stage];
  }
  EXPECT_EQ(trials.calls_.size(), run.manifest.trials.size());
  // 7 grid points (one violates the constraint); final: top 2 x 3 seeds; ablation: the baseline and up to 3
  // variants x 2 seeds each (ablation seeds differ from the final stage's, so the baseline runs are its own).
  EXPECT_EQ(per_stage["search"], 7);
  EXPECT_EQ(per_stage["final"], 6);
  const schema::PlannedTrial* best = nullptr;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "search" && (!best || row.dev_score > best->dev_score)) best = &row;
  const std::map<std::string, std::string> b = schema::ParseConfigIni(best->config_ini, "test");
  const bool ner = b.at("model.ner_layers") != "0", re = b.at("model.re_layers") != "0";
  EXPECT_EQ(per_stage["ablation"], 2 * (1 + ner + re + (ner && re)));
  EXPECT_GT(trials.ranks_.size(), 1u) << "work should spread over the workers";
}

TEST_F(CoordinatorTest, FinalStageTakesTheBestSearchConfigs) {
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  std::vector<std::pair<double, std::string>> search;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "search") {
      std::map<std::string, std::string> c = schema::ParseConfigIni(row.config_ini, "test");
      search.emplace_back(row.dev_score,
                          c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers"));
    }
  std::sort(search.rbegin(), search.rend());
  std::set<std::string> best{search[0].second, search[1].second}, finals;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "final") {
      std::map<std::string, std::string> c = schema::ParseConfigIni(row.config_ini, "test");
      finals.insert(c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers"));
      EXPECT_EQ(c.at("data.protocol"), "final");
    }
  EXPECT_EQ(finals, best);
}

TEST_F(CoordinatorTest, FailureClassesAndRetries) {
  // By search grid point: shared/ner/re = 1/0/1 crashes once then succeeds; 1/0/2 always crashes;
  // 1/1/1 is a bad config; 1/1/2 diverges; 2/0/1 is interrupted once (no retry spent).
  auto key = [](const Assign& a) {
    const std::map<std::string, std::string> c = schema::ParseConfigIni(a.config_ini, "test");
    if (c.at("trial.stage") != "search") return std::string();
    return c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers");
  };
  FakeTrials trials([&](const Assign& a, int call) {
    const std::string k = key(a);
    if (k == "101" && call == 1) return FailureClass::kCrashed;
    if (k == "102") return FailureClass::kCrashed;
    if (k == "111") return FailureClass::kBadConfig;
    if (k == "112") return FailureClass::kDiverged;
    if (k == "201" && call == 1) return FailureClass::kInterrupted;
    if (k == "202" && call == 1) return FailureClass::kInfrastructure;
    return FailureClass::kNone;
  });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  EXPECT_EQ(run.rc, kExitTrialsFailed) << "a sweep that ends with failed trials says so";
  for (const auto& row : run.manifest.trials) {
    if (row.stage != "search") {
      EXPECT_EQ(row.status, TrialStatus::kCompleted);
      continue;
    }
    const std::map<std::string, std::string> c = schema::ParseConfigIni(row.config_ini, "test");
    const std::string k = c.at("model.shared_layers") + c.at("model.ner_layers") + c.at("model.re_layers");
    const int calls = trials.calls_[row.trial_id];
    if (k == "101") {
      EXPECT_EQ(row.status, TrialStatus::kCompleted);
      EXPECT_EQ(calls, 2);
      EXPECT_EQ(row.attempts, 2);
    } else if (k == "102") {
      EXPECT_EQ(row.status, TrialStatus::kFailed);
      EXPECT_EQ(calls, 1 + sweep_.sweep.max_retries);
      EXPECT_EQ(row.failure.rfind("crashed", 0), 0u) << row.failure;
    } else if (k == "111") {
      EXPECT_EQ(row.status, TrialStatus::kBadConfig);
      EXPECT_EQ(calls, 1) << "a bad config is never retried";
    } else if (k == "112") {
      EXPECT_EQ(row.status, TrialStatus::kDiverged);
      EXPECT_EQ(calls, 1) << "a diverged trial is a result";
      EXPECT_EQ(row.dev_score, 0);
    } else if (k == "201") {
      EXPECT_EQ(row.status, TrialStatus::kCompleted);
      EXPECT_EQ(calls, 2);
      EXPECT_EQ(row.attempts, 1) << "an interruption spends no retry";
      EXPECT_EQ(trials.resumed_[row.trial_id], 1) << "the second run resumes from the checkpoint";
    } else if (k == "202") {
      EXPECT_EQ(row.status, TrialStatus::kCompleted);
      EXPECT_EQ(calls, 2);
    } else {
      EXPECT_EQ(row.status, TrialStatus::kCompleted);
      EXPECT_EQ(calls, 1);
    }
  }
}

TEST_F(CoordinatorTest, StopSignalCheckpointsAndResumeFinishesWithoutRepeatingWork) {
  // Reference: an uninterrupted sweep.
  FakeTrials reference([](const Assign&, int) { return FailureClass::kNone; });
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
    return StopRequested() ? FailureClass::kInterrupted : FailureClass::kNone;
  });
  const SweepRun stopped = RunGroup(sweep_, dir_, first);
  EXPECT_EQ(stopped.rc, kExitResumeMe);
  EXPECT_EQ(stopped.manifest.status, TrialStatus::kInterrupted);
  ClearStopRequest();

  FakeTrials second([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun resumed = RunGroup(sweep_, dir_, second);
  EXPECT_EQ(resumed.rc, kExitOk);
  ASSERT_EQ(resumed.manifest.trials.size(), full.manifest.trials.size());
  auto full_rows = ById(full.manifest);
  for (const auto& row : resumed.manifest.trials) {
    ASSERT_TRUE(full_rows.count(row.trial_id)) << "planned differently: " << row.trial_id;
    EXPECT_EQ(row.status, TrialStatus::kCompleted);
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
  FakeTrials first([](const Assign&, int) { return FailureClass::kNone; });
  SweepRun run = RunGroup(sweep_, dir_, first);
  schema::SweepManifest m = run.manifest;
  m.status = TrialStatus::kRunning;
  std::set<std::string> were_running;
  for (size_t i = 0; i < m.trials.size(); ++i) {
    if (i % 3 == 0) {
      m.trials[i].status = TrialStatus::kRunning;
      were_running.insert(m.trials[i].trial_id);
      std::ofstream(dir_ + "/trials/" + m.trials[i].trial_id + ".h5") << "partial";
    }
  }
  schema::WriteSweepManifest(dir_ + "/sweep.h5", m);
  FakeTrials second([](const Assign&, int) { return FailureClass::kNone; });
  SweepRun again = RunGroup(sweep_, dir_, second);
  EXPECT_EQ(again.manifest.status, TrialStatus::kCompleted);
  EXPECT_EQ(second.calls_.size(), were_running.size());
  for (const auto& [id, n] : second.calls_) {
    EXPECT_TRUE(were_running.count(id)) << id << " was completed and must not run again";
    EXPECT_EQ(second.resumed_[id], 1) << id << " has a trial file: resume";
  }
}

TEST_F(CoordinatorTest, AblationMatchesParameterCounts) {
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  const schema::PlannedTrial* best = nullptr;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "search" && (!best || row.dev_score > best->dev_score)) best = &row;
  ASSERT_NE(best, nullptr);
  const long long target = FakeParams(config::ParseTrainConfig(best->config_ini, "best"));
  for (const auto& row : run.manifest.trials) {
    if (row.stage != "ablation") continue;
    const std::map<std::string, std::string> c = schema::ParseConfigIni(row.config_ini, "test");
    EXPECT_EQ(c.at("trial.variant"), row.variant);
    if (row.variant == "no_ner_specific") {
      EXPECT_EQ(c.at("model.ner_layers"), "0");
    }
    if (row.variant == "no_re_specific") {
      EXPECT_EQ(c.at("model.re_layers"), "0");
    }
    // Fake params are 1000 per layer: the closest count restores the total, capped at 3 shared layers.
    const long long want = std::min<long long>(
        target, 1000 * (3 + std::stoll(c.at("model.ner_layers")) + std::stoll(c.at("model.re_layers"))));
    EXPECT_EQ(FakeParams(config::ParseTrainConfig(row.config_ini, "row")), want) << row.variant;
  }
}

TEST_F(CoordinatorTest, AblationOnEveryFoldOfACrossValidatedCorpus) {
  // The paper's ADE ablation: each variant on every fold, paired with the baseline by (fold, seed).
  const config::SweepConfig sweep = config::ParseSweepConfig(
      "[sweep]\nname = cv\ncorpus = cross_validated\nablation_seeds = 1\nablation_folds = all\n"
      "progress_every_s = 1000\n[space]\nmodel.shared_layers = 1\nmodel.ner_layers = 1\nmodel.re_layers = 1\n"
      "[base]\ndata.folds = 4\n",
      "cv.ini");
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun run = RunGroup(sweep, dir_, trials);
  EXPECT_EQ(run.manifest.status, TrialStatus::kCompleted);
  std::map<std::string, std::set<std::pair<int, std::uint64_t>>> runs_of;  // variant -> (fold, seed)
  int finals = 0;
  for (const auto& row : run.manifest.trials) {
    if (row.stage == "final") ++finals;
    if (row.stage != "ablation") continue;
    const std::map<std::string, std::string> c = schema::ParseConfigIni(row.config_ini, "test");
    runs_of[row.variant].insert({std::stoi(c.at("data.fold")), std::stoull(c.at("train.seed"))});
  }
  EXPECT_EQ(finals, 4);
  ASSERT_EQ(runs_of.size(), 4u) << "baseline, no_ner_specific, no_re_specific, no_task_specific";
  for (const auto& [variant, runs] : runs_of) {
    EXPECT_EQ(runs.size(), 4u) << variant;
    EXPECT_EQ(runs, runs_of.at("baseline")) << variant << " must pair with the baseline fold by fold";
  }
}

const char* kAshaSweep =
    "[sweep]\nname = a\nstrategy = asha\nbudget = 9\nmin_epochs = 1\nreduction_factor = 3\nmax_epochs = 9\n"
    "stages = search\nprogress_every_s = 1000\nseed = 7\n"
    "[space]\nmodel.shared_layers = int(1, 3)\nmodel.ner_layers = int(0, 3)\nmodel.re_layers = int(0, 3)\n";

// Checks the ASHA rule on the calls of a single worker (so the calls are in completion order): a promotion
// takes a trial in the top 1/eta of its rung's results so far, and no new configuration starts while a
// promotion is possible. Returns the number of promotions.
int CheckAshaRule(const std::vector<FakeTrials::Call>& calls, const std::vector<int>& rungs, int eta) {
  int promotions = 0;
  auto rung_of = [&](int epochs) {
    return static_cast<int>(std::find(rungs.begin(), rungs.end(), epochs) - rungs.begin());
  };
  for (size_t i = 0; i <= calls.size(); ++i) {
    // Results per rung and trials present per rung, from the calls before i.
    std::vector<std::vector<std::pair<double, std::string>>> results(rungs.size());
    std::vector<std::set<std::string>> present(rungs.size());
    for (size_t j = 0; j < i; ++j) {
      const int k = rung_of(calls[j].max_epochs);
      present[k].insert(calls[j].trial_id);
      if (calls[j].dev_score >= 0) results[k].emplace_back(calls[j].dev_score, calls[j].trial_id);
    }
    std::vector<std::set<std::string>> top(rungs.size());
    bool promotable = false;
    for (size_t k = 0; k + 1 < rungs.size(); ++k) {
      std::sort(results[k].begin(), results[k].end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
      for (size_t n = 0; n < results[k].size() / eta; ++n) {
        top[k].insert(results[k][n].second);
        promotable |= !present[k + 1].count(results[k][n].second);
      }
    }
    if (i == calls.size()) {
      EXPECT_FALSE(promotable) << "the sweep ended with a trial in the top 1/eta of its rung not promoted";
      break;
    }
    const int k = rung_of(calls[i].max_epochs);
    EXPECT_LT(k, static_cast<int>(rungs.size())) << "budget " << calls[i].max_epochs << " is no rung";
    if (k == 0) {
      EXPECT_FALSE(promotable) << "call " << i << " starts a new configuration while a promotion is due";
    } else {
      ++promotions;
      EXPECT_TRUE(top[k - 1].count(calls[i].trial_id))
          << "call " << i << ": " << calls[i].trial_id << " promoted without being in the top 1/eta of rung "
          << k - 1;
      EXPECT_TRUE(calls[i].resume) << "a promoted trial resumes from its checkpoint";
    }
  }
  return promotions;
}

TEST_F(CoordinatorTest, AshaPromotesTheTopOfEachRungAsSoonAsPossible) {
  const config::SweepConfig sweep = config::ParseSweepConfig(kAshaSweep, "a.ini");
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun run = RunGroup(sweep, dir_, trials, /*ranks=*/2);  // one worker: calls in completion order
  EXPECT_EQ(run.rc, kExitOk);
  const std::vector<int> rungs{1, 3, 9};
  EXPECT_EQ(config::AshaRungEpochs(sweep.sweep), rungs);
  EXPECT_GE(CheckAshaRule(trials.sequence_, rungs, 3), 3 + 1);  // at least 9/3 from rung 0, 3/3 from rung 1
  // One id and one INI per trial across rungs; each (trial, rung) ran once.
  std::map<std::string, std::string> ini;
  for (const auto& call : trials.sequence_) {
    auto [it, fresh] = ini.emplace(call.trial_id, call.config_ini);
    EXPECT_EQ(it->second, call.config_ini) << "the INI of " << call.trial_id << " changed between rungs";
    EXPECT_EQ(schema::ParseConfigIni(call.config_ini, "test").at("train.max_epochs"), "9")
        << "the INI says the full budget";
  }
  EXPECT_EQ(ini.size(), 9u);
  for (const auto& [key, n] : trials.completed_at_)
    EXPECT_EQ(n, 1) << key.first << " at " << key.second << " epochs";
  // The manifest: one row per rung reached; lower rungs of promoted trials say so.
  std::map<std::string, int> top_rung;
  for (const auto& row : run.manifest.trials)
    top_rung[row.trial_id] = std::max(top_rung[row.trial_id], AshaRung(row));
  for (const auto& row : run.manifest.trials) {
    ASSERT_GE(AshaRung(row), 0) << row.variant;
    EXPECT_EQ(row.status,
              AshaRung(row) < top_rung[row.trial_id] ? TrialStatus::kPromoted : TrialStatus::kCompleted)
        << row.trial_id;
    const std::pair<std::string, int> key(row.trial_id, rungs[AshaRung(row)]);
    EXPECT_EQ(trials.completed_at_[key], 1);
  }
}

TEST_F(CoordinatorTest, AshaResumesMidSweepWithoutRunningARungTwice) {
  const config::SweepConfig sweep = config::ParseSweepConfig(kAshaSweep, "a.ini");
  std::mutex mutex;
  int started = 0;
  FakeTrials first([&](const Assign&, int) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (++started == 11) RequestStop(SIGTERM);  // past the first promotions, before the end
    }
    return StopRequested() ? FailureClass::kInterrupted : FailureClass::kNone;
  });
  const SweepRun stopped = RunGroup(sweep, dir_, first, /*ranks=*/4);
  EXPECT_EQ(stopped.rc, kExitResumeMe);
  bool promoted_before_stop = false;
  for (const auto& row : stopped.manifest.trials) promoted_before_stop |= AshaRung(row) > 0;
  EXPECT_TRUE(promoted_before_stop) << "the stop should come after the first promotions";
  ClearStopRequest();
  FakeTrials second([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun resumed = RunGroup(sweep, dir_, second, /*ranks=*/4);
  EXPECT_EQ(resumed.rc, kExitOk);
  std::set<std::pair<std::string, int>> rows;
  for (const auto& row : resumed.manifest.trials) {
    EXPECT_TRUE(row.status == TrialStatus::kCompleted || row.status == TrialStatus::kPromoted)
        << row.trial_id << " " << schema::Name(row.status);
    EXPECT_TRUE(rows.insert({row.trial_id, AshaRung(row)}).second) << "two rows for one rung";
    const std::pair<std::string, int> key{row.trial_id, std::vector<int>{1, 3, 9}.at(AshaRung(row))};
    const int completions = (first.completed_at_.count(key) ? first.completed_at_.at(key) : 0) +
                            (second.completed_at_.count(key) ? second.completed_at_.at(key) : 0);
    EXPECT_EQ(completions, 1) << row.trial_id << " at rung " << AshaRung(row)
                              << " must complete exactly once";
  }
  for (const auto& call : second.sequence_) {
    if (call.max_epochs > 1) {
      EXPECT_TRUE(call.resume) << call.trial_id << " must resume at " << call.max_epochs;
    }
  }
  // Completeness of the rule over the final results: the top third of each rung went on.
  for (int k = 0; k < 2; ++k) {
    std::vector<std::pair<double, std::string>> results;
    std::set<std::string> next;
    for (const auto& row : resumed.manifest.trials) {
      if (AshaRung(row) == k) results.emplace_back(row.dev_score, row.trial_id);
      if (AshaRung(row) == k + 1) next.insert(row.trial_id);
    }
    std::sort(results.rbegin(), results.rend());
    for (size_t n = 0; n < results.size() / 3; ++n)
      EXPECT_TRUE(next.count(results[n].second)) << "rung " << k;
  }
}

TEST_F(CoordinatorTest, TrialIdsComeFromTheResolvedConfig) {
  // Spelling out a default (model.cell = lstm), or writing 010 for 10, changes no id; a different value does.
  auto plan_ids = [](const std::string& base) {
    const config::SweepConfig sweep =
        config::ParseSweepConfig(std::string(kSweep) + "[base]\n" + base, "t.ini");
    std::set<std::string> out;
    for (const auto& row : Planner(sweep, "fp", FakeParams, SweepDirectoryBase("out")).PlanSearch().trials)
      out.insert(row.trial_id);
    return out;
  };
  const auto plain = plan_ids("train.lr = 0.1\n");
  EXPECT_EQ(plain.size(), 7u);
  EXPECT_EQ(plan_ids("train.lr = 0.1\nmodel.cell = lstm\n"), plain);
  EXPECT_EQ(plan_ids("train.lr = 0.1\ntrain.max_epochs = 0100\n"), plain);
  EXPECT_NE(plan_ids("train.lr = 0.1\nmodel.cell = gru\n"), plain);
  // Seeds are runs of one configuration: one config id, distinct trial ids.
  const config::SweepConfig seeds = config::ParseSweepConfig(
      "[sweep]\nsearch_seeds = 3\ncorpus = fixed_split\n[space]\nmodel.shared_layers = 1, 2\n", "s.ini");
  const StagePlan plan = Planner(seeds, "fp", FakeParams, SweepDirectoryBase("out")).PlanSearch();
  EXPECT_EQ(plan.trials.size(), 6u);
  std::set<std::string> distinct, configs;
  for (const auto& row : plan.trials) {
    distinct.insert(row.trial_id);
    configs.insert(row.config_id);
  }
  EXPECT_EQ(distinct.size(), 6u);
  EXPECT_EQ(configs.size(), 2u);
}

TEST_F(CoordinatorTest, ManifestRowsHoldEveryKeySoStagesReadResolvedValues) {
  // The base omits model.ner_layers, whose default (1) the row must carry: a planner that read only the keys
  // the sweep set took it for 0 and skipped the no_ner_specific ablation.
  const config::SweepConfig sweep = config::ParseSweepConfig(
      "[sweep]\ncorpus = fixed_split\nstages = search,final,ablation\nablation_seeds = 1\nfinal_seeds = 1\n"
      "[space]\nmodel.re_layers = 1, 2\n",
      "t.ini");
  ASSERT_EQ(config::ModelConfig{}.ner_layers, 1) << "the test assumes the schema's default";
  Planner planner(sweep, "fp", FakeParams, SweepDirectoryBase("out"));
  std::vector<schema::PlannedTrial> done = planner.PlanSearch().trials;
  for (auto& row : done) {
    EXPECT_EQ(schema::ParseConfigIni(row.config_ini, "row").at("model.ner_layers"), "1");
    row.status = TrialStatus::kCompleted;
    row.dev_score = 50;
  }
  const StagePlan ablation = planner.PlanAblation(done);
  std::set<std::string> variants;
  for (const auto& row : ablation.trials) variants.insert(row.variant);
  EXPECT_EQ(variants,
            (std::set<std::string>{"baseline", "no_ner_specific", "no_re_specific", "no_task_specific"}));
  // A manifest row written before rows held every key (only what the sweep set) resolves to the same config.
  schema::PlannedTrial sparse = done.front();
  sparse.config_ini = "[data]\nprotocol = dev\n[model]\nre_layers = 1\n[trial]\nstage = search\n";
  EXPECT_EQ(RowConfig(sparse).model.ner_layers, 1);
}

}  // namespace
}  // namespace dts::orchestrator

namespace dts::orchestrator {
namespace {

// Issue 16: racing over folds. A configuration's score is a clear effect of its layers plus fold noise of
// +-1.5 points, so the worse configurations lose to the incumbent after a few folds and the best one never
// does.
const char* kRacingSweep =
    "[sweep]\nname = race\ncorpus = cross_validated\nsearch_on = folds\nracing = t_test\nracing_level = "
    "0.05\n"
    "racing_min_folds = 3\nstages = search,final\nfinal_top_k = 1\nprogress_every_s = 1000\n"
    "[base]\ndata.folds = 10\n"
    "[space]\nmodel.shared_layers = 1, 2, 3\nmodel.ner_layers = 0, 1\nmodel.re_layers = 0, 1, 2\n";

double LayeredScore(const std::string& config_ini) {
  const config::TrainConfig c = config::ParseTrainConfig(config_ini, "assign");
  // The noise hashes the INI without the keys added later that hold their defaults (as ids do), so the
  // fixtures' scores, and the promotions they lead to, do not move whenever the schema gains a key.
  const std::string stable_ini = config::TrainSchema().CanonicalIni(
      c, [&c](const std::string& key) { return !config::TrainSchema().OutOfIds(c, key); });
  const double noise =
      static_cast<double>(Hasher().Add(std::to_string(c.data.fold)).Add(stable_ini).Value() % 3001) / 1000.0 -
      1.5;
  return 70 - 4.0 * std::abs(c.model.shared_layers - 2) - 3.0 * std::abs(c.model.re_layers - 1) -
         2.0 * c.model.ner_layers + noise;
}

std::map<std::string, std::map<int, double>> SearchScores(const schema::SweepManifest& m) {
  std::map<std::string, std::map<int, double>> scores;
  for (const auto& row : m.trials)
    if (row.stage == "search" && row.status == TrialStatus::kCompleted)
      scores[row.config_id][row.fold] = row.dev_score;
  return scores;
}

TEST_F(CoordinatorTest, RacingEliminatesLosersAfterTheirMinimumFoldsAndSurvivorsRunEveryFold) {
  const config::SweepConfig sweep = config::ParseSweepConfig(kRacingSweep, "race.ini");
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  trials.score_ = LayeredScore;
  const SweepRun run = RunGroup(sweep, dir_, trials, /*ranks=*/2);
  ASSERT_EQ(run.rc, kExitOk);
  const auto scores = SearchScores(run.manifest);
  ASSERT_EQ(scores.size(), 18u) << "every grid point starts";
  std::set<std::string> eliminated;
  for (const auto& e : run.manifest.eliminations) {
    EXPECT_TRUE(eliminated.insert(e.config_id).second) << "eliminated twice: " << e.config_id;
    EXPECT_LT(e.p_value, 0.05);
    EXPECT_GE(e.folds, 3);
    EXPECT_GT(e.mean_gap, 0);
    EXPECT_NE(e.config_id, e.incumbent_id);
    // With one worker a configuration is raced fold by fold: it stops right after the fold that lost it, or
    // (a former incumbent, overtaken later) it had already run every fold.
    const size_t trained = scores.at(e.config_id).size();
    EXPECT_TRUE(trained == static_cast<size_t>(e.after_fold + 1) || trained == 10u)
        << e.config_id << " trained " << trained << " folds, eliminated after fold " << e.after_fold;
  }
  EXPECT_GE(eliminated.size(), 10u) << "most of the 18 configurations are clearly worse";
  int trained = 0;
  for (const auto& [id, folds] : scores) {
    trained += static_cast<int>(folds.size());
    if (!eliminated.count(id)) {
      EXPECT_EQ(folds.size(), 10u) << "survivor " << id << " runs every fold";
    }
  }
  EXPECT_LT(trained, 18 * 10 / 2) << "racing must save more than half of the fold-trainings here";
  // The selection is the best full-CV mean among the survivors: the final stage trains it on every fold.
  std::string best;
  double best_mean = -1;
  for (const auto& [id, folds] : scores) {
    if (folds.size() != 10u) continue;
    double total = 0;
    for (const auto& [fold, score] : folds) total += score;
    if (total / 10 > best_mean) {
      best_mean = total / 10;
      best = id;
    }
  }
  int final_rows = 0;
  for (const auto& row : run.manifest.trials) {
    if (row.stage != "final") continue;
    ++final_rows;
    const config::TrainConfig c = RowConfig(row);
    EXPECT_EQ(c.model.shared_layers, 2);
    EXPECT_EQ(c.model.ner_layers, 0);
    EXPECT_EQ(c.model.re_layers, 1);
  }
  EXPECT_EQ(final_rows, 10);
  EXPECT_FALSE(best.empty());
}

// A racing tpe sweep stopped by SIGTERM at several points and resumed ends with the same rows, in the same
// order, with the same scores and eliminations as the uninterrupted run; each trial completes exactly once.
TEST_F(CoordinatorTest, RacingTpeSweepStoppedAndResumedContinuesIdentically) {
  const std::string text = std::string(kRacingSweep) + "";
  std::string tpe = text;
  tpe.replace(tpe.find("search_on"), 0, "strategy = tpe\nbudget = 10\ntpe_startup = 4\n");
  const config::SweepConfig sweep = config::ParseSweepConfig(tpe, "race.ini");
  FakeTrials reference([](const Assign&, int) { return FailureClass::kNone; });
  reference.score_ = LayeredScore;
  const SweepRun full = RunGroup(sweep, dir_ + "-ref", reference, /*ranks=*/2);
  ASSERT_EQ(full.rc, kExitOk);
  FakeTrials again([](const Assign&, int) { return FailureClass::kNone; });
  again.score_ = LayeredScore;
  const SweepRun twice = RunGroup(sweep, dir_ + "-ref2", again, /*ranks=*/2);
  fs::remove_all(dir_ + "-ref");
  fs::remove_all(dir_ + "-ref2");
  ASSERT_FALSE(full.manifest.eliminations.empty()) << "the test needs eliminations";
  std::set<std::string> configs;
  for (const auto& row : full.manifest.trials)
    if (row.stage == "search") configs.insert(row.config_id);
  EXPECT_EQ(configs.size(), 10u) << "budget = 10 proposals";

  auto same = [](const schema::SweepManifest& a, const schema::SweepManifest& b) {
    ASSERT_EQ(a.trials.size(), b.trials.size());
    for (size_t i = 0; i < a.trials.size(); ++i) {
      EXPECT_EQ(a.trials[i].trial_id, b.trials[i].trial_id) << "row " << i;
      EXPECT_EQ(a.trials[i].status, b.trials[i].status) << "row " << i;
      EXPECT_EQ(a.trials[i].dev_score, b.trials[i].dev_score) << "row " << i;
    }
    ASSERT_EQ(a.eliminations.size(), b.eliminations.size());
    for (size_t i = 0; i < a.eliminations.size(); ++i) {
      EXPECT_EQ(a.eliminations[i].config_id, b.eliminations[i].config_id);
      EXPECT_EQ(a.eliminations[i].after_fold, b.eliminations[i].after_fold);
      EXPECT_EQ(a.eliminations[i].p_value, b.eliminations[i].p_value);
    }
  };
  same(full.manifest, twice.manifest);  // seeded: the same proposals every time

  for (int stop_at : {3, 17, 41}) {
    SCOPED_TRACE("stopped at trial " + std::to_string(stop_at));
    const std::string dir = dir_ + "-" + std::to_string(stop_at);
    StoppedAndResumed run(stop_at, LayeredScore);
    run.Run(sweep, dir);
    same(full.manifest, run.resumed.manifest);
    for (const auto& row : run.resumed.manifest.trials)
      EXPECT_EQ(run.first.completed_[row.trial_id] + run.second.completed_[row.trial_id], 1)
          << "trial " << row.trial_id << " must complete exactly once";
    fs::remove_all(dir);
  }
}

// Issue 26: ASHA then racing (strategy = asha, search_on = folds). ASHA's rungs of 1, 2 and 4 epochs on fold
// 0 (eta 2: 18 -> 9 -> 4 configurations), then the top rung's configurations raced over folds 1..9 at 4
// epochs.
const char* kAshaRaceSweep =
    "[sweep]\nname = asha-race\ncorpus = cross_validated\nstrategy = asha\nbudget = 18\nmin_epochs = 1\n"
    "reduction_factor = 2\nmax_epochs = 4\nsearch_on = folds\nracing = t_test\nracing_level = 0.05\n"
    "racing_min_folds = 3\nstages = search,final\nfinal_top_k = 1\nprogress_every_s = 1000\nseed = 3\n"
    "[base]\ndata.folds = 10\n"
    "[space]\nmodel.shared_layers = 1, 2, 3\nmodel.ner_layers = 0, 1\nmodel.re_layers = 0, 1, 2\n";

// LayeredScore plus the budget: FakeTrials adds a rung's epochs to an ASHA row's score; a race run's budget
// is in its INI, so that every fold of the race is scored at the same budget.
double RaceScore(const std::string& config_ini) {
  const config::TrainConfig c = config::ParseTrainConfig(config_ini, "assign");
  return LayeredScore(config_ini) + (c.trial.variant == schema::kRaceVariant ? c.train.max_epochs : 0);
}

// The manifest's search rows by kind: ASHA rows (rung >= 0, all on fold 0) and race rows.
struct AshaRaceRows {
  std::vector<const schema::PlannedTrial*> rungs, race;
};
AshaRaceRows SplitAshaRace(const schema::SweepManifest& m) {
  AshaRaceRows rows;
  for (const auto& row : m.trials) {
    if (row.stage != "search") continue;
    (AshaRung(row) >= 0 ? rows.rungs : rows.race).push_back(&row);
  }
  return rows;
}

TEST_F(CoordinatorTest, AshaThenRaceRacesTheTopRungOverTheOtherFoldsAndTheFinalStageReusesIt) {
  const config::SweepConfig sweep = config::ParseSweepConfig(kAshaRaceSweep, "ar.ini");
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  trials.score_ = RaceScore;
  const SweepRun run = RunGroup(sweep, dir_, trials, /*ranks=*/2);  // one worker: attempts in call order
  ASSERT_EQ(run.rc, kExitOk) << run.log;
  const std::vector<int> rungs{1, 2, 4};
  ASSERT_EQ(config::AshaRungEpochs(sweep.sweep), rungs);
  // ASHA on fold 0 as on the dev set: the calls with a rung budget follow its rule.
  EXPECT_GE(CheckAshaRule(trials.sequence_, rungs, 2), 9 + 4);
  const AshaRaceRows rows = SplitAshaRace(run.manifest);
  std::map<std::string, std::string> config_of_trial;  // ASHA trial -> config_id
  std::vector<std::string> top;                        // configurations at the top rung, in file order
  for (const auto* row : rows.rungs) {
    EXPECT_EQ(row->fold, 0) << "ASHA runs on fold 0 only";
    config_of_trial[row->trial_id] = row->config_id;
    if (AshaRung(*row) == 2) top.push_back(row->config_id);
  }
  EXPECT_EQ(config_of_trial.size(), 18u);
  ASSERT_EQ(top.size(), 4u) << "9 / 2 of rung 1 reach rung 2";
  // Race runs: only the top rung's configurations, folds 1..9 in order, each at the top rung's budget, with
  // its ASHA trial's config_id (one configuration over every fold).
  std::map<std::string, std::vector<int>> race_folds;
  for (const auto* row : rows.race) {
    EXPECT_EQ(row->variant, schema::kRaceVariant);
    EXPECT_EQ(RowConfig(*row).train.max_epochs, 4) << "a race run trains the top rung's budget";
    EXPECT_NE(std::find(top.begin(), top.end(), row->config_id), top.end())
        << row->config_id << " raced without reaching the top rung";
    race_folds[row->config_id].push_back(row->fold);
  }
  // ASHA first: with one worker, no race run starts before every ASHA row has run.
  size_t last_rung_attempt = 0, first_race_attempt = run.manifest.attempts.size();
  for (size_t i = 0; i < run.manifest.attempts.size(); ++i) {
    const auto& a = run.manifest.attempts[i];
    if (a.stage != "search") continue;
    if (a.variant == schema::kRaceVariant)
      first_race_attempt = std::min(first_race_attempt, i);
    else
      last_rung_attempt = i;
  }
  EXPECT_LT(last_rung_attempt, first_race_attempt);
  // Eliminations: after at least racing_min_folds paired folds, right after the fold that lost (or, a former
  // incumbent overtaken later, after all of them); survivors run every fold.
  std::set<std::string> eliminated;
  for (const auto& e : run.manifest.eliminations) {
    EXPECT_TRUE(eliminated.insert(e.config_id).second) << "eliminated twice: " << e.config_id;
    EXPECT_LT(e.p_value, 0.05);
    EXPECT_GE(e.folds, 3);
    const size_t trained = race_folds[e.config_id].size() + 1;
    EXPECT_TRUE(trained == static_cast<size_t>(e.after_fold + 1) || trained == 10u)
        << e.config_id << " trained " << trained << " folds, eliminated after fold " << e.after_fold;
  }
  EXPECT_FALSE(eliminated.empty()) << "the test needs an elimination";
  for (const auto& id : top) {
    const auto& folds = race_folds[id];
    for (size_t k = 0; k < folds.size(); ++k) EXPECT_EQ(folds[k], static_cast<int>(k) + 1) << id;
    if (!eliminated.count(id)) {
      EXPECT_EQ(folds.size(), 9u) << "survivor " << id << " runs every fold";
    }
  }
  // The final stage: the best survivor on every fold, each fold the search's own run (same configuration,
  // fold, seed and 4 = max_epochs epochs), so nothing is trained for it.
  std::map<int, std::string> search_trial_of_fold;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "final") {
      EXPECT_EQ(row.variant, schema::kReusedVariant) << "fold " << row.fold;
      EXPECT_EQ(row.status, TrialStatus::kCompleted);
      EXPECT_EQ(RowConfig(row).data.protocol, config::Protocol::kFinal) << "the row plans the final run";
      search_trial_of_fold[row.fold] = row.trial_id;
    }
  ASSERT_EQ(search_trial_of_fold.size(), 10u);
  int calls = 0;
  for (const auto& [id, n] : trials.calls_) calls += n;
  EXPECT_EQ(calls, static_cast<int>(rows.rungs.size() + rows.race.size()))
      << "one call per search row, none for the final stage";
  ASSERT_TRUE(config_of_trial.count(search_trial_of_fold.at(0))) << "fold 0 is the chosen ASHA trial";
  const std::string chosen = config_of_trial.at(search_trial_of_fold.at(0));
  EXPECT_FALSE(eliminated.count(chosen)) << "the final stage takes a survivor";
  EXPECT_EQ(race_folds[chosen].size(), 9u);
  for (const auto* row : rows.race)
    if (row->config_id == chosen) {
      EXPECT_EQ(search_trial_of_fold.at(row->fold), row->trial_id);
    }
}

// With max_epochs = 5 the top rung is 4 epochs: the search never trained the final stage's 5-epoch runs, so
// the final stage trains every fold itself.
TEST_F(CoordinatorTest, AshaThenRaceFinalStageTrainsWhenTheTopRungIsBelowMaxEpochs) {
  std::string text = kAshaRaceSweep;
  text.replace(text.find("max_epochs = 4"), 14, "max_epochs = 5");
  const config::SweepConfig sweep = config::ParseSweepConfig(text, "ar.ini");
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  trials.score_ = RaceScore;
  const SweepRun run = RunGroup(sweep, dir_, trials, /*ranks=*/3);
  ASSERT_EQ(run.rc, kExitOk) << run.log;
  std::set<std::string> search_ids;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "search") search_ids.insert(row.trial_id);
  int final_rows = 0;
  for (const auto& row : run.manifest.trials) {
    if (row.stage != "final") continue;
    ++final_rows;
    EXPECT_NE(row.variant, schema::kReusedVariant);
    EXPECT_FALSE(search_ids.count(row.trial_id));
    EXPECT_EQ(RowConfig(row).train.max_epochs, 5);
    EXPECT_EQ(trials.completed_[row.trial_id], 1) << "fold " << row.fold << " is trained";
  }
  EXPECT_EQ(final_rows, 10);
}

// ASHA (then racing) sweeps stopped by SIGTERM at each of `stops` calls and resumed, one worker: the resumed
// manifest has `full`'s rows in the same order with the same variants, statuses and scores, and the same
// eliminations; each (trial, budget) completes exactly once over the two runs (rungs of 1, 2 and 4 epochs).
void ExpectStopsContinueIdentically(const config::SweepConfig& sweep, const std::string& dir_base,
                                    const SweepRun& full, const std::vector<int>& stops) {
  const AshaRaceRows rows = SplitAshaRace(full.manifest);
  const int total_calls = static_cast<int>(rows.rungs.size() + rows.race.size());
  for (int stop_at : stops) {
    SCOPED_TRACE("stopped at call " + std::to_string(stop_at) + " of " + std::to_string(total_calls));
    const std::string dir = dir_base + "-" + std::to_string(stop_at);
    StoppedAndResumed run(stop_at, RaceScore);
    run.Run(sweep, dir);
    const schema::SweepManifest &a = full.manifest, &b = run.resumed.manifest;
    ASSERT_EQ(a.trials.size(), b.trials.size());
    for (size_t i = 0; i < a.trials.size(); ++i) {
      EXPECT_EQ(a.trials[i].trial_id, b.trials[i].trial_id) << "row " << i;
      EXPECT_EQ(a.trials[i].variant, b.trials[i].variant) << "row " << i;
      EXPECT_EQ(a.trials[i].status, b.trials[i].status) << "row " << i;
      EXPECT_EQ(a.trials[i].dev_score, b.trials[i].dev_score) << "row " << i;
    }
    ASSERT_EQ(a.eliminations.size(), b.eliminations.size());
    for (size_t i = 0; i < a.eliminations.size(); ++i) {
      EXPECT_EQ(a.eliminations[i].config_id, b.eliminations[i].config_id);
      EXPECT_EQ(a.eliminations[i].after_fold, b.eliminations[i].after_fold);
      EXPECT_EQ(a.eliminations[i].p_value, b.eliminations[i].p_value);
    }
    for (const auto& row : b.trials) {
      if (row.stage != "search") continue;
      const int rung = AshaRung(row);
      if (rung >= 0) {
        const std::pair<std::string, int> key{row.trial_id, std::vector<int>{1, 2, 4}.at(rung)};
        EXPECT_EQ(run.first.completed_at_[key] + run.second.completed_at_[key], 1)
            << row.trial_id << " at rung " << rung << " must complete exactly once";
      } else {
        EXPECT_EQ(run.first.completed_[row.trial_id] + run.second.completed_[row.trial_id], 1)
            << "race run " << row.trial_id << " must complete exactly once";
      }
    }
    fs::remove_all(dir);
  }
}

// An ASHA-then-race sweep stopped by SIGTERM in rung 0, among the promotions and in the race, and resumed,
// ends with the same rows in the same order, the same scores and the same eliminations as the uninterrupted
// run; each (trial, budget) completes exactly once. One worker, so results arrive in the same order.
TEST_F(CoordinatorTest, AshaThenRaceStoppedAndResumedContinuesIdentically) {
  const config::SweepConfig sweep = config::ParseSweepConfig(kAshaRaceSweep, "ar.ini");
  FakeTrials reference([](const Assign&, int) { return FailureClass::kNone; });
  reference.score_ = RaceScore;
  const SweepRun full = RunGroup(sweep, dir_ + "-ref", reference, /*ranks=*/2);
  fs::remove_all(dir_ + "-ref");
  ASSERT_EQ(full.rc, kExitOk);
  ASSERT_FALSE(full.manifest.eliminations.empty()) << "the test needs eliminations";
  const AshaRaceRows rows = SplitAshaRace(full.manifest);
  ASSERT_FALSE(rows.race.empty());
  const int total_calls = static_cast<int>(rows.rungs.size() + rows.race.size());

  // In rung 0, among the promotions (after rung 0's 18), and in the race.
  ExpectStopsContinueIdentically(sweep, dir_, full, {5, 24, total_calls - 4});
}

// asha_sampler = tpe: rung 0 proposed one configuration at a time by TPE (BOHB-style) instead of 12 random
// draws planned up front, over 54 points; the ASHA rule, the race and the final stage's reuse unchanged.
std::string AshaTpeSweepText() {
  std::string text = kAshaRaceSweep;
  text.replace(text.find("budget = 18"), 11, "budget = 12\nasha_sampler = tpe\ntpe_startup = 4");
  text += "model.hidden = 8, 16, 32\n";
  return text;
}

// LayeredScore without its noise: how good a configuration is by construction.
double LayeredQuality(const config::TrainConfig& c) {
  return -4.0 * std::abs(c.model.shared_layers - 2) - 3.0 * std::abs(c.model.re_layers - 1) -
         2.0 * c.model.ner_layers;
}

TEST_F(CoordinatorTest, AshaWithTpeProposesRungZeroOneAtATimeUnderTheSameRules) {
  const config::SweepConfig sweep = config::ParseSweepConfig(AshaTpeSweepText(), "at.ini");
  FakeTrials trials([](const Assign&, int) { return FailureClass::kNone; });
  trials.score_ = RaceScore;
  const SweepRun run = RunGroup(sweep, dir_, trials, /*ranks=*/2);
  ASSERT_EQ(run.rc, kExitOk) << run.log;
  EXPECT_NE(run.log.find("proposed one at a time by tpe"), std::string::npos) << run.log;
  EXPECT_GE(CheckAshaRule(trials.sequence_, {1, 2, 4}, 2), 6 + 3);
  const AshaRaceRows rows = SplitAshaRace(run.manifest);
  std::vector<config::TrainConfig> proposals;  // rung 0, in proposal order
  std::set<std::string> configs;
  for (const auto* row : rows.rungs)
    if (AshaRung(*row) == 0) {
      EXPECT_TRUE(configs.insert(row->config_id).second) << "proposed twice: " << row->config_id;
      proposals.push_back(RowConfig(*row));
    }
  ASSERT_EQ(proposals.size(), 12u) << "budget = 12 proposals";
  EXPECT_FALSE(rows.race.empty()) << "the top rung races over the other folds";
  // The model's 8 proposals are better by construction than the 4 random ones it started from.
  double startup = 0, model = 0;
  for (size_t i = 0; i < proposals.size(); ++i) (i < 4 ? startup : model) += LayeredQuality(proposals[i]);
  EXPECT_GT(model / 8, startup / 4);
  int final_rows = 0;
  for (const auto& row : run.manifest.trials)
    if (row.stage == "final") {
      ++final_rows;
      EXPECT_EQ(row.variant, schema::kReusedVariant) << "fold " << row.fold;
    }
  EXPECT_EQ(final_rows, 10);
  // Seeded: the same proposals, rows and eliminations every time.
  FakeTrials again([](const Assign&, int) { return FailureClass::kNone; });
  again.score_ = RaceScore;
  const SweepRun twice = RunGroup(sweep, dir_ + "-again", again, /*ranks=*/2);
  fs::remove_all(dir_ + "-again");
  ASSERT_EQ(twice.manifest.trials.size(), run.manifest.trials.size());
  for (size_t i = 0; i < run.manifest.trials.size(); ++i)
    EXPECT_EQ(twice.manifest.trials[i].trial_id, run.manifest.trials[i].trial_id) << "row " << i;
}

// Stopped by SIGTERM while proposing (rung 0), among the promotions and in the race, then resumed: the same
// rows in the same order, the same scores and eliminations as the uninterrupted run; each (trial, budget)
// completes exactly once. The proposals are a function of the manifest's rows, which the resumed run reads.
TEST_F(CoordinatorTest, AshaWithTpeStoppedAndResumedContinuesIdentically) {
  const config::SweepConfig sweep = config::ParseSweepConfig(AshaTpeSweepText(), "at.ini");
  FakeTrials reference([](const Assign&, int) { return FailureClass::kNone; });
  reference.score_ = RaceScore;
  const SweepRun full = RunGroup(sweep, dir_ + "-ref", reference, /*ranks=*/2);
  fs::remove_all(dir_ + "-ref");
  ASSERT_EQ(full.rc, kExitOk);
  const AshaRaceRows rows = SplitAshaRace(full.manifest);
  const int total_calls = static_cast<int>(rows.rungs.size() + rows.race.size());
  ExpectStopsContinueIdentically(sweep, dir_, full, {3, 8, 14, total_calls - 3});
}

// The final stage's reuse rule on its own: every fold of a search on folds that trained the final run (same
// configuration but data.protocol, fold, seed and epochs) is reused, naming its search trial; a fold whose
// final run an earlier run of the sweep trained itself (a directory from before reuse) keeps that trial.
TEST(PlannerReuseTest, FinalRunsReuseTheSearchTrialsOfTheSameRunUnlessAnEarlierRunTrainedThem) {
  const config::SweepConfig sweep = config::ParseSweepConfig(kRacingSweep, "race.ini");
  const IdentityBase base = SweepDirectoryBase("out");
  const Planner planner(sweep, "fp", FakeParams, base);
  const config::TrainConfig point = SearchPoints(sweep).front();
  std::vector<schema::PlannedTrial> done;
  for (int fold = 0; fold < 10; ++fold) {
    done.push_back(planner.SearchRun(point, fold));
    done.back().status = TrialStatus::kCompleted;
    done.back().dev_score = 60 + fold;
  }
  const StagePlan plan = planner.PlanFinal(done);
  ASSERT_EQ(plan.trials.size(), 10u);
  for (size_t k = 0; k < plan.trials.size(); ++k) {
    const auto& trial = plan.trials[k];
    EXPECT_EQ(trial.variant, schema::kReusedVariant) << "fold " << trial.fold;
    EXPECT_EQ(trial.trial_id, done[k].trial_id) << "fold " << trial.fold;
    EXPECT_EQ(trial.status, TrialStatus::kCompleted);
    EXPECT_EQ(trial.dev_score, done[k].dev_score);
    EXPECT_NE(trial.config_id, done[k].config_id)
        << "the final stage's configuration (data.protocol = final)";
    EXPECT_EQ(RowConfig(trial).data.protocol, config::Protocol::kFinal);
  }
  // Fold 3's final run as an earlier run of this sweep trained it, under its own id.
  schema::PlannedTrial trained = plan.trials[3];
  const config::TrainConfig final_config = RowConfig(trained);
  trained.trial_id = config::TrialId(base.Text(final_config), 3, trained.seed, "fp");
  trained.variant.clear();
  const StagePlan again = planner.PlanFinal(done, {trained});
  for (const auto& trial : again.trials) {
    if (trial.fold == 3) {
      EXPECT_EQ(trial.trial_id, trained.trial_id) << "kept: its result exists";
      EXPECT_TRUE(trial.variant.empty());
    } else {
      EXPECT_EQ(trial.variant, schema::kReusedVariant) << "fold " << trial.fold;
    }
  }
  // A search trial that did not complete serves nothing: its final run is trained.
  done[7].status = TrialStatus::kFailed;
  for (const auto& trial : planner.PlanFinal(done).trials)
    EXPECT_EQ(trial.variant == schema::kReusedVariant, trial.fold != 7) << "fold " << trial.fold;
}

// A rank whose trials cannot start (a missing mount, an exec failure: kInfrastructure at once) is always the
// idle one, so without care every retry lands on it. A trial is never retried where it just failed so, and
// the rank is quarantined after sweep.quarantine_after such failures in a row: the sweep finishes on the
// others, with every trial completed.
TEST_F(CoordinatorTest, BrokenRankIsQuarantinedAndItsTrialsRunElsewhere) {
  FakeTrials trials(
      [](const Assign& a, int) { return a.rank == 3 ? FailureClass::kInfrastructure : FailureClass::kNone; });
  const SweepRun run = RunGroup(sweep_, dir_, trials);
  EXPECT_EQ(run.rc, kExitOk) << run.log;
  for (const auto& row : run.manifest.trials) EXPECT_EQ(row.status, TrialStatus::kCompleted) << row.trial_id;
  int on_broken = 0;
  std::map<std::string, std::vector<int>> ranks_of;
  for (const auto& attempt : run.manifest.attempts) {
    ranks_of[attempt.trial_id + attempt.stage].push_back(attempt.rank);
    if (attempt.rank != 3) continue;
    ++on_broken;
    EXPECT_EQ(attempt.outcome, "infrastructure");
  }
  EXPECT_EQ(on_broken, sweep_.sweep.quarantine_after) << "then it is quarantined";
  for (const auto& [trial, ranks] : ranks_of)
    for (size_t i = 1; i < ranks.size(); ++i)
      EXPECT_NE(ranks[i], ranks[i - 1]) << trial << ": retried in place";
  EXPECT_NE(run.log.find("quarantined rank 3 on host "), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("3 infrastructure failures in a row"), std::string::npos) << run.log;
}

// Every worker quarantined with trials left: the sweep stops resumable (exit 69) instead of failing them.
TEST_F(CoordinatorTest, NoUsableRankLeftStopsResumableAndTheRerunFinishes) {
  FakeTrials broken([](const Assign&, int) { return FailureClass::kInfrastructure; });
  sweep_.sweep.max_retries = 100;
  const SweepRun stranded = RunGroup(sweep_, dir_, broken, 3);
  EXPECT_EQ(stranded.rc, kExitRanksLost) << stranded.log;
  EXPECT_EQ(stranded.manifest.status, TrialStatus::kInterrupted);
  EXPECT_NE(stranded.log.find("no usable rank is left"), std::string::npos) << stranded.log;
  for (const auto& row : stranded.manifest.trials)
    EXPECT_NE(row.status, TrialStatus::kFailed) << row.trial_id;
  FakeTrials healthy([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun rerun = RunGroup(sweep_, dir_, healthy, 3);
  EXPECT_EQ(rerun.rc, kExitOk) << rerun.log;
  for (const auto& row : rerun.manifest.trials)
    EXPECT_EQ(row.status, TrialStatus::kCompleted) << row.trial_id;
  EXPECT_EQ(rerun.manifest.attempts.size(), stranded.manifest.attempts.size() + rerun.manifest.trials.size())
      << "the attempt history carries over";
}

// A communicator endpoint that goes silent on demand, as a frozen host does: nothing it sends arrives.
class FreezableComm : public Communicator {
 public:
  explicit FreezableComm(Communicator& inner) : inner_(inner) {}
  int Rank() const override { return inner_.Rank(); }
  int Size() const override { return inner_.Size(); }
  int LocalRank() const override { return inner_.LocalRank(); }
  void Send(int dest, Tag tag, std::string payload) override {
    if (!frozen) inner_.Send(dest, tag, std::move(payload));
  }
  std::optional<Envelope> Receive(std::chrono::milliseconds timeout) override {
    return inner_.Receive(timeout);
  }
  std::atomic<bool> frozen{false};

 private:
  Communicator& inner_;
};

// A rank that goes silent mid-trial is named (rank, host, trial) after sweep.silent_rank_s, the others
// finish the stage, and the sweep ends resumable (exit 69) before a stage whose plan would miss the lost
// trial's result. The rerun completes every trial.
TEST_F(CoordinatorTest, SilentRankIsLostAndTheSweepEndsResumable) {
  sweep_.sweep.silent_rank_s = 1;
  const int ranks = 4;
  auto group = MakeInProcessGroup(ranks);
  FreezableComm frozen(*group[2]);
  std::mutex mutex;
  std::condition_variable thaw;
  bool released = false;
  std::string lost_trial;
  FakeTrials trials([&](const Assign& a, int) {
    if (a.rank == 2 && lost_trial.empty()) {
      std::unique_lock<std::mutex> lock(mutex);
      lost_trial = a.trial_id;
      frozen.frozen = true;  // from here on rank 2 is a frozen host: no heartbeat, no result
      thaw.wait(lock, [&] { return released; });
      return FailureClass::kInterrupted;
    }
    return FailureClass::kNone;
  });
  std::vector<std::thread> workers;
  for (int r = 1; r < ranks; ++r)
    workers.emplace_back([&, r] {
      Communicator& comm = r == 2 ? static_cast<Communicator&>(frozen) : *group[r];
      RunWorker(
          comm, [&](const Assign& a) { return trials(a); }, 0);
    });
  std::ostringstream log;
  CoordinatorOptions options;
  options.out_dir = dir_;
  options.trial_command = "fake";
  options.log = &log;
  options.receive_timeout = std::chrono::milliseconds(20);
  const int rc = Coordinator(sweep_, *group[0], options, FakeParams).Run();
  {
    std::lock_guard<std::mutex> lock(mutex);
    released = true;
  }
  thaw.notify_all();
  group[0]->Send(2, Tag::kStop, Stop{"test"}.Encode());  // the coordinator sends nothing to a lost rank
  for (auto& w : workers) w.join();
  EXPECT_EQ(rc, kExitRanksLost) << log.str();
  const schema::SweepManifest manifest = schema::ReadSweepManifest(dir_ + "/sweep.h5");
  EXPECT_EQ(manifest.status, TrialStatus::kInterrupted);
  EXPECT_NE(log.str().find("lost rank 2 on host "), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("its trial " + lost_trial), std::string::npos) << log.str();
  for (const auto& row : manifest.trials) {
    EXPECT_EQ(row.stage, "search") << "no stage after the one that lost a trial";
    EXPECT_EQ(row.status, row.trial_id == lost_trial ? TrialStatus::kInterrupted : TrialStatus::kCompleted);
  }
  ASSERT_FALSE(manifest.attempts.empty());
  EXPECT_EQ(manifest.attempts.back().outcome, "lost");
  EXPECT_EQ(manifest.attempts.back().rank, 2);

  FakeTrials healthy([](const Assign&, int) { return FailureClass::kNone; });
  const SweepRun rerun = RunGroup(sweep_, dir_, healthy, ranks);
  EXPECT_EQ(rerun.rc, kExitOk) << rerun.log;
  EXPECT_EQ(healthy.calls_.count(lost_trial), 1u) << "the lost trial runs again";
  for (const auto& row : rerun.manifest.trials) EXPECT_EQ(row.status, TrialStatus::kCompleted);
}

// A worker that cannot see the sweep directory (a path private to its host) refuses the sweep before any
// trial runs, naming its rank and host.
TEST_F(CoordinatorTest, WorkerThatDoesNotSeeTheDirectoryRefusesTheSweep) {
  auto group = MakeInProcessGroup(2);
  std::thread worker([&] {
    Hello hello;
    hello.host = "elsewhere";
    group[1]->Send(0, Tag::kHello, hello.Encode());
    for (;;) {
      auto envelope = group[1]->Receive(std::chrono::milliseconds(100));
      if (!envelope) continue;
      if (envelope->tag == Tag::kStop) return;
      if (envelope->tag == Tag::kWelcome) {
        Seen seen;
        seen.ok = true;  // it wrote the probe, but in a directory of its own: the coordinator finds nothing
        group[1]->Send(0, Tag::kSeen, seen.Encode());
      }
    }
  });
  std::ostringstream log;
  CoordinatorOptions options;
  options.out_dir = dir_;
  options.trial_command = "fake";
  options.log = &log;
  options.receive_timeout = std::chrono::milliseconds(20);
  try {
    Coordinator(sweep_, *group[0], options, FakeParams).Run();
    ADD_FAILURE() << "the sweep ran";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 1 on host elsewhere"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("every host shares"), std::string::npos) << e.what();
  }
  group[0]->Send(1, Tag::kStop, Stop{"test"}.Encode());
  worker.join();
  EXPECT_FALSE(fs::exists(dir_ + "/trials")) << "nothing is written before every worker sees DIR";
  EXPECT_FALSE(fs::exists(dir_ + "/sweep.h5"));
}

// The trial child's environment: every numerics variable of the worker's own environment is dropped, the
// sweep's are set, and the attempt and rank are handed over.
TEST(TrialEnvironmentTest, ScrubsTheHostsNumericsAndSetsTheSweeps) {
  std::vector<std::string> base_text{"PATH=/bin", "OMP_NUM_THREADS=8", "OPENBLAS_CORETYPE=Haswell",
                                     "DTS_ATTEMPT=9", "HOME=/root"};
  std::vector<char*> base;
  for (auto& entry : base_text) base.push_back(entry.data());
  base.push_back(nullptr);
  Assign assign;
  assign.environment = {{"OPENBLAS_CORETYPE", "Prescott"}};
  assign.attempt = 2;
  assign.rank = 5;
  const std::vector<std::string> env = TrialEnvironment(assign, base.data());
  const std::set<std::string> got(env.begin(), env.end());
  EXPECT_EQ(got, (std::set<std::string>{"PATH=/bin", "HOME=/root", "OPENBLAS_CORETYPE=Prescott",
                                        "DTS_ATTEMPT=2", "DTS_RANK=5"}));
}

// GPUs are shared by trials_per_gpu workers of a host each, counted among its workers only (the coordinator's
// host used to leave GPU 0 idle); workers beyond that, or hosts without a GPU, train on the CPU.
TEST(DeviceForTest, EachGpuGetsTrialsPerGpuWorkersAndTheRestUseTheCpu) {
  EXPECT_EQ(DeviceFor(0, 0, 1), "cpu");
  EXPECT_EQ(DeviceFor(0, 4, 1), "cuda:0");
  EXPECT_EQ(DeviceFor(3, 4, 1), "cuda:3");
  EXPECT_EQ(DeviceFor(4, 4, 1), "cpu") << "one worker per GPU by default: a fifth worker is a CPU worker";
  std::map<std::string, int> per_device;
  for (int k = 0; k < 9; ++k) ++per_device[DeviceFor(k, 4, 2)];
  EXPECT_EQ(per_device, (std::map<std::string, int>{
                            {"cuda:0", 2}, {"cuda:1", 2}, {"cuda:2", 2}, {"cuda:3", 2}, {"cpu", 1}}));
  Assign assign;
  assign.use_gpu = true;
  assign.trials_per_gpu = 2;
  EXPECT_EQ(InvocationOf(assign, /*local_rank=*/5, /*device_count=*/4).device, "cuda:1");
  assign.use_gpu = false;
  EXPECT_EQ(InvocationOf(assign, 0, 4).device, "cpu");
}

// The in-process group is one host: worker rank r is the host's worker r - 1, and the coordinator counts not.
TEST(DeviceForTest, LocalRankCountsWorkersOnly) {
  auto group = MakeInProcessGroup(4);
  EXPECT_EQ(group[1]->LocalRank(), 0);
  EXPECT_EQ(group[3]->LocalRank(), 2);
}

}  // namespace
}  // namespace dts::orchestrator
