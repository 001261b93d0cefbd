// The promotion forecast against a direct simulation of the coordinator's rule (after each result, promote
// every result in the top floor(i / eta) that has not climbed), with arrivals in random order of score.
#include "status/asha_forecast.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace dts::status {
namespace {

// The promotions asynchronous ASHA makes out of `n` results arriving in a random order, `sims` times: their
// mean and the share of orders at most `at_most`.
struct Simulated {
  double mean = 0;
  double share_at_most = 0;
};
Simulated Simulate(int n, int eta, int sims, double at_most, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> score(0, 1);
  Simulated out;
  for (int s = 0; s < sims; ++s) {
    std::vector<std::pair<double, int>> results;
    std::set<int> climbed;
    for (int i = 0; i < n; ++i) {
      results.push_back({score(random), i});
      std::sort(results.begin(), results.end(), std::greater<>());
      for (size_t j = 0; j < results.size() / static_cast<size_t>(eta); ++j)
        climbed.insert(results[j].second);
    }
    out.mean += static_cast<double>(climbed.size()) / sims;
    out.share_at_most += climbed.size() <= at_most ? 1.0 / sims : 0.0;
  }
  return out;
}

TEST(AshaForecastTest, ExpectedPromotionsMatchASimulationOfTheCoordinatorsRule) {
  for (const auto& [n, eta] : std::vector<std::pair<int, int>>{{9, 3}, {36, 3}, {15, 3}, {40, 2}, {64, 4}}) {
    const PromotionForecast forecast = ForecastPromotions({}, n, eta);
    const Simulated simulated = Simulate(n, eta, 3000, forecast.hi, 7);
    SCOPED_TRACE("n = " + std::to_string(n) + ", eta = " + std::to_string(eta));
    EXPECT_NEAR(forecast.expected, simulated.mean, 0.15);
    EXPECT_GT(forecast.expected, n / eta + 0.3);  // more than floor(n / eta) climb
    EXPECT_GE(simulated.share_at_most, 0.85);     // the top covers most orders
  }
  // The real ADE searches' figures at eta 3 (docs/results.md): 36 configurations, 15 climbed; 15, 6 and 7.
  EXPECT_NEAR(ForecastPromotions({}, 36, 3).expected, 13.84, 0.01);
  EXPECT_GE(ForecastPromotions({}, 36, 3).hi, 15);
  EXPECT_GE(ForecastPromotions({}, 15, 3).hi, 7);
}

TEST(AshaForecastTest, AFullRungIsExactAndRanksSoFarCount) {
  using R = RungResult;
  // All 9 results in: exactly those that climbed (the 5th was in the top 1/3 once), and nothing more.
  const std::vector<R> done{R::kClimbed,  R::kClimbed, R::kClimbed,  R::kEligible, R::kClimbed,
                            R::kEligible, R::kStuck,   R::kEligible, R::kEligible};
  EXPECT_DOUBLE_EQ(ForecastPromotions(done, 9, 3).expected, 4);
  EXPECT_DOUBLE_EQ(ForecastPromotions(done, 9, 3).hi, 4);
  // An eligible result in the top floor(i / eta) now climbs for certain (the coordinator promotes it next).
  EXPECT_DOUBLE_EQ(ForecastPromotions({R::kEligible, R::kEligible, R::kEligible}, 3, 3).expected, 1);
  // 6 of 12 in: the best may still be overtaken, the worst hardly climbs; the forecast lies between what
  // climbed and that plus every result left, and a better rank means a larger chance.
  const std::vector<R> half{R::kClimbed, R::kClimbed, R::kEligible, R::kEligible, R::kEligible, R::kEligible};
  const double with_half = ForecastPromotions(half, 12, 3).expected;
  EXPECT_GT(with_half, 2);
  EXPECT_LT(with_half, 2 + 4 + 6);
  const std::vector<R> worse{R::kClimbed, R::kClimbed, R::kStuck, R::kEligible, R::kEligible, R::kEligible};
  EXPECT_LT(ForecastPromotions(worse, 12, 3).expected, with_half);
  // The unconditional forecast of 12 is an average over the ways 6 could stand; this one is ranked.
  EXPECT_GT(ForecastPromotions({}, 12, 3).expected, 4);
}

}  // namespace
}  // namespace dts::status
