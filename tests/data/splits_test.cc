#include "data/splits.h"

#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "data/dataset.h"
#include "data/readers.h"
#include "test_util.h"

namespace dts::data {
namespace {

using testing::InputErrorOf;
using testing::ScratchDir;

Corpus Numbered(int n) {
  Corpus c;
  c.name = "numbered";
  for (int i = 0; i < n; ++i) {
    Sentence s;
    s.id = "s" + std::to_string(i);
    s.tokens = {Token{"w" + std::to_string(i)}};
    c.sentences.push_back(s);
  }
  return c;
}

TEST(Splits, CrossValidationIsDisjointCoveringAndBalanced) {
  const Corpus corpus = Numbered(103);
  const Split split = MakeCrossValidationSplit(corpus, 0.1, 10, 42);
  EXPECT_EQ(split.dev.size(), 10u);
  ASSERT_EQ(split.folds.size(), 10u);
  std::multiset<std::string> all(split.dev.begin(), split.dev.end());
  for (const auto& fold : split.folds) {
    EXPECT_GE(fold.size(), 9u);
    EXPECT_LE(fold.size(), 10u);
    all.insert(fold.begin(), fold.end());
  }
  EXPECT_EQ(all.size(), 103u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 103u);  // no id twice
  EXPECT_EQ(split.corpus_fingerprint, CorpusFingerprint(corpus));
}

TEST(Splits, SameSeedSameSplitOtherSeedOtherSplit) {
  const Corpus corpus = Numbered(50);
  EXPECT_EQ(MakeCrossValidationSplit(corpus, 0.1, 5, 7), MakeCrossValidationSplit(corpus, 0.1, 5, 7));
  EXPECT_NE(MakeCrossValidationSplit(corpus, 0.1, 5, 7).folds,
            MakeCrossValidationSplit(corpus, 0.1, 5, 8).folds);
  // The shuffle is ours, not the standard library's: pin it so a platform change cannot move a split.
  EXPECT_EQ(MakeCrossValidationSplit(Numbered(10), 0.2, 2, 1).dev, (std::vector<std::string>{"s1", "s7"}));
}

TEST(Splits, RefusesDuplicateIdsAndTooSmallCorpora) {
  Corpus corpus = Numbered(20);
  corpus.sentences[3].id = "s4";
  EXPECT_EQ(InputErrorOf([&] { MakeCrossValidationSplit(corpus, 0.1, 5, 1); }),
            "numbered: duplicate sentence id 's4'");
  EXPECT_THROW(MakeCrossValidationSplit(Numbered(5), 0.1, 10, 1), InputError);
}

TEST(Splits, FileRoundTripsAndBadFilesAreRefused) {
  ScratchDir dir;
  const Split split = MakeCrossValidationSplit(Numbered(30), 0.2, 3, 5);
  WriteSplit(split, dir.Path("split.json"));
  EXPECT_EQ(ReadSplit(dir.Path("split.json")), split);
  const Split fixed = MakeFixedSplit(Numbered(3), Numbered(0), Numbered(0));
  WriteSplit(fixed, dir.Path("fixed.json"));
  EXPECT_EQ(ReadSplit(dir.Path("fixed.json")), fixed);

  const std::string twice = dir.Write(
      "twice.json",
      R"({"format": "dts-split-1", "kind": "fixed", "corpus_fingerprint": "x", "train": ["a"], "dev": ["a"], "test": []})");
  EXPECT_EQ(InputErrorOf([&] { ReadSplit(twice); }), twice + ": sentence id 'a' appears in two parts");
  const std::string other = dir.Write("other.json", "{\"format\": \"something\"}");
  EXPECT_EQ(InputErrorOf([&] { ReadSplit(other); }), other + ": not a dts split file (format dts-split-1)");
  const std::string broken = dir.Write("broken.json", "{\n\"format\": \n");
  EXPECT_EQ(InputErrorOf([&] { ReadSplit(broken); }), broken + ":3: invalid JSON in split file");
}

TEST(Dataset, CrossValidatedFoldsPartitionTheNonDevSentences) {
  config::DataConfig config;
  config.path = "data/samples/json/corpus.json";
  config.format = config::CorpusFormat::kJson;
  config.folds = 5;
  config.dev_fraction = 0.2;
  std::set<std::string> tested;
  std::string first_fingerprint;
  for (int fold = 0; fold < 5; ++fold) {
    config.fold = fold;
    const Dataset data = LoadDataset(config);
    std::set<std::string> train;
    for (const Sentence& s : data.train.sentences) train.insert(s.id);
    for (const Sentence& s : data.test.sentences) {
      EXPECT_EQ(train.count(s.id), 0u);
      EXPECT_TRUE(tested.insert(s.id).second) << s.id << " tested twice";
    }
    for (const Sentence& s : data.dev.sentences) EXPECT_EQ(train.count(s.id), 0u);
    EXPECT_EQ(data.train.sentences.size() + data.dev.sentences.size() + data.test.sentences.size(), 61u);
    if (fold == 0) first_fingerprint = data.fingerprint;
    if (fold > 0) {
      EXPECT_NE(data.fingerprint, first_fingerprint);
    }
  }
  EXPECT_EQ(tested.size(), 61u - 12u);
  config.fold = 5;
  EXPECT_THROW(LoadDataset(config), ConfigError);
}

TEST(Dataset, FixedSplitProtocolsAndTrainLimit) {
  config::DataConfig config;
  config.path = "data/samples/conll04-sample";
  config.format = config::CorpusFormat::kConll04;
  const Dataset dev = LoadDataset(config);
  EXPECT_EQ(dev.train.sentences.size(), 40u);
  EXPECT_EQ(dev.dev.sentences.size(), 15u);
  EXPECT_EQ(dev.test.sentences.size(), 15u);
  EXPECT_EQ(dev.train.sentences.front().id, "train:0");
  config.protocol = config::Protocol::kFinal;
  const Dataset final_run = LoadDataset(config);
  EXPECT_EQ(final_run.train.sentences.size(), 55u);
  EXPECT_EQ(final_run.train.sentences.back().id, "dev:14");
  EXPECT_EQ(final_run.test.sentences.size(), 15u);
  EXPECT_NE(final_run.fingerprint, dev.fingerprint);
  config.max_train_sentences = 7;
  EXPECT_EQ(LoadDataset(config).train.sentences.size(), 7u);
}

TEST(Dataset, UsesASplitFileAndRefusesOneForAnotherCorpus) {
  ScratchDir dir;
  config::DataConfig config;
  config.path = "data/samples/ade/ade-sample.rel";
  config.format = config::CorpusFormat::kAde;
  config.split_seed = 3;
  const Dataset computed = LoadDataset(config);
  WriteSplit(computed.split, dir.Path("split.json"));
  config.split_file = dir.Path("split.json");
  config.split_seed = 99;  // ignored: the file decides
  const Dataset from_file = LoadDataset(config);
  EXPECT_EQ(from_file.fingerprint, computed.fingerprint);

  config.path = "data/samples/json/corpus.json";
  config.format = config::CorpusFormat::kJson;
  const std::string message = InputErrorOf([&] { LoadDataset(config); });
  EXPECT_NE(message.find("was made for corpus"), std::string::npos) << message;
}

TEST(Dataset, MissingInputsAreBadInput) {
  config::DataConfig config;
  config.path = "data/samples/nowhere";
  EXPECT_EQ(InputErrorOf([&] { LoadDataset(config); }), "data/samples/nowhere: no such file or directory");
  config.path = "data/samples/ade";  // a directory without train/dev/test.json
  config.format = config::CorpusFormat::kJson;
  EXPECT_EQ(InputErrorOf([&] { LoadDataset(config); }),
            "data/samples/ade/train.json: missing: a fixed-split directory holds train.json, dev.json and "
            "test.json");
}

}  // namespace
}  // namespace dts::data
