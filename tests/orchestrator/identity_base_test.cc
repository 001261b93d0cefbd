// orchestrator/identity_base.h: which base a sweep directory's trial ids take paths relative to, and how a
// manifest written before the base was explicit is recognised from its ids.
#include "orchestrator/identity_base.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "config/identity.h"
#include "config/sweep_config.h"
#include "orchestrator/planner.h"

namespace dts::orchestrator {
namespace {

namespace fs = std::filesystem;

long long NoParams(const config::TrainConfig&) { return 1000; }

class IdentityBaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::weakly_canonical(fs::temp_directory_path()) /
            ("dts-identity-base-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "project" / "data");
    fs::create_directories(root_ / "project" / "sweeps" / "out");
    std::ofstream(root_ / "project" / "data" / "corpus.json") << "{}";
    sweep_ = config::ParseSweepConfig(
        "[sweep]\ncorpus = cross_validated\nsearch_seeds = 2\n[space]\nmodel.shared_layers = 1, 2, 3\n"
        "model.re_layers = 1, 2\n[base]\ndata.path = ../data/corpus.json\n",
        (root_ / "project" / "sweeps" / "sweep.ini").string());
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path Dir() const { return root_ / "project" / "sweeps" / "out"; }
  // The search rows a sweep planned with `base` wrote to its manifest, before identity_base existed.
  schema::SweepManifest OldManifest(const IdentityBase& base) const {
    schema::SweepManifest old;
    old.trials = Planner(sweep_, "fp", NoParams, base).PlanSearch().trials;
    for (auto& row : old.trials) row.status = schema::TrialStatus::kCompleted;
    return old;
  }
  IdentityBaseChoice Choose(const schema::SweepManifest& old, const fs::path& working_dir) const {
    return ChooseIdentityBase(old, Dir(), sweep_.path, "fp", working_dir);
  }

  fs::path root_;
  config::SweepConfig sweep_;
};

TEST_F(IdentityBaseTest, TheSweepDirectoryBaseIsAbsoluteAndCanonical) {
  fs::create_directory_symlink(root_ / "project", root_ / "link");
  const IdentityBase base = SweepDirectoryBase(root_ / "link" / "sweeps" / "." / "out");
  EXPECT_EQ(base.dir, Dir());
  EXPECT_FALSE(base.legacy);
  EXPECT_EQ(base.ManifestValue(), "");
}

TEST_F(IdentityBaseTest, ARecordedBaseIsKeptWithoutLookingAtTheIds) {
  schema::SweepManifest old = OldManifest(IdentityBase{"/nowhere", true});
  old.identity_base = "";
  IdentityBaseChoice choice = Choose(old, root_);
  EXPECT_FALSE(choice.base.legacy);
  EXPECT_EQ(choice.base.dir, Dir());
  EXPECT_FALSE(choice.warning);
  old.identity_base = "/home/u/dts";
  choice = Choose(old, root_);
  EXPECT_TRUE(choice.base.legacy);
  EXPECT_EQ(choice.base.dir, "/home/u/dts");
  EXPECT_EQ(choice.base.ManifestValue(), "/home/u/dts");
  EXPECT_NE(choice.note.find("/home/u/dts"), std::string::npos) << choice.note;
}

TEST_F(IdentityBaseTest, IdsMadeRelativeToTheSweepDirectoryKeepThatRuleFromAnyWorkingDirectory) {
  const schema::SweepManifest old = OldManifest(SweepDirectoryBase(Dir()));
  for (const fs::path& cwd : {root_, root_ / "project" / "data", fs::path("/")}) {
    const IdentityBaseChoice choice = Choose(old, cwd);
    EXPECT_FALSE(choice.base.legacy) << cwd;
    EXPECT_FALSE(choice.warning) << choice.note;
    EXPECT_NE(choice.note.find(Dir().string()), std::string::npos) << choice.note;
  }
}

TEST_F(IdentityBaseTest, LegacyIdsAreTracedToTheWorkingDirectoryTheyWereMadeFrom) {
  // Old sweeps were started from the project root, from the sweep directory's parent, or from where the data
  // lives; now resumed from somewhere else entirely.
  for (const fs::path& then : {root_ / "project", root_ / "project" / "sweeps", root_ / "project" / "data"}) {
    const schema::SweepManifest old = OldManifest(IdentityBase{then, true});
    ASSERT_NE(old.trials.front().trial_id, OldManifest(SweepDirectoryBase(Dir())).trials.front().trial_id)
        << "the rules must disagree for this test to mean anything";
    const IdentityBaseChoice choice = Choose(old, "/");
    EXPECT_TRUE(choice.base.legacy) << then;
    EXPECT_EQ(choice.base.dir, then);
    EXPECT_EQ(choice.base.ManifestValue(), then.string());
    EXPECT_FALSE(choice.warning) << choice.note;
    EXPECT_NE(choice.note.find(then.string()), std::string::npos) << choice.note;
    // Planning with the chosen base gives every old row its id back.
    for (const auto& row : old.trials) EXPECT_EQ(RowTrialId(row, choice.base, "fp"), row.trial_id);
  }
}

TEST_F(IdentityBaseTest, EverySampledRowMustAgreeNotJustOne) {
  schema::SweepManifest old = OldManifest(IdentityBase{root_ / "project", true});
  ASSERT_GT(old.trials.size(), kIdentitySampleRows);
  // The sample spreads over the manifest: a row near the end with an id no base gives spoils every base.
  old.trials[old.trials.size() * (kIdentitySampleRows - 1) / kIdentitySampleRows].trial_id =
      "0123456789abcdef";
  const IdentityBaseChoice choice = Choose(old, root_ / "project");
  EXPECT_TRUE(choice.warning);
  EXPECT_FALSE(choice.base.legacy);
}

TEST_F(IdentityBaseTest, IdsNoCandidateReproducesFallBackToTheSweepDirectoryWithAWarningNamingIt) {
  // Made from a working directory that is no ancestor of anything the sweep names, and is not the current
  // one.
  const schema::SweepManifest old = OldManifest(IdentityBase{root_ / "elsewhere" / "deep", true});
  const IdentityBaseChoice choice = Choose(old, root_ / "project" / "data");
  EXPECT_TRUE(choice.warning);
  EXPECT_FALSE(choice.base.legacy);
  EXPECT_EQ(choice.base.dir, Dir());
  EXPECT_NE(choice.note.find(Dir().string()), std::string::npos) << choice.note;
  EXPECT_NE(choice.note.find("re-run"), std::string::npos) << choice.note;
  // ... unless that directory is the current working directory.
  EXPECT_TRUE(Choose(old, root_ / "elsewhere" / "deep").base.legacy);
}

TEST_F(IdentityBaseTest, AnEmptyManifestNeedsNoLegacyRule) {
  const IdentityBaseChoice choice = Choose(schema::SweepManifest{}, root_);
  EXPECT_FALSE(choice.base.legacy);
  EXPECT_FALSE(choice.warning);
}

TEST_F(IdentityBaseTest, TheManifestKeepsTheBaseAndAnOlderManifestReadsAsUnknown) {
  const std::string path = (root_ / "sweep.h5").string();
  for (const std::optional<std::string>& base : {std::optional<std::string>(), std::optional<std::string>(""),
                                                 std::optional<std::string>("/home/u/dts")}) {
    schema::SweepManifest manifest = OldManifest(SweepDirectoryBase(Dir()));
    manifest.identity_base = base;
    schema::WriteSweepManifest(path, manifest);
    EXPECT_EQ(schema::ReadSweepManifest(path).identity_base, base) << base.value_or("(absent)");
  }
}

TEST_F(IdentityBaseTest, AshaRowsAreRecomputedWithoutTheirEpochBudget) {
  config::SweepConfig asha = config::ParseSweepConfig(
      "[sweep]\ncorpus = cross_validated\nstrategy = asha\nmax_epochs = 9\n[space]\nmodel.shared_layers = 1, "
      "2\n"
      "[base]\ndata.path = ../data/corpus.json\n",
      sweep_.path);
  const IdentityBase then{root_ / "project", true};
  schema::SweepManifest old;
  old.trials = Planner(asha, "fp", NoParams, then).PlanSearch().trials;
  ASSERT_GE(schema::AshaRung(old.trials.front()), 0);
  const IdentityBaseChoice choice = ChooseIdentityBase(old, Dir(), asha.path, "fp", "/");
  EXPECT_TRUE(choice.base.legacy);
  EXPECT_EQ(choice.base.dir, then.dir);
}

}  // namespace
}  // namespace dts::orchestrator
