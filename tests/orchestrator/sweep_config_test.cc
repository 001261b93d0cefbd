#include "orchestrator/sweep_config.h"

#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "orchestrator/planner.h"

namespace dts::orchestrator {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ParseSweepConfig(text, "s.ini");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SweepConfigTest, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(ErrorOf("[sweep]\nstrategy = grid\nbugdet = 3\n"),
            "s.ini:3: unknown key 'sweep.bugdet' (did you mean 'sweep.budget'?)");
  EXPECT_EQ(ErrorOf("[sweep]\nbudget = 0\n"), "s.ini:2: sweep.budget = 0 is out of range [1, 100000]");
  EXPECT_NE(ErrorOf("[sweep]\nstrategy = bayes\n").find("s.ini:2: sweep.strategy = 'bayes' is not one of"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[space]\nmodel.dropout = real(0.1, 0.5)\n"),
            "s.ini:2: [space] model.dropout: a grid needs a list or int() range, not a continuous range");
  EXPECT_EQ(ErrorOf("[space]\nmodel.lr = logreal(0, 1)\n"), "s.ini:2: [space] model.lr: logreal() needs a positive lower bound: logreal(0, 1)");
  EXPECT_EQ(ErrorOf("[space]\nmodel.x = int(3, 1)\n"), "s.ini:2: [space] model.x: empty range int(3, 1)");
  EXPECT_EQ(ErrorOf("[space]\nmodel.x = 1, 2, 1\n"), "s.ini:2: [space] model.x: value '1' listed twice");
  EXPECT_EQ(ErrorOf("[sweep]\nstages = final,search\n"),
            "s.ini:2: sweep.stages: stages must be listed once, in the order search, final, ablation");
  EXPECT_EQ(ErrorOf("[sweep]\nstages = search,tune\n"), "s.ini:2: sweep.stages: unknown stage 'tune' (search, final, ablation)");
  EXPECT_EQ(ErrorOf("[space]\nmodel.x = 1, 2\n[constraints]\nc = model.x + model.y <= 3\n"),
            "s.ini:4: [constraints] c: 'model.y' is neither searched nor set in the base config");
  EXPECT_EQ(ErrorOf("[constraints]\nc = model.x 3\n"),
            "s.ini:2: [constraints] c: expected a comparison (<=, <, >=, >, ==, !=) in 'model.x 3'");
  EXPECT_EQ(ErrorOf("[tune]\nx = 1\n"),
            "s.ini:2: unknown section [tune] (sweep files have [sweep], [space], [constraints], [base])");
  EXPECT_NE(ErrorOf("[sweep]\nbase = does-not-exist.ini\n").find("s.ini:2: sweep.base:"), std::string::npos);
  try {
    ParseSweepConfig("[sweep]\nbudget = x\n", "s.ini");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "sweep.budget");
  }
}

TEST(SweepConfigTest, GridHonoursConstraintsAndIsOrdered) {
  const SweepConfig sweep = ParseSweepConfig(
      "[space]\nmodel.shared_layers = int(1, 3)\nmodel.ner_layers = 0, 1, 2, 3\nmodel.re_layers = 0, 1, 2, 3\n"
      "[constraints]\ntotal = model.shared_layers + model.ner_layers + model.re_layers <= 5\n"
      "[base]\nmodel.cell = lstm\n",
      "s.ini");
  const auto points = SearchPoints(sweep);
  int expected = 0;
  for (int s = 1; s <= 3; ++s)
    for (int n = 0; n <= 3; ++n)
      for (int r = 0; r <= 3; ++r) expected += s + n + r <= 5;
  ASSERT_EQ(static_cast<int>(points.size()), expected);
  EXPECT_EQ(points.front().at("model.shared_layers"), "1");
  EXPECT_EQ(points.front().at("model.re_layers"), "0");
  EXPECT_EQ(points[1].at("model.re_layers"), "1");  // last dimension fastest
  for (const auto& p : points) {
    EXPECT_EQ(p.at("model.cell"), "lstm");
    EXPECT_LE(std::stoi(p.at("model.shared_layers")) + std::stoi(p.at("model.ner_layers")) +
                  std::stoi(p.at("model.re_layers")),
              5);
  }
}

TEST(SweepConfigTest, RandomIsSeededWithinRangesAndDistinct) {
  const std::string text =
      "[sweep]\nstrategy = random\nbudget = 25\nseed = 7\n[space]\nmodel.hidden = int(10, 500)\n"
      "train.lr = logreal(1e-4, 1e-2)\ntrain.dropout = real(0.1, 0.5)\nmodel.cell = lstm, gru\n";
  const auto a = SearchPoints(ParseSweepConfig(text, "s.ini"));
  const auto b = SearchPoints(ParseSweepConfig(text, "s.ini"));
  ASSERT_EQ(a.size(), 25u);
  EXPECT_EQ(a, b);
  std::set<std::string> cells;
  for (const auto& p : a) {
    const double lr = std::stod(p.at("train.lr"));
    EXPECT_GE(lr, 1e-4);
    EXPECT_LE(lr, 1e-2);
    const int hidden = std::stoi(p.at("model.hidden"));
    EXPECT_GE(hidden, 10);
    EXPECT_LE(hidden, 500);
    cells.insert(p.at("model.cell"));
  }
  EXPECT_EQ(cells.size(), 2u);
  std::string other = text;
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  EXPECT_NE(SearchPoints(ParseSweepConfig(other, "s.ini")), a);
}

TEST(TrialIdTest, StableAndIgnoresLabelsButNotSettings) {
  // The trainer's canonical text (as --dump-config prints it) -> identity text -> id.
  auto id_of = [](const std::string& resolved, int fold, std::uint64_t seed, const std::string& fp) {
    return MakeTrialId(IdentityText(resolved, false), fold, seed, fp);
  };
  const std::string c = "[model]\nshared_layers = 2\n\n[trial]\nstage = search\n";
  const std::string id = id_of(c, 0, 1, "fp");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id_of(c, 0, 1, "fp"), id);
  EXPECT_EQ(id_of("[model]\nshared_layers = 2\n\n[trial]\nstage = final\n", 0, 1, "fp"), id);
  EXPECT_NE(id_of(c, 1, 1, "fp"), id);
  EXPECT_NE(id_of(c, 0, 2, "fp"), id);
  EXPECT_NE(id_of(c, 0, 1, "other corpus"), id);
  EXPECT_NE(id_of("[model]\nshared_layers = 3\n", 0, 1, "fp"), id);
  // ASHA: the rung budget is not part of the id.
  const std::string e9 = "[model]\nshared_layers = 2\n[train]\nmax_epochs = 9\n";
  const std::string e3 = "[model]\nshared_layers = 2\n[train]\nmax_epochs = 3\n";
  EXPECT_EQ(MakeTrialId(IdentityText(e9, true), 0, 1, "fp"), MakeTrialId(IdentityText(e3, true), 0, 1, "fp"));
  EXPECT_NE(MakeTrialId(IdentityText(e9, false), 0, 1, "fp"), MakeTrialId(IdentityText(e3, false), 0, 1, "fp"));
}

TEST(SweepConfigTest, AshaSettingsAreChecked) {
  const SweepConfig ok = ParseSweepConfig(
      "[sweep]\nstrategy = asha\nmin_epochs = 2\nreduction_factor = 3\nmax_epochs = 20\n[space]\nmodel.a = 1, 2\n",
      "a.ini");
  EXPECT_EQ(AshaRungEpochs(ok.sweep), (std::vector<int>{2, 6, 18}));
  auto error = [](const std::string& text) {
    try {
      ParseSweepConfig(text, "a.ini");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("[sweep]\nstrategy = asha\n[space]\ntrain.max_epochs = 1, 2\n").find("a.ini:4"), std::string::npos);
  EXPECT_NE(error("[sweep]\nstrategy = asha\nmin_epochs = 5\nmax_epochs = 4\n").find("a.ini:4"), std::string::npos);
  EXPECT_NE(error("[sweep]\nstrategy = asha\nsearch_seeds = 2\n").find("sweep.search_seeds"), std::string::npos);
  EXPECT_NE(error("[sweep]\nstrategy = random\nreduction_factor = 2\n").find("a.ini:3: sweep.reduction_factor"),
            std::string::npos);
}

TEST(CanonicalTextTest, RoundTrips) {
  TrialConfig c{{"model.b", "2"}, {"data.path", "x y"}, {"model.a", "1"}};
  EXPECT_EQ(CanonicalText(c), "[data]\npath = x y\n\n[model]\na = 1\nb = 2\n");
  EXPECT_EQ(ParseTrialConfig(CanonicalText(c)), c);
}

}  // namespace
}  // namespace dts::orchestrator
