// A trial's own in-domain vectors (vectors/trial_vectors.h): what they are trained on, the cache that one
// configuration's folds share, and the words found without training that the parameter count rests on.
#include "vectors/trial_vectors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "common/error.h"
#include "data/dataset.h"
#include "data/tokenizer.h"
#include "tests/data/test_util.h"
#include "tests/vectors/test_helpers.h"

namespace dts::vectors {
namespace {

namespace fs = std::filesystem;
using data::testing::ScratchDir;
using testing::Files;
using testing::Line;

// Unlabelled text in the ADE-NEG format: words of the sample corpus and words only it has.
std::string WriteAdeNeg(const ScratchDir& dir) {
  return dir.Write("ade-neg.txt",
                   "10001 NEG The patient tolerated metformin without any rash .\n"
                   "10002 NEG No hepatotoxicity was seen with warfarin in this cohort .\n"
                   "10003 NEG The cohort tolerated lisinopril well .\n"
                   "10004 NEG Vancomycin levels were monitored in the cohort .\n");
}

config::TrainConfig SampleTrial(const ScratchDir& dir, int fold) {
  config::TrainConfig config;
  config.data.path = "data/samples/ade/ade-sample.rel";
  config.data.format = config::CorpusFormat::kAde;
  config.data.folds = 3;
  config.data.fold = fold;
  config.data.vectors_text = WriteAdeNeg(dir);
  config.data.vectors_epochs = 2;
  config.model.word_dim = 8;
  return config;
}

TEST(TrialVectors, OptionsAreDtsVectorsWithTheTrialsDimensionEpochsAndFold) {
  ScratchDir dir;
  config::TrainConfig config = SampleTrial(dir, 1);
  config.model.word_dim = 50;
  config.data.vectors_epochs = 7;
  VectorsOptions options = TrialVectorsOptions(config);
  EXPECT_EQ(options.config.vectors.dim, 50);
  EXPECT_EQ(options.config.vectors.epoch, 7);
  EXPECT_EQ(options.config.vectors.min_count, FastTextConfig{}.min_count) << "fastText's other defaults";
  ASSERT_EQ(options.texts.size(), 1u);
  // Without the training part: the corpus only lends its words, and none of its sentences is trained on.
  EXPECT_TRUE(options.config.data.path.empty());
  ASSERT_EQ(options.vocab_from.size(), 1u);
  EXPECT_EQ(options.vocab_from[0].path, config.data.path);
  EXPECT_EQ(PrepareTrainingText(options).lines.size(), 4u);

  // With it: the fold's training part (the trial's split), never a dev or test sentence.
  config.data.vectors_add_train = true;
  options = TrialVectorsOptions(config);
  EXPECT_TRUE(options.vocab_from.empty());
  const PreparedText text = PrepareTrainingText(options);
  const data::Dataset dataset = data::LoadDataset(config.data);
  const std::set<std::string> lines(text.lines.begin(), text.lines.end());
  for (const auto& sentence : dataset.train.sentences) EXPECT_EQ(lines.count(Line(sentence)), 1u);
  std::set<std::string> train_lines;
  for (const auto& sentence : dataset.train.sentences) train_lines.insert(Line(sentence));
  int held_out_only = 0;
  for (const data::Corpus* held_out : {&dataset.dev, &dataset.test})
    for (const auto& sentence : held_out->sentences) {
      if (train_lines.count(Line(sentence)) > 0) continue;  // ADE repeats a text under another PubMed id
      ++held_out_only;
      EXPECT_EQ(lines.count(Line(sentence)), 0u) << "held-out sentence trained on: " << Line(sentence);
    }
  EXPECT_GT(held_out_only, 5);
  EXPECT_EQ(text.lines.size(), dataset.train.sentences.size() + 4);
}

TEST(TrialVectors, OneFileForWhatFastTextIsGivenSharedByFoldsUnlessTheirTextDiffers) {
  ScratchDir dir;
  const std::string cache = dir.Path("trials/vectors");
  const TrialVectors fold0 = EnsureTrialVectors(SampleTrial(dir, 0), cache);
  EXPECT_TRUE(fold0.built);
  EXPECT_EQ(fs::path(fold0.path).parent_path(), fs::path(cache));
  EXPECT_EQ(data::ReadWordVectors(fold0.path).dim, 8);
  // Another fold without its training part gives fastText the same input: the same file, not trained again.
  const TrialVectors fold1 = EnsureTrialVectors(SampleTrial(dir, 1), cache);
  EXPECT_FALSE(fold1.built);
  EXPECT_EQ(fold1.path, fold0.path);

  // Each setting, and each fold's own training part, is another file.
  std::set<std::string> paths{fold0.path};
  config::TrainConfig epochs = SampleTrial(dir, 0);
  epochs.data.vectors_epochs = 3;
  config::TrainConfig dimension = SampleTrial(dir, 0);
  dimension.model.word_dim = 12;
  config::TrainConfig train0 = SampleTrial(dir, 0);
  train0.data.vectors_add_train = true;
  config::TrainConfig train1 = SampleTrial(dir, 1);
  train1.data.vectors_add_train = true;
  for (const config::TrainConfig* config : {&epochs, &dimension, &train0, &train1}) {
    const TrialVectors built = EnsureTrialVectors(*config, cache);
    EXPECT_TRUE(built.built);
    EXPECT_TRUE(paths.insert(built.path).second) << built.path;
  }
  EXPECT_FALSE(data::ReadWordVectors(*paths.rbegin()).words.empty());
  // Nothing but the finished files: no temporary survives.
  EXPECT_EQ(Files(cache).size(), 5u);
  for (const std::string& name : Files(cache)) EXPECT_EQ(fs::path(name).extension(), ".vec") << name;
}

TEST(TrialVectors, WordsFoundWithoutTrainingAreTheTrainedOnesInOrderAndAtMostTheZeroVectorsMore) {
  ScratchDir dir;
  for (const bool add_train : {false, true}) {
    config::TrainConfig config = SampleTrial(dir, 2);
    config.data.vectors_add_train = add_train;
    const TrialVectors built = EnsureTrialVectors(config, dir.Path("cache"));
    const data::WordVectors trained = data::ReadWordVectors(built.path);
    const data::WordVectors words = VectorWordsWithoutTraining(TrialVectorsOptions(config));
    EXPECT_EQ(words.dim, trained.dim);
    EXPECT_EQ(words.values.size(), words.words.size() * words.dim);
    // The dictionary's words are exact; of the subword words, training drops those whose n-gram rows it never
    // reached (all zero: on four sentences, subsampling skips most occurrences), and nothing else.
    const long dictionary = built.summary.dictionary_words;
    ASSERT_GE(static_cast<long>(words.words.size()), static_cast<long>(trained.words.size()));
    for (long i = 0; i < dictionary; ++i) EXPECT_EQ(words.words[i], trained.words[i]);
    std::size_t next = 0;  // trained.words is a subsequence of words.words
    for (const auto& word : words.words)
      if (next < trained.words.size() && word == trained.words[next]) ++next;
    EXPECT_EQ(next, trained.words.size()) << "add_train " << add_train;
    const long zero_vectors = static_cast<long>(words.words.size() - trained.words.size());
    EXPECT_LE(zero_vectors, built.summary.skipped_words);
  }
}

TEST(TrialVectors, BadTextOrCacheNamesTheFile) {
  ScratchDir dir;
  config::TrainConfig config = SampleTrial(dir, 0);
  config.data.vectors_text = dir.Write("broken.txt", "10001 NEG A sentence .\nnot an ADE-NEG line\n");
  const std::string message =
      data::testing::ErrorOf<InputError>([&] { EnsureTrialVectors(config, dir.Path("c")); });
  EXPECT_NE(message.find("broken.txt"), std::string::npos) << message;
  config = SampleTrial(dir, 0);
  const std::string blocker = dir.Write("file", "x");
  const std::string io =
      data::testing::ErrorOf<IoError>([&] { EnsureTrialVectors(config, blocker + "/cache"); });
  EXPECT_NE(io.find(blocker + "/cache"), std::string::npos) << io;
}

}  // namespace
}  // namespace dts::vectors
