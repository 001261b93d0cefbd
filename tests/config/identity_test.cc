// The one identity rule (config/identity.h): what makes two runs the same trial or the same configuration.
#include "config/identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/hash.h"

namespace dts::config {
namespace {

TEST(IdentityTest, LeavesOutFoldSeedAndLabelsOnly) {
  TrainConfig config;
  config.model.shared_layers = 2;
  const std::string identity = IdentityText(config);
  EXPECT_EQ(identity.find("fold = "), std::string::npos);
  EXPECT_EQ(identity.find("\nseed = "), std::string::npos);
  EXPECT_EQ(identity.find("[trial]"), std::string::npos);
  EXPECT_NE(identity.find("shared_layers = 2\n"), std::string::npos);
  EXPECT_NE(identity.find("split_seed = 1\n"), std::string::npos)
      << "split_seed is a setting, not the run's seed";
  EXPECT_NE(identity.find("max_epochs = "), std::string::npos);
  EXPECT_EQ(IdentityText(config, /*without_max_epochs=*/true).find("max_epochs = "), std::string::npos);
  // The identity text is the canonical INI minus those keys, in the schema's order: the text trial ids have
  // always hashed, so sweeps planned before this rule lived here keep their ids.
  const std::string canonical = TrainSchema().CanonicalIni(config);
  EXPECT_EQ(identity,
            TrainSchema().CanonicalIni(config, [](const std::string& key) { return !IsPerRunKey(key); }));
  EXPECT_LT(identity.size(), canonical.size());
}

TEST(IdentityTest, TrialIdsIgnoreLabelsButNotSettingsFoldSeedOrCorpus) {
  TrainConfig c;
  c.trial.stage = "search";
  auto id_of = [](const TrainConfig& config, const std::string& fingerprint = "fp") {
    return TrialId(IdentityText(config), config.data.fold, static_cast<std::uint64_t>(config.train.seed),
                   fingerprint);
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
  EXPECT_EQ(ConfigId(IdentityText(other_fold)), ConfigId(IdentityText(c)));
  EXPECT_EQ(ConfigId(IdentityText(c)).size(), 12u);
  // ASHA: the rung budget is not part of the trial.
  TrainConfig e3 = c, e9 = c;
  e3.train.max_epochs = 3;
  e9.train.max_epochs = 9;
  EXPECT_EQ(IdentityText(e3, true), IdentityText(e9, true));
  EXPECT_NE(IdentityText(e3), IdentityText(e9));
}

TEST(IdentityTest, PathsEnterRelativeToTheWorkingDirectory) {
  // A resolved absolute path and the same path written relative to the working directory are one identity:
  // the text sweeps planned before paths were resolved hashed, and the same wherever the tree is moved.
  TrainConfig relative, absolute;
  relative.data.path = "data/samples/json/corpus.json";
  absolute.data.path = (std::filesystem::current_path() / "configs" / ".." / relative.data.path).string();
  EXPECT_EQ(IdentityText(absolute), IdentityText(relative));
  EXPECT_NE(IdentityText(absolute).find("path = data/samples/json/corpus.json\n"), std::string::npos);
}

TEST(IdentityTest, TheFormulaIsPinned) {
  // Changing the formula silently re-keys every existing sweep (its trials would run again): this pins it.
  EXPECT_EQ(TrialId("[model]\ncell = gru\n", 3, 4, "fp"),
            Hasher().Add("[model]\ncell = gru\n").Add("3").Add(std::uint64_t{4}).Add("fp").Hex());
  EXPECT_EQ(ConfigId("[model]\ncell = gru\n"), Hasher().Add("[model]\ncell = gru\n").Hex().substr(0, 12));
}

TEST(IdentityTest, DataFingerprintCoversNamesAndBytes) {
  namespace fs = std::filesystem;
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
