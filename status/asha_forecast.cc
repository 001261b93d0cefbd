#include "status/asha_forecast.h"

#include <algorithm>
#include <cstddef>

namespace dts::status {

PromotionForecast ForecastPromotions(const std::vector<RungResult>& ranked, int final_count, int eta) {
  eta = std::max(eta, 2);
  const int m = static_cast<int>(ranked.size());
  const int n = std::max(final_count, m);
  PromotionForecast out;
  out.chance.assign(ranked.size(), 0.0);
  if (n <= 0) return out;
  // ever[r], r = 1..i: the chance that a result at rank r of the i results so far is ever in the top
  // floor(j / eta) for some j in i..n. At i = n only the final top set remains.
  std::vector<double> ever(static_cast<size_t>(n) + 2, 0.0), next(static_cast<size_t>(n) + 2, 0.0);
  for (int r = 1; r <= n; ++r) ever[static_cast<size_t>(r)] = r <= n / eta ? 1.0 : 0.0;
  double arrivals = 0;  // expected promotions among the results still to arrive
  for (int i = n; i >= std::max(m, 1); --i) {
    if (i < n) {
      next.swap(ever);
      for (int r = 1; r <= i; ++r) {
        const size_t ru = static_cast<size_t>(r);
        const double overtaken = static_cast<double>(r) / (i + 1);
        ever[ru] = r <= i / eta ? 1.0 : overtaken * next[ru + 1] + (1 - overtaken) * next[ru];
      }
    }
    if (i > m) {  // the i-th result arrives at a uniform rank among i
      double sum = 0;
      for (int r = 1; r <= i; ++r) sum += ever[static_cast<size_t>(r)];
      arrivals += sum / i;
    }
  }
  double made = 0, still = 0;
  for (int r = 1; r <= m; ++r) {
    double& chance = out.chance[static_cast<size_t>(r - 1)];
    switch (ranked[static_cast<size_t>(r - 1)]) {
      case RungResult::kClimbed:
        chance = 1;
        made += 1;
        break;
      case RungResult::kEligible:
        chance = ever[static_cast<size_t>(r)];
        still += chance;
        break;
      case RungResult::kStuck:
        break;
    }
  }
  out.expected = made + still + arrivals;
  const double floor_count = std::max(made, static_cast<double>(n / eta));
  out.hi = out.expected + 2 * std::max(0.0, out.expected - floor_count);
  return out;
}

}  // namespace dts::status
