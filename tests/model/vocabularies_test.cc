#include "model/vocabularies.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/model/tiny_corpus.h"

namespace dts::model {
namespace {

TEST(Casing, Classes) {
  EXPECT_EQ(CasingOf("aspirin"), kCasingLower);
  EXPECT_EQ(CasingOf("NSAID"), kCasingUpper);
  EXPECT_EQ(CasingOf("Boston"), kCasingTitle);
  EXPECT_EQ(CasingOf("1,000.5"), kCasingNumeric);
  EXPECT_EQ(CasingOf("IL-2"), kCasingHasDigit);
  EXPECT_EQ(CasingOf("mRNA"), kCasingMixed);
  EXPECT_EQ(CasingOf("("), kCasingNoLetters);
  EXPECT_EQ(CasingOf("-"), kCasingNoLetters);
}

TEST(Utf8, SplitsCodePoints) {
  EXPECT_EQ(Utf8Characters("a\xc3\xa9\xe2\x82\xac"),
            (std::vector<std::string>{"a", "\xc3\xa9", "\xe2\x82\xac"}));
  EXPECT_EQ(Utf8Characters("\xc3"), (std::vector<std::string>{"\xc3"}));
}

TEST(Vocabularies, BuiltFromTrainingSentences) {
  config::DataConfig config;
  const auto v = BuildVocabularies(testing::TinyCorpus(), config, nullptr);
  EXPECT_EQ(v.entity_types.Size(), 2);
  EXPECT_EQ(v.relation_types.Size(), 1);
  EXPECT_EQ(v.NumTags(), 5);
  EXPECT_TRUE(v.words.Contains("aspirin")) << "words are lowercased by default";
  EXPECT_EQ(v.WordIndex("ASPIRIN"), v.WordIndex("aspirin"));
  EXPECT_EQ(v.TagIndex(v.TagName(4)), 4);
  EXPECT_EQ(v.TagName(0), "O");
  const auto back = Vocabularies::FromJson(v.ToJson());
  EXPECT_EQ(back.ToJson(), v.ToJson());
}

TEST(Vocabularies, MinCountKeepsWordsWithVectors) {
  config::DataConfig config;
  config.min_word_count = 100;
  data::WordVectors vectors;
  vectors.dim = 1;
  vectors.words = {"rash"};
  vectors.values = {0.5f};
  vectors.index = {{"rash", 0}};
  const auto v = BuildVocabularies(testing::TinyCorpus(), config, &vectors);
  EXPECT_EQ(v.words.Size(), 3);  // pad, unk, rash
  EXPECT_TRUE(v.words.Contains("rash"));
}

TEST(Vocabularies, KeepsEveryWordWithAVectorEvenIfUnseenInTraining) {
  config::DataConfig config;
  data::WordVectors vectors;
  vectors.dim = 1;
  vectors.words = {"Nausea", "rash"};  // "Nausea" never occurs in the tiny corpus
  vectors.values = {0.25f, 0.5f};
  vectors.index = {{"Nausea", 0}, {"rash", 1}};
  const auto without = BuildVocabularies(testing::TinyCorpus(), config, nullptr);
  const auto v = BuildVocabularies(testing::TinyCorpus(), config, &vectors);
  EXPECT_EQ(v.words.Size(), without.words.Size() + 1);
  ASSERT_TRUE(v.words.Contains("nausea")) << "stored under its lowercase key, as it is looked up";
  EXPECT_NE(v.WordIndex("NAUSEA"), data::Vocabulary::kUnknown);
  EXPECT_EQ(v.words.Count(v.WordIndex("nausea")), 0) << "known from the vectors only";
  EXPECT_EQ(v.words.Count(v.WordIndex("rash")), without.words.Count(without.WordIndex("rash")));
}

// The direction rule (docs/model.md): distinct types -> the more frequent (head type, tail type); same types
// or a tie -> the more frequent textual order.
TEST(RelationDirections, OrientsByTypePairsThenByOrder) {
  RelationDirections d;
  d.Resize(2);
  const int drug = 0, effect = 1;
  d.Observe(0, effect, drug, /*head_first=*/false);
  d.Observe(0, effect, drug, /*head_first=*/true);
  d.Observe(0, drug, effect, /*head_first=*/true);
  EXPECT_FALSE(d.EarlierIsHead(0, drug, effect)) << "effect -> drug is the frequent orientation";
  EXPECT_TRUE(d.EarlierIsHead(0, effect, drug));
  d.Observe(1, drug, drug, false);
  d.Observe(1, drug, drug, false);
  d.Observe(1, drug, drug, true);
  EXPECT_FALSE(d.EarlierIsHead(1, drug, drug)) << "the tail came first more often";
  const auto back = RelationDirections::FromJson(d.ToJson());
  EXPECT_EQ(back.ToJson(), d.ToJson());
  EXPECT_EQ(back.PairCount(0, effect, drug), 2);
}

TEST(RelationDirections, CountedFromTheCorpus) {
  const auto v = BuildVocabularies(testing::TinyCorpus(), config::DataConfig{}, nullptr);
  const int drug = v.entity_types.Index("Drug"), effect = v.entity_types.Index("Adverse-Effect");
  EXPECT_EQ(v.directions.PairCount(0, effect, drug), 8);
  EXPECT_EQ(v.directions.PairCount(0, drug, effect), 0);
  EXPECT_FALSE(v.directions.EarlierIsHead(0, drug, effect));
}

}  // namespace
}  // namespace dts::model
