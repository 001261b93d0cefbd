#include "search/tpe.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <utility>

#include "common/params.h"

namespace dts::search {

using Kind = config::Dimension::Kind;

namespace {

// Model proposals: rounds of `candidates` draws from l(x) before giving up on the model; then uniform draws;
// then, for a finite space of at most kMaxEnumerated points, every valid point not yet taken.
constexpr int kModelRounds = 4;
constexpr int kUniformTries = 256;
constexpr double kMaxEnumerated = 1e5;
// Draws from one truncated Gaussian kernel before falling back to clamping its mean into the range.
constexpr int kTruncationTries = 64;
constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------------------------
// Randomness: std::mt19937_64's output is fixed by the standard; the distributions are not, so the few we
// need are written out here.

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// The generator of proposal `index`: a function of (seed, index) only, so proposals can be made in any order
// and a resumed sweep re-makes the same ones.
std::mt19937_64 ProposalRng(std::uint64_t seed, std::uint64_t index) {
  return std::mt19937_64(SplitMix64(SplitMix64(seed) ^ SplitMix64(index + 0x632BE59BD9B4E019ULL)));
}

// Uniform double in [0, 1) from 53 random bits (as the planner's random strategy draws).
double Unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// An unbiased draw from [0, n), n >= 1 (rejects the top 2^64 mod n generator values).
std::uint64_t UniformBelow(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t reject_below = (0 - n) % n;
  for (;;) {
    const std::uint64_t r = rng();
    if (r >= reject_below) return r % n;
  }
}

// A standard normal draw (Box-Muller; u1 in (0, 1] keeps the logarithm finite).
double StandardNormal(std::mt19937_64& rng) {
  const double u1 = 1.0 - Unit(rng);
  const double u2 = Unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// log(sum exp(v)) without overflow; -inf for an empty or all -inf input.
double LogSumExp(const std::vector<double>& v) {
  double top = -std::numeric_limits<double>::infinity();
  for (double x : v) top = std::max(top, x);
  if (!std::isfinite(top)) return top;
  double sum = 0;
  for (double x : v) sum += std::exp(x - top);
  return top + std::log(sum);
}

// ---------------------------------------------------------------------------------------------------------
// Coordinates. Each dimension is modelled on one number: a list value by its index, an int by its value, a
// real by its value, a logreal by its logarithm (so its kernels are log-normal and its prior log-uniform).

bool IsFinite(const config::Dimension& dim) { return dim.kind == Kind::kList || dim.kind == Kind::kInt; }

// The interval the kernels are truncated to. Integers are modelled as the real line cut into unit bins
// around each integer (a Gaussian kernel rounded to the nearest integer, as Optuna does for int steps):
// density of value v = the kernel mass on [v - 0.5, v + 0.5], so l and g of an integer are probabilities
// and nearby integers share information, which a categorical model of a wide int range would not.
std::pair<double, double> Bounds(const config::Dimension& dim) {
  switch (dim.kind) {
    case Kind::kList:
      return {0, static_cast<double>(dim.values.size()) - 1};
    case Kind::kInt:
      return {dim.lo - 0.5, dim.hi + 0.5};
    case Kind::kReal:
      return {dim.lo, dim.hi};
    case Kind::kLogReal:
      return {std::log(dim.lo), std::log(dim.hi)};
  }
  return {0, 0};
}

// The coordinate of a value as text; nullopt when it does not belong to the dimension (an observation
// from a point of another space is ignored rather than trusted).
std::optional<double> Coordinate(const config::Dimension& dim, const std::string& text) {
  if (dim.kind == Kind::kList) {
    const auto it = std::find(dim.values.begin(), dim.values.end(), text);
    if (it == dim.values.end()) return std::nullopt;
    return static_cast<double>(it - dim.values.begin());
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  if (v < dim.lo || v > dim.hi) return std::nullopt;
  if (dim.kind == Kind::kInt) return std::round(v);
  if (dim.kind == Kind::kLogReal) return std::log(v);
  return v;
}

// The text of a coordinate, clamped into the dimension's range (exp(log(hi)) may round above hi).
std::string ValueText(const config::Dimension& dim, double x) {
  switch (dim.kind) {
    case Kind::kList:
      return dim
          .values[static_cast<std::size_t>(std::clamp(x, 0.0, static_cast<double>(dim.values.size() - 1)))];
    case Kind::kInt:
      return std::to_string(static_cast<long long>(std::clamp(std::round(x), dim.lo, dim.hi)));
    case Kind::kReal:
      return FormatDouble(std::clamp(x, dim.lo, dim.hi));
    case Kind::kLogReal:
      return FormatDouble(std::clamp(std::exp(x), dim.lo, dim.hi));
  }
  return {};
}

// A uniform draw of one dimension, mapped from one Unit() exactly as the planner's random strategy does
// (log-uniform for logreal).
std::string UniformValue(const config::Dimension& dim, std::mt19937_64& rng) {
  const double u = Unit(rng);
  switch (dim.kind) {
    case Kind::kList:
      return dim.values[std::min(dim.values.size() - 1, static_cast<std::size_t>(u * dim.values.size()))];
    case Kind::kInt: {
      const long long n = static_cast<long long>(dim.hi - dim.lo) + 1;
      return std::to_string(static_cast<long long>(dim.lo) + std::min(n - 1, static_cast<long long>(u * n)));
    }
    case Kind::kReal:
      return ValueText(dim, dim.lo + u * (dim.hi - dim.lo));
    case Kind::kLogReal:
      return ValueText(dim, std::log(dim.lo) + u * (std::log(dim.hi) - std::log(dim.lo)));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// The Parzen estimator of one dimension over one side's observations.

class Parzen {
 public:
  Parzen(const config::Dimension& dim, const std::vector<double>& xs) : dim_(dim) {
    std::tie(low_, high_) = Bounds(dim);
    if (dim.kind == Kind::kList) {
      // Smoothed counts: each observation weighs 1, the uniform prior 1 in total.
      const double k = static_cast<double>(dim.values.size());
      probability_.assign(dim.values.size(), 1.0 / k);
      for (double x : xs) probability_[static_cast<std::size_t>(x)] += 1.0;
      for (double& p : probability_) p /= static_cast<double>(xs.size()) + 1.0;
      return;
    }
    // One kernel per observation plus the prior (centred, as wide as the range), all of weight 1. A kernel's
    // bandwidth is the larger distance to its sorted neighbours (the bounds at the ends), clipped to
    // [range / min(100, kernels + 1), range]: Bergstra et al.'s rule as hyperopt and Optuna implement it.
    const double range = high_ - low_;
    mu_ = xs;
    std::sort(mu_.begin(), mu_.end());
    sigma_.resize(mu_.size());
    const double min_sigma = range / std::min(100.0, static_cast<double>(mu_.size()) + 2.0);
    for (std::size_t i = 0; i < mu_.size(); ++i) {
      const double left = mu_[i] - (i == 0 ? low_ : mu_[i - 1]);
      const double right = (i + 1 == mu_.size() ? high_ : mu_[i + 1]) - mu_[i];
      sigma_[i] = std::clamp(std::max(left, right), min_sigma, range);
    }
    mu_.push_back((low_ + high_) / 2);
    sigma_.push_back(range);
  }

  // One draw (a coordinate) from the estimator.
  double Sample(std::mt19937_64& rng) const {
    if (dim_.kind != Kind::kList && !(high_ > low_)) return dim_.kind == Kind::kInt ? dim_.lo : low_;
    if (dim_.kind == Kind::kList) {
      double u = Unit(rng);
      for (std::size_t c = 0; c + 1 < probability_.size(); ++c) {
        if (u < probability_[c]) return static_cast<double>(c);
        u -= probability_[c];
      }
      return static_cast<double>(probability_.size() - 1);
    }
    const std::size_t k = UniformBelow(rng, mu_.size());  // equal kernel weights
    double x = mu_[k];
    if (sigma_[k] > 0) {
      for (int t = 0; t < kTruncationTries; ++t) {
        const double draw = mu_[k] + sigma_[k] * StandardNormal(rng);
        if (draw >= low_ && draw <= high_) {
          x = draw;
          break;
        }
      }
    }
    x = std::clamp(x, low_, high_);
    // Integers: the bin the draw falls in (the upper bound belongs to the last bin).
    if (dim_.kind == Kind::kInt) x = std::clamp(std::round(x), dim_.lo, dim_.hi);
    return x;
  }

  // log density (list, int: log probability) of a coordinate; the Jacobian of logreal's log cancels in
  // log l - log g, so it is left out.
  double LogDensity(double x) const {
    if (dim_.kind == Kind::kList) return std::log(probability_[static_cast<std::size_t>(x)]);
    if (!(high_ > low_)) return 0;  // a one-value range: the same density on both sides
    std::vector<double> terms(mu_.size());
    for (std::size_t k = 0; k < mu_.size(); ++k) {
      const double s = sigma_[k];
      const double mass = NormalCdf((high_ - mu_[k]) / s) - NormalCdf((low_ - mu_[k]) / s);
      double p = 0;
      if (dim_.kind == Kind::kInt) {
        p = NormalCdf((x + 0.5 - mu_[k]) / s) - NormalCdf((x - 0.5 - mu_[k]) / s);
      } else {
        const double z = (x - mu_[k]) / s;
        p = std::exp(-0.5 * z * z) / (s * std::sqrt(2 * kPi));
      }
      terms[k] = std::log(std::max(p, 1e-300)) - std::log(std::max(mass, 1e-300));
    }
    return LogSumExp(terms) - std::log(static_cast<double>(mu_.size()));
  }

 private:
  const config::Dimension& dim_;
  double low_ = 0, high_ = 0;
  std::vector<double> probability_;  // kList
  std::vector<double> mu_, sigma_;   // numeric kernels, the prior last
};

// Every point of a finite space, in grid order (last dimension fastest).
std::vector<Point> Enumerate(const config::SweepConfig& sweep) {
  std::vector<std::vector<std::string>> values;
  for (const auto& dim : sweep.space) {
    if (dim.kind == Kind::kList) {
      values.push_back(dim.values);
    } else {
      std::vector<std::string> range;
      for (long long v = static_cast<long long>(dim.lo); v <= static_cast<long long>(dim.hi); ++v)
        range.push_back(std::to_string(v));
      values.push_back(std::move(range));
    }
  }
  std::vector<Point> points;
  std::vector<std::size_t> at(values.size(), 0);
  for (;;) {
    Point p(values.size());
    for (std::size_t d = 0; d < values.size(); ++d) p[d] = values[d][at[d]];
    points.push_back(std::move(p));
    std::size_t d = values.size();
    while (d > 0) {
      --d;
      if (++at[d] < values[d].size()) break;
      at[d] = 0;
      if (d == 0) return points;
    }
    if (values.empty()) return points;
  }
}

}  // namespace

config::TrainConfig ConfigOf(const config::SweepConfig& sweep, const Point& point) {
  config::TrainConfig config = sweep.base;
  for (std::size_t d = 0; d < sweep.space.size() && d < point.size(); ++d)
    config::SetSearched(config, sweep.space[d], point[d]);
  return config;
}

TpeSampler::TpeSampler(const config::SweepConfig& sweep, TpeSettings settings)
    : sweep_(sweep), settings_(settings) {}

std::optional<Point> TpeSampler::Propose(std::uint64_t index, const std::vector<Observation>& observations,
                                         const std::set<Point>& taken) const {
  const auto& space = sweep_.space;
  std::mt19937_64 rng = ProposalRng(settings_.seed, index);
  // Checking `taken` first skips building the configuration of a repeat.
  auto usable = [&](const Point& p) {
    return taken.count(p) == 0 && config::SatisfiesConstraints(sweep_, ConfigOf(sweep_, p));
  };

  // The model: observations whose every value belongs to the space, best first; equal scores keep their
  // order in `observations`, so the split does not depend on the sort's tie handling.
  std::vector<std::pair<double, std::vector<double>>> known;
  for (const auto& o : observations) {
    if (o.point.size() != space.size() || !std::isfinite(o.score)) continue;
    std::vector<double> x;
    for (std::size_t d = 0; d < space.size(); ++d) {
      const auto c = Coordinate(space[d], o.point[d]);
      if (!c) break;
      x.push_back(*c);
    }
    if (x.size() == space.size()) known.emplace_back(o.score, std::move(x));
  }
  if (index >= static_cast<std::uint64_t>(std::max(settings_.startup, 0)) && !known.empty() &&
      !space.empty()) {
    std::stable_sort(known.begin(), known.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const auto n = static_cast<double>(known.size());
    const auto good = static_cast<std::size_t>(std::clamp(std::ceil(settings_.gamma * n), 1.0, n));
    std::vector<Parzen> l, g;
    for (std::size_t d = 0; d < space.size(); ++d) {
      std::vector<double> lx, gx;
      for (std::size_t i = 0; i < known.size(); ++i) (i < good ? lx : gx).push_back(known[i].second[d]);
      l.emplace_back(space[d], lx);
      g.emplace_back(space[d], gx);
    }
    // Expected improvement is monotone in l(x) / g(x): score candidates drawn from l by the log ratio and
    // take the best usable one (ties: the earlier draw).
    const int per_round = std::max(settings_.candidates, 1);
    for (int round = 0; round < kModelRounds; ++round) {
      std::vector<std::pair<double, Point>> scored;
      for (int c = 0; c < per_round; ++c) {
        Point p(space.size());
        double ratio = 0;
        for (std::size_t d = 0; d < space.size(); ++d) {
          const double x = l[d].Sample(rng);
          ratio += l[d].LogDensity(x) - g[d].LogDensity(x);
          p[d] = ValueText(space[d], x);
        }
        scored.emplace_back(ratio, std::move(p));
      }
      std::stable_sort(scored.begin(), scored.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      for (const auto& [ratio, p] : scored)
        if (usable(p)) return p;
    }
  }

  // Startup, or the model found nothing new: uniform draws, as strategy = random makes them.
  for (int t = 0; t < kUniformTries; ++t) {
    Point p(space.size());
    for (std::size_t d = 0; d < space.size(); ++d) p[d] = UniformValue(space[d], rng);
    if (usable(p)) return p;
  }
  // Still nothing: a small finite space may be nearly exhausted; list what is left and draw one of it.
  // nullopt when nothing is (or, for a space too large or continuous to list, when the draws found nothing).
  if (!std::all_of(space.begin(), space.end(), IsFinite) || config::GridSize(sweep_) > kMaxEnumerated)
    return std::nullopt;
  std::vector<Point> left;
  for (auto& p : Enumerate(sweep_))
    if (usable(p)) left.push_back(std::move(p));
  if (left.empty()) return std::nullopt;
  return left[UniformBelow(rng, left.size())];
}

}  // namespace dts::search
