#include "data/bio.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dts::data {
namespace {

Sentence Make(int tokens, std::vector<Entity> entities) {
  Sentence s;
  s.id = "s";
  for (int i = 0; i < tokens; ++i) s.tokens.push_back(Token{"w" + std::to_string(i)});
  s.entities = std::move(entities);
  return s;
}

TEST(Bio, EncodesSpans) {
  const auto tags = EncodeBio(Make(6, {{"Peop", 0, 2}, {"Loc", 3, 4}, {"Org", 4, 6}}));
  EXPECT_EQ(tags, (std::vector<std::string>{"B-Peop", "I-Peop", "O", "B-Loc", "B-Org", "I-Org"}));
}

TEST(Bio, RoundTripsAdjacentAndSingleTokenEntities) {
  const std::vector<Entity> entities = {{"A", 0, 1}, {"A", 1, 3}, {"B", 3, 4}, {"A", 6, 7}};
  const Sentence s = Make(7, entities);
  EXPECT_EQ(DecodeBio(EncodeBio(s)), entities);
  EXPECT_TRUE(DecodeBio(EncodeBio(Make(3, {}))).empty());
}

TEST(Bio, RepairsStrayInsideTags) {
  long repairs = 0;
  // I- after O, I- at the start, I- after another type: each opens a new entity.
  const auto entities = DecodeBio({"I-A", "I-A", "O", "I-B", "B-A", "I-B", "I-B"}, &repairs);
  EXPECT_EQ(entities, (std::vector<Entity>{{"A", 0, 2}, {"B", 3, 4}, {"A", 4, 5}, {"B", 5, 7}}));
  EXPECT_EQ(repairs, 3);
  EXPECT_EQ(DecodeBio({"B-A", "B-A"}), (std::vector<Entity>{{"A", 0, 1}, {"A", 1, 2}}));
}

TEST(Bio, EncodeRefusesOverlapsAndOutOfRangeSpans) {
  EXPECT_THROW(EncodeBio(Make(4, {{"A", 0, 3}, {"B", 2, 4}})), std::invalid_argument);
  EXPECT_THROW(EncodeBio(Make(2, {{"A", 1, 3}})), std::invalid_argument);
  EXPECT_THROW(EncodeBio(Make(2, {{"A", 1, 1}})), std::invalid_argument);
}

}  // namespace
}  // namespace dts::data
