// Known-answer tests of stats/significance.h. Reference values come from SciPy 1.10.1 (Debian's
// python3-scipy), a textbook data set, closed forms or hand computation; each test says which.
//
// The SciPy script behind the constants:
//
//   from scipy import stats
//   from scipy.special import betainc
//   import numpy as np
//   for t, df in [(2.228, 10), (1.812, 10), (-2.776, 4), (0.5, 3), (3.0, 2.5), (-1.3, 30), (10.0, 7),
//                 (0.0, 5), (2.0, 200)]:
//       print(t, df, repr(stats.t.cdf(t, df)))
//   for a, b, x in [(2, 3, 0.4), (0.5, 0.5, 0.2), (5, 0.5, 0.9), (10, 20, 0.3), (0.5, 7, 0.01)]:
//       print(a, b, x, repr(betainc(a, b, x)))
//   g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
//   g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
//   r = stats.ttest_rel(g2, g1); print(r.statistic, r.pvalue)
//   d = np.array([1, 2, 3, 4, 5.]); t = d.mean() / np.sqrt((1/5 + 1/4) * d.var(ddof=1))
//   print(t, 2 * stats.t.sf(abs(t), 4))
//
// The one-sided tests (the sweep's racing), same SciPy:
//
//   for t, df in [(2.0, 5), (-1.5, 3), (0.7, 12.5)]: print(t, df, repr(stats.t.sf(t, df)))
//   print(stats.ttest_rel([82.1, 80.4, 83.0, 81.7, 79.9, 82.5], [80.0, 80.9, 81.2, 80.1, 79.0, 81.0],
//                         alternative='greater'))
//   print(stats.ttest_rel([75, 82, 74, 83, 76], [80, 77, 79, 78, 81], alternative='greater'))
//   print(stats.wilcoxon([1.5, 2.1, -0.3, 4.0, 0.8, 3.3, -1.2, 2.7], alternative='greater', method='exact'))
//   print(stats.wilcoxon([1, 2, 3, 4, 5], alternative='greater', method='exact'))
//   d = np.array([80.0, 81.0, 79.5, 82.0, 80.0, 83.5, 78.0]) -
//   np.array([80.0, 79.0, 80.0, 80.5, 80.0, 81.0, 78.5]) print(stats.wilcoxon(d[d != 0],
//   alternative='greater', method='exact'))  # 1.10 falls back to approx on 0s d = [3.0, 1.0, 0.5, -2.5,
//   -0.0, -0.0, 0.5, -0.5, 0.5, -0.5, -1.5, 1.5, 1.5, 3.0, 0.5, -0.0, -0.5, -2.0,
//        2.0, -1.5, -1.5, 0.0, 2.5, 1.0, -1.0, -0.5, 1.5]
//   print(stats.wilcoxon(d, alternative='greater', method='approx', correction=True, zero_method='wilcox'))
//
// With tied |d|, SciPy 1.10's exact mode uses the untied distribution, so the tied references are counted by
// brute force over all 2^n sign patterns with SciPy's mid-ranks:
//
//   def brute(d):
//       d = np.array([v for v in d if v != 0.0]); r = stats.rankdata(np.abs(d)); w = r[d > 0].sum()
//       return w, sum((r * np.array(s)).sum() >= w - 1e-9
//                     for s in itertools.product([0, 1], repeat=len(d))) / 2 ** len(d)
//   for d in [[1, 1, 2, -2, 3, 3, 3, 4], [2, 2, -2, 5, 1, 1, 6, -1, 2]]: print(brute(d))
#include "stats/significance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

namespace dts::stats {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(IncompleteBetaTest, MatchesScipy) {
  EXPECT_NEAR(RegularizedIncompleteBeta(2, 3, 0.4), 0.5247999999999999, 1e-13);
  EXPECT_NEAR(RegularizedIncompleteBeta(0.5, 0.5, 0.2), 0.29516723530086664, 1e-13);
  EXPECT_NEAR(RegularizedIncompleteBeta(5, 0.5, 0.9), 0.316642915020012, 1e-13);
  EXPECT_NEAR(RegularizedIncompleteBeta(10, 20, 0.3), 0.3640040810719437, 1e-13);
  EXPECT_NEAR(RegularizedIncompleteBeta(0.5, 7, 0.01), 0.2874836298717218, 1e-13);
  EXPECT_EQ(RegularizedIncompleteBeta(3, 4, 0), 0);
  EXPECT_EQ(RegularizedIncompleteBeta(3, 4, 1), 1);
  EXPECT_THROW(RegularizedIncompleteBeta(0, 1, 0.5), std::invalid_argument);
  EXPECT_THROW(RegularizedIncompleteBeta(1, 1, 1.5), std::invalid_argument);
}

// I_0.4(2, 3) by hand: I_x(2, 3) = sum_{j=2..4} C(4, j) x^j (1-x)^(4-j)
//   = 6 * 0.16 * 0.36 + 4 * 0.064 * 0.6 + 0.0256 = 0.3456 + 0.1536 + 0.0256 = 0.5248.
TEST(IncompleteBetaTest, MatchesTheBinomialSumForIntegerArguments) {
  EXPECT_NEAR(RegularizedIncompleteBeta(2, 3, 0.4), 0.5248, 1e-14);
}

TEST(StudentTTest, MatchesPrintedTableValues) {
  // Critical values from any t table: t_{0.975, 10} = 2.228, t_{0.95, 10} = 1.812, t_{0.975, 4} = 2.776.
  EXPECT_NEAR(StudentTCdf(2.228, 10), 0.975, 1e-4);
  EXPECT_NEAR(StudentTCdf(1.812, 10), 0.95, 1e-4);
  EXPECT_NEAR(StudentTCdf(-2.776, 4), 0.025, 1e-4);
  EXPECT_NEAR(StudentTTwoSidedP(2.228, 10), 0.05, 2e-4);
}

TEST(StudentTTest, MatchesScipy) {
  EXPECT_NEAR(StudentTCdf(2.228, 10), 0.9749941140914443, 1e-12);
  EXPECT_NEAR(StudentTCdf(1.812, 10), 0.9499623689670764, 1e-12);
  EXPECT_NEAR(StudentTCdf(-2.776, 4), 0.0250113891599882, 1e-12);
  EXPECT_NEAR(StudentTCdf(0.5, 3), 0.6742760175759246, 1e-12);
  EXPECT_NEAR(StudentTCdf(3.0, 2.5), 0.9637119522254841, 1e-12);  // non-integer df
  EXPECT_NEAR(StudentTCdf(-1.3, 30), 0.10175047926905845, 1e-12);
  EXPECT_NEAR(StudentTCdf(10.0, 7), 0.9999893028985546, 1e-12);
  EXPECT_EQ(StudentTCdf(0.0, 5), 0.5);
  EXPECT_NEAR(StudentTCdf(2.0, 200), 0.9765734069064644, 1e-12);
  EXPECT_EQ(StudentTCdf(INFINITY, 3), 1);
  EXPECT_EQ(StudentTCdf(-INFINITY, 3), 0);
}

// Closed forms: df = 1 is the Cauchy distribution, F(t) = 1/2 + atan(t)/pi; df = 2 has
// F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
TEST(StudentTTest, MatchesClosedFormsForOneAndTwoDegreesOfFreedom) {
  for (double t : {-30.0, -3.0, -0.7, 0.1, 1.0, 4.5, 100.0}) {
    EXPECT_NEAR(StudentTCdf(t, 1), 0.5 + std::atan(t) / kPi, 1e-13) << t;
    EXPECT_NEAR(StudentTCdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-13) << t;
  }
}

// Student's sleep data (Cushny and Peebles 1905, as in R's `example(t.test)`: extra hours of sleep under two
// drugs for the same ten patients). R and SciPy both give t = 4.0621, df = 9, p = 0.002833 for drug 2 - 1.
TEST(PairedTTestTest, StudentsSleepData) {
  const std::vector<double> drug1 = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
  const std::vector<double> drug2 = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};
  const auto r = PairedTTest(drug1, drug2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 10);
  EXPECT_NEAR(r->mean_difference, 1.58, 1e-12);
  EXPECT_NEAR(r->t, 4.062127683382037, 1e-10);
  EXPECT_EQ(r->df, 9);
  EXPECT_NEAR(r->p, 0.00283289019738427, 1e-12);
  // Swapping the systems flips the sign, not the p-value.
  const auto swapped = PairedTTest(drug2, drug1);
  EXPECT_NEAR(swapped->t, -r->t, 1e-12);
  EXPECT_NEAR(swapped->p, r->p, 1e-15);
}

TEST(PairedTTestTest, DegenerateCases) {
  EXPECT_FALSE(PairedTTest({1.0}, {2.0}));
  EXPECT_THROW(PairedTTest({1.0, 2.0}, {1.0}), std::invalid_argument);
  const auto same = PairedTTest({80, 81, 82}, {80, 81, 82});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->p, 1);
  EXPECT_EQ(same->t, 0);
  const auto shifted = PairedTTest({80, 81, 82}, {81, 82, 83});  // every run exactly one point better
  EXPECT_EQ(shifted->p, 0);
  EXPECT_TRUE(std::isinf(shifted->t) && shifted->t > 0);
}

// Nadeau-Bengio by hand: differences d = 1, 2, 3, 4, 5 (b = a + d), n = 5, n_test/n_train = 1/4 (5 folds).
//   mean(d) = 3, var(d) = (4 + 1 + 0 + 1 + 4) / 4 = 2.5,
//   t = 3 / sqrt((1/5 + 1/4) * 2.5) = 3 / sqrt(1.125) = 2.828427 (= 2 sqrt 2), df = 4,
//   p = 2 * (1 - F_4(2.828427)) = 0.0474207 (SciPy, above).
// The plain paired test on the same numbers: t = 3 / sqrt(2.5 / 5) = 4.242641, a smaller p.
TEST(CorrectedResampledTTestTest, HandComputedFiveFoldExample) {
  const std::vector<double> a = {70, 72, 68, 71, 69};
  const std::vector<double> b = {71, 74, 71, 75, 74};
  const auto r = CorrectedResampledTTest(a, b, 0.25);
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->mean_difference, 3, 1e-12);
  EXPECT_NEAR(r->variance, 2.5, 1e-12);
  EXPECT_NEAR(r->t, 2 * std::sqrt(2.0), 1e-12);
  EXPECT_EQ(r->df, 4);
  EXPECT_NEAR(r->p, 0.04742065558431957, 1e-12);
  const auto plain = PairedTTest(a, b);
  EXPECT_NEAR(plain->t, 3 / std::sqrt(0.5), 1e-12);
  EXPECT_LT(plain->p, r->p);
  // Ratio 0 is the plain test.
  EXPECT_NEAR(CorrectedResampledTTest(a, b, 0)->p, plain->p, 1e-15);
  EXPECT_THROW(CorrectedResampledTTest(a, b, -0.1), std::invalid_argument);
}

TEST(QuantileTest, Type7Interpolation) {
  // R: quantile(c(1, 2, 4, 8), c(0, 0.25, 0.5, 0.9, 1)) = 1, 1.75, 3, 6.8, 8.
  const std::vector<double> v = {1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(QuantileType7(v, 0), 1);
  EXPECT_DOUBLE_EQ(QuantileType7(v, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(QuantileType7(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(QuantileType7(v, 0.9), 6.8);
  EXPECT_DOUBLE_EQ(QuantileType7(v, 1), 8);
}

TEST(PairedBootstrapTest, IsDeterministicPerSeed) {
  const std::vector<double> a = {70.1, 72.3, 68.4, 71.0, 69.9, 70.5, 71.2};
  const std::vector<double> b = {70.9, 72.0, 69.8, 71.9, 70.3, 71.8, 71.0};
  BootstrapOptions options;
  options.seed = 7;
  const auto first = PairedBootstrapCi(a, b, options);
  const auto again = PairedBootstrapCi(a, b, options);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->low, again->low);
  EXPECT_EQ(first->high, again->high);
  options.seed = 8;
  const auto other = PairedBootstrapCi(a, b, options);
  EXPECT_TRUE(other->low != first->low || other->high != first->high);
  EXPECT_EQ(first->resamples, 10000);
  EXPECT_NEAR(first->mean_difference, (0.8 - 0.3 + 1.4 + 0.9 + 0.4 + 1.3 - 0.2) / 7, 1e-12);
  EXPECT_LE(first->low, first->mean_difference);
  EXPECT_GE(first->high, first->mean_difference);
  // The resampled means lie within the range of the differences.
  EXPECT_GE(first->low, -0.3);
  EXPECT_LE(first->high, 1.4);
}

TEST(PairedBootstrapTest, SanityOnIdenticalAndClearlyDifferentSystems) {
  const std::vector<double> a = {80.2, 79.5, 81.0, 80.7, 79.9};
  const auto same = PairedBootstrapCi(a, a);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->low, 0);
  EXPECT_EQ(same->high, 0);
  std::vector<double> better = a;
  for (std::size_t i = 0; i < better.size(); ++i) better[i] += 2 + 0.1 * static_cast<double>(i);
  const auto clear = PairedBootstrapCi(a, better);
  EXPECT_GE(clear->low, 2);
  EXPECT_LE(clear->high, 2.4 + 1e-12);
  EXPECT_FALSE(PairedBootstrapCi({}, {}));
  EXPECT_THROW(PairedBootstrapCi({1, 2}, {1}), std::invalid_argument);
}

// With many pairs of normal differences, the percentile interval approaches mean +- 1.96 sd / sqrt(n).
TEST(PairedBootstrapTest, ApproachesTheNormalIntervalForManyPairs) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.5, 2.0);
  std::vector<double> a(400, 0.0), b(400);
  for (double& v : b) v = noise(rng);
  const auto ci = PairedBootstrapCi(a, b);
  const auto t = PairedTTest(a, b);
  const double half = 1.96 * std::sqrt(t->variance / 400);
  EXPECT_NEAR(ci->low, t->mean_difference - half, 0.05);
  EXPECT_NEAR(ci->high, t->mean_difference + half, 0.05);
}

TEST(PooledF1Test, MicroAndMacroByHand) {
  // Type 0: tp 3, fp 1, fn 2 -> P 75, R 60, F1 = 2PR / (P + R) = 9000 / 135 = 66.67 (= 200 tp / (2tp + fp +
  // fn) = 600 / 9); type 1: tp 0 -> F1 0; type 2 never occurs (left out of the macro average).
  const std::vector<std::int64_t> tp = {3, 0, 0}, fp = {1, 2, 0}, fn = {2, 1, 0};
  const std::vector<bool> occurs = {true, true, false};
  // Micro over types 0-2: tp 3, fp 3, fn 3 -> 600 / 12 = 50.
  EXPECT_NEAR(PooledF1(tp, fp, fn, {{0, 3, F1Averaging::kMicro}}, occurs), 50, 1e-12);
  EXPECT_NEAR(PooledF1(tp, fp, fn, {{0, 3, F1Averaging::kMacro}}, occurs), 100.0 / 3, 1e-12);
  // Two parts (NER = type 0, RE = types 1-2): the mean of their F1.
  EXPECT_NEAR(PooledF1(tp, fp, fn, {{0, 1, F1Averaging::kMicro}, {1, 3, F1Averaging::kMicro}}, occurs),
              (600.0 / 9 + 0) / 2, 1e-12);
}

// Random small per-sentence counts over `types` types.
std::vector<SentencePair> RandomSentences(int sentences, int types, double b_advantage, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> count(0, 2), type(0, types - 1);
  std::bernoulli_distribution advantage(b_advantage);
  std::vector<SentencePair> out;
  for (int s = 0; s < sentences; ++s) {
    SentencePair p;
    const int k = type(rng);
    const std::int64_t gold = 1 + count(rng);
    const std::int64_t tp_a = std::min<std::int64_t>(gold, count(rng));
    std::int64_t tp_b = std::min<std::int64_t>(gold, count(rng));
    if (advantage(rng)) tp_b = gold;
    p.a.push_back({k, tp_a, count(rng), gold - tp_a});
    p.b.push_back({k, tp_b, count(rng), gold - tp_b});
    out.push_back(p);
  }
  return out;
}

// The exact two-sided paired permutation p-value by enumerating all 2^n swaps, with its own F1 arithmetic.
double ExactPermutationP(const std::vector<SentencePair>& sentences) {
  const auto micro_f1 = [](const std::vector<const std::vector<TypeCount>*>& sides) {
    std::int64_t tp = 0, fp = 0, fn = 0;
    for (const auto* side : sides) {
      for (const auto& c : *side) {
        tp += c.tp;
        fp += c.fp;
        fn += c.fn;
      }
    }
    const double p = tp + fp ? static_cast<double>(tp) / (tp + fp) : 0;
    const double r = tp + fn ? static_cast<double>(tp) / (tp + fn) : 0;
    return p + r ? 100 * 2 * p * r / (p + r) : 0;
  };
  const std::size_t n = sentences.size();
  double observed = 0;
  int extreme = 0;
  for (std::uint64_t mask = 0; mask < (1ull << n); ++mask) {
    std::vector<const std::vector<TypeCount>*> x, y;
    for (std::size_t s = 0; s < n; ++s) {
      const bool swap = (mask >> s) & 1;
      x.push_back(swap ? &sentences[s].b : &sentences[s].a);
      y.push_back(swap ? &sentences[s].a : &sentences[s].b);
    }
    const double diff = std::fabs(micro_f1(y) - micro_f1(x));
    if (mask == 0) observed = diff;
    extreme += diff >= observed - 1e-9;
  }
  return static_cast<double>(extreme) / static_cast<double>(1ull << n);
}

TEST(ApproximateRandomizationTest, ApproachesTheExactPermutationP) {
  const auto sentences = RandomSentences(12, 3, 0.3, 11);
  const double exact = ExactPermutationP(sentences);
  RandomizationOptions options;
  options.rounds = 20000;
  options.seed = 5;
  const auto r = ApproximateRandomizationF1(sentences, 3, {{0, 3, F1Averaging::kMicro}}, options);
  EXPECT_EQ(r.sentences, 12);
  // Binomial standard error of an estimated p with 20000 rounds is at most 0.0036.
  EXPECT_NEAR(r.p, exact, 0.015) << "exact " << exact;
  EXPECT_GT(exact, 0.001);  // the example is not trivially significant
}

TEST(ApproximateRandomizationTest, IdenticalSystemsGivePOne) {
  auto sentences = RandomSentences(50, 4, 0, 2);
  for (auto& s : sentences) s.b = s.a;
  const auto r = ApproximateRandomizationF1(sentences, 4, {{0, 4, F1Averaging::kMacro}}, {1000, 9});
  EXPECT_EQ(r.difference, 0);
  EXPECT_EQ(r.at_least_as_extreme, 1000);
  EXPECT_EQ(r.p, 1);
}

TEST(ApproximateRandomizationTest, ClearDifferenceGivesSmallPAndIsDeterministic) {
  const auto sentences = RandomSentences(400, 4, 0.8, 4);
  const std::vector<F1Part> parts = {{0, 2, F1Averaging::kMicro}, {2, 4, F1Averaging::kMicro}};
  const auto r = ApproximateRandomizationF1(sentences, 4, parts, {2000, 1});
  EXPECT_GT(r.difference, 5);
  EXPECT_LT(r.p, 0.001);
  EXPECT_EQ(r.p, 1.0 / 2001);  // no permuted difference reached the observed one
  const auto again = ApproximateRandomizationF1(sentences, 4, parts, {2000, 1});
  EXPECT_EQ(again.at_least_as_extreme, r.at_least_as_extreme);
  // Swapping the systems gives the same p and the opposite difference.
  auto swapped = sentences;
  for (auto& s : swapped) std::swap(s.a, s.b);
  const auto back = ApproximateRandomizationF1(swapped, 4, parts, {2000, 1});
  EXPECT_NEAR(back.difference, -r.difference, 1e-12);
  EXPECT_EQ(back.p, r.p);
}

TEST(ApproximateRandomizationTest, NullDifferenceIsRarelySignificant) {
  // Both systems drawn from the same distribution: p should be spread over (0, 1], mostly not small.
  int small = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto r = ApproximateRandomizationF1(RandomSentences(200, 3, 0, seed), 3,
                                              {{0, 3, F1Averaging::kMicro}}, {500, seed});
    small += r.p < 0.05;
  }
  EXPECT_LE(small, 4);
}

TEST(ApproximateRandomizationTest, RejectsBadInput) {
  const auto sentences = RandomSentences(5, 3, 0, 1);
  EXPECT_THROW(ApproximateRandomizationF1(sentences, 2, {{0, 2, F1Averaging::kMicro}}),
               std::invalid_argument);
  EXPECT_THROW(ApproximateRandomizationF1(sentences, 3, {{0, 4, F1Averaging::kMicro}}),
               std::invalid_argument);
  EXPECT_THROW(ApproximateRandomizationF1(sentences, 3, {}), std::invalid_argument);
  EXPECT_THROW(ApproximateRandomizationF1(sentences, 3, {{0, 3, F1Averaging::kMicro}}, {0, 1}),
               std::invalid_argument);
  EXPECT_EQ(ApproximateRandomizationF1({}, 3, {{0, 3, F1Averaging::kMicro}}, {10, 1}).p, 1);
}

// R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02. By hand: sorted 0.005, 0.01, 0.03,
// 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04; the running maximum makes the last 0.06.
TEST(HolmTest, KnownExample) {
  const auto adjusted = HolmAdjust({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_NEAR(*adjusted[0], 0.03, 1e-15);
  EXPECT_NEAR(*adjusted[1], 0.06, 1e-15);
  EXPECT_NEAR(*adjusted[2], 0.06, 1e-15);
  EXPECT_NEAR(*adjusted[3], 0.02, 1e-15);
}

TEST(HolmTest, MissingValuesDoNotCountAndResultsCapAtOne) {
  const auto adjusted = HolmAdjust({std::nullopt, 0.02, 0.6, std::nullopt, 0.01});
  EXPECT_FALSE(adjusted[0]);
  EXPECT_FALSE(adjusted[3]);
  EXPECT_NEAR(*adjusted[4], 0.03, 1e-15);  // m = 3
  EXPECT_NEAR(*adjusted[1], 0.04, 1e-15);
  EXPECT_NEAR(*adjusted[2], 0.6, 1e-15);
  EXPECT_EQ(*HolmAdjust({0.7, 0.8})[0], 1);
  EXPECT_TRUE(HolmAdjust({}).empty());
}

TEST(StudentTTest, OneSidedPMatchesScipy) {
  EXPECT_NEAR(StudentTOneSidedP(2.0, 5), 0.05096973941492914, 1e-12);
  EXPECT_NEAR(StudentTOneSidedP(-1.5, 3), 0.8847080673775886, 1e-12);
  EXPECT_NEAR(StudentTOneSidedP(0.7, 12.5), 0.24837458036267324, 1e-12);
  EXPECT_EQ(StudentTOneSidedP(0, 4), 0.5);
  EXPECT_EQ(StudentTOneSidedP(std::numeric_limits<double>::infinity(), 4), 0);
  EXPECT_EQ(StudentTOneSidedP(-std::numeric_limits<double>::infinity(), 4), 1);
}

TEST(PairedTTestTest, OneSidedFromTheStatisticMatchesScipy) {
  // ttest_rel(b, a, alternative='greater'): t = 3.2228791358236664, p = 0.01169525255153054.
  const auto r = PairedTTest({80.0, 80.9, 81.2, 80.1, 79.0, 81.0}, {82.1, 80.4, 83.0, 81.7, 79.9, 82.5});
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->t, 3.2228791358236664, 1e-12);
  EXPECT_NEAR(StudentTOneSidedP(r->t, r->df), 0.01169525255153054, 1e-12);
  // The other direction: t = -0.4082482904638631, p = 0.648.
  const auto s = PairedTTest({80, 77, 79, 78, 81}, {75, 82, 74, 83, 76});
  EXPECT_NEAR(StudentTOneSidedP(s->t, s->df), 0.648, 1e-12);
}

TEST(WilcoxonTest, ExactWithoutTiesMatchesScipy) {
  const std::vector<double> zero(8, 0.0);
  const auto r = WilcoxonSignedRankGreater(zero, {1.5, 2.1, -0.3, 4.0, 0.8, 3.3, -1.2, 2.7});
  EXPECT_EQ(r.n, 8);
  EXPECT_EQ(r.w_plus, 32);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p, 0.02734375, 1e-15);  // 7 / 256
}

// The smallest p-value of n differences is 2^-n: all positive.
TEST(WilcoxonTest, AllPositiveGivesTwoToTheMinusN) {
  EXPECT_EQ(WilcoxonSignedRankGreater({0, 0, 0, 0, 0}, {1, 2, 3, 4, 5}).p, 1.0 / 32);  // SciPy: 0.03125
  EXPECT_EQ(WilcoxonSignedRankGreater({0, 0, 0, 0}, {1, 2, 3, 4}).p, 1.0 / 16);
  EXPECT_EQ(WilcoxonSignedRankGreater({0, 0, 0, 0, 0}, {5, 5, 5, 5, 5}).p, 1.0 / 32);  // one tie group
  EXPECT_EQ(WilcoxonSignedRankGreater({0, 0, 0}, {-1, -2, -3}).p, 1);
}

TEST(WilcoxonTest, ZeroDifferencesAreDropped) {
  const auto r = WilcoxonSignedRankGreater({80.0, 79.0, 80.0, 80.5, 80.0, 81.0, 78.5},
                                           {80.0, 81.0, 79.5, 82.0, 80.0, 83.5, 78.0});
  EXPECT_EQ(r.n, 5);
  EXPECT_EQ(r.w_plus, 12);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p, 0.15625, 1e-15);
  const auto none = WilcoxonSignedRankGreater({1, 2, 3}, {1, 2, 3});
  EXPECT_EQ(none.n, 0);
  EXPECT_EQ(none.p, 1);
  EXPECT_EQ(WilcoxonSignedRankGreater({}, {}).p, 1);
  EXPECT_THROW(WilcoxonSignedRankGreater({1, 2}, {1}), std::invalid_argument);
}

TEST(WilcoxonTest, ExactWithTiedMidRanksMatchesBruteForce) {
  const std::vector<double> zero8(8, 0.0), zero9(9, 0.0);
  const auto a = WilcoxonSignedRankGreater(zero8, {1, 1, 2, -2, 3, 3, 3, 4});
  EXPECT_EQ(a.w_plus, 32.5);
  EXPECT_NEAR(a.p, 0.0234375, 1e-15);  // SciPy 1.10's exact mode (ties ignored) says 0.02734375
  const auto b = WilcoxonSignedRankGreater(zero9, {2, 2, -2, 5, 1, 1, 6, -1, 2});
  EXPECT_EQ(b.w_plus, 37.5);
  EXPECT_NEAR(b.p, 0.046875, 1e-15);  // SciPy 1.10's exact mode: 0.048828125
}

TEST(WilcoxonTest, NormalApproximationAboveTwentyMatchesScipy) {
  const std::vector<double> d = {3.0,  1.0,  0.5,  -2.5, -0.0, -0.0, 0.5,  -0.5, 0.5,
                                 -0.5, -1.5, 1.5,  1.5,  3.0,  0.5,  -0.0, -0.5, -2.0,
                                 2.0,  -1.5, -1.5, 0.0,  2.5,  1.0,  -1.0, -0.5, 1.5};
  const auto r = WilcoxonSignedRankGreater(std::vector<double>(d.size(), 0.0), d);
  EXPECT_EQ(r.n, 23);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.w_plus, 165.5);
  EXPECT_NEAR(r.p, 0.20404703179966682, 1e-12);
}

// Exact at the boundary: 20 positive differences give 2^-20; 21 use the normal approximation.
TEST(WilcoxonTest, ExactUpToTwentyDifferences) {
  std::vector<double> twenty(20), twenty_one(21);
  std::iota(twenty.begin(), twenty.end(), 1.0);
  std::iota(twenty_one.begin(), twenty_one.end(), 1.0);
  const auto a = WilcoxonSignedRankGreater(std::vector<double>(20, 0.0), twenty);
  EXPECT_TRUE(a.exact);
  EXPECT_EQ(a.p, std::ldexp(1.0, -20));
  const auto b = WilcoxonSignedRankGreater(std::vector<double>(21, 0.0), twenty_one);
  EXPECT_FALSE(b.exact);
  EXPECT_LT(b.p, 1e-4);
}

}  // namespace
}  // namespace dts::stats
