#include "config/sweep_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "orchestrator/planner.h"

namespace dts::orchestrator {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    config::ParseSweepConfig(text, "s.ini");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Issue 15: a grid is counted before anything is enumerated; above config::kMaxGridPoints it is refused
// with its size. An empty [space] is one configuration.
TEST(SweepConfigTest, HugeGridIsRefusedWithItsSize) {
  const std::string error = ErrorOf(
      "[space]\ntrain.patience = int(0, 99999)\ntrain.max_epochs = int(1, 100000)\nmodel.cell = lstm, gru\n");
  EXPECT_NE(
      error.find("s.ini: [space] spans a grid of 2e+10 points (before [constraints]), above the limit of "
                 "1e+06"),
      std::string::npos)
      << error;
  const config::SweepConfig empty = config::ParseSweepConfig("[sweep]\nstages = search\n", "s.ini");
  EXPECT_EQ(config::GridSize(empty), 1);
  EXPECT_EQ(SearchPoints(empty).size(), 1u);
  // Random search does not enumerate: the same space is fine there.
  EXPECT_EQ(ErrorOf("[sweep]\nstrategy = random\n[space]\ntrain.patience = int(0, 99999)\n"
                    "train.max_epochs = int(1, 100000)\n"),
            "");
}

// Issue 15: the base file's paths are relative to the base file, [base] and [space] paths to the sweep file,
// and every input file must exist (error: file:line and key) before anything runs.
TEST(SweepConfigTest, PathsResolveAgainstTheFileThatNamesThemAndMustExist) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::absolute(fs::path(::testing::TempDir()) / "sweep-paths");
  fs::create_directories(dir / "base" / "data");
  fs::create_directories(dir / "sweeps" / "vectors");
  std::ofstream(dir / "base" / "data" / "c.json") << "[]";
  std::ofstream(dir / "sweeps" / "vectors" / "a.vec") << "";
  std::ofstream(dir / "sweeps" / "vectors" / "b.vec") << "";
  std::ofstream(dir / "base" / "b.ini") << "[data]\npath = data/c.json\n";
  const std::string head = "[sweep]\nbase = ../base/b.ini\ncorpus = cross_validated\n";
  std::ofstream(dir / "sweeps" / "s.ini")
      << head << "[space]\ndata.word_vectors = vectors/a.vec, vectors/b.vec\n";
  const config::SweepConfig sweep = config::ReadSweepConfig((dir / "sweeps" / "s.ini").string());
  EXPECT_EQ(sweep.base.data.path, (dir / "base" / "data" / "c.json").string());
  ASSERT_EQ(sweep.space.size(), 1u);
  EXPECT_EQ(sweep.space[0].values[1], (dir / "sweeps" / "vectors" / "b.vec").string());
  std::ofstream(dir / "sweeps" / "m.ini") << head << "[base]\ndata.split_file = nothing.json\n";
  try {
    config::ReadSweepConfig((dir / "sweeps" / "m.ini").string());
    FAIL() << "a missing input file was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "sweeps" / "m.ini").string() + ":5: data.split_file = " +
                                         (dir / "sweeps" / "nothing.json").string() +
                                         ": no such file or directory");
  }
}

TEST(SweepConfigTest, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(ErrorOf("[sweep]\nstrategy = grid\nbugdet = 3\n"),
            "s.ini:3: unknown key 'sweep.bugdet' (did you mean 'sweep.budget'?)");
  EXPECT_EQ(ErrorOf("[sweep]\nbudget = 0\n"), "s.ini:2: sweep.budget = 0 is out of range [1, 100000]");
  EXPECT_NE(ErrorOf("[sweep]\nstrategy = bayes\n").find("s.ini:2: sweep.strategy = 'bayes' is not one of"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[space]\nmodel.dropout = real(0.1, 0.5)\n"),
            "s.ini:2: [space] model.dropout: a grid needs a list or int() range, not a continuous range");
  EXPECT_EQ(ErrorOf("[space]\ntrain.lr = logreal(0, 1)\n"),
            "s.ini:2: [space] train.lr: logreal() needs a positive lower bound: logreal(0, 1)");
  EXPECT_EQ(ErrorOf("[space]\nmodel.hidden = int(3, 1)\n"),
            "s.ini:2: [space] model.hidden: empty range int(3, 1)");
  EXPECT_EQ(ErrorOf("[space]\nmodel.hidden = 1, 2, 1\n"),
            "s.ini:2: [space] model.hidden: value '1' listed twice");
  EXPECT_EQ(ErrorOf("[sweep]\nstages = final,search\n"),
            "s.ini:2: sweep.stages: stages must be listed once, in the order search, final, ablation");
  EXPECT_EQ(ErrorOf("[sweep]\nstages = search,tune\n"),
            "s.ini:2: sweep.stages: unknown stage 'tune' (search, final, ablation)");
  EXPECT_EQ(ErrorOf("[space]\nmodel.hidden = 1, 2\n[constraints]\nc = model.hidden + model.cell <= 3\n"),
            "s.ini:4: [constraints] c: 'model.cell' is a choice, not a number");
  EXPECT_EQ(ErrorOf("[constraints]\nc = model.hiden <= 3\n"),
            "s.ini:2: [constraints] c: unknown key 'model.hiden'");
  EXPECT_EQ(ErrorOf("[constraints]\nc = model.x 3\n"),
            "s.ini:2: [constraints] c: expected a comparison (<=, <, >=, >, ==, !=) in 'model.x 3'");
  EXPECT_EQ(ErrorOf("[tune]\nx = 1\n"),
            "s.ini:2: unknown section [tune] (sweep files have [sweep], [space], [constraints], [base])");
  EXPECT_NE(ErrorOf("[sweep]\nbase = does-not-exist.ini\n").find("s.ini:2: sweep.base:"), std::string::npos);
  // The trial schema checks the base and every searched value in this process, naming the line.
  EXPECT_EQ(ErrorOf("[space]\nmodel.hiden = 1, 2\n"),
            "s.ini:2: [space] model.hiden: unknown key (did you mean 'model.hidden'?)");
  EXPECT_EQ(ErrorOf("[space]\nmodel.shared_layers = 1, 4\n"),
            "s.ini:2: model.shared_layers = 4 is out of range [1, 3]");
  EXPECT_EQ(ErrorOf("[space]\nmodel.shared_layers = int(0, 2)\n"),
            "s.ini:2: model.shared_layers = 0 is out of range [1, 3]");
  EXPECT_EQ(ErrorOf("[sweep]\nstrategy = random\n[space]\nmodel.hidden = real(1, 9)\n"),
            "s.ini:4: [space] model.hidden: real() needs a real key; it is a int (use int() or a list)");
  EXPECT_EQ(ErrorOf("[space]\ntrain.seed = 1, 2\n"),
            "s.ini:2: [space] train.seed: set by the planner for every trial; it cannot be searched");
  EXPECT_EQ(ErrorOf("[base]\nmodel.cell = rnn\n"), "s.ini:2: model.cell = 'rnn' is not one of lstm|gru");
  EXPECT_EQ(
      ErrorOf("[space]\nmodel.contextual = true, false\n"),
      "s.ini:2: [space] model.contextual = true: model.contextual = true needs data.contextual_embeddings");
  try {
    config::ParseSweepConfig("[sweep]\nbudget = x\n", "s.ini");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "sweep.budget");
  }
}

TEST(SweepConfigTest, GridHonoursConstraintsAndIsOrdered) {
  const config::SweepConfig sweep = config::ParseSweepConfig(
      "[space]\nmodel.shared_layers = int(1, 3)\nmodel.ner_layers = 0, 1, 2, 3\nmodel.re_layers = 0, 1, 2, "
      "3\n"
      "[constraints]\ntotal = model.shared_layers + model.ner_layers + model.re_layers <= 5\n"
      "[base]\nmodel.cell = lstm\n",
      "s.ini");
  const auto points = SearchPoints(sweep);
  int expected = 0;
  for (int s = 1; s <= 3; ++s)
    for (int n = 0; n <= 3; ++n)
      for (int r = 0; r <= 3; ++r) expected += s + n + r <= 5;
  ASSERT_EQ(static_cast<int>(points.size()), expected);
  EXPECT_EQ(points.front().model.shared_layers, 1);
  EXPECT_EQ(points.front().model.re_layers, 0);
  EXPECT_EQ(points[1].model.re_layers, 1);  // last dimension fastest
  for (const auto& p : points) {
    EXPECT_EQ(p.model.cell, config::CellType::kLstm);
    EXPECT_LE(p.model.shared_layers + p.model.ner_layers + p.model.re_layers, 5);
  }
}

TEST(SweepConfigTest, RandomIsSeededWithinRangesAndDistinct) {
  const std::string text =
      "[sweep]\nstrategy = random\nbudget = 25\nseed = 7\n[space]\nmodel.hidden = int(10, 500)\n"
      "train.lr = logreal(1e-4, 1e-2)\nmodel.dropout = real(0.1, 0.5)\nmodel.cell = lstm, gru\n";
  auto texts = [](const std::vector<config::TrainConfig>& points) {
    std::vector<std::string> out;
    for (const auto& p : points) out.push_back(config::TrainSchema().CanonicalIni(p));
    return out;
  };
  const auto a = SearchPoints(config::ParseSweepConfig(text, "s.ini"));
  const auto b = SearchPoints(config::ParseSweepConfig(text, "s.ini"));
  ASSERT_EQ(a.size(), 25u);
  EXPECT_EQ(texts(a), texts(b));
  std::set<config::CellType> cells;
  for (const auto& p : a) {
    EXPECT_GE(p.train.lr, 1e-4);
    EXPECT_LE(p.train.lr, 1e-2);
    EXPECT_GE(p.model.dropout, 0.1);
    EXPECT_LE(p.model.dropout, 0.5);
    EXPECT_GE(p.model.hidden, 10);
    EXPECT_LE(p.model.hidden, 500);
    cells.insert(p.model.cell);
  }
  EXPECT_EQ(cells.size(), 2u);
  std::string other = text;
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  EXPECT_NE(texts(SearchPoints(config::ParseSweepConfig(other, "s.ini"))), texts(a));
}

TEST(SweepConfigTest, AshaSettingsAreChecked) {
  const config::SweepConfig ok = config::ParseSweepConfig(
      "[sweep]\nstrategy = asha\nmin_epochs = 2\nreduction_factor = 3\nmax_epochs = "
      "20\n[space]\nmodel.hidden = 1, 2\n",
      "a.ini");
  EXPECT_EQ(config::AshaRungEpochs(ok.sweep), (std::vector<int>{2, 6, 18}));
  auto error = [](const std::string& text) {
    try {
      config::ParseSweepConfig(text, "a.ini");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("[sweep]\nstrategy = asha\n[space]\ntrain.max_epochs = 1, 2\n").find("a.ini:4"),
            std::string::npos);
  EXPECT_NE(error("[sweep]\nstrategy = asha\nmin_epochs = 5\nmax_epochs = 4\n").find("a.ini:4"),
            std::string::npos);
  EXPECT_NE(error("[sweep]\nstrategy = asha\nsearch_seeds = 2\n").find("sweep.search_seeds"),
            std::string::npos);
  EXPECT_NE(
      error("[sweep]\nstrategy = random\nreduction_factor = 2\n").find("a.ini:3: sweep.reduction_factor"),
      std::string::npos);
}

// Issue 16: racing and tpe settings are refused where they cannot apply, naming the line and the key.
TEST(SweepConfigTest, RacingAndTpeSettingsAreChecked) {
  const config::SweepConfig ok = config::ParseSweepConfig(
      "[sweep]\nstrategy = tpe\nbudget = 12\ntpe_startup = 4\nsearch_on = folds\nracing = wilcoxon\n"
      "racing_level = 0.1\nracing_min_folds = 5\n[space]\nmodel.hidden = 1, 2\n",
      "r.ini");
  EXPECT_EQ(ok.sweep.strategy, config::Strategy::kTpe);
  EXPECT_EQ(ok.sweep.search_on, config::SearchOn::kFolds);
  EXPECT_EQ(ok.sweep.racing, config::RacingTest::kWilcoxon);
  EXPECT_EQ(ok.sweep.racing_level, 0.1);
  EXPECT_EQ(ok.sweep.racing_min_folds, 5);
  EXPECT_EQ(ok.sweep.tpe_startup, 4);
  auto error = [](const std::string& text) {
    try {
      config::ParseSweepConfig(text, "r.ini");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("[sweep]\nracing = t_test\n").find("r.ini:2: sweep.racing"), std::string::npos)
      << error("[sweep]\nracing = t_test\n");
  EXPECT_NE(error("[sweep]\nsearch_on = folds\nracing_level = 0.1\n").find("r.ini:3: sweep.racing_level"),
            std::string::npos);
  // ASHA then racing (issue 26) combines them.
  EXPECT_EQ(error("[sweep]\nstrategy = asha\nsearch_on = folds\nracing = t_test\n"), "no error");
  EXPECT_NE(error("[sweep]\nsearch_on = folds\nsearch_seeds = 2\n").find("r.ini:3: sweep.search_seeds"),
            std::string::npos);
  EXPECT_NE(error("[sweep]\ntpe_startup = 3\n").find("r.ini:2: sweep.tpe_startup"), std::string::npos);
  // ASHA with TPE proposals (issue 26): tpe_startup applies there, asha_sampler only to asha.
  EXPECT_EQ(error("[sweep]\nstrategy = asha\nasha_sampler = tpe\ntpe_startup = 3\n"), "no error");
  EXPECT_NE(error("[sweep]\nstrategy = asha\ntpe_startup = 3\n").find("r.ini:3: sweep.tpe_startup"),
            std::string::npos);
  EXPECT_NE(error("[sweep]\nstrategy = tpe\nasha_sampler = tpe\n").find("r.ini:3: sweep.asha_sampler"),
            std::string::npos);
  EXPECT_NE(error("[sweep]\nstrategy = asha\nasha_sampler = bohb\n").find("r.ini:3: sweep.asha_sampler"),
            std::string::npos);
  EXPECT_NE(
      error("[sweep]\nsearch_on = folds\nracing = t_test\nracing_min_folds = 12\n[base]\ndata.folds = 10\n")
          .find("r.ini:4: sweep.racing_min_folds = 12 exceeds data.folds = 10"),
      std::string::npos);
  EXPECT_NE(error("[sweep]\nracing = maybe\n").find("sweep.racing"), std::string::npos);
  EXPECT_NE(error("[sweep]\nsearch_on = folds\nracing = t_test\nracing_level = 0.9\n").find("racing_level"),
            std::string::npos);
  // A fixed-split corpus has no folds to race over: refused when the search is planned.
  const config::SweepConfig fixed = config::ParseSweepConfig(
      "[sweep]\ncorpus = fixed_split\nsearch_on = folds\n[space]\nmodel.hidden = 1, 2\n", "f.ini");
  Planner planner(
      fixed, "fp", [](const config::TrainConfig&) { return 1LL; }, SweepDirectoryBase("out"));
  try {
    planner.PlanSearch();
    ADD_FAILURE() << "search_on = folds on a fixed split must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sweep.search_on"), std::string::npos) << e.what();
  }
}

// Every shipped sweep file is valid. Those that name the real corpora (../shared/data) can only be checked
// where the corpora are; elsewhere their missing input is the one error allowed.
TEST(SweepConfigTest, ShippedSweepFilesAreValid) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator("configs")) {
    const std::string path = entry.path().string();
    if (path.size() < 10 || path.substr(path.size() - 10) != "-sweep.ini") continue;
    try {
      config::ReadSweepConfig(path);
      ++checked;
    } catch (const InputError& e) {
      std::cout << "not checked (input missing here): " << e.what() << "\n";
    } catch (const Error& e) {
      ADD_FAILURE() << path << ": " << e.what();
    }
  }
  std::cout << checked << " sweep files checked\n";
}

// docs/orchestrator.md's [sweep] table is generated by `dts-sweep --config-reference`; this fails when stale.
TEST(SweepConfigTest, DocumentedSettingsTableIsCurrent) {
  std::ifstream in("docs/orchestrator.md");
  ASSERT_TRUE(in) << "docs/orchestrator.md missing";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto begin = doc.find("<!-- sweep-settings:begin");
  const auto end = doc.find("<!-- sweep-settings:end -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const auto first_row = doc.find('\n', begin) + 1;
  EXPECT_EQ(doc.substr(first_row, end - first_row), config::SweepSettingsMarkdown())
      << "docs/orchestrator.md is stale: replace the table between the sweep-settings markers with the "
         "output of "
         "dts-sweep --config-reference";
}

}  // namespace
}  // namespace dts::orchestrator
