// Lock files any host can judge (orchestrator/lease_file.h): atomic creation, the judgements (same host,
// requeued Slurm job, lease), renewal, and the sweep lock built on them.
#include "orchestrator/lease_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/host.h"
#include "common/log.h"
#include "orchestrator/sweep_lock.h"

namespace dts::orchestrator {
namespace {

namespace fs = std::filesystem;

class LeaseFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dts-lease-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "x.lock").string();
    unsetenv("SLURM_JOB_ID");
    unsetenv("SLURM_RESTART_COUNT");
  }
  void TearDown() override {
    unsetenv("SLURM_JOB_ID");
    unsetenv("SLURM_RESTART_COUNT");
    fs::remove_all(dir_);
  }
  // A lock as another host's process would write it.
  static std::string Foreign(const std::string& extra = "lease_s=0.4\n") {
    return "host=some-other-node\npid=4242\npid_start=1\nstarted=2026-01-01T00:00:00Z\n" + extra;
  }
  void Age(double seconds) {  // moves the lock's mtime into the past
    const auto past =
        fs::file_time_type::clock::now() -
        std::chrono::duration_cast<fs::file_time_type::duration>(std::chrono::duration<double>(seconds));
    fs::last_write_time(path_, past);
  }
  LockVerdict Judge(const std::string& text) {
    return JudgeLock(
        path_, text, [&](const std::string& note) { notes_ += note + "\n"; }, [] { return false; });
  }
  fs::path dir_;
  std::string path_, notes_;
};

TEST_F(LeaseFileTest, CreationIsExclusiveAndLeavesNoTemporaryFile) {
  ASSERT_TRUE(CreateLockFile(path_, "first\n"));
  EXPECT_FALSE(CreateLockFile(path_, "second\n"));
  std::string text;
  ASSERT_TRUE(ReadLockFile(path_, text));
  EXPECT_EQ(text, "first\n");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1) << "the private name is gone whether link() won or lost";
}

TEST_F(LeaseFileTest, LockTextNamesTheHolderAndTheSlurmJob) {
  setenv("SLURM_JOB_ID", "77", 1);
  setenv("SLURM_RESTART_COUNT", "2", 1);
  const LockFields fields = ParseLockText(LockText(30, {{"trial_id", "abc"}}));
  EXPECT_EQ(fields.at("host"), HostName());
  EXPECT_EQ(fields.at("pid"), std::to_string(getpid()));
  EXPECT_EQ(fields.at("lease_s"), "30");
  EXPECT_EQ(fields.at("slurm_job_id"), "77");
  EXPECT_EQ(fields.at("slurm_restart_count"), "2");
  EXPECT_EQ(fields.at("trial_id"), "abc");
  EXPECT_NE(DescribeHolder(fields).find("Slurm job 77"), std::string::npos);
}

TEST_F(LeaseFileTest, OnItsOwnHostAHolderIsJudgedByItsPid) {
  const std::string mine = LockText(0.4);
  ASSERT_TRUE(CreateLockFile(path_, mine));
  Age(100);
  EXPECT_FALSE(Judge(mine).stale) << "a live process on this host holds it, however old its mtime";
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status;
  waitpid(child, &status, 0);
  std::string dead = mine;
  dead.replace(dead.find("pid=" + std::to_string(getpid())), 4 + std::to_string(getpid()).size(),
               "pid=" + std::to_string(child));
  const LockVerdict verdict = Judge(dead);
  EXPECT_TRUE(verdict.stale);
  EXPECT_EQ(verdict.reason, "that process is gone");
}

TEST_F(LeaseFileTest, FromAnotherHostALockNotRenewedForALeaseIsStale) {
  const std::string text = Foreign();
  ASSERT_TRUE(CreateLockFile(path_, text));
  Age(5);
  const LockVerdict verdict = Judge(text);
  EXPECT_TRUE(verdict.stale);
  EXPECT_NE(verdict.reason.find("not renewed for"), std::string::npos) << verdict.reason;
}

TEST_F(LeaseFileTest, AFreshLockFromAnotherHostIsWatchedForOneLease) {
  const std::string text = Foreign();
  ASSERT_TRUE(CreateLockFile(path_, text));
  const auto start = std::chrono::steady_clock::now();
  const LockVerdict verdict = Judge(text);  // nobody renews it: stale once the lease has passed
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(verdict.stale) << verdict.reason;
  EXPECT_GE(waited, 0.3);
  EXPECT_LT(waited, 3.0);
  EXPECT_NE(notes_.find("some-other-node"), std::string::npos) << "the wait is announced, naming the holder";
}

TEST_F(LeaseFileTest, ARenewedLockIsAlive) {
  const std::string text = Foreign();
  ASSERT_TRUE(CreateLockFile(path_, text));
  LeaseRenewer renewer(path_, text, 0.4);  // the "other host" renews it
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const LockVerdict verdict = Judge(text);
  EXPECT_FALSE(verdict.stale);
  EXPECT_FALSE(verdict.changed);
  EXPECT_NE(verdict.reason.find("alive"), std::string::npos) << verdict.reason;
  renewer.Release();
  EXPECT_FALSE(fs::exists(path_)) << "released by its holder";
}

TEST_F(LeaseFileTest, AnEarlierIncarnationOfThisRequeuedSlurmJobIsStaleAtOnce) {
  setenv("SLURM_JOB_ID", "77", 1);
  setenv("SLURM_RESTART_COUNT", "1", 1);
  const std::string earlier = Foreign("lease_s=600\nslurm_job_id=77\nslurm_restart_count=0\n");
  ASSERT_TRUE(CreateLockFile(path_, earlier));
  const LockVerdict verdict = Judge(earlier);
  EXPECT_TRUE(verdict.stale);
  EXPECT_NE(verdict.reason.find("requeued job 77"), std::string::npos) << verdict.reason;
}

TEST_F(LeaseFileTest, ALockWithoutALeaseFromAnotherHostCannotBeJudged) {
  const std::string legacy = Foreign("");
  ASSERT_TRUE(CreateLockFile(path_, legacy));
  Age(1000);
  const LockVerdict verdict = Judge(legacy);
  EXPECT_FALSE(verdict.stale);
  EXPECT_NE(verdict.reason.find("renews no lease"), std::string::npos);
}

TEST_F(LeaseFileTest, ARenewerWhoseLockWasTakenOverKnowsItAndRemovesNothing) {
  const std::string mine = LockText(0.2);
  ASSERT_TRUE(CreateLockFile(path_, mine));
  LeaseRenewer renewer(path_, mine, 0.2);
  fs::remove(path_);
  ASSERT_TRUE(CreateLockFile(path_, "host=other\n"));
  for (int i = 0; i < 100 && !renewer.Lost(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(renewer.Lost());
  renewer.Release();
  std::string text;
  ASSERT_TRUE(ReadLockFile(path_, text));
  EXPECT_EQ(text, "host=other\n");
}

// The failure of issue 23: a sweep killed on one host, restarted with its coordinator on another, was
// refused by its own lock. Now a lock whose lease ran out is taken over from any host, with a note.
TEST_F(LeaseFileTest, TheSweepLockOfADeadRunOnAnotherHostIsTakenOver) {
  const std::string sweep_dir = (dir_ / "sweep").string();
  fs::create_directories(sweep_dir);
  path_ = sweep_dir + "/sweep.lock";
  ASSERT_TRUE(CreateLockFile(path_, Foreign("lease_s=0.3\n")));
  Age(10);
  std::ostringstream log;
  const EventLog events(LogIdentity{0, 1, "test", "coord"}, log);
  {
    SweepLock lock(sweep_dir, /*break_lock=*/false, 0.3, events);
    std::string text;
    ASSERT_TRUE(ReadLockFile(path_, text));
    EXPECT_EQ(ParseLockText(text).at("pid"), std::to_string(getpid()));
    EXPECT_FALSE(lock.Lost());
  }
  EXPECT_NE(log.str().find("took over the stale lock"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("some-other-node"), std::string::npos) << log.str();
  EXPECT_FALSE(fs::exists(path_)) << "released at the end";
}

TEST_F(LeaseFileTest, TheSweepLockOfALiveRunOnAnotherHostIsRefused) {
  const std::string sweep_dir = (dir_ / "sweep").string();
  fs::create_directories(sweep_dir);
  path_ = sweep_dir + "/sweep.lock";
  const std::string text = Foreign("lease_s=0.4\n");
  ASSERT_TRUE(CreateLockFile(path_, text));
  LeaseRenewer holder(path_, text, 0.4);
  std::ostringstream log;
  const EventLog events(LogIdentity{0, 1, "test", "coord"}, log);
  try {
    SweepLock lock(sweep_dir, false, 0.4, events);
    ADD_FAILURE() << "two live coordinators shared a directory";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another dts-sweep"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("alive"), std::string::npos) << e.what();
  }
  std::string now;
  ASSERT_TRUE(ReadLockFile(path_, now));
  EXPECT_EQ(now, text) << "someone else's lock is never removed";
}

}  // namespace
}  // namespace dts::orchestrator
