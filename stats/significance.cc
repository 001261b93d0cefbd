#include "stats/significance.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace dts::stats {
namespace {

// An unbiased draw from [0, n), n >= 1: rejects the top 2^64 mod n values of the generator so that every
// residue is equally likely. Defined here, not by std::uniform_int_distribution, so that it is the same with
// every standard library.
std::uint64_t UniformBelow(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t reject_below = (0 - n) % n;  // 2^64 mod n
  for (;;) {
    const std::uint64_t r = rng();
    if (r >= reject_below) return r % n;
  }
}

// The continued fraction of I_x(a, b) without its front factor, evaluated by the modified Lentz method;
// it converges fast for x < (a + 1) / (a + b + 2).
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-15;
  constexpr int kMaxTerms = 10000;
  const auto clamp = [](double v) { return std::fabs(v) < kTiny ? kTiny : v; };
  double c = 1.0;
  double d = 1.0 / clamp(1.0 - (a + b) * x / (a + 1.0));
  double f = d;
  for (int m = 1; m <= kMaxTerms; ++m) {
    // Even term d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)).
    const double even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
    d = 1.0 / clamp(1.0 + even * d);
    c = clamp(1.0 + even / c);
    f *= d * c;
    // Odd term d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    const double odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
    d = 1.0 / clamp(1.0 + odd * d);
    c = clamp(1.0 + odd / c);
    const double step = d * c;
    f *= step;
    if (std::fabs(step - 1.0) < kEpsilon) return f;
  }
  return f;  // not reached for the arguments the t distribution produces
}

void CheckPaired(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  if (a.size() != b.size()) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(a.size()) + " and " +
                                std::to_string(b.size()) + " values are not paired");
  }
}

std::vector<double> Differences(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
  return d;
}

// t = mean(d) / sqrt(factor * var(d)), df = n - 1.
std::optional<TTestResult> TTest(const std::vector<double>& d, double factor) {
  if (d.size() < 2) return std::nullopt;
  TTestResult r;
  r.n = static_cast<int>(d.size());
  r.mean_difference = std::accumulate(d.begin(), d.end(), 0.0) / r.n;
  double ss = 0;
  for (double v : d) ss += (v - r.mean_difference) * (v - r.mean_difference);
  r.variance = ss / (r.n - 1);
  r.df = r.n - 1;
  const double se = std::sqrt(factor * r.variance);
  if (se == 0) {
    // Every run differs by the same amount: no evidence either way when that is 0, else certainty.
    r.t = r.mean_difference == 0 ? 0
                                 : std::copysign(std::numeric_limits<double>::infinity(), r.mean_difference);
    r.p = r.mean_difference == 0 ? 1 : 0;
    return r;
  }
  r.t = r.mean_difference / se;
  r.p = StudentTTwoSidedP(r.t, r.df);
  return r;
}

// Pooled counts of one system, indexed by type.
struct Totals {
  std::vector<std::int64_t> tp, fp, fn;
  explicit Totals(int n) : tp(n, 0), fp(n, 0), fn(n, 0) {}
  void Add(const TypeCount& c, std::int64_t sign) {
    tp[c.type] += sign * c.tp;
    fp[c.type] += sign * c.fp;
    fn[c.type] += sign * c.fn;
  }
};

}  // namespace

double RegularizedIncompleteBeta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) {
    throw std::invalid_argument("incomplete beta: need a > 0, b > 0 and 0 <= x <= 1 (a=" + std::to_string(a) +
                                ", b=" + std::to_string(b) + ", x=" + std::to_string(x) + ")");
  }
  if (x == 0) return 0;
  if (x == 1) return 1;
  // x^a (1-x)^b / B(a, b), in logs.
  const double log_front =
      a * std::log(x) + b * std::log1p(-x) - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
  // The symmetry I_x(a, b) = 1 - I_{1-x}(b, a) keeps the continued fraction in its fast region.
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * BetaContinuedFraction(a, b, x) / a;
  return 1 - std::exp(log_front) * BetaContinuedFraction(b, a, 1 - x) / b;
}

double StudentTTwoSidedP(double t, double df) {
  if (!(df > 0)) throw std::invalid_argument("Student t: df must be positive");
  if (std::isnan(t)) throw std::invalid_argument("Student t: t is NaN");
  if (std::isinf(t)) return 0;
  // P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
  return RegularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));
}

double StudentTCdf(double t, double df) {
  const double tail = StudentTTwoSidedP(t, df) / 2;  // P(T >= |t|)
  return t >= 0 ? 1 - tail : tail;
}

double StudentTOneSidedP(double t, double df) {
  const double tail = StudentTTwoSidedP(t, df) / 2;  // P(T >= |t|), computed without cancellation
  return t >= 0 ? tail : 1 - tail;
}

WilcoxonResult WilcoxonSignedRankGreater(const std::vector<double>& a, const std::vector<double>& b) {
  CheckPaired(a, b, "Wilcoxon signed-rank test");
  std::vector<double> d;
  for (double v : Differences(a, b))
    if (v != 0) d.push_back(v);
  WilcoxonResult r;
  r.n = static_cast<int>(d.size());
  if (r.n == 0) return r;
  // Mid-ranks of |d|, doubled so that they stay integers: a tie group at 1-based positions i..j shares
  // rank (i + j) / 2, doubled i + j.
  std::vector<std::size_t> order(d.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return std::fabs(d[x]) < std::fabs(d[y]); });
  std::vector<int> doubled_rank(d.size());
  double tie_term = 0;  // sum over tie groups of t^3 - t, for the variance
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && std::fabs(d[order[j + 1]]) == std::fabs(d[order[i]])) ++j;
    for (std::size_t k = i; k <= j; ++k) doubled_rank[order[k]] = static_cast<int>(i + 1 + j + 1);
    const double t = static_cast<double>(j - i + 1);
    tie_term += t * t * t - t;
    i = j + 1;
  }
  int doubled_w = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d[i] > 0) doubled_w += doubled_rank[i];
  r.w_plus = doubled_w / 2.0;
  const double n = r.n;
  if (r.n <= kWilcoxonExactMax) {
    // Under the null each sign is + or - with probability 1/2, independently: count the sign patterns by
    // their doubled W+ (a subset-sum count over the doubled ranks, at most 20 * 420 steps), so tied
    // mid-ranks are handled exactly.
    const int total = r.n * (r.n + 1);  // sum of all doubled ranks
    std::vector<double> count(static_cast<std::size_t>(total) + 1, 0.0);
    count[0] = 1;
    int reach = 0;
    for (int rank : doubled_rank) {
      for (int s = reach; s >= 0; --s)
        if (count[s] != 0) count[s + rank] += count[s];
      reach += rank;
    }
    double at_least = 0;
    for (int s = doubled_w; s <= total; ++s) at_least += count[s];
    r.exact = true;
    r.p = at_least / std::ldexp(1.0, r.n);  // counts up to 2^20 are exact in a double
    return r;
  }
  const double mean = n * (n + 1) / 4;
  const double variance = (n * (n + 1) * (2 * n + 1) - tie_term / 2) / 24;
  const double z = (r.w_plus - mean - 0.5) / std::sqrt(variance);
  r.p = 0.5 * std::erfc(z / std::sqrt(2.0));
  return r;
}

std::optional<TTestResult> PairedTTest(const std::vector<double>& a, const std::vector<double>& b) {
  CheckPaired(a, b, "paired t-test");
  const auto d = Differences(a, b);
  return TTest(d, d.empty() ? 1 : 1.0 / static_cast<double>(d.size()));
}

std::optional<TTestResult> CorrectedResampledTTest(const std::vector<double>& a, const std::vector<double>& b,
                                                   double test_train_ratio) {
  CheckPaired(a, b, "corrected resampled t-test");
  if (!(test_train_ratio >= 0))
    throw std::invalid_argument("corrected resampled t-test: negative n_test/n_train");
  const auto d = Differences(a, b);
  return TTest(d, (d.empty() ? 1 : 1.0 / static_cast<double>(d.size())) + test_train_ratio);
}

double QuantileType7(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw std::invalid_argument("quantile of no values");
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::optional<BootstrapCi> PairedBootstrapCi(const std::vector<double>& a, const std::vector<double>& b,
                                             const BootstrapOptions& options) {
  CheckPaired(a, b, "paired bootstrap");
  if (options.resamples < 1) throw std::invalid_argument("paired bootstrap: resamples must be at least 1");
  if (!(options.confidence > 0 && options.confidence < 1))
    throw std::invalid_argument("paired bootstrap: confidence must lie in (0, 1)");
  if (a.empty()) return std::nullopt;
  const auto d = Differences(a, b);
  const std::uint64_t n = d.size();
  std::mt19937_64 rng(options.seed);
  std::vector<double> means(options.resamples);
  for (double& mean : means) {
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) sum += d[UniformBelow(rng, n)];
    mean = sum / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  BootstrapCi ci;
  ci.n = static_cast<int>(n);
  ci.mean_difference = std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(n);
  ci.low = QuantileType7(means, (1 - options.confidence) / 2);
  ci.high = QuantileType7(means, (1 + options.confidence) / 2);
  ci.resamples = options.resamples;
  ci.confidence = options.confidence;
  return ci;
}

double PooledF1(const std::vector<std::int64_t>& tp, const std::vector<std::int64_t>& fp,
                const std::vector<std::int64_t>& fn, const std::vector<F1Part>& parts,
                const std::vector<bool>& macro_types) {
  const auto f1 = [](std::int64_t t, std::int64_t p, std::int64_t n) {
    return t == 0 ? 0.0 : 200.0 * static_cast<double>(t) / static_cast<double>(2 * t + p + n);
  };
  double sum = 0;
  for (const auto& part : parts) {
    if (part.averaging == F1Averaging::kMicro) {
      std::int64_t t = 0, p = 0, n = 0;
      for (int k = part.first_type; k < part.end_type; ++k) {
        t += tp[k];
        p += fp[k];
        n += fn[k];
      }
      sum += f1(t, p, n);
    } else {
      double type_sum = 0;
      int types = 0;
      for (int k = part.first_type; k < part.end_type; ++k) {
        if (!macro_types[k]) continue;
        type_sum += f1(tp[k], fp[k], fn[k]);
        ++types;
      }
      sum += types == 0 ? 0.0 : type_sum / types;
    }
  }
  return sum / static_cast<double>(parts.size());
}

RandomizationResult ApproximateRandomizationF1(const std::vector<SentencePair>& sentences, int num_types,
                                               const std::vector<F1Part>& parts,
                                               const RandomizationOptions& options) {
  if (options.rounds < 1) throw std::invalid_argument("approximate randomization: rounds must be at least 1");
  if (num_types < 1 || parts.empty())
    throw std::invalid_argument("approximate randomization: no types or parts");
  for (const auto& part : parts) {
    if (part.first_type < 0 || part.end_type > num_types || part.first_type >= part.end_type)
      throw std::invalid_argument("approximate randomization: a part's types lie outside [0, num_types)");
  }
  Totals sum_a(num_types), sum_b(num_types);
  // The per-sentence change b - a of the counts, kept only for sentences where the systems differ: swapping
  // identical counts changes nothing, and most sentences of two similar systems are identical.
  std::vector<std::vector<TypeCount>> deltas;
  for (const auto& s : sentences) {
    std::vector<TypeCount> delta;
    for (const auto* side : {&s.a, &s.b}) {
      const std::int64_t sign = side == &s.a ? -1 : 1;
      for (const auto& c : *side) {
        if (c.type < 0 || c.type >= num_types)
          throw std::invalid_argument("approximate randomization: type " + std::to_string(c.type) +
                                      " outside [0, " + std::to_string(num_types) + ")");
        (sign < 0 ? sum_a : sum_b).Add(c, 1);
        delta.push_back({c.type, sign * c.tp, sign * c.fp, sign * c.fn});
      }
    }
    // Merge the entries of each type; drop the sentence when everything cancels.
    std::sort(delta.begin(), delta.end(),
              [](const TypeCount& x, const TypeCount& y) { return x.type < y.type; });
    std::vector<TypeCount> merged;
    for (const auto& c : delta) {
      if (!merged.empty() && merged.back().type == c.type) {
        merged.back().tp += c.tp;
        merged.back().fp += c.fp;
        merged.back().fn += c.fn;
      } else {
        merged.push_back(c);
      }
    }
    merged.erase(std::remove_if(merged.begin(), merged.end(),
                                [](const TypeCount& c) { return c.tp == 0 && c.fp == 0 && c.fn == 0; }),
                 merged.end());
    if (!merged.empty()) deltas.push_back(std::move(merged));
  }
  std::vector<bool> macro_types(num_types);
  for (int k = 0; k < num_types; ++k) {
    macro_types[k] = sum_a.tp[k] + sum_a.fp[k] + sum_a.fn[k] + sum_b.tp[k] + sum_b.fp[k] + sum_b.fn[k] > 0;
  }
  RandomizationResult r;
  r.sentences = static_cast<int>(sentences.size());
  r.statistic_a = PooledF1(sum_a.tp, sum_a.fp, sum_a.fn, parts, macro_types);
  r.statistic_b = PooledF1(sum_b.tp, sum_b.fp, sum_b.fn, parts, macro_types);
  r.difference = r.statistic_b - r.statistic_a;
  r.rounds = options.rounds;
  // Floating-point sums of the same counts in another order may differ in the last bits: a permuted
  // difference within this tolerance of the observed one counts as equal.
  const double observed = std::fabs(r.difference) - 1e-9;
  std::mt19937_64 rng(options.seed);
  Totals x(num_types), y(num_types);
  for (int round = 0; round < options.rounds; ++round) {
    x = sum_a;
    y = sum_b;
    std::uint64_t bits = 0;
    int bits_left = 0;
    for (const auto& delta : deltas) {
      if (bits_left == 0) {
        bits = rng();
        bits_left = 64;
      }
      const bool swap = (bits & 1) != 0;
      bits >>= 1;
      --bits_left;
      if (!swap) continue;
      for (const auto& c : delta) {  // x takes b's counts of this sentence, y takes a's
        x.Add(c, 1);
        y.Add(c, -1);
      }
    }
    const double permuted =
        PooledF1(y.tp, y.fp, y.fn, parts, macro_types) - PooledF1(x.tp, x.fp, x.fn, parts, macro_types);
    if (std::fabs(permuted) >= observed) ++r.at_least_as_extreme;
  }
  r.p = static_cast<double>(r.at_least_as_extreme + 1) / static_cast<double>(options.rounds + 1);
  return r;
}

std::vector<std::optional<double>> HolmAdjust(const std::vector<std::optional<double>>& p_values) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    if (p_values[i]) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return *p_values[i] < *p_values[j]; });
  std::vector<std::optional<double>> adjusted(p_values.size());
  const std::size_t m = order.size();
  double running_max = 0;
  for (std::size_t rank = 0; rank < m; ++rank) {
    const double scaled = static_cast<double>(m - rank) * *p_values[order[rank]];
    running_max = std::max(running_max, std::min(1.0, scaled));
    adjusted[order[rank]] = running_max;
  }
  return adjusted;
}

}  // namespace dts::stats
