// Significance of a difference between two systems, as the report attaches it to every comparison row and
// the sweep's racing (search/racing.h) tests each configuration against the incumbent.
// Pure functions over numbers: no trial files, no I/O. Every resampling function takes an explicit seed and
// draws from std::mt19937_64 with its own bounded-integer rule (not std::uniform_int_distribution, whose
// output differs between standard libraries), so a figure is reproducible on any platform.
//
// Conventions: a difference is always b - a ("variant minus baseline"); paired vectors have equal length and
// element i of `a` and `b` come from runs on the same fold and seed. Scores are whatever unit the caller uses
// (the report: percent).
//
// References: Dror, Baumer, Shlomov and Reichart (2018), The Hitchhiker's Guide to Testing Statistical
// Significance in Natural Language Processing, ACL; Nadeau and Bengio (2003), Inference for the
// Generalization Error, Machine Learning 52; Holm (1979), A Simple Sequentially Rejective Multiple Test
// Procedure, Scandinavian Journal of Statistics 6; Noreen (1989), Computer-Intensive Methods for Testing
// Hypotheses; Efron and Tibshirani (1993), An Introduction to the Bootstrap.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace dts::stats {

// ---------------------------------------------------------------------------------------------------------
// Distributions

// I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1 (a continued fraction,
// relative accuracy about 1e-14). Throws std::invalid_argument outside that domain.
double RegularizedIncompleteBeta(double a, double b, double x);

// P(T <= t) for Student's t with `df` > 0 degrees of freedom (df need not be an integer); t may be infinite.
double StudentTCdf(double t, double df);

// P(|T| >= |t|): the two-sided p-value of a t statistic.
double StudentTTwoSidedP(double t, double df);

// P(T >= t) for Student's t with `df` > 0 degrees of freedom: the one-sided (upper tail) p-value of a t
// statistic; t may be infinite.
double StudentTOneSidedP(double t, double df);

// ---------------------------------------------------------------------------------------------------------
// Run-level tests (one score per run; pairs share fold and seed)

struct TTestResult {
  int n = 0;                   // pairs
  double mean_difference = 0;  // mean of d_i = b_i - a_i
  double variance = 0;         // sample variance of d (n - 1)
  double t = 0;                // +-inf when the variance is 0 and the mean is not
  double df = 0;               // n - 1
  double p = 1;                // two-sided; 1 when every d_i is 0
};

// Student's paired t-test: t = mean(d) / sqrt(var(d) / n). For seeds on a fixed split, where the runs differ
// only in their seed. nullopt for fewer than 2 pairs. Throws std::invalid_argument for unequal lengths.
std::optional<TTestResult> PairedTTest(const std::vector<double>& a, const std::vector<double>& b);

// Nadeau and Bengio's corrected resampled t-test, for runs whose training sets overlap (k-fold cross
// validation): t = mean(d) / sqrt((1/n + n_test/n_train) * var(d)), df = n - 1. `test_train_ratio` is
// n_test / n_train of one run (about 1/(k-1) for k folds); 0 gives the plain paired t-test. nullopt for fewer
// than 2 pairs. Throws std::invalid_argument for unequal lengths or a negative ratio.
std::optional<TTestResult> CorrectedResampledTTest(const std::vector<double>& a, const std::vector<double>& b,
                                                   double test_train_ratio);

struct BootstrapOptions {
  int resamples = 10000;
  double confidence = 0.95;
  std::uint64_t seed = 1;
};

struct BootstrapCi {
  int n = 0;                   // pairs
  double mean_difference = 0;  // of the observed pairs
  double low = 0;              // percentile interval of the resampled means
  double high = 0;
  int resamples = 0;
  double confidence = 0;
};

// Paired bootstrap: B times, draw n pairs with replacement and take the mean of their differences; the CI is
// the (1-c)/2 and (1+c)/2 quantiles of those means (linear interpolation between order statistics, R's
// type 7). nullopt for no pairs. Throws std::invalid_argument for unequal lengths, resamples < 1 or a
// confidence outside (0, 1).
std::optional<BootstrapCi> PairedBootstrapCi(const std::vector<double>& a, const std::vector<double>& b,
                                             const BootstrapOptions& options = {});

// The q-quantile (0 <= q <= 1) of `sorted` (ascending, non-empty), R's type 7.
double QuantileType7(const std::vector<double>& sorted, double q);

// Wilcoxon's signed-rank test, one-sided: do the differences d_i = b_i - a_i tend to be positive? Zero
// differences are dropped (Wilcoxon's rule, SciPy's zero_method = "wilcox"); the rest are ranked by |d_i|,
// tied magnitudes sharing their mid-rank, and W+ is the sum of the ranks of the positive differences. Up to
// kWilcoxonExactMax ranked differences the p-value is exact: the share of the 2^n sign patterns whose W+ is
// at least the observed one, counted with the tied mid-ranks as they are (SciPy 1.10's exact mode ignores
// ties); above it, the normal approximation with the tie correction of the variance and a continuity
// correction of 0.5 (SciPy's method = "approx", correction = True).
inline constexpr int kWilcoxonExactMax = 20;

struct WilcoxonResult {
  int n = 0;           // ranked (non-zero) differences
  double w_plus = 0;   // sum of the mid-ranks of the positive differences
  bool exact = false;  // the exact null distribution was used (n <= kWilcoxonExactMax)
  double p = 1;        // one-sided P(W+ >= w_plus) under the null; 1 when n = 0
};

// Throws std::invalid_argument for unequal lengths. Differences compare exactly (no tolerance), as SciPy's.
WilcoxonResult WilcoxonSignedRankGreater(const std::vector<double>& a, const std::vector<double>& b);

// ---------------------------------------------------------------------------------------------------------
// Sentence-level approximate randomization on F1

// One type's counts in one sentence. Types are small integers chosen by the caller (the report numbers NER
// types first, then RE types, so one sentence carries both tasks and a swap moves both).
struct TypeCount {
  int type = 0;
  std::int64_t tp = 0;
  std::int64_t fp = 0;
  std::int64_t fn = 0;
};

// The two systems' counts on one test sentence (types absent from a list count 0).
struct SentencePair {
  std::vector<TypeCount> a;
  std::vector<TypeCount> b;
};

enum class F1Averaging { kMicro, kMacro };

// A block of types [first_type, end_type) scored by one F1. The statistic of a system is the mean over the
// parts of their F1: one part gives NER (or RE) F1, two parts the mean of NER and RE F1. Macro F1 averages
// the per-type F1 over the types of the part that occur (tp + fp + fn > 0) in either system's pooled counts.
struct F1Part {
  int first_type = 0;
  int end_type = 0;
  F1Averaging averaging = F1Averaging::kMicro;
};

struct RandomizationOptions {
  int rounds = 10000;
  std::uint64_t seed = 1;
};

struct RandomizationResult {
  int sentences = 0;
  double statistic_a = 0;  // F1 (percent) of the pooled counts of each system
  double statistic_b = 0;
  double difference = 0;  // statistic_b - statistic_a
  int rounds = 0;
  std::int64_t at_least_as_extreme = 0;  // c: rounds with |permuted difference| >= |observed difference|
  double p = 1;                          // (c + 1) / (rounds + 1)
};

// The F1 statistic (percent) of pooled counts: tp/fp/fn indexed by type, sized to cover every part.
double PooledF1(const std::vector<std::int64_t>& tp, const std::vector<std::int64_t>& fp,
                const std::vector<std::int64_t>& fn, const std::vector<F1Part>& parts,
                const std::vector<bool>& macro_types);

// Paired approximate randomization (Noreen 1989; Dror et al. 2018): each round swaps the two systems' counts
// of every sentence independently with probability 1/2 and recomputes the difference of the pooled
// statistics; two-sided. Types must lie in [0, num_types). Throws std::invalid_argument for a type out of
// range, an empty or malformed part list, or rounds < 1. With no sentences the result has p = 1.
RandomizationResult ApproximateRandomizationF1(const std::vector<SentencePair>& sentences, int num_types,
                                               const std::vector<F1Part>& parts,
                                               const RandomizationOptions& options = {});

// ---------------------------------------------------------------------------------------------------------
// Multiple comparisons

// Holm's step-down adjustment, in input order: with the m present p-values sorted ascending,
// p_adj(i) = min(1, max_{j <= i} (m - j + 1) p(j)). nullopt entries stay nullopt and do not count in m.
std::vector<std::optional<double>> HolmAdjust(const std::vector<std::optional<double>>& p_values);

}  // namespace dts::stats
