#include "config/train_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace dts::config {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(TrainConfig, DefaultsAreThePapersWhereItGivesThem) {
  const config::TrainConfig config;
  EXPECT_DOUBLE_EQ(config.train.lambda_r, 5.0);
  EXPECT_DOUBLE_EQ(config.train.lr, 5e-4);
  EXPECT_EQ(config.train.batch_size, 16);
  EXPECT_EQ(config.train.optimizer, config::OptimizerType::kAdam);
  EXPECT_FALSE(config.model.contextual);
  EXPECT_EQ(config.trial.stage, "single");
  EXPECT_EQ(config.debug.fault, config::Fault::kNone);
}

TEST(TrainConfig, IssueKeysExist) {
  for (const char* key : {"data.path", "data.format", "data.fold", "model.shared_layers", "model.ner_layers",
                          "model.re_layers", "model.cell", "model.hidden", "train.lambda_r",
                          "train.optimizer", "train.lr", "train.batch_size", "train.seed", "eval.theta_r"})
    EXPECT_TRUE(config::TrainSchema().Has(key)) << key;
}

TEST(TrainConfig, FileThenOverridesWin) {
  const auto path =
      WriteTemp("a.ini", "[model]\ncell = gru\nshared_layers = 2\n[train]\noptimizer = nadam\n");
  const auto config = config::LoadTrainConfig(path, {{"model.shared_layers", "3", "command line"}});
  EXPECT_EQ(config.model.cell, config::CellType::kGru);
  EXPECT_EQ(config.model.shared_layers, 3);
  EXPECT_EQ(config.train.optimizer, config::OptimizerType::kNadam);
}

TEST(TrainConfig, UnknownKeyNamesFileLineAndSuggestion) {
  const auto path = WriteTemp("b.ini", "[model]\n\nshared_layer = 2\n");
  try {
    config::LoadTrainConfig(path);
    FAIL() << "accepted an unknown key";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ":3: unknown key 'model.shared_layer' (did you mean 'model.shared_layers'?)");
  }
}

TEST(TrainConfig, OutOfRangeAndBadChoiceAreRefused) {
  EXPECT_THROW(config::LoadTrainConfig("", {{"model.re_layers", "4", "command line"}}), ConfigError);
  EXPECT_THROW(config::LoadTrainConfig("", {{"model.cell", "rnn", "command line"}}), ConfigError);
  EXPECT_THROW(config::LoadTrainConfig("", {{"train.lr", "0", "command line"}}), ConfigError);
  EXPECT_THROW(config::LoadTrainConfig("", {{"train.batch_size", "two", "command line"}}), ConfigError);
}

TEST(TrainConfig, CrossFieldChecksNameTheKey) {
  config::TrainConfig config;
  config.model.contextual = true;
  try {
    Validate(config);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "model.contextual");
  }
  config = config::TrainConfig{};
  config.model.freeze_word_vectors = true;
  EXPECT_THROW(Validate(config), ConfigError);
  config.data.vectors_text = "ade-neg.txt";  // the trial's own vectors can be frozen too
  EXPECT_NO_THROW(Validate(config));
  config.data.word_vectors = "ade-neg.vec";
  try {
    Validate(config);
    FAIL() << "a vectors file and vectors to train are two answers to one question";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "data.vectors_text");
  }
  config = config::TrainConfig{};
  config.data.fold = 10;
  EXPECT_THROW(Validate(config), ConfigError);
}

TEST(TrainConfig, CanonicalIniRoundTrips) {
  config::TrainConfig config;
  config.model.hidden = 128;
  config.train.optimizer = config::OptimizerType::kNadam;
  config.trial.variant = "no-ner-layers";
  const std::string text = config::TrainSchema().CanonicalIni(config);
  EXPECT_EQ(config::TrainSchema().CanonicalIni(config::ParseTrainConfig(text, "canonical")), text);
}

// Issue 15: a relative path in an INI file is relative to that file, not to the working directory; a
// command-line override stays relative to the working directory.
TEST(TrainConfig, RelativePathsAreRelativeToTheirIniFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "relative-paths" / "cfg";
  fs::create_directories(dir);
  std::ofstream(dir / "t.ini") << "[data]\npath = ../corpus/train.json\nsplit_file = splits.json\n"
                                  "word_vectors = /abs/vectors.vec\ncontextual_embeddings =\n";
  const auto config = config::LoadTrainConfig((dir / "t.ini").string());
  EXPECT_EQ(config.data.path, (fs::absolute(dir).parent_path() / "corpus" / "train.json").string());
  EXPECT_EQ(config.data.split_file, (fs::absolute(dir) / "splits.json").string());
  EXPECT_EQ(config.data.word_vectors, "/abs/vectors.vec");
  EXPECT_EQ(config.data.contextual_embeddings, "");
  const auto overridden =
      config::LoadTrainConfig((dir / "t.ini").string(), {{"data.path", "here.json", "command line"}});
  EXPECT_EQ(overridden.data.path, "here.json");
  // The shipped configs name the bundled corpus relative to configs/.
  EXPECT_EQ(config::LoadTrainConfig("configs/demo.ini").data.path,
            (fs::current_path() / "data" / "samples" / "json" / "corpus.json").string());
}

TEST(TrainConfig, ShippedConfigsLoad) {
  for (const char* path : {"configs/ade.ini", "configs/conll04.ini", "configs/demo.ini"}) {
    SCOPED_TRACE(path);
    EXPECT_NO_THROW(config::LoadTrainConfig(path));
  }
  EXPECT_EQ(config::LoadTrainConfig("configs/conll04.ini").train.optimizer, config::OptimizerType::kNadam);
  EXPECT_EQ(config::LoadTrainConfig("configs/conll04.ini").train.batch_size, 2);
  EXPECT_EQ(config::LoadTrainConfig("configs/ade.ini").train.optimizer, config::OptimizerType::kAdam);
}

// docs/config.md is generated by `dts-train --config-reference`; this fails when it is stale.
TEST(TrainConfig, ConfigReferenceDocIsCurrent) {
  std::ifstream in("docs/config.md");
  ASSERT_TRUE(in) << "docs/config.md missing; run dts-train --config-reference > docs/config.md";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), config::ConfigReferenceMarkdown())
      << "docs/config.md is stale; regenerate with dts-train --config-reference > docs/config.md";
}

}  // namespace
}  // namespace dts::config
