#include "schema/sweep_manifest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"
#include "schema/internal/h5.h"
#include "schema/trial_file.h"
#include "schema/trial_schema.h"

namespace dts::schema {
namespace {

namespace fs = std::filesystem;

fs::path TestDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("dts-manifest-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(SweepManifestTest, RoundTripsEveryField) {
  const fs::path dir = TestDir("roundtrip");
  SweepManifest in;
  in.sweep_name = "demo";
  in.sweep_ini = "[sweep]\nstrategy = asha\n";
  in.status = TrialStatus::kInterrupted;
  in.dts_version = "0.1.0-abc";
  for (int i = 0; i < 150; ++i) {  // more rows than one chunk
    PlannedTrial t;
    t.trial_id = "id" + std::to_string(i);
    t.stage = i < 100 ? "search" : (i < 140 ? "final" : "ablation");
    t.config_id = "cfg" + std::to_string(i % 7);
    t.variant = i >= 140 ? "no_re_specific" : "";
    t.fold = i % 10;
    t.seed = 18446744073709551000ULL + static_cast<unsigned>(i);
    t.status = i % 3 == 0 ? TrialStatus::kCompleted : TrialStatus::kPlanned;
    t.failure = i == 5 ? "crashed: signal 9" : "";
    t.attempts = i % 4;
    t.seconds = i * 1.5;
    t.dev_score = i % 2 ? -1 : 50 + i * 0.25;
    t.config_ini = "[model]\nshared_layers = " + std::to_string(1 + i % 3) + "\n";
    in.trials.push_back(t);
  }
  const std::string path = (dir / "sweep.h5").string();
  WriteSweepManifest(path, in);
  const SweepManifest out = ReadSweepManifest(path);
  EXPECT_EQ(out.sweep_name, in.sweep_name);
  EXPECT_EQ(out.sweep_ini, in.sweep_ini);
  EXPECT_EQ(out.status, in.status);
  EXPECT_EQ(out.dts_version, in.dts_version);
  ASSERT_EQ(out.trials.size(), in.trials.size());
  for (std::size_t i = 0; i < in.trials.size(); ++i) {
    const PlannedTrial& a = in.trials[i];
    const PlannedTrial& b = out.trials[i];
    EXPECT_EQ(a.trial_id, b.trial_id);
    EXPECT_EQ(a.stage, b.stage);
    EXPECT_EQ(a.config_id, b.config_id);
    EXPECT_EQ(a.variant, b.variant);
    EXPECT_EQ(a.fold, b.fold);
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.failure, b.failure);
    EXPECT_EQ(a.attempts, b.attempts);
    EXPECT_EQ(a.seconds, b.seconds);
    EXPECT_EQ(a.dev_score, b.dev_score);
    EXPECT_EQ(a.config_ini, b.config_ini);
  }
  EXPECT_TRUE(out.eliminations.empty()) << "a sweep without racing has no eliminations";
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  fs::remove_all(dir);
}

TEST(SweepManifestTest, RacingEliminationsRoundTrip) {
  const fs::path dir = TestDir("eliminations");
  SweepManifest in{"race", "", TrialStatus::kRunning, "v", {}, {}};
  for (int i = 0; i < 70; ++i)  // more rows than one chunk
    in.eliminations.push_back({"cfg" + std::to_string(i), "inc" + std::to_string(i % 3), 3 + i % 5, 2 + i % 8,
                               0.25 * i, 1.0 / (i + 2)});
  const std::string path = (dir / "sweep.h5").string();
  WriteSweepManifest(path, in);
  const SweepManifest out = ReadSweepManifest(path);
  ASSERT_EQ(out.eliminations.size(), in.eliminations.size());
  for (std::size_t i = 0; i < in.eliminations.size(); ++i) {
    const RaceElimination& a = in.eliminations[i];
    const RaceElimination& b = out.eliminations[i];
    EXPECT_EQ(a.config_id, b.config_id);
    EXPECT_EQ(a.incumbent_id, b.incumbent_id);
    EXPECT_EQ(a.folds, b.folds);
    EXPECT_EQ(a.after_fold, b.after_fold);
    EXPECT_EQ(a.mean_gap, b.mean_gap);
    EXPECT_EQ(a.p_value, b.p_value);
  }
  fs::remove_all(dir);
}

TEST(SweepManifestTest, EmptyPlanRoundTrips) {
  const fs::path dir = TestDir("empty");
  const std::string path = (dir / "sweep.h5").string();
  WriteSweepManifest(path, SweepManifest{"n", "", TrialStatus::kRunning, "v", {}, {}});
  EXPECT_TRUE(ReadSweepManifest(path).trials.empty());
  fs::remove_all(dir);
}

TEST(SweepManifestTest, OtherSchemaVersionIsRefusedNamingBothVersions) {
  const fs::path dir = TestDir("version");
  const std::string path = (dir / "sweep.h5").string();
  internal::WriteAtomically(path, kSweepFormat, kSweepSchemaVersion + 1, [](internal::File&) {});
  try {
    ReadSweepManifest(path);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.path(), path);
    EXPECT_NE(what.find("schema_version " + std::to_string(kSweepSchemaVersion + 1)), std::string::npos)
        << what;
  }
  fs::remove_all(dir);
}

TEST(SweepManifestTest, TruncatedManifestIsAnIoErrorNamingIt) {
  const fs::path dir = TestDir("truncated");
  const std::string path = (dir / "sweep.h5").string();
  SweepManifest m{"n", "", TrialStatus::kRunning, "v", {}};
  for (int i = 0; i < 200; ++i) {
    PlannedTrial t;
    t.trial_id = "id" + std::to_string(i);
    t.config_ini = std::string(100, 'x');
    m.trials.push_back(t);
  }
  WriteSweepManifest(path, m);
  fs::resize_file(path, fs::file_size(path) / 2);
  try {
    ReadSweepManifest(path);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.path(), path);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dts::schema
