// The racing rule of search/racing.h on synthetic fold scores whose outcome is known. p-values are checked
// against SciPy 1.10.1 (Debian's python3-scipy):
//
//   from scipy import stats
//   a = [80, 82, 81, 79, 83, 80, 82, 81, 79, 83]
//   c = [a[i] + (1 if i % 2 == 0 else -2) for i in range(10)]
//   for n in range(3, 11): print(n, stats.ttest_rel(a[:n], c[:n], alternative='greater').pvalue)
//   print(stats.ttest_rel([82.1, 80.4, 83.0, 81.7, 79.9, 82.5], [80.0, 80.9, 81.2, 80.1, 79.0, 81.0],
//                         alternative='greater').pvalue)                                  #
//                         0.01169525255153054
//   b = [a[i] - g for i, g in enumerate([1, 3, 2, 4, 0.5])]
//   for n in range(3, 6): print(stats.wilcoxon(a[:n], b[:n], alternative='greater', method='exact').pvalue)
//   print(stats.wilcoxon([1.5, 2.1, -0.3, 4.0, 0.8, 3.3, -1.2, 2.7], alternative='greater', method='exact'))
#include "search/racing.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dts::search {
namespace {

using config::RacingTest;

const std::vector<double> kIncumbent = {80, 82, 81, 79, 83, 80, 82, 81, 79, 83};

// The first `n` folds of `scores`, as a fold -> score map.
std::map<int, double> Folds(const std::vector<double>& scores, int n) {
  std::map<int, double> out;
  for (int f = 0; f < n; ++f) out[f] = scores[f];
  return out;
}

std::vector<double> Shifted(const std::vector<double>& scores, const std::vector<double>& by) {
  std::vector<double> out(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) out[i] = scores[i] + by[i % by.size()];
  return out;
}

RaceSettings Settings(RacingTest test, int min_folds = 3, double level = 0.05) {
  RaceSettings s;
  s.test = test;
  s.min_folds = min_folds;
  s.level = level;
  return s;
}

TEST(RacingTest, FivePointsWorseOnEveryFoldGoesAtMinFoldsWithTheTTest) {
  const auto worse = Shifted(kIncumbent, {-5});
  for (int n = 1; n <= 2; ++n) {
    const FoldScores scores = {{"a", Folds(kIncumbent, n)}, {"b", Folds(worse, n)}};
    EXPECT_TRUE(RaceStep(scores, {}, Settings(RacingTest::kTTest)).empty()) << n << " folds";
  }
  const FoldScores scores = {{"a", Folds(kIncumbent, 3)}, {"b", Folds(worse, 3)}};
  const auto out = RaceStep(scores, {}, Settings(RacingTest::kTTest));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].config_id, "b");
  EXPECT_EQ(out[0].incumbent_id, "a");
  EXPECT_EQ(out[0].folds, 3);
  EXPECT_EQ(out[0].after_fold, 2);
  EXPECT_DOUBLE_EQ(out[0].mean_gap, 5);
  EXPECT_EQ(out[0].p_value, 0);  // every difference the same positive number
  // min_folds = 4 waits one more fold.
  EXPECT_TRUE(RaceStep(scores, {}, Settings(RacingTest::kTTest, 4)).empty());
}

TEST(RacingTest, AlternatingBetterAndWorseIsNeverEliminated) {
  const auto alternating = Shifted(kIncumbent, {+1, -2});
  for (const RacingTest test : {RacingTest::kTTest, RacingTest::kWilcoxon}) {
    for (int n = 2; n <= 10; ++n) {
      const FoldScores scores = {{"a", Folds(kIncumbent, n)}, {"c", Folds(alternating, n)}};
      EXPECT_EQ(Incumbent(scores, {}, Settings(test)), n >= 3 ? "a" : "");
      EXPECT_TRUE(RaceStep(scores, {}, Settings(test)).empty()) << n << " folds";
    }
  }
  // SciPy's one-sided paired t p-values along the way (the largest gap, 10 folds, is far from 0.05).
  auto prefix = [](const std::vector<double>& v, int n) {
    return std::vector<double>(v.begin(), v.begin() + n);
  };
  EXPECT_NEAR(OneSidedPairedP(RacingTest::kTTest, prefix(kIncumbent, 3), prefix(alternating, 3)), 0.5, 1e-12);
  EXPECT_NEAR(OneSidedPairedP(RacingTest::kTTest, prefix(kIncumbent, 4), prefix(alternating, 4)),
              0.302090651795296, 1e-12);
  EXPECT_NEAR(OneSidedPairedP(RacingTest::kTTest, kIncumbent, alternating), 0.17171819806895677, 1e-12);
}

TEST(RacingTest, WilcoxonCannotEliminateBeforeFiveFolds) {
  // Every difference positive: p = 2^-n, 0.125 and 0.0625 at 3 and 4 folds, 1/32 at 5 (SciPy agrees).
  const auto worse = Shifted(kIncumbent, {-1, -3, -2, -4, -0.5});
  const double expected[] = {0, 0, 0, 0.125, 0.0625, 0.03125};
  for (int n = 3; n <= 5; ++n) {
    std::vector<double> better(kIncumbent.begin(), kIncumbent.begin() + n),
        lower(worse.begin(), worse.begin() + n);
    EXPECT_EQ(OneSidedPairedP(RacingTest::kWilcoxon, better, lower), expected[n]) << n;
  }
  for (int n = 3; n <= 4; ++n) {
    const FoldScores scores = {{"a", Folds(kIncumbent, n)}, {"b", Folds(worse, n)}};
    EXPECT_TRUE(RaceStep(scores, {}, Settings(RacingTest::kWilcoxon)).empty()) << n << " folds";
  }
  const FoldScores scores = {{"a", Folds(kIncumbent, 5)}, {"b", Folds(worse, 5)}};
  const auto out = RaceStep(scores, {}, Settings(RacingTest::kWilcoxon));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].config_id, "b");
  EXPECT_EQ(out[0].folds, 5);
  EXPECT_EQ(out[0].after_fold, 4);
  EXPECT_DOUBLE_EQ(out[0].mean_gap, (1 + 3 + 2 + 4 + 0.5) / 5);
  EXPECT_EQ(out[0].p_value, 1.0 / 32);
}

TEST(RacingTest, KnownPValuesMatchScipy) {
  const std::vector<double> better = {82.1, 80.4, 83.0, 81.7, 79.9, 82.5};
  const std::vector<double> worse = {80.0, 80.9, 81.2, 80.1, 79.0, 81.0};
  EXPECT_NEAR(OneSidedPairedP(RacingTest::kTTest, better, worse), 0.01169525255153054, 1e-12);
  EXPECT_NEAR(OneSidedPairedP(RacingTest::kTTest, worse, better), 1 - 0.01169525255153054, 1e-12);
  EXPECT_NEAR(OneSidedPairedP(RacingTest::kWilcoxon, {1.5, 2.1, -0.3, 4.0, 0.8, 3.3, -1.2, 2.7},
                              std::vector<double>(8, 0.0)),
              0.02734375, 1e-15);
  // Equal scores: no evidence. A constant positive gap: certainty (t); 2^-n (Wilcoxon).
  EXPECT_EQ(OneSidedPairedP(RacingTest::kTTest, better, better), 1);
  EXPECT_EQ(OneSidedPairedP(RacingTest::kWilcoxon, better, better), 1);
  EXPECT_EQ(OneSidedPairedP(RacingTest::kTTest, {3, 4}, {1, 2}), 0);
  EXPECT_EQ(OneSidedPairedP(RacingTest::kTTest, {1, 2}, {3, 4}), 1);
  EXPECT_EQ(OneSidedPairedP(RacingTest::kWilcoxon, {3, 4}, {1, 2}), 0.25);
  EXPECT_THROW(OneSidedPairedP(RacingTest::kTTest, {1}, {2}), std::invalid_argument);
  EXPECT_THROW(OneSidedPairedP(RacingTest::kTTest, {1, 2, 3}, {2, 3}), std::invalid_argument);
}

// The same scores at a level between the two p-values: the t-test eliminates (p = 0.0117), at 0.01 not.
TEST(RacingTest, EliminatesWhenPIsBelowTheLevel) {
  FoldScores scores;
  const std::vector<double> better = {82.1, 80.4, 83.0, 81.7, 79.9, 82.5};
  const std::vector<double> worse = {80.0, 80.9, 81.2, 80.1, 79.0, 81.0};
  for (int f = 0; f < 6; ++f) {
    scores["x"][f] = better[f];
    scores["y"][f] = worse[f];
  }
  const auto out = RaceStep(scores, {}, Settings(RacingTest::kTTest));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].config_id, "y");
  EXPECT_EQ(out[0].incumbent_id, "x");
  EXPECT_NEAR(out[0].p_value, 0.01169525255153054, 1e-12);
  EXPECT_NEAR(out[0].mean_gap, (81.6 - 80.36666666666666), 1e-9);
  EXPECT_TRUE(RaceStep(scores, {}, Settings(RacingTest::kTTest, 3, 0.01)).empty());
}

TEST(RacingTest, TheIncumbentIsNeverEliminatedAndEliminatedConfigsAreSkipped) {
  const auto worse = Shifted(kIncumbent, {-5});
  const auto worst = Shifted(kIncumbent, {-9});
  FoldScores scores = {{"a", Folds(worse, 6)}, {"b", Folds(kIncumbent, 6)}, {"c", Folds(worst, 6)}};
  // b is the incumbent; a and c both lose to it, in id order.
  EXPECT_EQ(Incumbent(scores, {}, Settings(RacingTest::kTTest)), "b");
  auto out = RaceStep(scores, {}, Settings(RacingTest::kTTest));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].config_id, "a");
  EXPECT_EQ(out[1].config_id, "c");
  for (const auto& e : out) EXPECT_NE(e.config_id, "b");
  // Already eliminated: not reported again.
  out = RaceStep(scores, {"a"}, Settings(RacingTest::kTTest));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].config_id, "c");
  EXPECT_TRUE(RaceStep(scores, {"a", "c"}, Settings(RacingTest::kTTest)).empty());
  // An eliminated configuration is never the incumbent, even with the best mean; the next best is, and the
  // rule runs against it.
  EXPECT_EQ(Incumbent(scores, {"b"}, Settings(RacingTest::kTTest)), "a");
  out = RaceStep(scores, {"b"}, Settings(RacingTest::kTTest));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].config_id, "c");
  EXPECT_EQ(out[0].incumbent_id, "a");
  EXPECT_DOUBLE_EQ(out[0].mean_gap, 4);
}

TEST(RacingTest, IncumbentNeedsMinFoldsAndBreaksTiesByFoldsThenId) {
  const RaceSettings s = Settings(RacingTest::kTTest);
  // A better mean on too few folds does not count, and is not tested either.
  FoldScores scores = {{"a", {{0, 70}, {1, 70}, {2, 70}}}, {"b", {{0, 99}, {1, 99}}}};
  EXPECT_EQ(Incumbent(scores, {}, s), "a");
  EXPECT_TRUE(RaceStep(scores, {}, s).empty());
  EXPECT_EQ(Incumbent({{"b", {{0, 99}, {1, 99}}}}, {}, s), "");
  EXPECT_EQ(Incumbent({}, {}, s), "");
  // Equal means: more folds wins, then the smaller id.
  scores = {{"b", {{0, 80}, {1, 82}, {2, 81}}}, {"c", {{0, 80}, {1, 82}, {2, 81}, {3, 81}}}};
  EXPECT_EQ(Incumbent(scores, {}, s), "c");
  scores = {{"d", {{0, 80}, {1, 82}, {2, 81}}}, {"b", {{0, 81}, {1, 81}, {2, 81}}}};
  EXPECT_EQ(Incumbent(scores, {}, s), "b");
}

TEST(RacingTest, TiedScoresAreNeverEliminated) {
  const FoldScores scores = {{"a", Folds(kIncumbent, 8)}, {"b", Folds(kIncumbent, 8)}};
  for (const RacingTest test : {RacingTest::kTTest, RacingTest::kWilcoxon}) {
    EXPECT_EQ(Incumbent(scores, {}, Settings(test)), "a");
    EXPECT_TRUE(RaceStep(scores, {}, Settings(test)).empty());
  }
}

TEST(RacingTest, PairsOnlyFoldsBothHave) {
  const auto worse = Shifted(kIncumbent, {-5});
  FoldScores scores = {{"a", Folds(kIncumbent, 5)},
                       {"b", {{1, worse[1]}, {3, worse[3]}, {4, worse[4]}, {7, 10}}},
                       {"c", {{0, worse[0]}, {6, 10}, {7, 10}}}};  // one paired fold: not tested
  const auto out = RaceStep(scores, {}, Settings(RacingTest::kTTest));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].config_id, "b");
  EXPECT_EQ(out[0].folds, 3);
  EXPECT_EQ(out[0].after_fold, 4);  // fold 7 has no partner
  EXPECT_DOUBLE_EQ(out[0].mean_gap, 5);
}

TEST(RacingTest, IsAPureFunctionAndOffDoesNothing) {
  const FoldScores scores = {{"a", Folds(kIncumbent, 6)},
                             {"b", Folds(Shifted(kIncumbent, {-3, -1, -4}), 6)},
                             {"c", Folds(Shifted(kIncumbent, {+1, -2}), 6)},
                             {"d", Folds(Shifted(kIncumbent, {-2}), 4)}};
  const auto first = RaceStep(scores, {}, Settings(RacingTest::kWilcoxon));
  const auto second = RaceStep(scores, {}, Settings(RacingTest::kWilcoxon));
  ASSERT_EQ(first.size(), second.size());
  ASSERT_EQ(first.size(), 1u);  // b at 6 folds; d has only 4 (p = 1/16)
  EXPECT_EQ(first[0].config_id, "b");
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].config_id, second[i].config_id);
    EXPECT_EQ(first[i].p_value, second[i].p_value);
    EXPECT_EQ(first[i].after_fold, second[i].after_fold);
  }
  EXPECT_EQ(RaceStep(scores, {}, Settings(RacingTest::kTTest)).size(), 2u);  // b and d
  EXPECT_TRUE(RaceStep(scores, {}, Settings(RacingTest::kOff)).empty());
}

}  // namespace
}  // namespace dts::search
