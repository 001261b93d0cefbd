// dts-sweep as a process with real trial children (dts-synthetic-trial,
// tests/orchestrator/synthetic_trial.cc): kill -9 and restart, a trial that crashes on purpose, and the trial
// runner's isolation of a segfaulting child.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "common/exit_codes.h"
#include "config/identity.h"
#include "orchestrator/identity_base.h"
#include "orchestrator/lease_file.h"
#include "orchestrator/planner.h"
#include "orchestrator/trial_runner.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_contract.h"
#include "schema/trial_file.h"

namespace dts::orchestrator {
namespace {

namespace fs = std::filesystem;

class SweepProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dts-sweep-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    unsetenv("DTS_SYNTHETIC_SECONDS");
  }
  // The synthetic trial's whole sleep, which its children inherit.
  static void TrialSeconds(double seconds) {
    setenv("DTS_SYNTHETIC_SECONDS", std::to_string(seconds).c_str(), 1);
  }

  std::string WriteSweep(const std::string& text) {
    std::ofstream(dir_ / "base.ini") << "[model]\nshared_layers = 1\nner_layers = 1\nre_layers = 1\n"
                                        "[train]\nmax_epochs = 3\n[data]\nfolds = 3\n";
    std::ofstream(dir_ / "sweep.ini") << "[sweep]\nbase = base.ini\ntrial_command = " DTS_SYNTHETIC_TRIAL "\n"
                                      << text;
    return (dir_ / "sweep.ini").string();
  }
  // Starts dts-sweep (stderr appended to OUT.stderr); returns its pid. `cwd`: its working directory (the
  // test's if empty), which relative `sweep` and `out` are relative to.
  pid_t Start(const std::string& sweep, const fs::path& out, std::vector<std::string> extra = {},
              const std::string& ranks = "4", const fs::path& cwd = {}) {
    const std::string log = ((cwd.empty() ? out : cwd / out).string() + ".stderr");
    std::vector<std::string> args = {DTS_SWEEP,    "--config",      sweep, "--out",
                                     out.string(), "--local-ranks", ranks};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      freopen(log.c_str(), "a", stderr);
      freopen("/dev/null", "w", stdout);
      if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
      execv(DTS_SWEEP, argv.data());
      _exit(127);
    }
    return pid;
  }
  int Wait(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Wait, but kill -9 (and return -1) after `seconds`: for runs that used to hang.
  int WaitAtMost(pid_t pid, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid)
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  static std::string Slurp(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static std::map<std::string, int> Executions(const fs::path& out) {
    std::map<std::string, int> counts;
    std::ifstream in(out / "synthetic-executions.log");
    std::string line;
    while (std::getline(in, line)) {  // "<id>.h5 completed epochs=FROM..TO"
      const std::string name = line.substr(0, line.find(' '));
      ++counts[name.substr(0, name.size() - 3)];
    }
    return counts;
  }
  fs::path dir_;
};

TEST_F(SweepProcessTest, KillDashNineMidRunThenRestartCompletesEveryTrialOnceWithIdenticalResults) {
  const std::string sweep = WriteSweep(
      "corpus = cross_validated\nfinal_top_k = 1\nablation_seeds = 2\n[space]\nmodel.shared_layers = 1, 2\n"
      "model.re_layers = 1, 2\n");
  TrialSeconds(0.3);
  // The uninterrupted reference.
  ASSERT_EQ(Wait(Start(sweep, dir_ / "ref")), kExitOk) << "see " << (dir_ / "ref.stderr");
  const auto reference = schema::ReadSweepManifest((dir_ / "ref" / "sweep.h5").string());

  const fs::path out = dir_ / "killed";
  const pid_t pid = Start(sweep, out);
  // Kill once a few trials have finished and others are running.
  for (int i = 0; i < 400 && Executions(out).size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_GE(Executions(out).size(), 3u);
  kill(pid, SIGKILL);
  Wait(pid);
  const size_t before = Executions(out).size();
  ASSERT_LT(before, reference.trials.size()) << "the sweep finished before it could be killed";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // orphaned trials got SIGTERM and checkpoint
  ASSERT_EQ(Wait(Start(sweep, out)), kExitOk) << "see " << out << ".stderr";

  const auto resumed = schema::ReadSweepManifest((out / "sweep.h5").string());
  EXPECT_EQ(resumed.status, schema::TrialStatus::kCompleted);
  ASSERT_EQ(resumed.trials.size(), reference.trials.size());
  std::map<std::string, const schema::PlannedTrial*> ref_rows;
  for (const auto& row : reference.trials) ref_rows[row.trial_id] = &row;
  const auto executions = Executions(out);
  for (const auto& row : resumed.trials) {
    ASSERT_TRUE(ref_rows.count(row.trial_id)) << row.trial_id;
    EXPECT_EQ(row.status, schema::TrialStatus::kCompleted) << row.trial_id;
    EXPECT_EQ(row.dev_score, ref_rows[row.trial_id]->dev_score) << row.trial_id;
    EXPECT_EQ(executions.count(row.trial_id) ? executions.at(row.trial_id) : 0, 1)
        << "trial " << row.trial_id << " must complete exactly once";
  }
  EXPECT_EQ(executions.size(), resumed.trials.size());
}

// Issue 16: a racing search over folds killed with SIGKILL mid-run and restarted plans, trains and eliminates
// exactly as the uninterrupted run (one worker, so the order of results is the same), each trial once.
TEST_F(SweepProcessTest, RacingSweepKilledAndRestartedContinuesIdentically) {
  const std::string sweep = WriteSweep(
      "corpus = cross_validated\nsearch_on = folds\nracing = t_test\nracing_min_folds = 2\n"
      "stages = search,final\n[base]\ndata.folds = 5\n[space]\nmodel.shared_layers = 1, 2, 3\n"
      "model.re_layers = 1, 2\n");
  TrialSeconds(0.2);
  ASSERT_EQ(Wait(Start(sweep, dir_ / "ref", {}, "2")), kExitOk) << "see " << (dir_ / "ref.stderr");
  const auto reference = schema::ReadSweepManifest((dir_ / "ref" / "sweep.h5").string());
  ASSERT_FALSE(reference.eliminations.empty()) << "the test needs eliminations";
  int search_rows = 0;
  for (const auto& row : reference.trials) search_rows += row.stage == "search";
  EXPECT_LT(search_rows, 6 * 5) << "racing trains fewer than every fold of every configuration";

  const fs::path out = dir_ / "killed";
  for (size_t kill_after : {3u, 9u}) {
    const pid_t pid = Start(sweep, out, {}, "2");
    const size_t start = Executions(out).size();
    for (int i = 0; i < 600 && Executions(out).size() < start + kill_after; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(pid, SIGKILL);
    Wait(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the orphan checkpoints and exits
  }
  ASSERT_LT(Executions(out).size(), reference.trials.size()) << "the sweep finished before it was killed";
  ASSERT_EQ(Wait(Start(sweep, out, {}, "2")), kExitOk) << "see " << out << ".stderr";
  const auto resumed = schema::ReadSweepManifest((out / "sweep.h5").string());
  EXPECT_EQ(resumed.status, schema::TrialStatus::kCompleted);
  ASSERT_EQ(resumed.trials.size(), reference.trials.size());
  for (size_t i = 0; i < resumed.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].trial_id, reference.trials[i].trial_id) << "row " << i;
    EXPECT_EQ(resumed.trials[i].dev_score, reference.trials[i].dev_score) << "row " << i;
    EXPECT_EQ(resumed.trials[i].status, schema::TrialStatus::kCompleted) << "row " << i;
  }
  ASSERT_EQ(resumed.eliminations.size(), reference.eliminations.size());
  for (size_t i = 0; i < resumed.eliminations.size(); ++i) {
    EXPECT_EQ(resumed.eliminations[i].config_id, reference.eliminations[i].config_id);
    EXPECT_EQ(resumed.eliminations[i].after_fold, reference.eliminations[i].after_fold);
  }
  const auto executions = Executions(out);
  for (const auto& row : resumed.trials)
    EXPECT_EQ(executions.count(row.trial_id) ? executions.at(row.trial_id) : 0, 1)
        << "trial " << row.trial_id << " must complete exactly once";
}

// Issue 26: ASHA then racing killed with SIGKILL in its rungs and in its race, and restarted, promotes, races
// and eliminates exactly as the uninterrupted run (one worker); every (trial, budget) is trained once, and
// the final stage trains nothing (the race trained its runs).
TEST_F(SweepProcessTest, AshaThenRaceKilledAndRestartedContinuesIdentically) {
  const std::string sweep = WriteSweep(
      "corpus = cross_validated\nstrategy = asha\nbudget = 9\nmin_epochs = 1\nreduction_factor = 3\n"
      "max_epochs = 3\nsearch_on = folds\nracing = t_test\nracing_min_folds = 2\nstages = search,final\n"
      "[base]\ndata.folds = 5\n[space]\nmodel.shared_layers = 1, 2, 3\nmodel.re_layers = 0, 1, 2\n");
  TrialSeconds(0.2);
  // "<id>.h5 completed epochs=FROM..TO": per (trial, budget reached), how often it was trained to it.
  auto trainings = [](const fs::path& out) {
    std::map<std::pair<std::string, std::string>, int> counts;
    std::ifstream in(out / "synthetic-executions.log");
    for (std::string line; std::getline(in, line);) {
      const std::string name = line.substr(0, line.find(' '));
      ++counts[{name.substr(0, name.size() - 3), line.substr(line.find("..") + 2)}];
    }
    return counts;
  };
  ASSERT_EQ(Wait(Start(sweep, dir_ / "ref", {}, "2")), kExitOk) << "see " << (dir_ / "ref.stderr");
  const auto reference = schema::ReadSweepManifest((dir_ / "ref" / "sweep.h5").string());
  ASSERT_FALSE(reference.eliminations.empty()) << "the test needs eliminations";
  int search_rows = 0, race_rows = 0;
  for (const auto& row : reference.trials) {
    search_rows += row.stage == "search";
    race_rows += row.variant == schema::kRaceVariant;
    if (row.stage == "final") {
      EXPECT_EQ(row.variant, schema::kReusedVariant);
    }
  }
  ASSERT_GT(race_rows, 0);
  EXPECT_GT(search_rows, 9 + race_rows) << "promotions";
  EXPECT_EQ(static_cast<int>(Executions(dir_ / "ref").size()), 9 + race_rows)
      << "one trial per configuration on fold 0 and per race run, none for the final stage";

  const fs::path out = dir_ / "killed";
  for (size_t kill_after : {4u, 11u}) {  // rung 0 (9 configurations), then in the race
    const pid_t pid = Start(sweep, out, {}, "2");
    size_t done = 0;
    for (const auto& [key, n] : trainings(out)) done += n;
    const size_t start = done;
    for (int i = 0; i < 600 && done < start + kill_after; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      done = 0;
      for (const auto& [key, n] : trainings(out)) done += n;
    }
    kill(pid, SIGKILL);
    Wait(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the orphan checkpoints and exits
  }
  ASSERT_EQ(Wait(Start(sweep, out, {}, "2")), kExitOk) << "see " << out << ".stderr";
  const auto resumed = schema::ReadSweepManifest((out / "sweep.h5").string());
  EXPECT_EQ(resumed.status, schema::TrialStatus::kCompleted);
  ASSERT_EQ(resumed.trials.size(), reference.trials.size());
  for (size_t i = 0; i < resumed.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].trial_id, reference.trials[i].trial_id) << "row " << i;
    EXPECT_EQ(resumed.trials[i].variant, reference.trials[i].variant) << "row " << i;
    EXPECT_EQ(resumed.trials[i].status, reference.trials[i].status) << "row " << i;
    EXPECT_EQ(resumed.trials[i].dev_score, reference.trials[i].dev_score) << "row " << i;
  }
  ASSERT_EQ(resumed.eliminations.size(), reference.eliminations.size());
  for (size_t i = 0; i < resumed.eliminations.size(); ++i) {
    EXPECT_EQ(resumed.eliminations[i].config_id, reference.eliminations[i].config_id);
    EXPECT_EQ(resumed.eliminations[i].after_fold, reference.eliminations[i].after_fold);
  }
  EXPECT_EQ(trainings(out), trainings(dir_ / "ref"))
      << "each (trial, budget) trained once, as in the reference";
}

TEST_F(SweepProcessTest, CrashingTrialIsClassifiedAndTheRestComplete) {
  // debug.fault = crash at epoch 1 hits only the grid point with fault_epoch 1 (3 epochs: 5, 6 never come).
  const std::string sweep = WriteSweep(
      "stages = search\nmax_retries = 1\n[space]\ndebug.fault_epoch = 1, 5, 6\n[base]\ndebug.fault = "
      "crash\n");
  TrialSeconds(0.01);
  // The sweep runs to its end and says, by its exit code, that a trial failed.
  ASSERT_EQ(Wait(Start(sweep, dir_ / "out")), kExitTrialsFailed);
  const auto m = schema::ReadSweepManifest((dir_ / "out" / "sweep.h5").string());
  ASSERT_EQ(m.trials.size(), 3u);
  int failed = 0;
  for (const auto& row : m.trials) {
    if (row.config_ini.find("fault_epoch = 1\n") != std::string::npos) {
      ++failed;
      EXPECT_EQ(row.status, schema::TrialStatus::kFailed);
      EXPECT_EQ(row.attempts, 2) << "crashed trials are retried max_retries times";
      EXPECT_NE(row.failure.find("crashed: killed by signal 11"), std::string::npos) << row.failure;
    } else {
      EXPECT_EQ(row.status, schema::TrialStatus::kCompleted) << row.failure;
      // The sweep's result is the trial file's: its selected dev score.
      const auto trial = schema::ReadTrialFile((dir_ / "out" / "trials" / (row.trial_id + ".h5")).string());
      EXPECT_EQ(trial.status, schema::TrialStatus::kCompleted);
      EXPECT_EQ(row.dev_score, schema::SelectedDevScore(trial));
    }
  }
  EXPECT_EQ(failed, 1);
}

TEST_F(SweepProcessTest, AshaPromotionResumesTheSameTrialFileWithALargerBudget) {
  const std::string sweep = WriteSweep(
      "strategy = asha\nbudget = 6\nmin_epochs = 1\nreduction_factor = 3\nmax_epochs = 3\nstages = search\n"
      "[space]\nmodel.shared_layers = int(1, 3)\nmodel.re_layers = int(0, 3)\n");
  TrialSeconds(0.02);
  const fs::path out = dir_ / "out";
  ASSERT_EQ(Wait(Start(sweep, out)), kExitOk) << "see " << out << ".stderr";
  const auto m = schema::ReadSweepManifest((out / "sweep.h5").string());
  int promoted = 0;
  for (const auto& row : m.trials) {
    promoted += row.status == schema::TrialStatus::kPromoted;
    // Rung k's row and the trial file agree on the trial; a promoted trial's file went on to the next rung.
    const auto trial = schema::ReadTrialFile((out / "trials" / (row.trial_id + ".h5")).string());
    EXPECT_EQ(trial.trial_id, row.trial_id);
    if (row.status == schema::TrialStatus::kPromoted) {
      EXPECT_EQ(trial.epochs_run, 3);
    }
  }
  EXPECT_GE(promoted, 2);  // 6 configurations, eta 3
  // Every promoted trial's second run went on from epoch 1 of the same file: "completed epochs=1..3".
  std::ifstream in(out / "synthetic-executions.log");
  std::string line;
  int resumed = 0, fresh = 0;
  while (std::getline(in, line)) {
    resumed += line.find("epochs=1..3") != std::string::npos;
    fresh += line.find("epochs=0..1") != std::string::npos;
  }
  EXPECT_EQ(resumed, promoted);
  EXPECT_EQ(fresh, 6);
}

TEST_F(SweepProcessTest, ATrialFileThatDoesNotReadBackIsSetAsideAndTheTrialStartsOver) {
  TrialSeconds(0);
  Assign a;
  a.trial_id = "t";
  a.command = DTS_SYNTHETIC_TRIAL;
  a.config_ini = "[train]\nmax_epochs = 2\n";
  a.config_path = (dir_ / "trials" / "t.ini").string();
  a.trial_path = (dir_ / "trials" / "t.h5").string();
  a.log_path = (dir_ / "t.log").string();
  ASSERT_EQ(RunChildTrial(a, 0, 0).failure, schema::FailureClass::kNone);
  // Damage it: the first half only, as a disk or a copy might leave it.
  const auto size = fs::file_size(a.trial_path);
  fs::resize_file(a.trial_path, size / 2);
  a.resume = true;
  const Result again = RunChildTrial(a, 0, 0);
  EXPECT_EQ(again.failure, schema::FailureClass::kNone) << again.message;
  EXPECT_TRUE(fs::exists(a.trial_path + ".damaged"));
  const auto trial = schema::ReadTrialFile(a.trial_path);
  EXPECT_EQ(trial.status, schema::TrialStatus::kCompleted);
  EXPECT_EQ(trial.epochs_run, 2);
  std::ifstream log(a.log_path);
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("set aside as"), std::string::npos) << text.str();
}

TEST_F(SweepProcessTest, ChildTrialFailuresComeFromTheWaitStatusAndResultsFromTheTrialFile) {
  auto run = [&](const std::string& ini, bool resume = false) {
    Assign a;
    a.trial_id = "t";
    a.command = DTS_SYNTHETIC_TRIAL;
    a.config_ini = ini;
    a.config_path = (dir_ / "trials" / "t.ini").string();
    a.trial_path = (dir_ / "trials" / "t.h5").string();
    a.log_path = (dir_ / "t.log").string();
    a.resume = resume;
    return RunChildTrial(a, 0, 0);
  };
  TrialSeconds(0);
  Result ok = run("[train]\nmax_epochs = 2\n");
  EXPECT_EQ(ok.failure, schema::FailureClass::kNone) << ok.message;
  EXPECT_GT(ok.dev_score, 0);
  EXPECT_EQ(ok.dev_score,
            schema::SelectedDevScore(schema::ReadTrialFile((dir_ / "trials" / "t.h5").string())));
  fs::remove(dir_ / "trials" / "t.h5");
  Result segv = run("[debug]\nfault = crash\n");
  EXPECT_EQ(segv.failure, schema::FailureClass::kCrashed);
  EXPECT_EQ(segv.term_signal, SIGSEGV);
  Result abrt = run("[debug]\nfault = abort\n");
  EXPECT_EQ(abrt.term_signal, SIGABRT);
  Result nan = run("[debug]\nfault = nan\n");
  EXPECT_EQ(nan.failure, schema::FailureClass::kDiverged);
  EXPECT_NE(nan.message.find("injected NaN"), std::string::npos) << nan.message;
  Result bad = run("[model]\nshared_layers = 4\n");
  EXPECT_EQ(bad.failure, schema::FailureClass::kBadConfig);
  EXPECT_NE(bad.message.find("model.shared_layers = 4 is out of range"), std::string::npos) << bad.message;
  Assign missing;
  missing.trial_id = "m";
  missing.command = "/nonexistent/dts-train";
  missing.config_path = (dir_ / "trials" / "m.ini").string();
  missing.trial_path = (dir_ / "trials" / "m.h5").string();
  missing.log_path = (dir_ / "m.log").string();
  EXPECT_EQ(RunChildTrial(missing, 0, 0).failure, schema::FailureClass::kInfrastructure);
  Assign hang;
  hang = missing;
  hang.command = DTS_SYNTHETIC_TRIAL;
  hang.config_ini = "[debug]\nfault = hang\n";
  hang.timeout_s = 0.5;
  const Result hung = RunChildTrial(hang, 0, 0);
  EXPECT_EQ(hung.failure, schema::FailureClass::kCrashed);
  EXPECT_EQ(hung.term_signal, SIGKILL);
  EXPECT_NE(hung.message.find("timed out"), std::string::npos);
}

// Issue 15: one directory, one sweep. A second dts-sweep on a directory in use is refused, naming the holder;
// the lock of a run that was killed is taken over; a lock from another host is refused with the command that
// breaks it.
TEST_F(SweepProcessTest, SecondSweepOnADirectoryInUseIsRefusedAndAStaleLockIsTakenOver) {
  const std::string sweep = WriteSweep("stages = search\n[space]\nmodel.shared_layers = 1, 2\n");
  TrialSeconds(2);
  const fs::path out = dir_ / "out";
  const pid_t first = Start(sweep, out);
  struct KillOnExit {
    pid_t pid;
    ~KillOnExit() {
      if (pid > 0) kill(pid, SIGKILL);  // when an ASSERT returned early
    }
  } guard{first};
  for (int i = 0; i < 400 && !fs::exists(out / "trials"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(fs::exists(out / "sweep.lock"));
  EXPECT_EQ(WaitAtMost(Start(sweep, out), 30), kExitUsage);
  const std::string refused = Slurp(out.string() + ".stderr");
  EXPECT_NE(refused.find("is in use by another dts-sweep"), std::string::npos) << refused;
  EXPECT_NE(refused.find("pid " + std::to_string(first)), std::string::npos) << refused;
  kill(first, SIGKILL);
  Wait(first);
  guard.pid = -1;
  ASSERT_TRUE(fs::exists(out / "sweep.lock")) << "a killed run leaves its lock";
  TrialSeconds(0.01);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // orphaned trials checkpoint and exit
  ASSERT_EQ(WaitAtMost(Start(sweep, out), 60), kExitOk) << Slurp(out.string() + ".stderr");
  EXPECT_NE(Slurp(out.string() + ".stderr").find("took over the stale lock"), std::string::npos);
  EXPECT_FALSE(fs::exists(out / "sweep.lock")) << "released at exit";
}

TEST_F(SweepProcessTest, LockHeldOnAnotherHostIsRefusedWithTheCommandThatBreaksIt) {
  const std::string sweep = WriteSweep("stages = search\n[space]\nmodel.shared_layers = 1, 2\n");
  TrialSeconds(0.01);
  const fs::path out = dir_ / "out";
  fs::create_directories(out);
  std::ofstream(out / "sweep.lock")
      << "host=elsewhere.example\npid=1\npid_start=1\nstarted=2026-01-01T00:00:00Z\n";
  EXPECT_EQ(WaitAtMost(Start(sweep, out), 30), kExitUsage);
  const std::string refused = Slurp(out.string() + ".stderr");
  EXPECT_NE(refused.find("host elsewhere.example pid 1 since 2026-01-01T00:00:00Z"), std::string::npos)
      << refused;
  EXPECT_NE(refused.find("rm " + (out / "sweep.lock").string()), std::string::npos) << refused;
  EXPECT_TRUE(fs::exists(out / "sweep.lock")) << "someone else's lock is never removed";
  EXPECT_FALSE(fs::exists(out / "trials"));
  EXPECT_EQ(WaitAtMost(Start(sweep, out, {"--break-lock"}), 60), kExitOk) << Slurp(out.string() + ".stderr");
}

// Issue 15: --out holding another sweep is not taken over silently.
TEST_F(SweepProcessTest, DirectoryOfAnotherSweepIsRefusedUnlessAdopted) {
  TrialSeconds(0.01);
  const std::string first =
      WriteSweep("name = first\nstages = search\n[space]\nmodel.shared_layers = 1, 2\n");
  const fs::path out = dir_ / "out";
  ASSERT_EQ(WaitAtMost(Start(first, out), 60), kExitOk) << Slurp(out.string() + ".stderr");
  const std::string second =
      WriteSweep("name = second\nstages = search\n[space]\nmodel.shared_layers = 1, 3\n");
  EXPECT_EQ(WaitAtMost(Start(second, out), 30), kExitUsage);
  const std::string refused = Slurp(out.string() + ".stderr");
  EXPECT_NE(refused.find("holds sweep 'first', not 'second'"), std::string::npos) << refused;
  EXPECT_NE(refused.find("--adopt"), std::string::npos) << refused;
  EXPECT_EQ(schema::ReadSweepManifest((out / "sweep.h5").string()).sweep_name, "first") << "left untouched";
  EXPECT_FALSE(fs::exists(out / "sweep.lock"));
  EXPECT_EQ(WaitAtMost(Start(second, out, {"--adopt"}), 60), kExitOk) << Slurp(out.string() + ".stderr");
  EXPECT_EQ(schema::ReadSweepManifest((out / "sweep.h5").string()).sweep_name, "second");
}

// Issue 15: a failed sweep.h5 write used to hang the sweep forever (the writer thread spun holding its
// mutex).
TEST_F(SweepProcessTest, FailedManifestWriteStopsWithAnIoErrorNamingTheFile) {
  const std::string sweep = WriteSweep("stages = search\n[space]\nmodel.shared_layers = 1, 2\n");
  TrialSeconds(0.01);
  const fs::path out = dir_ / "out";
  fs::create_directories(out / "sweep.h5.tmp");  // the atomic write's temp file cannot be created
  EXPECT_EQ(WaitAtMost(Start(sweep, out), 30), kExitIo) << "hung, or another exit";
  const std::string log = Slurp(out.string() + ".stderr");
  EXPECT_NE(log.find((out / "sweep.h5").string()), std::string::npos) << log;
}

// Issue 15: relative paths are relative to the INI file naming them, so a sweep started from another working
// directory finds its corpus; a missing input file is refused before anything is written to --out.
TEST_F(SweepProcessTest, PathsResolveAgainstTheirFileAndMissingInputsAreRefusedLeavingNothing) {
  TrialSeconds(0.01);
  fs::create_directories(dir_ / "cfg" / "data");
  std::ofstream(dir_ / "cfg" / "data" / "corpus.json") << "[]\n";
  std::ofstream(dir_ / "cfg" / "base.ini") << "[data]\npath = data/corpus.json\nformat = json\nfolds = 3\n"
                                              "[train]\nmax_epochs = 2\n";
  const std::string head = "[sweep]\nbase = base.ini\ntrial_command = " DTS_SYNTHETIC_TRIAL
                           "\nstages = search\ncorpus = cross_validated\n";
  std::ofstream(dir_ / "cfg" / "sweep.ini") << head << "[space]\nmodel.shared_layers = 1, 2\n";
  const fs::path out = dir_ / "out";
  ASSERT_EQ(WaitAtMost(Start((dir_ / "cfg" / "sweep.ini").string(), out), 60), kExitOk)
      << Slurp(out.string() + ".stderr");
  const auto m = schema::ReadSweepManifest((out / "sweep.h5").string());
  ASSERT_FALSE(m.trials.empty());
  const std::string expected = "path = " + (dir_ / "cfg" / "data" / "corpus.json").string() + "\n";
  EXPECT_NE(m.trials[0].config_ini.find(expected), std::string::npos) << m.trials[0].config_ini;

  std::ofstream(dir_ / "cfg" / "missing.ini")
      << head << "[space]\nmodel.shared_layers = 1, 2\n[base]\ndata.split_file = splits/none.json\n";
  const fs::path refused = dir_ / "refused";
  EXPECT_EQ(WaitAtMost(Start((dir_ / "cfg" / "missing.ini").string(), refused), 30), kExitBadInput);
  const std::string log = Slurp(refused.string() + ".stderr");
  EXPECT_NE(log.find("missing.ini:9: data.split_file = " + (dir_ / "cfg" / "splits" / "none.json").string()),
            std::string::npos)
      << log;
  EXPECT_FALSE(fs::exists(refused)) << "a refused sweep leaves nothing behind";
}

// A sweep on a corpus named by a relative path (data/corpus.json beside cfg/sweep.ini), so that its trial
// ids have a path value in them; returns the sweep file.
fs::path WriteCorpusSweep(const fs::path& dir) {
  fs::create_directories(dir / "cfg" / "data");
  std::ofstream(dir / "cfg" / "data" / "corpus.json") << "[]\n";
  std::ofstream(dir / "cfg" / "sweep.ini")
      << "[sweep]\ntrial_command = " DTS_SYNTHETIC_TRIAL
         "\nstages = search,final\ncorpus = cross_validated\nfinal_top_k = 1\n"
         "[space]\nmodel.shared_layers = 1, 2\nmodel.re_layers = 1, 2\n"
         "[base]\ndata.path = data/corpus.json\ndata.format = json\ndata.folds = 3\ntrain.max_epochs = 2\n";
  return dir / "cfg" / "sweep.ini";
}

size_t ExecutionLines(const fs::path& out) {
  std::ifstream in(out / "synthetic-executions.log");
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

size_t TrialFiles(const fs::path& out) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(out / "trials")) files += entry.path().extension() == ".h5";
  return files;
}

// Issue 23: trial ids took path values relative to the coordinator's working directory, so the same command
// rerun on the same --out from another directory ran every trial again (and the report counted both sets).
TEST_F(SweepProcessTest, RerunOnTheSameOutFromAnotherWorkingDirectoryRunsNoTrialAgain) {
  TrialSeconds(0.01);
  WriteCorpusSweep(dir_);
  fs::create_directories(dir_ / "x");
  fs::create_directories(dir_ / "y" / "z");
  const fs::path out = dir_ / "out";
  ASSERT_EQ(WaitAtMost(Start("../cfg/sweep.ini", "../out", {}, "4", dir_ / "x"), 60), kExitOk)
      << Slurp(dir_ / "x" / "../out.stderr");
  const auto first = schema::ReadSweepManifest((out / "sweep.h5").string());
  const size_t executions = ExecutionLines(out), files = TrialFiles(out);
  ASSERT_GT(executions, 0u);
  EXPECT_EQ(first.identity_base, std::optional<std::string>("")) << "a new sweep records the new rule";

  ASSERT_EQ(WaitAtMost(Start("../../cfg/sweep.ini", "../../out", {}, "4", dir_ / "y" / "z"), 60), kExitOk)
      << Slurp(out.string() + ".stderr");
  EXPECT_EQ(ExecutionLines(out), executions) << Slurp(out.string() + ".stderr");
  EXPECT_EQ(TrialFiles(out), files);
  const auto second = schema::ReadSweepManifest((out / "sweep.h5").string());
  ASSERT_EQ(second.trials.size(), first.trials.size());
  for (size_t i = 0; i < first.trials.size(); ++i)
    EXPECT_EQ(second.trials[i].trial_id, first.trials[i].trial_id);
  EXPECT_NE(Slurp(out.string() + ".stderr").find("trial ids: path values relative to the sweep directory"),
            std::string::npos);
}

// Issue 23: a sweep directory planned before that fix has ids relative to the working directory it was
// started from. Resumed from elsewhere, it finds that directory from its ids, runs none of its finished
// trials again, and records the directory so that it keeps planning the same ids.
TEST_F(SweepProcessTest, SweepDirectoryPlannedUnderTheOldWorkingDirectoryRuleResumesWithoutRerunning) {
  TrialSeconds(0.01);
  WriteCorpusSweep(dir_);
  fs::create_directories(dir_ / "y" / "z");
  const fs::path out = dir_ / "out";
  ASSERT_EQ(WaitAtMost(Start("sweep.ini", "../out", {}, "4", dir_ / "cfg"), 60), kExitOk)
      << Slurp(out.string() + ".stderr");
  // Turn it into the directory the old rule left, started from cfg/: every id and trial file re-keyed, and no
  // identity_base attribute.
  const IdentityBase then{fs::weakly_canonical(dir_ / "cfg"), /*legacy=*/true};  // what getcwd said
  const std::string fingerprint = config::DataFingerprint((dir_ / "cfg" / "data" / "corpus.json").string());
  schema::SweepManifest legacy = schema::ReadSweepManifest((out / "sweep.h5").string());
  std::map<std::string, std::string> renamed;
  for (auto& row : legacy.trials) {
    const std::string old_id = RowTrialId(row, then, fingerprint);
    ASSERT_NE(old_id, RowTrialId(row, SweepDirectoryBase(out), fingerprint))
        << "the rules must disagree for this test to mean anything";
    if (renamed.emplace(row.trial_id, old_id).second && old_id != row.trial_id) {
      schema::TrialFile file = schema::ReadTrialFile((out / "trials" / (row.trial_id + ".h5")).string());
      file.trial_id = old_id;
      file.config_id = config::ConfigId(then.Text(RowConfig(row)));
      schema::WriteTrialFile((out / "trials" / (old_id + ".h5")).string(), file);
      for (const char* extension : {".h5", ".ini", ".log", ".lock"})
        fs::remove(out / "trials" / (row.trial_id + extension));
    }
    row.trial_id = old_id;
    row.config_id = config::ConfigId(then.Text(RowConfig(row)));
  }
  legacy.identity_base.reset();
  schema::WriteSweepManifest((out / "sweep.h5").string(), legacy);
  const size_t executions = ExecutionLines(out);

  ASSERT_EQ(WaitAtMost(Start("../../cfg/sweep.ini", "../../out", {}, "4", dir_ / "y" / "z"), 60), kExitOk)
      << Slurp(out.string() + ".stderr");
  const std::string log = Slurp(out.string() + ".stderr");
  EXPECT_EQ(ExecutionLines(out), executions) << log;
  EXPECT_EQ(TrialFiles(out), renamed.size());
  const auto resumed = schema::ReadSweepManifest((out / "sweep.h5").string());
  ASSERT_EQ(resumed.trials.size(), legacy.trials.size());
  for (size_t i = 0; i < legacy.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].trial_id, legacy.trials[i].trial_id);
    EXPECT_EQ(resumed.trials[i].status, schema::TrialStatus::kCompleted);
  }
  ASSERT_TRUE(resumed.identity_base.has_value());
  EXPECT_EQ(fs::path(*resumed.identity_base), then.dir);
  EXPECT_NE(log.find("legacy rule"), std::string::npos) << log;
  EXPECT_NE(log.find(then.dir.string()), std::string::npos) << log;
}

// Issue 15: a grid is counted before it is built; a huge one is refused with its size.
TEST_F(SweepProcessTest, HugeGridIsRefusedAtOnceWithItsSize) {
  const std::string sweep = WriteSweep(
      "stages = search\n[space]\ntrain.patience = int(0, 99999)\ntrain.max_epochs = int(1, 100000)\n"
      "model.shared_layers = 1, 2\n");
  const fs::path out = dir_ / "out";
  EXPECT_EQ(WaitAtMost(Start(sweep, out), 20), kExitBadConfig);
  const std::string log = Slurp(out.string() + ".stderr");
  EXPECT_NE(log.find("grid of 2e+10 points"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(out));
}

// Issue 15: a sweep without [space] is one configuration, and says so.
TEST_F(SweepProcessTest, SweepWithoutSpaceRunsTheBaseConfigurationAndSaysSo) {
  const std::string sweep = WriteSweep("stages = search\nsearch_seeds = 2\n");
  TrialSeconds(0.01);
  const fs::path out = dir_ / "out";
  ASSERT_EQ(WaitAtMost(Start(sweep, out), 60), kExitOk) << Slurp(out.string() + ".stderr");
  EXPECT_NE(Slurp(out.string() + ".stderr")
                .find("has no [space]: the search stage runs the base configuration alone"),
            std::string::npos);
  EXPECT_EQ(schema::ReadSweepManifest((out / "sweep.h5").string()).trials.size(), 2u);
}

// Issue 15: one writer per trial file. A runner waits while another process (an orphaned attempt) holds the
// trial's lock, then resumes from the file that one left; a running child holds the lock itself.
TEST_F(SweepProcessTest, TrialFileHasOneWriterAtATime) {
  Assign a;
  a.trial_id = "t";
  a.command = DTS_SYNTHETIC_TRIAL;
  a.config_ini = "[train]\nmax_epochs = 2\n";
  a.config_path = (dir_ / "trials" / "t.ini").string();
  a.trial_path = (dir_ / "trials" / "t.h5").string();
  a.log_path = (dir_ / "t.log").string();
  fs::create_directories(dir_ / "trials");
  const std::string lock = TrialLockPath(a.trial_path);
  EXPECT_EQ(lock, (dir_ / "trials" / "t.lock").string());
  TrialSeconds(0.01);
  const int fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);  // the "orphan"
  Result waited;
  std::thread runner([&] { waited = RunChildTrial(a, 0, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(fs::exists(dir_ / "t.log")) << "started while another process held the trial";
  close(fd);
  runner.join();
  EXPECT_EQ(waited.failure, schema::FailureClass::kNone) << waited.message;

  TrialSeconds(1.5);
  fs::remove(a.trial_path);
  Result slow;
  std::thread running([&] { slow = RunChildTrial(a, 0, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int probe = open(lock.c_str(), O_RDWR | O_CLOEXEC);
  EXPECT_NE(flock(probe, LOCK_EX | LOCK_NB), 0) << "nobody holds the trial's lock while its child runs";
  close(probe);
  running.join();
  EXPECT_EQ(slow.failure, schema::FailureClass::kNone) << slow.message;
}

// Where flock does not reach other hosts (Lustre localflock, BeeGFS) or does not work at all, the trial's
// lease keeps one writer per trial file: a runner waits for a live lease of another host's worker, and the
// wait is not the attempt's time (its timeout counts from the spawn).
TEST_F(SweepProcessTest, ALiveLeaseFromAnotherHostKeepsTheTrialAndTheWaitIsNotItsTime) {
  Assign a;
  a.trial_id = "t";
  a.command = DTS_SYNTHETIC_TRIAL;
  a.config_ini = "[train]\nmax_epochs = 2\n";
  a.config_path = (dir_ / "trials" / "t.ini").string();
  a.trial_path = (dir_ / "trials" / "t.h5").string();
  a.log_path = (dir_ / "t.log").string();
  a.lease_s = 0.4;
  a.timeout_s = 1.5;
  fs::create_directories(dir_ / "trials");
  const std::string lease = TrialLeasePath(a.trial_path);
  EXPECT_EQ(lease, (dir_ / "trials" / "t.lease").string());
  const std::string text = "host=another-node\npid=4242\npid_start=1\nstarted=x\nlease_s=0.4\n";
  ASSERT_TRUE(CreateLockFile(lease, text));
  auto holder = std::make_unique<LeaseRenewer>(lease, text, 0.4);  // another host's worker, alive
  TrialSeconds(0.5);
  Result waited;
  const auto start = std::chrono::steady_clock::now();
  std::thread runner([&] { waited = RunChildTrial(a, 0, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_FALSE(fs::exists(dir_ / "t.log")) << "started while another host's worker held the trial's lease";
  holder.reset();  // that worker lets go
  runner.join();
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(waited.failure, schema::FailureClass::kNone) << waited.message;
  EXPECT_GT(total, 2.0);
  EXPECT_LT(waited.seconds, 1.5)
      << "the attempt's time (and its timeout) counts from the spawn, not the wait";
  EXPECT_FALSE(fs::exists(lease)) << "released with the attempt";
  for (const auto& entry : fs::directory_iterator(dir_ / "trials"))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

// NFSv3 without statd answers flock with ENOLCK (Lustre mounted noflock: ENOSYS): every trial used to fail.
// Now the worker says so once and keeps one writer per trial with the lease alone.
TEST_F(SweepProcessTest, AFileSystemWithoutFlockRunsTheSweepOnLeases) {
  const std::string sweep = WriteSweep("stages = search\n[space]\nmodel.hidden = 16, 32, 48\n");
  TrialSeconds(0.05);
  setenv("LD_PRELOAD", DTS_NO_FLOCK, 1);
  const int rc = Wait(Start(sweep, dir_ / "out"));
  unsetenv("LD_PRELOAD");
  ASSERT_EQ(rc, kExitOk) << Slurp((dir_ / "out").string() + ".stderr");
  const std::string log = Slurp((dir_ / "out").string() + ".stderr");
  EXPECT_NE(log.find("this file system has no flock"), std::string::npos) << log;
  const auto m = schema::ReadSweepManifest((dir_ / "out" / "sweep.h5").string());
  ASSERT_EQ(m.trials.size(), 3u);
  for (const auto& row : m.trials) EXPECT_EQ(row.status, schema::TrialStatus::kCompleted) << row.trial_id;
}

}  // namespace
}  // namespace dts::orchestrator
