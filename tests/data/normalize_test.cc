#include "data/normalize.h"

#include <gtest/gtest.h>

namespace dts::data {
namespace {

TEST(Normalize, KeepsTheLongerOfNestedMentionsAndDropsTheShortersRelations) {
  Sentence s;
  s.tokens.resize(8);
  // "lithium toxicity" (0-2) contains "lithium" (0-1); a second drug at 5 is unaffected.
  s.entities = {{"Drug", 0, 1}, {"Adverse-Effect", 0, 2}, {"Drug", 5, 6}};
  s.relations = {{"Adverse-Effect", 1, 0}, {"Adverse-Effect", 1, 2}};
  ReadReport report;
  NormalizeSentence(s, report);
  EXPECT_EQ(s.entities, (std::vector<Entity>{{"Adverse-Effect", 0, 2}, {"Drug", 5, 6}}));
  EXPECT_EQ(s.relations, (std::vector<Relation>{{"Adverse-Effect", 0, 1}}));
  EXPECT_EQ(report.overlapping_pairs, 1);
  EXPECT_EQ(report.entities_dropped, 1);
  EXPECT_EQ(report.relations_dropped, 1);
}

TEST(Normalize, MergesDuplicatesAndSortsEntities) {
  Sentence s;
  s.tokens.resize(6);
  s.entities = {{"B", 4, 5}, {"A", 0, 2}, {"B", 4, 5}};
  s.relations = {{"R", 0, 1}, {"R", 2, 1}, {"S", 1, 0}};
  ReadReport report;
  NormalizeSentence(s, report);
  EXPECT_EQ(s.entities, (std::vector<Entity>{{"A", 0, 2}, {"B", 4, 5}}));
  EXPECT_EQ(s.relations, (std::vector<Relation>{{"R", 1, 0}, {"S", 0, 1}}));
  EXPECT_EQ(report.duplicate_entities, 1);
  EXPECT_EQ(report.duplicate_relations, 1);
  EXPECT_EQ(report.overlapping_pairs, 0);
}

TEST(Normalize, PartialOverlapChainKeepsLongestThenLeftmost) {
  Sentence s;
  s.tokens.resize(10);
  // [0,3) and [2,5) tie on length: the leftmost wins; [4,6) then no longer clashes with a kept span.
  s.entities = {{"X", 2, 5}, {"X", 0, 3}, {"Y", 4, 6}};
  ReadReport report;
  NormalizeSentence(s, report);
  EXPECT_EQ(s.entities, (std::vector<Entity>{{"X", 0, 3}, {"Y", 4, 6}}));
  EXPECT_EQ(report.overlapping_pairs, 2);
  EXPECT_EQ(report.entities_dropped, 1);
}

}  // namespace
}  // namespace dts::data
