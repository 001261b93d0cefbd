// dts-report A B --out DIR: two synthetic sweeps (an "LSTM" sweep and a weaker "GRU" sweep on the same folds
// and seeds, predictions with gold) compared; the comparison CSV's figures are recomputed here from the trial
// files with the statistics functions called directly.
#include "reports/sweep_comparison.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.h"
#include "reports/references.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"
#include "stats/significance.h"
#include "tests/reports/synthetic_sweep.h"
#include "tests/reports/test_files.h"

namespace dts::reports {
namespace {

namespace fs = std::filesystem;
using testing::Number;
using testing::ReadCsv;
using testing::ReadText;
using namespace synthetic;  // NOLINT

// One final-stage run's test F1 (macro and micro) as written, for the recomputation.
struct RunScores {
  int fold;
  int seed;
  double ner_micro, ner_macro, re_micro, re_macro;
  std::size_t sentences;
};

// A sweep of final runs: ADE over 4 folds (seed 1), CoNLL04 on its fixed split over 3 seeds.
class SyntheticSweep {
 public:
  SyntheticSweep(fs::path dir, std::string name, std::string cell, double quality, std::uint64_t draw,
                 int first_seed = 1)
      : dir_(std::move(dir)), name_(std::move(name)), cell_(std::move(cell)), quality_(quality), draw_(draw) {
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "trials");
    for (int fold = 0; fold < 4; ++fold) Add(kAde, fold, first_seed);
    for (int seed = first_seed; seed < first_seed + 3; ++seed) Add(kConll, 0, seed);
    manifest_.sweep_name = name_;
    manifest_.status = schema::TrialStatus::kCompleted;
    manifest_.dts_version = "test";
    schema::WriteSweepManifest((dir_ / "sweep.h5").string(), manifest_);
  }
  const fs::path& dir() const { return dir_; }
  const std::vector<RunScores>& runs(const std::string& dataset) { return runs_[dataset]; }

 private:
  void Add(const DatasetSpec& d, int fold, int seed) {
    const int index = static_cast<int>(manifest_.trials.size());
    schema::PlannedTrial plan;
    plan.trial_id = name_ + "-t" + std::to_string(index);
    plan.stage = "final";
    plan.config_id = name_ + "-" + d.name;
    plan.fold = fold;
    plan.seed = static_cast<std::uint64_t>(seed);
    plan.status = schema::TrialStatus::kCompleted;
    plan.dev_score = 50;
    std::ostringstream ini;
    ini << "[data]\nfold = " << fold << "\nfolds = 4\nformat = " << d.name << "\npath = corpora/" << d.name
        << "\n\n[model]\ncell = " << cell_
        << "\nner_layers = 1\nre_layers = 1\nshared_layers = 2\n\n[train]\nseed = " << seed << "\n";
    plan.config_ini = ini.str();
    manifest_.trials.push_back(plan);
    std::vector<Sentence> sentences = GoldSentences(d, fold);
    Predict(sentences, d.entity_types, quality_, draw_ * 7919 + static_cast<std::uint64_t>(index));
    schema::TrialFile t;
    t.trial_id = plan.trial_id;
    t.status = schema::TrialStatus::kCompleted;
    t.config_ini = plan.config_ini;
    t.stage = plan.stage;
    t.config_id = plan.config_id;
    t.dataset = d.name;
    t.fold = fold;
    t.seed = plan.seed;
    t.trainable_parameters = 4242;
    for (int epoch = 1; epoch <= 3; ++epoch)
      t.epochs.push_back({epoch, 1.0 / epoch, 0, 0, 40.0 + epoch, 39.0 + epoch, 30.0 + epoch, 29.0 + epoch,
                          35.0 + epoch + fold, 1, 1});
    Counts ner, re;
    for (const auto& s : sentences) {
      CountSentence(s, ner, re);
      t.predictions.push_back(PredictionLine(s));
    }
    t.test = schema::SplitMetrics{Metrics(ner, d.entity_types), Metrics(re, d.relation_types)};
    runs_[d.name].push_back({fold, seed, t.test->ner.scores.f1_micro, t.test->ner.scores.f1_macro,
                             t.test->re.scores.f1_micro, t.test->re.scores.f1_macro, sentences.size()});
    schema::WriteTrialFile((dir_ / "trials" / (plan.trial_id + ".h5")).string(), t);
  }

  fs::path dir_;
  std::string name_, cell_;
  double quality_;
  std::uint64_t draw_;
  schema::SweepManifest manifest_;
  std::map<std::string, std::vector<RunScores>> runs_;
};

class SweepComparisonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("dts-compare-" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override {
    if (std::getenv("DTS_KEEP_TEST_OUTPUT") == nullptr) fs::remove_all(root_);
  }
  fs::path root_;
};

const std::map<std::string, std::string>& Row(const std::vector<std::map<std::string, std::string>>& rows,
                                              const std::string& dataset, const std::string& averaging,
                                              const std::string& sweep) {
  for (const auto& row : rows) {
    if (row.at("dataset") == dataset && row.at("averaging") == averaging && row.at("sweep") == sweep)
      return row;
  }
  static const std::map<std::string, std::string> none;
  ADD_FAILURE() << "no row " << dataset << " " << averaging << " " << sweep;
  return none;
}

TEST_F(SweepComparisonTest, EachSweepAgainstTheFirstWithRecomputedSignificance) {
  SyntheticSweep lstm(root_ / "lstm", "lstm_sweep", "lstm", 0.85, 1);
  SyntheticSweep gru(root_ / "gru", "gru_sweep", "gru", 0.6, 2);
  ComparisonReportOptions options;
  options.sweep_dirs = {lstm.dir().string(), gru.dir().string()};
  options.out_dir = (root_ / "compare").string();
  options.significance.bootstrap_resamples = 500;
  options.significance.randomization_rounds = 200;
  const ReportOutput out = WriteComparisonReport(options);
  EXPECT_TRUE(out.warnings.empty());
  const auto rows = ReadCsv(root_ / "compare" / "comparison.csv");

  // ADE: macro only (cross-validated); CoNLL04: micro and macro. Each with both sweeps, then published rows.
  for (const char* averaging : {"micro", "macro"}) {
    const auto& first = Row(rows, "conll04", averaging, "lstm_sweep");
    EXPECT_EQ(first.at("ner_f1_p"), "");  // the reference row has no test
    EXPECT_EQ(first.at("cell"), "lstm");
  }
  for (const auto& row : rows) EXPECT_FALSE(row.at("dataset") == "ade" && row.at("averaging") == "micro");

  // Recompute the three compared rows' run-level figures and Holm across them, per metric.
  struct Case {
    std::string dataset, averaging;
  };
  const std::vector<Case> cases = {{"ade", "macro"}, {"conll04", "micro"}, {"conll04", "macro"}};
  for (const char* metric : {"ner_f1", "re_f1", "mean_f1"}) {
    std::vector<std::optional<double>> p_values;
    std::vector<std::map<std::string, std::string>> compared;
    for (const auto& c : cases) {
      const bool macro = c.averaging == "macro";
      const auto score = [&](const RunScores& r) {
        const double ner = macro ? r.ner_macro : r.ner_micro, re = macro ? r.re_macro : r.re_micro;
        const std::string m = metric;
        return m == "ner_f1" ? ner : m == "re_f1" ? re : (ner + re) / 2;
      };
      std::vector<double> a, b;
      const auto& runs_a = lstm.runs(c.dataset);
      const auto& runs_b = gru.runs(c.dataset);
      ASSERT_EQ(runs_a.size(), runs_b.size());
      double n_test = 0, n_train = 0, total = 0;
      for (const auto& r : runs_a) total += static_cast<double>(r.sentences);
      for (std::size_t i = 0; i < runs_a.size(); ++i) {
        ASSERT_EQ(runs_a[i].fold, runs_b[i].fold);
        ASSERT_EQ(runs_a[i].seed, runs_b[i].seed);
        a.push_back(score(runs_a[i]));
        b.push_back(score(runs_b[i]));
        n_test += static_cast<double>(runs_a[i].sentences);
        n_train += total - static_cast<double>(runs_a[i].sentences);
      }
      const bool cv = c.dataset == "ade";
      const auto test = cv ? CorrectedResampledTTest(a, b, n_test / n_train) : PairedTTest(a, b);
      BootstrapOptions bootstrap;
      bootstrap.resamples = 500;
      const auto ci = PairedBootstrapCi(a, b, bootstrap);
      ASSERT_TRUE(test && ci);
      const auto& row = Row(rows, c.dataset, c.averaging, "gru_sweep");
      EXPECT_EQ(row.at("test"), cv ? "corrected_resampled_t" : "paired_t");
      EXPECT_EQ(row.at("pairs"), std::to_string(a.size()));
      EXPECT_NEAR(Number(row, std::string(metric) + "_t"), test->t, 1e-9) << c.dataset << " " << metric;
      EXPECT_NEAR(Number(row, std::string(metric) + "_p"), test->p, 1e-12);
      EXPECT_NEAR(Number(row, std::string(metric) + "_ci_low"), ci->low, 1e-9);
      EXPECT_NEAR(Number(row, std::string(metric) + "_ci_high"), ci->high, 1e-9);
      EXPECT_LT(Number(row, std::string(metric) + "_delta"), 0);  // the weaker sweep
      // The sentence-level test ran on the pooled predictions and finds the large difference.
      EXPECT_EQ(row.at("ar_missing"), "");
      EXPECT_LT(Number(row, std::string(metric) + "_ar_p"), 0.05);
      p_values.push_back(test->p);
      compared.push_back(row);
    }
    const auto holm = HolmAdjust(p_values);
    for (std::size_t i = 0; i < compared.size(); ++i)
      EXPECT_NEAR(Number(compared[i], std::string(metric) + "_p_holm"), *holm[i], 1e-12) << metric;
  }

  // Published rows by default, only under their own setting.
  bool crone_ade = false;
  for (const auto& row : rows) {
    if (row.at("sweep") == "Bekoulis et al. (2018)") {
      EXPECT_EQ(row.at("averaging"), "macro");
    }
    crone_ade = crone_ade || (row.at("sweep") == "Crone (2020)" && row.at("dataset") == "ade");
  }
  EXPECT_TRUE(crone_ade);
  const std::string md = ReadText(root_ / "compare" / "comparison.md");
  EXPECT_NE(md.find("evaluation: strict, micro"), std::string::npos) << md;
  EXPECT_NE(md.find("evaluation: strict, macro"), std::string::npos) << md;
  EXPECT_NE(out.summary.find("gru_sweep"), std::string::npos);
  EXPECT_TRUE(fs::exists(root_ / "compare" / "index.html"));
}

// Two sweeps with other training seeds: cross-validated ADE (one run per fold each) pairs by fold, the same
// test sentences; CoNLL04's fixed split pairs by seed only, so nothing pairs there, and the report says why.
TEST_F(SweepComparisonTest, OtherSeedsPairByFoldWhenCrossValidatedAndNotOnAFixedSplit) {
  SyntheticSweep a(root_ / "a", "same", "lstm", 0.8, 1);
  SyntheticSweep b(root_ / "b", "same", "gru", 0.8, 2, /*first_seed=*/10);
  ComparisonReportOptions options;
  options.sweep_dirs = {a.dir().string(), b.dir().string()};
  options.out_dir = (root_ / "cmp").string();
  options.published_references = false;
  options.significance.bootstrap_resamples = 50;
  options.significance.randomization_rounds = 50;
  const ReportOutput out = WriteComparisonReport(options);
  const auto rows = ReadCsv(root_ / "cmp" / "comparison.csv");
  // Equal sweep names: the rows are labelled by directory. No published rows.
  ASSERT_EQ(rows.size(), 6u);  // (ADE macro + CoNLL04 micro + macro) x 2 sweeps
  EXPECT_EQ(rows.front().at("sweep"), a.dir().string());
  int ade_rows = 0;
  for (const auto& row : rows) {
    if (row.at("sweep") != b.dir().string()) continue;
    EXPECT_NE(row.at("ner_f1_delta"), "");  // the difference of the means is always shown
    if (row.at("dataset") == "ade") {
      ++ade_rows;
      EXPECT_EQ(row.at("pairs"), "4") << "every fold pairs";
      EXPECT_NE(row.at("ner_f1_p"), "");
    } else {
      EXPECT_EQ(row.at("pairs"), "0");
      EXPECT_EQ(row.at("ner_f1_p"), "");
    }
  }
  EXPECT_EQ(ade_rows, 1);
  EXPECT_NE(out.summary.find("ade: runs paired by fold"), std::string::npos) << out.summary;
  EXPECT_NE(out.summary.find("shares a fold and seed"), std::string::npos) << out.summary;

  options.sweep_dirs = {a.dir().string()};
  EXPECT_THROW(WriteComparisonReport(options), UsageError);
}

}  // namespace
}  // namespace dts::reports
