#include "common/ini.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"

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

// A malformed config file is a bad configuration: ConfigError, exit 3 (docs/architecture.md), at file:line.
TEST(Ini, MalformedLinesAreConfigErrorsNamingFileAndLine) {
  try {
    ParseIniText("[a]\nb = 1\nnot a pair\n", "bad.ini");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "bad.ini:3: expected 'key = value', got 'not a pair'");
    std::string message;
    EXPECT_EQ(ExitCodeForCurrentException(message), kExitBadConfig);
  }
  const auto error_of = [](const std::string& text) -> std::pair<std::string, std::string> {
    try {
      ParseIniText(text, "f.ini");
    } catch (const ConfigError& e) {
      return {e.what(), e.key()};
    }
    return {"no error", ""};
  };
  EXPECT_EQ(error_of("key = 1\n"),
            std::make_pair(std::string("f.ini:1: key 'key' is outside any [section]"), std::string("key")));
  EXPECT_EQ(error_of("[a]\nk = 1\n\nk = 2\n"),
            std::make_pair(std::string("f.ini:4: duplicate key 'a.k'"), std::string("a.k")));
  EXPECT_EQ(error_of("# c\n[a\n").first, "f.ini:2: malformed section header '[a'");
  EXPECT_EQ(error_of("[]\n").first,
            "f.ini:1: malformed section header '[]' (a section name is letters, digits, '_' and '-')");
  EXPECT_EQ(error_of("[a]\n = 1\n").first, "f.ini:2: empty key");
  // Bad input (exit 4, as docs/architecture.md lists a missing file), not an I/O fault a sweep would retry.
  EXPECT_THROW(ReadIniFile("/nonexistent/file.ini"), InputError);
}

// Found by fuzz/ini_fuzzer.cc: "k =; x" read as "; x" but WriteIniText wrote it as "k = ; x", which reads as
// "".
TEST(Ini, AMarkerStartingTheValueIsACommentSoWrittenValuesReadBack) {
  const auto entries = ParseIniText("[a]\nk =; x\nl =#y\nm = a#b;c\nn = v ;c\n", "f.ini");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].value, "");
  EXPECT_EQ(entries[1].value, "");
  EXPECT_EQ(entries[2].value, "a#b;c");
  EXPECT_EQ(entries[3].value, "v");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& e : entries) pairs.emplace_back(e.key, e.value);
  const auto again = ParseIniText(WriteIniText(pairs), "written");
  ASSERT_EQ(again.size(), entries.size());
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].value, entries[i].value) << again[i].key;
}

// Found by fuzz/ini_fuzzer.cc: "[a.b] c" and "[a] b.c" were both "a.b.c", and "[a .b]" came back from
// WriteIniText as "[a ]" + "b...". Section names are words; keys may hold dots ([space] model.hidden = ...).
TEST(Ini, SectionNamesAreWordsAndKeysMayHoldDots) {
  const auto entries =
      ParseIniText("[space]\nmodel.shared_layers = 1, 2\n[my-section_2]\nk-1 = x\n", "f.ini");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key, "space.model.shared_layers");
  EXPECT_EQ(entries[1].key, "my-section_2.k-1");
  for (const char* text : {"[a.b]\nc = 1\n", "[a b]\nc = 1\n", "[#a]\nc = 1\n", "[ ]\nc = 1\n"}) {
    try {
      ParseIniText(text, "f.ini");
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("f.ini:1: malformed section header", 0), 0u) << e.what();
    }
  }
  try {
    ParseIniText("[a]\nb c = 1\n", "f.ini");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "f.ini:2: malformed key 'b c' (letters, digits, '_', '-' and '.')");
    EXPECT_EQ(e.key(), "b c");
  }
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
