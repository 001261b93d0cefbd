// The keys the report interprets come from the configuration schema; these pin which ones it treats as
// per-run and which sections the hyperparameter table always shows.
#include "reports/internal/schema_keys.h"

#include <gtest/gtest.h>

namespace dts::reports {
namespace {

TEST(SchemaKeysTest, NamesKeysAndChoiceWordsAsTheSchemaDeclaresThem) {
  EXPECT_EQ(Keys().shared_layers, "model.shared_layers");
  EXPECT_EQ(Keys().ner_layers, "model.ner_layers");
  EXPECT_EQ(Keys().re_layers, "model.re_layers");
  EXPECT_EQ(Keys().cell, "model.cell");
  EXPECT_EQ(Keys().data_path, "data.path");
  EXPECT_EQ(Keys().data_format, "data.format");
  EXPECT_EQ(Keys().data_protocol, "data.protocol");
  EXPECT_EQ(Keys().data_folds, "data.folds");
  EXPECT_EQ(Keys().format_json, "json");
  EXPECT_EQ(Keys().protocol_final, "final");
}

TEST(SchemaKeysTest, PerRunKeysAreNeverHyperparameters) {
  for (const char* key : {"data.fold", "train.seed", "data.protocol", "trial.stage", "trial.variant"})
    EXPECT_TRUE(IsPerRunKey(key)) << key;
  for (const char* key : {"model.hidden", "train.lr", "data.folds", "data.path", "trials.x"})
    EXPECT_FALSE(IsPerRunKey(key)) << key;
}

TEST(SchemaKeysTest, MainSectionsAreModelAndTrain) {
  // Keys of older trial files that the schema no longer declares still count by their section.
  for (const char* key : {"model.hidden", "model.retired_key", "train.lr"})
    EXPECT_TRUE(IsMainKey(key)) << key;
  for (const char* key : {"data.path", "eval.theta_r", "optim.lr", "modelx.hidden", "model", "trainer.lr"})
    EXPECT_FALSE(IsMainKey(key)) << key;
}

}  // namespace
}  // namespace dts::reports
