#include "data/word_vectors.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "test_util.h"

namespace dts::data {
namespace {

using testing::InputErrorOf;
using testing::ScratchDir;

TEST(WordVectors, ReadsGloveFormat) {
  ScratchDir dir;
  const WordVectors v =
      ReadWordVectors(dir.Write("glove.txt", "the 0.1 0.2 0.3\nof -1 2.5e-1 3\n\nthe 9 9 9\n"));
  EXPECT_EQ(v.dim, 3);
  ASSERT_EQ(v.words, (std::vector<std::string>{"the", "of"}));
  EXPECT_EQ(v.duplicates, 1);
  EXPECT_FLOAT_EQ(v.Row(1)[1], 0.25f);
  EXPECT_FLOAT_EQ(v.Row(0)[2], 0.3f);  // the first row of a duplicated word wins
  EXPECT_EQ(v.Find("of"), 1);
  EXPECT_EQ(v.Find("and"), -1);
}

TEST(WordVectors, ReadsWord2vecHeaderAndChecksIt) {
  ScratchDir dir;
  const WordVectors v = ReadWordVectors(dir.Write("w2v.txt", "2 2\na 1 2\nb 3 4\n"));
  EXPECT_EQ(v.dim, 2);
  EXPECT_EQ(v.words.size(), 2u);
  const std::string f = dir.Write("short.txt", "3 2\na 1 2\nb 3 4\n");
  EXPECT_EQ(InputErrorOf([&] { ReadWordVectors(f); }), f + ":1: header announces 3 vectors, file has 2");
}

TEST(WordVectors, BadLinesNameFileAndLine) {
  ScratchDir dir;
  const std::string f1 = dir.Write("a.txt", "a 1 2 3\nb 1 2\n");
  EXPECT_EQ(InputErrorOf([&] { ReadWordVectors(f1); }), f1 + ":2: expected 3 values after 'b', found 2");
  const std::string f2 = dir.Write("b.txt", "2 3\na 1 2 3\nb 1 2 3 4\n");
  EXPECT_EQ(InputErrorOf([&] { ReadWordVectors(f2); }), f2 + ":3: expected 3 values after 'b', found 4");
  const std::string f3 = dir.Write("c.txt", "a 1 2\nb 1 x2\n");
  EXPECT_EQ(InputErrorOf([&] { ReadWordVectors(f3); }),
            f3 + ":2: value 2 of 'b', 'x2', is not a finite number");
  const std::string f4 = dir.Write("d.txt", "a 1 nan\n");
  EXPECT_EQ(InputErrorOf([&] { ReadWordVectors(f4); }),
            f4 + ":1: value 2 of 'a', 'nan', is not a finite number");
  const std::string f5 = dir.Write("e.txt", "\n\n");
  EXPECT_EQ(InputErrorOf([&] { ReadWordVectors(f5); }), f5 + ": no vectors");
}

TEST(WordVectors, CoverageCountsWordsAndTokensWithLowercaseFallback) {
  ScratchDir dir;
  const WordVectors v = ReadWordVectors(dir.Write("v.txt", "the 1\ncat 2\n"));
  Vocabulary vocab;
  for (const char* w : {"the", "the", "The", "cat", "dog"}) vocab.Add(w);
  const VectorCoverage exact = ComputeCoverage(v, vocab, false);
  EXPECT_EQ(exact.vocabulary_words, 4);
  EXPECT_EQ(exact.covered_words, 2);
  EXPECT_EQ(exact.vocabulary_tokens, 5);
  EXPECT_EQ(exact.covered_tokens, 3);
  const VectorCoverage folded = ComputeCoverage(v, vocab, true);
  EXPECT_EQ(folded.covered_words, 3);
  EXPECT_EQ(folded.covered_tokens, 4);
  EXPECT_EQ(FormatCoverage(folded), "vectors cover 3/4 vocabulary words (75.0%), 4/5 tokens (80.0%)");
}

}  // namespace
}  // namespace dts::data
