// The figures of the real corpora (docs/data.md). Skipped when ../shared/data (or $DTS_SHARED_DATA) is
// absent.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/bio.h"
#include "data/dataset.h"
#include "data/readers.h"
#include "data/stats.h"
#include "test_util.h"

namespace dts::data {
namespace {

std::string RealFile(const std::string& relative) {
  const std::string path = testing::SharedData() + "/" + relative;
  return std::filesystem::exists(path) ? path : std::string();
}

#define REQUIRE_REAL(var, relative)                                          \
  const std::string var = RealFile(relative);                                \
  if (var.empty())                                                           \
  GTEST_SKIP() << "real corpus " << testing::SharedData() << "/" << relative \
               << " not present (set DTS_SHARED_DATA to its folder to run this test)"

TEST(RealData, AdeFigures) {
  REQUIRE_REAL(path, "ade/DRUG-AE.rel");
  const Corpus corpus = ReadAde(path);
  const CorpusStats stats = ComputeStats(corpus);
  EXPECT_EQ(stats.sentences, 4272);
  EXPECT_EQ(stats.report.source_rows, 6821);
  EXPECT_EQ(stats.report.overlapping_pairs, 120);
  EXPECT_EQ(stats.report.entities_dropped, 120);
  EXPECT_EQ(stats.relations, 6627);
  EXPECT_EQ(stats.report.relations_dropped, 6821 - 6627);
  EXPECT_EQ(stats.report.widened_mentions, 0);
  for (const Sentence& s : corpus.sentences) ASSERT_NO_THROW(EncodeBio(s)) << s.id;
}

TEST(RealData, AdeJsonExportRereadsIdentically) {
  REQUIRE_REAL(path, "ade/DRUG-AE.rel");
  testing::ScratchDir dir;
  const Corpus ade = ReadAde(path);
  WriteJson(ade, dir.Path("ade.json"));
  const Corpus back = ReadJson(dir.Path("ade.json"));
  EXPECT_EQ(ComputeStats(back), ComputeStats(ade));
  ASSERT_EQ(back.sentences.size(), ade.sentences.size());
  for (std::size_t i = 0; i < ade.sentences.size(); ++i) {
    ASSERT_EQ(back.sentences[i].id, ade.sentences[i].id);
    ASSERT_EQ(back.sentences[i].entities, ade.sentences[i].entities) << ade.sentences[i].id;
    ASSERT_EQ(back.sentences[i].relations, ade.sentences[i].relations) << ade.sentences[i].id;
  }
  EXPECT_EQ(back.report.overlapping_pairs, 0);  // the export holds the resolved corpus
}

TEST(RealData, Conll04FiguresAndJsonRoundTrip) {
  REQUIRE_REAL(dir_path, "conll04/train.txt");
  testing::ScratchDir dir;
  struct Expected {
    const char* part;
    long sentences, entities, relations;
  };
  for (const Expected& e : {Expected{"train", 910, 3393, 1273}, Expected{"dev", 243, 877, 353},
                            Expected{"test", 288, 1079, 422}}) {
    const Corpus corpus = ReadConll04(testing::SharedData() + "/conll04/" + e.part + ".txt");
    const CorpusStats stats = ComputeStats(corpus);
    EXPECT_EQ(stats.sentences, e.sentences) << e.part;
    EXPECT_EQ(stats.entities, e.entities) << e.part;
    EXPECT_EQ(stats.relations, e.relations) << e.part;
    EXPECT_EQ(stats.entities_by_type.size(), 4u);
    EXPECT_EQ(stats.relations_by_type.size(), 5u);
    WriteJson(corpus, dir.Path(std::string(e.part) + ".json"));
    EXPECT_EQ(ComputeStats(ReadJson(dir.Path(std::string(e.part) + ".json"))), stats) << e.part;
  }
}

TEST(RealData, AdeTenFoldsOverTheNinetyPercent) {
  REQUIRE_REAL(path, "ade/DRUG-AE.rel");
  config::DataConfig config;
  config.path = path;
  config.format = config::CorpusFormat::kAde;
  config.fold = 9;
  const Dataset data = LoadDataset(config);
  EXPECT_EQ(data.dev.sentences.size(), 427u);  // round(4272 * 0.1)
  EXPECT_EQ(data.train.sentences.size() + data.test.sentences.size(), 4272u - 427u);
  EXPECT_EQ(data.split.folds.size(), 10u);
}

}  // namespace
}  // namespace dts::data
