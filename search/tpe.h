// A tree-structured Parzen estimator (Bergstra et al. 2011, "Algorithms for Hyper-Parameter Optimization";
// the per-dimension, independent form that Optuna and hyperopt use) over a sweep's [space]: list values are
// categorical, int() ranges integers, real()/logreal() ranges continuous (logreal in log space).
//
// The observations are split at the gamma quantile of their scores into good (l) and bad (g); each dimension
// gets a Parzen density per side (categorical: smoothed counts with a uniform prior; numeric: a Gaussian
// mixture, one kernel per observation plus the prior, bandwidths from neighbour distances, truncated to the
// range); `candidates` draws from l are scored by sum over dimensions of log l(x) - log g(x), and the best
// one that satisfies [constraints] and was not proposed before is returned. The first `startup` proposals,
// and any proposal the model cannot make, are seeded uniform draws like strategy = random.
//
// Deterministic: a proposal is a function of (seed, index, observations, taken), drawn from std::mt19937_64
// with the library's own bounded-integer and unit-interval rules (not the standard distributions, whose
// output differs between standard libraries).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/sweep_config.h"

namespace dts::search {

// A point of the space: one value per [space] dimension, in order, as text (list values as written; ints in
// decimal; reals as FormatDouble (common/params.h) prints them).
using Point = std::vector<std::string>;

struct TpeSettings {
  std::uint64_t seed = 1;
  int startup = 5;      // uniform proposals before the model
  double gamma = 0.25;  // fraction of observations that are "good" (at least 1)
  int candidates = 24;  // draws from l(x) scored per proposal
};

struct Observation {
  Point point;
  double score = 0;  // higher is better (mean dev score over the folds trained)
};

class TpeSampler {
 public:
  TpeSampler(const config::SweepConfig& sweep, TpeSettings settings);
  // The index-th proposal (0-based). `taken`: points proposed before (never proposed again while the space
  // has another point that satisfies the constraints). nullopt when every point of a finite space is taken.
  std::optional<Point> Propose(std::uint64_t index, const std::vector<Observation>& observations,
                               const std::set<Point>& taken) const;

 private:
  const config::SweepConfig& sweep_;
  TpeSettings settings_;
};

// The configuration of a point: sweep.base with each dimension set (config::SetSearched).
config::TrainConfig ConfigOf(const config::SweepConfig& sweep, const Point& point);

}  // namespace dts::search
