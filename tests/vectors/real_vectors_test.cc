// dts-vectors on the real ADE corpus and ADE-NEG. Skipped when ../shared/data (or $DTS_SHARED_DATA) is
// absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "data/dataset.h"
#include "data/tokenizer.h"
#include "data/word_vectors.h"
#include "tests/data/test_util.h"
#include "vectors/vectors.h"

namespace dts::vectors {
namespace {

std::string RealFile(const std::string& relative) {
  const std::string path = data::testing::SharedData() + "/" + relative;
  return std::filesystem::exists(path) ? path : std::string();
}

#define REQUIRE_REAL(var, relative)                                                \
  const std::string var = RealFile(relative);                                      \
  if (var.empty())                                                                 \
  GTEST_SKIP() << "real corpus " << data::testing::SharedData() << "/" << relative \
               << " not present (set DTS_SHARED_DATA to its folder to run this test)"

TEST(RealVectors, AdeFoldPlusAdeNeg) {
  REQUIRE_REAL(ade, "ade/DRUG-AE.rel");
  REQUIRE_REAL(neg, "ade/ADE-NEG.txt");
  data::testing::ScratchDir dir;
  VectorsOptions options;
  options.config.data.path = ade;
  options.config.data.format = config::CorpusFormat::kAde;
  options.config.data.fold = 3;
  options.texts = {neg};
  // Small and quick: one epoch, 10 dimensions; the figures checked do not depend on the vectors' quality.
  options.config.vectors.dim = 10;
  options.config.vectors.epoch = 1;
  options.config.vectors.bucket = 20000;
  options.out = dir.Path("ade.vec");
  options.write_text = dir.Path("text.txt");
  const VectorsSummary summary = TrainVectors(options);

  const data::Dataset dataset = data::LoadDataset(options.config.data);
  ASSERT_EQ(summary.sources.size(), 2u);
  EXPECT_EQ(summary.sources[0].sentences, static_cast<long>(dataset.train.sentences.size()));
  EXPECT_EQ(summary.sources[1].what, "ade-neg");
  EXPECT_EQ(summary.sources[1].sentences + summary.sources[1].dropped, 16695);
  EXPECT_EQ(summary.sources[1].dropped, 0);  // no ADE-NEG sentence repeats a DRUG-AE sentence

  // No sentence of the test fold or the dev set is in the training text (unless the training part has it
  // too).
  std::set<std::string> lines;
  {
    std::ifstream in(options.write_text);
    for (std::string line; std::getline(in, line);) lines.insert(line);
  }
  auto line_of = [](const data::Sentence& s) {
    std::string line;
    for (const auto& t : s.tokens) line += (line.empty() ? "" : " ") + data::WordKey(t.text, true);
    return line;
  };
  std::set<std::string> train_lines;
  for (const auto& s : dataset.train.sentences) train_lines.insert(line_of(s));
  long held_out = 0;
  for (const data::Corpus* part : {&dataset.dev, &dataset.test}) {
    for (const auto& s : part->sentences) {
      if (train_lines.count(line_of(s)) > 0) continue;
      ++held_out;
      EXPECT_EQ(lines.count(line_of(s)), 0u) << s.id;
    }
  }
  EXPECT_GT(held_out, 700);

  // Every word of the corpus has a vector.
  const data::WordVectors vectors = data::ReadWordVectors(options.out);
  EXPECT_EQ(vectors.dim, 10);
  EXPECT_EQ(static_cast<long>(vectors.words.size()), summary.words_written);
  for (const data::Corpus* part : {&dataset.train, &dataset.dev, &dataset.test})
    for (const auto& s : part->sentences)
      for (const auto& t : s.tokens) ASSERT_GE(vectors.Find(data::WordKey(t.text, true)), 0) << t.text;
}

}  // namespace
}  // namespace dts::vectors
