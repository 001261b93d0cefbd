// dts-status against real sweeps (dts-sweep --local-ranks with the synthetic trial): a sweep watched the
// whole time ends with exactly the files and results of one that is not; a sweep killed with -9 reads as
// crashed, and resumed as running then completed. DTS_SWEEP, DTS_SYNTHETIC_TRIAL and DTS_STATUS are the
// binaries.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"

namespace dts::status {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

class StatusProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dts-status-process-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "base.ini") << "[model]\nshared_layers = 1\nner_layers = 1\nre_layers = 1\n"
                                        "[train]\nmax_epochs = 3\n[data]\nfolds = 3\n";
    std::ofstream(dir_ / "sweep.ini")
        << "[sweep]\nbase = base.ini\ntrial_command = " DTS_SYNTHETIC_TRIAL
           "\ncorpus = cross_validated\nfinal_top_k = 1\nablation_seeds = 2\nprogress_every_s = 0\n"
           "[space]\nmodel.shared_layers = 1, 2\nmodel.re_layers = 1, 2\n";
    setenv("DTS_SYNTHETIC_SECONDS", "0.6", 1);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    unsetenv("DTS_SYNTHETIC_SECONDS");
  }
  pid_t StartSweep(const fs::path& out) {
    std::vector<std::string> args = {
        DTS_SWEEP, "--config", (dir_ / "sweep.ini").string(), "--out", out.string(), "--local-ranks", "3"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const std::string log = out.string() + ".stderr";
    const pid_t pid = fork();
    if (pid == 0) {
      if (!freopen(log.c_str(), "a", stderr) || !freopen("/dev/null", "w", stdout)) _exit(126);
      execv(DTS_SWEEP, argv.data());
      _exit(127);
    }
    return pid;
  }
  static int Wait(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // One `dts-status ARGS` run: its stdout, with every run of white space made one space when `join` (the view
  // wraps its sentences at 80 columns), and its exit code in `rc`.
  static std::string Status(const std::string& args, int& rc, bool join = true) {
    FILE* pipe = popen((std::string(DTS_STATUS) + " " + args + " 2>&1").c_str(), "r");
    std::string out;
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    const int status = pclose(pipe);
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (!join) return out;
    std::istringstream words(out);
    std::string word, joined;
    while (words >> word) joined += (joined.empty() ? "" : " ") + word;
    return joined;
  }
  static Json StatusJson(const fs::path& out) {
    int rc = 0;
    const std::string text = Status("--json " + out.string(), rc, /*join=*/false);
    EXPECT_EQ(rc, 0) << text;
    return Json::parse(text);
  }
  // Every file under `root`, relative.
  static std::set<std::string> Files(const fs::path& root) {
    std::set<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root))
      files.insert(fs::relative(entry.path(), root).string());
    return files;
  }
  // What a sweep computed: every row's outcome and score, every trial file's epochs' scores.
  static std::string Results(const fs::path& out) {
    std::ostringstream text;
    const auto manifest = schema::ReadSweepManifest((out / "sweep.h5").string());
    text << schema::Name(manifest.status) << "\n";
    for (const auto& row : manifest.trials) {
      text << row.trial_id << " " << row.stage << " " << row.variant << " " << row.fold << " " << row.seed
           << " " << schema::Name(row.status) << " " << row.dev_score << " " << row.attempts << "\n";
      const auto trial = schema::ReadTrialFile((out / "trials" / (row.trial_id + ".h5")).string());
      for (const auto& epoch : trial.epochs) text << "  " << epoch.epoch << " " << epoch.dev_score << "\n";
    }
    return text.str();
  }
  fs::path dir_;
};

TEST_F(StatusProcessTest, AWatchedSweepEndsWithTheFilesAndResultsOfAnUnwatchedOne) {
  const fs::path plain = dir_ / "plain", watched = dir_ / "watched";
  ASSERT_EQ(Wait(StartSweep(plain)), 0) << "see " << plain << ".stderr";

  const pid_t pid = StartSweep(watched);
  // Watch it the whole time, as hard as a script would: --json and the text view back to back.
  std::set<std::string> states;
  int snapshots = 0, with_eta = 0;
  for (;;) {
    int status = 0;
    const bool done = waitpid(pid, &status, WNOHANG) == pid;
    if (done) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "see " << watched << ".stderr";
      break;
    }
    if (!fs::exists(watched / "sweep.h5")) continue;
    const Json j = StatusJson(watched);
    states.insert(j["state"].get<std::string>());
    with_eta += j["eta"]["available"].get<bool>();
    int rc = 0;
    const std::string text = Status(watched.string(), rc);
    ASSERT_EQ(rc, 0) << text;
    ++snapshots;
  }
  EXPECT_GE(snapshots, 5);
  EXPECT_GE(with_eta, 1);
  EXPECT_TRUE(states.count("running")) << "states seen: " << Json(states).dump();
  EXPECT_EQ(StatusJson(watched)["state"], "completed");

  EXPECT_EQ(Files(watched), Files(plain));
  EXPECT_EQ(Results(watched), Results(plain));
}

TEST_F(StatusProcessTest, AKilledSweepReadsAsCrashedAndItsResumeAsRunningThenCompleted) {
  const fs::path out = dir_ / "killed";
  const pid_t pid = StartSweep(out);
  // Kill the coordinator with -9 once some trials have finished: its lock stays, its lease stops.
  for (int i = 0; i < 600; ++i) {
    if (fs::exists(out / "sweep.h5") && StatusJson(out)["eta"]["runs_done"].get<int>() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  Wait(pid);
  ASSERT_TRUE(fs::exists(out / "sweep.lock"));
  // The lock names this host and a pid that is gone: known at once, without waiting out the lease.
  Json j = StatusJson(out);
  EXPECT_EQ(j["state"], "crashed") << j.dump(2);
  EXPECT_TRUE(j["ended"].get<bool>());
  EXPECT_FALSE(j["eta"]["available"].get<bool>());
  int rc = 0;
  const std::string text = Status(out.string(), rc);
  EXPECT_NE(text.find("CRASHED"), std::string::npos) << text;
  EXPECT_NE(text.find("rerun the same dts-sweep command"), std::string::npos) << text;
  // --watch without a terminal: one snapshot, and it returns.
  const std::string watched = Status("--watch 1 " + out.string() + " </dev/null", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(watched.find("CRASHED"), std::string::npos) << watched;

  const pid_t again = StartSweep(out);
  bool saw_running = false;
  for (int i = 0; i < 600 && !saw_running; ++i) {
    saw_running = StatusJson(out)["state"] == "running";
    if (!saw_running) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(saw_running);
  EXPECT_EQ(Wait(again), 0) << "see " << out << ".stderr";
  EXPECT_EQ(StatusJson(out)["state"], "completed");
}

}  // namespace
}  // namespace dts::status
