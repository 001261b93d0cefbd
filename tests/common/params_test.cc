#include "common/params.h"

#include <gtest/gtest.h>

namespace dts {
namespace {

enum class Cell { kLstm, kGru };
struct Sample {
  int layers = 1;
  double lr = 0.001;
  bool flag = false;
  std::string name = "x";
  Cell cell = Cell::kLstm;
};
struct Root {
  Sample sample;
};

const ParamTable<Sample>& SampleParams() {
  static const ParamTable<Sample> table{
      "sample",
      {Param(&Sample::layers, "layers").Range(1, 3).Help("layers"),
       Param(&Sample::lr, "lr").Above(0.0, 1.0).Help("learning rate"),
       Param(&Sample::flag, "flag").Help("a flag"), Param(&Sample::name, "name").Help("a name"),
       Param(&Sample::cell, "cell").Choices({{"lstm", Cell::kLstm}, {"gru", Cell::kGru}}).Help("cell")}};
  return table;
}

ConfigSchema<Root> Schema() {
  ConfigSchema<Root> schema;
  schema.Add(&Root::sample, SampleParams());
  return schema;
}

TEST(Params, SetsEveryTypeFromText) {
  Root root;
  const auto schema = Schema();
  schema.Set(root, "sample.layers", "3", "test");
  schema.Set(root, "sample.lr", "5e-4", "test");
  schema.Set(root, "sample.flag", "true", "test");
  schema.Set(root, "sample.name", "abc", "test");
  schema.Set(root, "sample.cell", "gru", "test");
  EXPECT_EQ(root.sample.layers, 3);
  EXPECT_DOUBLE_EQ(root.sample.lr, 5e-4);
  EXPECT_TRUE(root.sample.flag);
  EXPECT_EQ(root.sample.name, "abc");
  EXPECT_EQ(root.sample.cell, Cell::kGru);
}

TEST(Params, RejectsOutOfRangeNamingTheKeyAndSource) {
  Root root;
  try {
    Schema().Set(root, "sample.layers", "4", "cfg.ini:9");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "cfg.ini:9: sample.layers = 4 is out of range [1, 3]");
    EXPECT_EQ(e.key(), "sample.layers");
  }
  EXPECT_EQ(root.sample.layers, 1) << "a refused value must not be stored";
  EXPECT_THROW(Schema().Set(root, "sample.lr", "0", "t"), ConfigError) << "open lower bound";
  EXPECT_NO_THROW(Schema().Set(root, "sample.lr", "1", "t"));
}

TEST(Params, RejectsBadTypesAndChoices) {
  Root root;
  const auto schema = Schema();
  EXPECT_THROW(schema.Set(root, "sample.layers", "2.5", "t"), ConfigError);
  EXPECT_THROW(schema.Set(root, "sample.layers", "", "t"), ConfigError);
  EXPECT_THROW(schema.Set(root, "sample.lr", "fast", "t"), ConfigError);
  EXPECT_THROW(schema.Set(root, "sample.lr", "nan", "t"), ConfigError);
  EXPECT_THROW(schema.Set(root, "sample.flag", "maybe", "t"), ConfigError);
  EXPECT_THROW(schema.Set(root, "sample.cell", "rnn", "t"), ConfigError);
}

TEST(Params, UnknownKeySuggestsTheClosest) {
  Root root;
  try {
    Schema().Set(root, "sample.layer", "2", "a.ini:3");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "a.ini:3: unknown key 'sample.layer' (did you mean 'sample.layers'?)");
  }
}

TEST(Params, CanonicalIniRoundTripsEveryValue) {
  Root root;
  const auto schema = Schema();
  schema.Set(root, "sample.lr", "0.1", "t");
  schema.Set(root, "sample.cell", "gru", "t");
  const std::string text = schema.CanonicalIni(root);
  EXPECT_EQ(text, "[sample]\nlayers = 1\nlr = 0.1\nflag = false\nname = x\ncell = gru\n");
  Root copy;
  for (const auto& key : schema.Keys()) schema.Set(copy, key, schema.Get(root, key), "t");
  EXPECT_EQ(schema.CanonicalIni(copy), text);
}

TEST(Params, DocsListDefaultsAndRanges) {
  const auto docs = Schema().Docs();
  ASSERT_EQ(docs.size(), 5u);
  EXPECT_EQ(docs[0].key, "sample.layers");
  EXPECT_EQ(docs[0].default_value, "1");
  EXPECT_EQ(docs[0].range, "[1, 3]");
  EXPECT_EQ(docs[1].range, "(0, 1]");
  EXPECT_EQ(docs[4].range, "lstm|gru");
  const std::string markdown = ParamDocsMarkdown(docs);
  EXPECT_NE(markdown.find("| `sample.cell` | choice | `lstm` | lstm\\|gru | cell |"), std::string::npos);
}

TEST(Params, FormatDoubleIsShortestExact) {
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(5e-4), "0.0005");
  EXPECT_EQ(FormatDouble(1.0 / 3.0), "0.3333333333333333");
}

}  // namespace
}  // namespace dts
