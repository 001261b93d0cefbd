// The report's output pieces: index.html from Markdown (html.h), the split of a table by evaluation setting
// (output.h) and the built-in published reference rows (references.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "reports/html.h"
#include "reports/output.h"
#include "reports/references.h"

namespace dts::reports {
namespace {

namespace fs = std::filesystem;

TEST(HtmlTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string("\xff\x00\x10", 3)), "/wAQ");
}

TEST(HtmlTest, RendersTheReportsMarkdownSelfContained) {
  const fs::path dir = fs::temp_directory_path() / ("dts-html-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "plot.svg") << "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  const std::string md =
      "# Sweep report: a<b\n\nSweep `dir`, status **completed**.\n\n"
      "### Results\n\n| Dataset | F1 | p |\n| :-- | --: | --: |\n| ade | 89.48 ± 0.52 | a \\| b |\n\n"
      "- note with [a link](results.csv)\n- second\n\n"
      "![the plot](plot.svg)\n\n![gone](missing.svg)\n";
  const std::string html = MarkdownToHtml(md, "Report", dir.string());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<h1>Sweep report: a&lt;b</h1>"), std::string::npos) << html;
  EXPECT_NE(html.find("<code>dir</code>"), std::string::npos);
  EXPECT_NE(html.find("<strong>completed</strong>"), std::string::npos);
  EXPECT_NE(html.find("<th class=\"right\">F1</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"right\">89.48 ± 0.52</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"right\">a | b</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<li>note with <a href=\"results.csv\">a link</a></li>"), std::string::npos);
  EXPECT_NE(html.find("<img src=\"data:image/svg+xml;base64," +
                      Base64("<svg xmlns=\"http://www.w3.org/2000/svg\"/>") + "\" alt=\"the plot\">"),
            std::string::npos);
  EXPECT_NE(html.find("gone: missing.svg was not rendered"), std::string::npos);
  EXPECT_EQ(html.find("src=\"plot.svg\""), std::string::npos);
  fs::remove_all(dir);
}

TEST(OutputTest, DisplaySplitsByTheSettingColumn) {
  ReportTable t;
  t.display.name = "results";
  t.display.title = "Results";
  t.display.columns = {"Dataset", "Evaluation", "F1"};
  t.display.rows = {
      {"ade", "strict, macro", "1"}, {"conll", "strict, micro", "2"}, {"conll", "strict, macro", "3"}};
  t.display.notes = {"a note"};
  t.split_column = 1;
  t.split_title_prefix = "evaluation: ";
  const auto parts = DisplayParts(t);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].title, "Results — evaluation: strict, macro");
  EXPECT_EQ(parts[0].name, "results_strict__macro");
  EXPECT_EQ(parts[0].columns, (std::vector<std::string>{"Dataset", "F1"}));
  EXPECT_EQ(parts[0].rows.size(), 2u);
  EXPECT_EQ(parts[1].rows, (std::vector<std::vector<std::string>>{{"conll", "2"}}));
  EXPECT_TRUE(parts[0].notes.empty());
  EXPECT_EQ(parts[1].notes, t.display.notes);
}

const ReferenceRow* Find(const std::vector<ReferenceRow>& rows, const std::string& dataset,
                         const std::string& system, const std::string& averaging) {
  for (const auto& r : rows) {
    if (r.dataset == dataset && r.system == system && r.averaging == averaging) return &r;
  }
  return nullptr;
}

TEST(ReferencesTest, PublishedRowsAreBuiltInWithSources) {
  const auto& rows = PublishedReferences();
  const struct {
    const char *dataset, *system, *averaging;
    double ner, re;
  } expected[] = {{"ADE", "Bekoulis et al. (2018)", "macro", 86.40, 74.58},
                  {"CoNLL04", "Bekoulis et al. (2018)", "macro", 83.90, 62.04},
                  {"ADE", "Tran & Kavuluru (2019)", "macro", 87.11, 77.29},
                  {"CoNLL04", "Nguyen & Verspoor (2019)", "macro", 86.2, 64.4},
                  {"ADE", "Crone (2020)", "macro", 89.48, 83.74},
                  {"CoNLL04", "Crone (2020)", "micro", 89.78, 71.08}};
  for (const auto& e : expected) {
    const ReferenceRow* row = Find(rows, e.dataset, e.system, e.averaging);
    ASSERT_NE(row, nullptr) << e.system << " " << e.dataset;
    EXPECT_DOUBLE_EQ(*row->ner_f1, e.ner);
    EXPECT_DOUBLE_EQ(*row->re_f1, e.re);
    EXPECT_EQ(row->evaluation, "strict");
  }
  for (const auto& row : rows) EXPECT_FALSE(row.source.empty()) << row.system;
  // Only the setting asked for: no Bekoulis row beside micro scores.
  for (const ReferenceRow* r : MatchingReferences(rows, "conll04", "micro")) {
    EXPECT_EQ(r->averaging, "micro");
    EXPECT_NE(r->system, "Bekoulis et al. (2018)");
  }
}

TEST(ReferencesTest, FilesAddAndReplaceRowsAndOtherSettingsStayApart) {
  const fs::path file = fs::temp_directory_path() / ("dts-refs-" + std::to_string(::getpid()) + ".csv");
  std::ofstream(file) << "dataset,system,evaluation,averaging,ner_precision,ner_recall,ner_f1,re_precision,"
                         "re_recall,re_f1,source\n"
                         "ADE,Crone (2020),strict,macro,,,1,,,2,corrected\n"
                         "ADE,Loose,relaxed,macro,,,99,,,99,relaxed paper\n"
                         "ADE,New,,macro,,,3,,,4,new paper\n";
  const auto rows = LoadReferences(true, {file.string()});
  EXPECT_EQ(rows.size(), PublishedReferences().size() + 2);
  EXPECT_DOUBLE_EQ(*Find(rows, "ADE", "Crone (2020)", "macro")->ner_f1, 1);
  EXPECT_EQ(Find(rows, "ADE", "New", "macro")->evaluation, "strict");  // the default
  for (const ReferenceRow* r : MatchingReferences(rows, "ade", "macro")) EXPECT_NE(r->system, "Loose");
  EXPECT_EQ(LoadReferences(false, {file.string()}).size(), 3u);

  std::ofstream(file)
      << "dataset,system,evaluation,averaging,ner_precision,ner_recall,ner_f1,re_precision,re_recall,re_f1,"
         "source\nADE,X,fuzzy,macro,,,1,,,1,s\n";
  EXPECT_THROW(LoadReferences(false, {file.string()}), InputError);
  fs::remove(file);
}

}  // namespace
}  // namespace dts::reports
