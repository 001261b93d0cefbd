#include "common/ini.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace dts {
namespace {

TEST(Ini, ParsesSectionsCommentsAndRemembersLines) {
  const auto entries =
      ParseIniText("# comment\n[model]\nshared_layers = 2  # inline\n\n[train]\nlr=5e-4\n", "x.ini");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key, "model.shared_layers");
  EXPECT_EQ(entries[0].value, "2");
  EXPECT_EQ(entries[0].source, "x.ini:3");
  EXPECT_EQ(entries[1].key, "train.lr");
  EXPECT_EQ(entries[1].value, "5e-4");
  EXPECT_EQ(entries[1].source, "x.ini:6");
}

TEST(Ini, MalformedLinesNameFileAndLine) {
  try {
    ParseIniText("[a]\nb = 1\nnot a pair\n", "bad.ini");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "bad.ini:3: expected 'key = value', got 'not a pair'");
  }
  EXPECT_THROW(ParseIniText("key = 1\n", "f"), InputError);
  EXPECT_THROW(ParseIniText("[a]\nk = 1\nk = 2\n", "f"), InputError);
  EXPECT_THROW(ParseIniText("[a\n", "f"), InputError);
  EXPECT_THROW(ReadIniFile("/nonexistent/file.ini"), IoError);
}

TEST(Ini, ExtractsDottedOverridesOnly) {
  std::vector<std::string> args = {"--config", "c.ini", "--model.hidden", "64", "--train.lr=0.1",
                                   "--out",    "x.h5"};
  const auto overrides = ExtractOverrides(args);
  ASSERT_EQ(overrides.size(), 2u);
  EXPECT_EQ(overrides[0].key, "model.hidden");
  EXPECT_EQ(overrides[0].value, "64");
  EXPECT_EQ(overrides[1].key, "train.lr");
  EXPECT_EQ(overrides[1].value, "0.1");
  EXPECT_EQ(args, (std::vector<std::string>{"--config", "c.ini", "--out", "x.h5"}));
  std::vector<std::string> dangling = {"--model.hidden"};
  EXPECT_THROW(ExtractOverrides(dangling), ConfigError);
}

}  // namespace
}  // namespace dts

namespace dts {
namespace {

TEST(IniWriter, GroupsSectionsAndReadsBack) {
  const std::string text = WriteIniText({{"data.path", "x y"}, {"model.a", "1"}, {"model.b", "2"}});
  EXPECT_EQ(text, "[data]\npath = x y\n\n[model]\na = 1\nb = 2\n");
  const auto entries = ParseIniText(text, "written");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].key, "data.path");
  EXPECT_EQ(entries[0].value, "x y");
  EXPECT_EQ(entries[2].key, "model.b");
  EXPECT_EQ(WriteIniText({}), "");
}

}  // namespace
}  // namespace dts
