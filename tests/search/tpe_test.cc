// The TPE sampler of search/tpe.h: a pure function of its arguments, inside the space and its constraints,
// never repeating itself, nullopt once a finite space is used up, and measurably better than uniform draws
// on a smooth objective.
#include "search/tpe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <set>

namespace dts::search {
namespace {

// The 96-cell space of the behaviour test (3 x 4 x 4 x 2), as the paper's architecture search looks.
const char kLayers[] =
    "[sweep]\nstrategy = tpe\n"
    "[space]\nmodel.shared_layers = 1, 2, 3\nmodel.ner_layers = 0, 1, 2, 3\nmodel.re_layers = 0, 1, 2, 3\n"
    "model.cell = lstm, gru\n";

// A smooth objective with one best cell, (1, 1, 2, gru) = 81.
double Objective(const Point& p) {
  const int shared = std::atoi(p[0].c_str()), ner = std::atoi(p[1].c_str()), re = std::atoi(p[2].c_str());
  return 80 - 3 * std::abs(shared - 1) - 2 * std::abs(ner - 1) - 2 * std::abs(re - 2) +
         (p[3] == "gru" ? 1 : 0);
}

TpeSettings Seeded(std::uint64_t seed, int startup = 5) {
  TpeSettings s;
  s.seed = seed;
  s.startup = startup;
  return s;
}

// Proposes `count` points in turn, feeding each one's objective back; the proposals in order.
std::vector<Point> ProposeInTurn(const config::SweepConfig& sweep, const TpeSettings& settings, int count,
                                 double (*objective)(const Point&)) {
  const TpeSampler sampler(sweep, settings);
  std::vector<Observation> observations;
  std::set<Point> taken;
  std::vector<Point> out;
  for (int i = 0; i < count; ++i) {
    const auto p = sampler.Propose(static_cast<std::uint64_t>(i), observations, taken);
    if (!p) break;
    out.push_back(*p);
    taken.insert(*p);
    observations.push_back({*p, objective(*p)});
  }
  return out;
}

TEST(TpeTest, IsAPureFunctionOfItsArguments) {
  const auto sweep = config::ParseSweepConfig(kLayers, "s.ini");
  const auto a = ProposeInTurn(sweep, Seeded(3), 20, Objective);
  const auto b = ProposeInTurn(sweep, Seeded(3), 20, Objective);
  ASSERT_EQ(a.size(), 20u);
  EXPECT_EQ(a, b);
  // One proposal, asked twice or from another sampler object, with the same history.
  std::vector<Observation> observations;
  std::set<Point> taken;
  for (std::size_t i = 0; i < 12; ++i) {
    observations.push_back({a[i], Objective(a[i])});
    taken.insert(a[i]);
  }
  const TpeSampler one(sweep, Seeded(3)), two(sweep, Seeded(3));
  EXPECT_EQ(one.Propose(12, observations, taken), two.Propose(12, observations, taken));
  EXPECT_EQ(one.Propose(12, observations, taken), one.Propose(12, observations, taken));
  // Another seed gives another sequence, in the startup draws and after them.
  const auto c = ProposeInTurn(sweep, Seeded(4), 20, Objective);
  EXPECT_NE(std::vector<Point>(a.begin(), a.begin() + 5), std::vector<Point>(c.begin(), c.begin() + 5));
  EXPECT_NE(std::vector<Point>(a.begin() + 5, a.end()), std::vector<Point>(c.begin() + 5, c.end()));
}

// Observations with equal scores: the split at gamma takes them in their order in the vector, so the same
// vector always gives the same model.
TEST(TpeTest, EqualScoresAreSplitByPosition) {
  const auto sweep = config::ParseSweepConfig(kLayers, "s.ini");
  std::vector<Observation> observations = {{{"1", "0", "0", "lstm"}, 50},
                                           {{"3", "3", "3", "gru"}, 50},
                                           {{"2", "1", "1", "lstm"}, 50},
                                           {{"1", "2", "2", "gru"}, 50}};
  std::set<Point> taken;
  for (const auto& o : observations) taken.insert(o.point);
  const TpeSampler sampler(sweep, Seeded(9, 0));
  const auto p = sampler.Propose(7, observations, taken);
  ASSERT_TRUE(p);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sampler.Propose(7, observations, taken), p);
  EXPECT_EQ(taken.count(*p), 0u);
}

TEST(TpeTest, RespectsConstraintsAndNeverRepeats) {
  const auto sweep = config::ParseSweepConfig(
      std::string(kLayers) +
          "[constraints]\ntotal = model.shared_layers + model.ner_layers + model.re_layers <= 4\n",
      "s.ini");
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const auto points = ProposeInTurn(sweep, Seeded(seed, 3), 30, Objective);
    ASSERT_EQ(points.size(), 30u);
    std::set<Point> distinct(points.begin(), points.end());
    EXPECT_EQ(distinct.size(), points.size());
    for (const auto& p : points) {
      const auto config = ConfigOf(sweep, p);
      EXPECT_TRUE(config::SatisfiesConstraints(sweep, config));
      EXPECT_LE(config.model.shared_layers + config.model.ner_layers + config.model.re_layers, 4);
    }
  }
}

TEST(TpeTest, ExhaustsASmallFiniteSpaceThenReturnsNullopt) {
  // 2 x 3 x 2 = 12 points; shared + ner <= 3 excludes shared = 2, ner = 2 with either cell, leaving 10.
  const auto sweep = config::ParseSweepConfig(
      "[space]\nmodel.shared_layers = 1, 2\nmodel.ner_layers = int(0, 2)\nmodel.cell = lstm, gru\n"
      "[constraints]\nsmall = model.shared_layers + model.ner_layers <= 3\n",
      "s.ini");
  int valid = 0;
  for (int s = 1; s <= 2; ++s)
    for (int n = 0; n <= 2; ++n) valid += 2 * (s + n <= 3);
  ASSERT_EQ(valid, 10);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const auto points =
        ProposeInTurn(sweep, Seeded(seed, 2), 50, [](const Point& p) { return std::atof(p[1].c_str()); });
    EXPECT_EQ(points.size(), 10u);
    EXPECT_EQ(std::set<Point>(points.begin(), points.end()).size(), 10u);
    for (const auto& p : points) EXPECT_TRUE(config::SatisfiesConstraints(sweep, ConfigOf(sweep, p)));
  }
  // The empty space has one point, the base configuration.
  const auto empty = config::ParseSweepConfig("[sweep]\nstages = search\n", "s.ini");
  const TpeSampler sampler(empty, Seeded(1));
  const auto only = sampler.Propose(0, {}, {});
  ASSERT_TRUE(only);
  EXPECT_TRUE(only->empty());
  EXPECT_FALSE(sampler.Propose(1, {{*only, 1}}, {*only}));
}

double ContinuousObjective(const Point& p) {
  // Best near lr = 1e-3, dropout = 0.3, hidden = 200.
  return 80 - 5 * std::fabs(std::log10(std::atof(p[0].c_str())) + 3) -
         10 * std::fabs(std::atof(p[1].c_str()) - 0.3) - std::fabs(std::atof(p[2].c_str()) - 200) / 50;
}

TEST(TpeTest, NumericValuesStayInRange) {
  const auto sweep = config::ParseSweepConfig(
      "[sweep]\nstrategy = tpe\n[space]\ntrain.lr = logreal(1e-4, 1e-2)\nmodel.dropout = real(0.1, "
      "0.5)\nmodel.hidden = int(10, 500)\n",
      "s.ini");
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const auto points = ProposeInTurn(sweep, Seeded(seed), 40, ContinuousObjective);
    ASSERT_EQ(points.size(), 40u);
    for (const auto& p : points) {
      const auto config = ConfigOf(sweep, p);
      EXPECT_GE(config.train.lr, 1e-4);
      EXPECT_LE(config.train.lr, 1e-2);
      EXPECT_GE(config.model.dropout, 0.1);
      EXPECT_LE(config.model.dropout, 0.5);
      EXPECT_GE(config.model.hidden, 10);
      EXPECT_LE(config.model.hidden, 500);
      EXPECT_EQ(p[2], std::to_string(config.model.hidden));  // ints are written as decimal integers
    }
  }
  // The model concentrates on the good region: the last 20 proposals are better on average than the first.
  double early = 0, late = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto points = ProposeInTurn(sweep, Seeded(seed), 40, ContinuousObjective);
    for (int i = 0; i < 10; ++i) early += ContinuousObjective(points[i]);
    for (int i = 30; i < 40; ++i) late += ContinuousObjective(points[i]);
  }
  EXPECT_GT(late, early);
}

// The point of TPE: on the 96-cell space, 20 proposals with their results fed back find one of the two best
// cells (81 and 80; the next four score 79) far more often than 20 uniform draws, which find one with
// probability 1 - C(94, 20) / C(96, 20) = 0.375. Measured over seeds 1..100 when this was written: tpe 0.97,
// uniform 0.36 (the best cell alone: 0.95 and 0.16). Every draw is seeded, so the rates are fixed numbers,
// not a flaky sample; the margin only absorbs last-bit differences between math libraries.
TEST(TpeTest, FindsTheBestCellsMoreOftenThanUniformDraws) {
  const auto sweep = config::ParseSweepConfig(kLayers, "s.ini");
  constexpr int kSeeds = 100, kProposals = 20;
  auto hit_rate = [&](int startup, double threshold) {
    int hits = 0;
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      const auto points = ProposeInTurn(sweep, Seeded(seed, startup), kProposals, Objective);
      bool hit = false;
      for (const auto& p : points) hit = hit || Objective(p) >= threshold;
      hits += hit;
    }
    return static_cast<double>(hits) / kSeeds;
  };
  const double tpe = hit_rate(5, 80), uniform = hit_rate(kProposals, 80);  // all startup: strategy = random
  std::cout << "one of the 2 best cells in " << kProposals << " proposals, 100 seeds: tpe " << tpe
            << ", uniform " << uniform << "; the best cell: tpe " << hit_rate(5, 81) << ", uniform "
            << hit_rate(kProposals, 81) << "\n";
  EXPECT_GE(tpe, 0.9);
  EXPECT_GE(tpe, uniform + 0.4);
}

}  // namespace
}  // namespace dts::search
