// The one identity rule (config/identity.h): what makes two runs the same trial or the same configuration.
#include "config/identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/hash.h"

namespace dts::config {
namespace {

namespace fs = std::filesystem;

// Where path values are made relative to in tests that have none.
const fs::path kBase = "/sweeps/out";

// A scratch tree for one test, removed with it; the working directory is put back too.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : root_(fs::weakly_canonical(fs::temp_directory_path()) /
              ("dts-identity-" + std::to_string(::getpid()) + "-" + name)),
        cwd_(fs::current_path()) {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~ScratchDir() {
    fs::current_path(cwd_);
    fs::remove_all(root_);
  }
  const fs::path& root() const { return root_; }
  // Creates `relative` (and its parents) holding `text`; returns its absolute path.
  fs::path File(const fs::path& relative, const std::string& text = "x") const {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << text;
    return root_ / relative;
  }

 private:
  fs::path root_, cwd_;
};

TEST(IdentityTest, LeavesOutFoldSeedLabelsAndLaterKeysAtTheirDefaults) {
  TrainConfig config;
  config.model.shared_layers = 2;
  const std::string identity = IdentityText(config, kBase);
  EXPECT_EQ(identity.find("fold = "), std::string::npos);
  EXPECT_EQ(identity.find("\nseed = "), std::string::npos);
  EXPECT_EQ(identity.find("[trial]"), std::string::npos);
  EXPECT_NE(identity.find("shared_layers = 2\n"), std::string::npos);
  EXPECT_NE(identity.find("split_seed = 1\n"), std::string::npos)
      << "split_seed is a setting, not the run's seed";
  EXPECT_NE(identity.find("max_epochs = "), std::string::npos);
  EXPECT_EQ(IdentityText(config, kBase, /*without_max_epochs=*/true).find("max_epochs = "),
            std::string::npos);
  // The identity text is the canonical INI minus those keys, in the schema's order: the text trial ids have
  // always hashed, so sweeps planned before this rule lived here keep their ids. Keys added later
  // (OutOfIdsAtDefault) are left out too while they hold their defaults, for the same reason.
  const std::string canonical = TrainSchema().CanonicalIni(config);
  EXPECT_EQ(identity, TrainSchema().CanonicalIni(config, [&config](const std::string& key) {
    return !IsPerRunKey(key) && !TrainSchema().OutOfIds(config, key);
  }));
  EXPECT_LT(identity.size(), canonical.size());
}

TEST(IdentityTest, KeysAddedLaterKeepOldIdsAtTheirDefaultsAndCountOtherwise) {
  TrainConfig config;
  const std::string before = IdentityText(config, kBase);
  EXPECT_EQ(before.find("vectors_"), std::string::npos)
      << "data.vectors_* came after sweeps were planned: at their defaults they must not re-key them";
  EXPECT_NE(TrainSchema().CanonicalIni(config).find("vectors_epochs = 10\n"), std::string::npos)
      << "the canonical INI (trial files, --dump-config) still holds every key";
  config.data.vectors_text = "/corpora/ade-neg.txt";
  config.data.vectors_epochs = 20;
  const std::string searched = IdentityText(config, kBase);
  EXPECT_NE(searched.find("vectors_text = ../../corpora/ade-neg.txt\n"), std::string::npos) << searched;
  EXPECT_NE(searched.find("vectors_epochs = 20\n"), std::string::npos);
  EXPECT_EQ(searched.find("vectors_add_train"), std::string::npos);
  config.data.vectors_add_train = true;
  EXPECT_NE(ConfigId(IdentityText(config, kBase)), ConfigId(searched));
  config.data.vectors_epochs = 10;  // back at its default: out again, the others still in
  EXPECT_EQ(IdentityText(config, kBase).find("vectors_epochs"), std::string::npos);
  EXPECT_NE(IdentityText(config, kBase).find("vectors_add_train = true\n"), std::string::npos);
}

TEST(IdentityTest, TrialIdsIgnoreLabelsButNotSettingsFoldSeedOrCorpus) {
  TrainConfig c;
  c.trial.stage = "search";
  auto id_of = [](const TrainConfig& config, const std::string& fingerprint = "fp") {
    return TrialId(IdentityText(config, kBase), config.data.fold,
                   static_cast<std::uint64_t>(config.train.seed), fingerprint);
  };
  const std::string id = id_of(c);
  EXPECT_EQ(id.size(), 16u);
  TrainConfig relabelled = c;
  relabelled.trial.stage = "final";
  relabelled.trial.variant = "baseline";
  EXPECT_EQ(id_of(relabelled), id);
  TrainConfig other_fold = c, other_seed = c, other_setting = c;
  other_fold.data.fold = 1;
  other_seed.train.seed = 2;
  other_setting.model.shared_layers = 3;
  EXPECT_NE(id_of(other_fold), id);
  EXPECT_NE(id_of(other_seed), id);
  EXPECT_NE(id_of(other_setting), id);
  EXPECT_NE(id_of(c, "other corpus"), id);
  // A configuration's runs share its config id.
  EXPECT_EQ(ConfigId(IdentityText(other_fold, kBase)), ConfigId(IdentityText(c, kBase)));
  EXPECT_EQ(ConfigId(IdentityText(c, kBase)).size(), 12u);
  // ASHA: the rung budget is not part of the trial.
  TrainConfig e3 = c, e9 = c;
  e3.train.max_epochs = 3;
  e9.train.max_epochs = 9;
  EXPECT_EQ(IdentityText(e3, kBase, true), IdentityText(e9, kBase, true));
  EXPECT_NE(IdentityText(e3, kBase), IdentityText(e9, kBase));
}

TEST(IdentityTest, TheWorkingDirectoryChangesNoId) {
  // The same sweep resumed from another directory must find its trials: ids were once made relative to the
  // working directory, and a second run from elsewhere re-ran every trial.
  const ScratchDir scratch("cwd");
  TrainConfig config;
  config.data.path = scratch.File("data/corpus.json").string();
  config.data.word_vectors = scratch.File("vectors/words.vec").string();
  const fs::path base = scratch.root() / "out";
  fs::create_directories(scratch.root() / "x");
  fs::create_directories(scratch.root() / "y" / "z");
  fs::current_path(scratch.root() / "x");
  const std::string from_x = IdentityText(config, base);
  fs::current_path(scratch.root() / "y" / "z");
  const std::string from_yz = IdentityText(config, base);
  EXPECT_EQ(from_x, from_yz);
  EXPECT_EQ(TrialId(from_x, 0, 1, "fp"), TrialId(from_yz, 0, 1, "fp"));
  EXPECT_NE(from_x.find("path = ../data/corpus.json\n"), std::string::npos) << from_x;
  EXPECT_NE(from_x.find("word_vectors = ../vectors/words.vec\n"), std::string::npos) << from_x;
  EXPECT_NE(from_x.find("contextual_embeddings = \n"), std::string::npos) << "an unset path stays unset";
  // A value still relative names a file as the trial opens it, from the working directory.
  TrainConfig relative = config;
  relative.data.path = "../../data/corpus.json";
  EXPECT_EQ(IdentityText(relative, base), from_yz);
}

TEST(IdentityTest, MovingTheBaseWithTheDataKeepsTheIdAndMovingEitherAloneDoesNot) {
  const ScratchDir scratch("move");
  auto identity = [&](const std::string& data_at, const std::string& base_at) {
    TrainConfig config;
    config.data.path = scratch.File(data_at + "/corpus.json").string();
    return IdentityText(config, scratch.root() / base_at);
  };
  const std::string before = identity("a/data", "a/out");
  EXPECT_EQ(identity("b/deeper/data", "b/deeper/out"), before);
  EXPECT_NE(identity("b/data", "a/out"), before);
  EXPECT_NE(identity("a/data", "b/out"), before);
}

TEST(IdentityTest, SymlinkedSpellingsOfOneDirectoryAreOneId) {
  // A cluster mount seen as /mnt/proj by one job and /home/u/proj by the next is one sweep.
  const ScratchDir scratch("link");
  scratch.File("real/data/corpus.json");
  fs::create_directory_symlink(scratch.root() / "real", scratch.root() / "link");
  auto identity = [&](const std::string& data_side, const std::string& base_side) {
    TrainConfig config;
    config.data.path = (scratch.root() / data_side / "data" / "corpus.json").string();
    return IdentityText(config, scratch.root() / base_side / "out");
  };
  const std::string real = identity("real", "real");
  EXPECT_EQ(identity("link", "link"), real);
  EXPECT_EQ(identity("link", "real"), real);
  EXPECT_EQ(identity("real", "link"), real);
  EXPECT_NE(real.find("path = ../data/corpus.json\n"), std::string::npos) << real;
}

TEST(IdentityTest, LegacyIdentityTextIsTheOldWorkingDirectoryRule) {
  // Sweep directories planned before the base was explicit resume under this rule
  // (orchestrator/identity_base.h): absolute values lexically relative to that working directory, relative
  // values as written, no symlink resolved. The texts below are what the old rule gave.
  TrainConfig relative, absolute;
  relative.data.path = "data/samples/json/corpus.json";
  absolute.data.path = "/home/u/dts/configs/../data/samples/json/corpus.json";
  EXPECT_EQ(LegacyIdentityText(absolute, "/home/u/dts"), LegacyIdentityText(relative, "/anywhere"));
  EXPECT_NE(LegacyIdentityText(absolute, "/home/u/dts").find("path = data/samples/json/corpus.json\n"),
            std::string::npos);
  EXPECT_NE(LegacyIdentityText(absolute, "/home/u").find("path = dts/data/samples/json/corpus.json\n"),
            std::string::npos);
  EXPECT_NE(LegacyIdentityText(absolute, "/home/u/dts/run").find("path = ../data/samples/json/corpus.json\n"),
            std::string::npos);
  const ScratchDir scratch("legacy-link");
  scratch.File("real/corpus.json");
  fs::create_directory_symlink(scratch.root() / "real", scratch.root() / "link");
  TrainConfig linked;
  linked.data.path = (scratch.root() / "link" / "corpus.json").string();
  EXPECT_NE(LegacyIdentityText(linked, scratch.root() / "real").find("path = ../link/corpus.json\n"),
            std::string::npos);
  // Without paths both rules give the canonical INI minus the per-run keys.
  TrainConfig plain;
  EXPECT_EQ(LegacyIdentityText(plain, "/anywhere", true), IdentityText(plain, kBase, true));
}

TEST(IdentityTest, TheFormulaIsPinned) {
  // Changing the formula silently re-keys every existing sweep (its trials would run again): this pins it.
  EXPECT_EQ(TrialId("[model]\ncell = gru\n", 3, 4, "fp"),
            Hasher().Add("[model]\ncell = gru\n").Add("3").Add(std::uint64_t{4}).Add("fp").Hex());
  EXPECT_EQ(ConfigId("[model]\ncell = gru\n"), Hasher().Add("[model]\ncell = gru\n").Hex().substr(0, 12));
}

TEST(IdentityTest, DataFingerprintCoversNamesAndBytes) {
  const fs::path dir = fs::temp_directory_path() / ("dts-fingerprint-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "train.txt") << "a";
  const std::string before = DataFingerprint(dir.string());
  EXPECT_EQ(DataFingerprint(dir.string()), before);
  std::ofstream(dir / "train.txt") << "b";
  EXPECT_NE(DataFingerprint(dir.string()), before);
  EXPECT_EQ(DataFingerprint(""), "none");
  EXPECT_EQ(DataFingerprint((dir / "missing").string()), "none");
  fs::remove_all(dir);
}

TEST(SchemaKeyTest, NamesAKeyByItsMember) {
  EXPECT_EQ(TrainSchema().Key(&TrainConfig::model, &ModelConfig::shared_layers), "model.shared_layers");
  EXPECT_EQ(TrainSchema().Key(&TrainConfig::data, &DataConfig::fold), "data.fold");
  EXPECT_EQ(TrainSchema().Key(&TrainConfig::train, &OptimConfig::max_epochs), "train.max_epochs");
}

}  // namespace
}  // namespace dts::config
