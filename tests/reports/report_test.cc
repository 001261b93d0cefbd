#include "reports/report.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "common/error.h"
#include "config/stages.h"
#include "reports/references.h"
#include "reports/table.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"
#include "schema/trial_schema.h"
#include "tests/reports/test_files.h"

namespace dts::reports {
namespace {

namespace fs = std::filesystem;
using schema::PlannedTrial;
using schema::TrialFile;
using schema::TrialStatus;
using testing::ReadCsv;
using testing::ReadText;

// Expected mean and sample std, computed with the sum-of-squares formula (the report uses two passes).
struct Expected {
  double sum = 0, sum_sq = 0;
  int n = 0;
  void Add(double v) {
    sum += v;
    sum_sq += v * v;
    ++n;
  }
  double Mean() const { return sum / n; }
  double Std() const { return std::sqrt((sum_sq - n * Mean() * Mean()) / (n - 1)); }
};

// Deterministic, irregular scores so that no two trials and no two fields agree.
double Score(int trial, int field) {
  return 50 + std::fmod(trial * 7.31 + field * 3.17 + trial * field * 0.013, 40.0);
}

schema::Scores MakeScores(int trial, int base_field) {
  return {Score(trial, base_field),     Score(trial, base_field + 1), Score(trial, base_field + 2),
          Score(trial, base_field + 3), Score(trial, base_field + 4), Score(trial, base_field + 5)};
}

std::string ConfigIni(int shared, int ner, int re, const std::string& cell, const std::string& format,
                      int fold, int seed) {
  std::ostringstream ini;
  ini << "[data]\nfold = " << fold << "\nformat = " << format << "\npath = corpora/" << format << "\n\n"
      << "[model]\ncell = " << cell << "\nhidden = 64\nner_layers = " << ner << "\nre_layers = " << re
      << "\nshared_layers = " << shared << "\n\n[train]\nlr = 0.001\nseed = " << seed << "\n";
  return ini.str();
}

class SweepFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dts-report-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "trials");
  }
  // DTS_KEEP_TEST_OUTPUT=1 keeps the sweep and its report for a look at the rendered tables and plots.
  void TearDown() override {
    if (std::getenv("DTS_KEEP_TEST_OUTPUT") == nullptr) fs::remove_all(dir_);
  }

  // Plans a trial; writes its file with `status` unless status is kPlanned (not started).
  void Add(const std::string& stage, const std::string& config_id, const std::string& variant,
           const std::string& dataset, int fold, int seed, int shared, int ner, int re,
           const std::string& cell, TrialStatus status, double dev_score, long long params) {
    const int index = static_cast<int>(manifest_.trials.size());
    PlannedTrial plan;
    plan.trial_id = "t" + std::to_string(index);
    plan.stage = stage;
    plan.config_id = config_id;
    plan.variant = variant;
    plan.fold = fold;
    plan.seed = static_cast<std::uint64_t>(seed);
    plan.status = status;
    plan.dev_score = status == TrialStatus::kCompleted ? dev_score : -1;
    plan.config_ini = ConfigIni(shared, ner, re, cell, dataset, fold, seed);
    manifest_.trials.push_back(plan);
    if (status == TrialStatus::kPlanned) return;
    TrialFile t;
    t.trial_id = plan.trial_id;
    t.status = status;
    t.config_ini = plan.config_ini;
    t.stage = stage;
    t.variant = variant;
    t.config_id = config_id;
    t.dataset = dataset;
    t.fold = fold;
    t.seed = plan.seed;
    t.dts_version = trial_version_;
    t.trainable_parameters = params;
    t.epochs.push_back({1, 1, 0.5, 0.5, 0, 0, 0, 0, dev_score, 1, 1});
    t.theta_r = 0.4;
    for (int i = 1; i <= 9; ++i) t.theta_curve.push_back({i * 0.1, MakeScores(index + i, 30)});
    if (status == TrialStatus::kCompleted) {
      schema::SplitMetrics test;
      test.ner.scores = MakeScores(index, 0);
      test.re.scores = MakeScores(index, 10);
      t.test = test;
      t.dev = test;
      completed_[plan.trial_id] = test;
    }
    schema::WriteTrialFile((dir_ / "trials" / (plan.trial_id + ".h5")).string(), t);
  }

  void WriteManifest() {
    manifest_.sweep_name = "unit_sweep";
    manifest_.status = TrialStatus::kRunning;
    manifest_.dts_version = "test";
    schema::WriteSweepManifest((dir_ / "sweep.h5").string(), manifest_);
  }

  // Expected statistics of one metric over the completed trials of (stage, config_id or variant).
  Expected Over(const std::string& stage, const std::string& config_id, const std::string& variant,
                double (*metric)(const schema::SplitMetrics&)) const {
    Expected e;
    for (const auto& plan : manifest_.trials) {
      if (plan.stage != stage || (!config_id.empty() && plan.config_id != config_id) ||
          (!variant.empty() && plan.variant != variant)) {
        continue;
      }
      const auto it = completed_.find(plan.trial_id);
      if (it != completed_.end()) e.Add(metric(it->second));
    }
    return e;
  }

  // A small two-dataset sweep: ADE cross-validated (incomplete), CoNLL04 fixed split with an ablation.
  void BuildSweep() {
    // Search: four ADE and three CoNLL04 configurations.
    Add("search", "sA", "", "ade", 0, 1, 1, 0, 1, "lstm", TrialStatus::kCompleted, 70.0, 1000);
    Add("search", "sB", "", "ade", 0, 1, 2, 1, 1, "gru", TrialStatus::kCompleted, 80.5, 2000);
    Add("search", "sC", "", "ade", 0, 1, 3, 0, 0, "lstm", TrialStatus::kCompleted, 75.0, 3000);
    Add("search", "sD", "", "ade", 0, 1, 1, 2, 2, "gru", TrialStatus::kFailed, 0, 4000);
    Add("search", "sE", "", "conll04", 0, 1, 2, 0, 2, "lstm", TrialStatus::kCompleted, 60.0, 5000);
    Add("search", "sF", "", "conll04", 0, 1, 2, 1, 2, "lstm", TrialStatus::kCompleted, 65.0, 6000);
    // Final, ADE: the selected config (best dev) over 10 folds, 8 completed, 1 running, 1 not started;
    // and a second configuration with a worse dev score.
    for (int fold = 0; fold < 10; ++fold) {
      const TrialStatus status =
          fold < 8 ? TrialStatus::kCompleted : (fold == 8 ? TrialStatus::kRunning : TrialStatus::kPlanned);
      Add("final", "fA", "", "ade", fold, 1, 2, 1, 1, "gru", status, 81.0 + fold * 0.1, 2000);
    }
    for (int fold = 0; fold < 10; ++fold) {
      Add("final", "fA2", "", "ade", fold, 1, 3, 0, 0, "lstm",
          fold < 2 ? TrialStatus::kCompleted : TrialStatus::kPlanned, 60.0, 3000);
    }
    // Final, CoNLL04: 5 seeds, all completed.
    for (int seed = 1; seed <= 5; ++seed)
      Add("final", "fC", "", "conll04", 0, seed, 2, 1, 2, "lstm", TrialStatus::kCompleted, 66, 6000);
    // Ablation, CoNLL04: 3 seeds per variant; one no_re_specific seed failed.
    const struct {
      const char* variant;
      const char* config;
      int shared, ner, re;
    } variants[] = {{"baseline", "aB", 2, 1, 2},
                    {"no_ner_specific", "aN", 3, 0, 2},
                    {"no_re_specific", "aR", 4, 1, 0},
                    {"no_task_specific", "aT", 5, 0, 0}};
    for (const auto& v : variants) {
      for (int seed = 1; seed <= 3; ++seed) {
        const bool failed = std::string(v.variant) == "no_re_specific" && seed == 3;
        Add("ablation", v.config, v.variant, "conll04", 0, seed, v.shared, v.ner, v.re, "lstm",
            failed ? TrialStatus::kFailed : TrialStatus::kCompleted, 64, 6000 + v.shared);
      }
    }
    WriteManifest();
  }

  fs::path dir_;
  std::string trial_version_ = "0.1.0-test";  // the dts_version of the trial files Add writes
  schema::SweepManifest manifest_;
  std::map<std::string, schema::SplitMetrics> completed_;
};

double NerF1Macro(const schema::SplitMetrics& m) { return m.ner.scores.f1_macro; }
double NerPMacro(const schema::SplitMetrics& m) { return m.ner.scores.precision_macro; }
double ReRMacro(const schema::SplitMetrics& m) { return m.re.scores.recall_macro; }
double ReF1Macro(const schema::SplitMetrics& m) { return m.re.scores.f1_macro; }
double NerF1Micro(const schema::SplitMetrics& m) { return m.ner.scores.f1_micro; }
double ReF1Micro(const schema::SplitMetrics& m) { return m.re.scores.f1_micro; }
double MeanF1Micro(const schema::SplitMetrics& m) {
  return (m.ner.scores.f1_micro + m.re.scores.f1_micro) / 2;
}
double MeanF1Macro(const schema::SplitMetrics& m) {
  return (m.ner.scores.f1_macro + m.re.scores.f1_macro) / 2;
}

const std::map<std::string, std::string>& FindRow(const std::vector<std::map<std::string, std::string>>& rows,
                                                  const std::map<std::string, std::string>& match) {
  for (const auto& row : rows) {
    bool ok = true;
    for (const auto& [k, v] : match) ok = ok && row.count(k) && row.at(k) == v;
    if (ok) return row;
  }
  static const std::map<std::string, std::string> none;
  ADD_FAILURE() << "no CSV row matches";
  return none;
}

void ExpectNear(const std::map<std::string, std::string>& row, const std::string& column, double expected) {
  ASSERT_TRUE(row.count(column)) << column;
  ASSERT_FALSE(row.at(column).empty()) << column;
  EXPECT_NEAR(std::stod(row.at(column)), expected, 1e-9) << column;
}

TEST_F(SweepFixture, ResultsCsvMatchesIndependentlyComputedStatistics) {
  BuildSweep();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput out = WriteReport(options);
  const auto rows = ReadCsv(dir_ / "report" / "results.csv");

  // ADE: the best-dev final configuration fA, macro only (cross-validated), 8 of 10 folds.
  const auto& ade = FindRow(rows, {{"dataset", "ade"}, {"averaging", "macro"}, {"source", "this sweep"}});
  EXPECT_EQ(ade.at("config_id"), "fA");
  EXPECT_EQ(ade.at("completed"), "8");
  EXPECT_EQ(ade.at("planned"), "10");
  EXPECT_EQ(ade.at("unit"), "folds");
  for (const auto& [column, metric] :
       std::vector<std::pair<std::string, double (*)(const schema::SplitMetrics&)>>{
           {"ner_f1", NerF1Macro},
           {"ner_precision", NerPMacro},
           {"re_recall", ReRMacro},
           {"re_f1", ReF1Macro},
           {"mean_f1", MeanF1Macro}}) {
    const Expected e = Over("final", "fA", "", metric);
    ASSERT_EQ(e.n, 8);
    ExpectNear(ade, column + "_mean", e.Mean());
    ExpectNear(ade, column + "_std", e.Std());
  }
  for (const auto& row : rows) EXPECT_FALSE(row.at("dataset") == "ade" && row.at("averaging") == "micro");

  // CoNLL04: micro and macro over 5 seeds.
  const auto& micro = FindRow(rows, {{"dataset", "conll04"}, {"averaging", "micro"}});
  EXPECT_EQ(micro.at("completed"), "5");
  EXPECT_EQ(micro.at("unit"), "seeds");
  ExpectNear(micro, "ner_f1_mean", Over("final", "fC", "", NerF1Micro).Mean());
  ExpectNear(micro, "ner_f1_std", Over("final", "fC", "", NerF1Micro).Std());
  ExpectNear(micro, "re_f1_mean", Over("final", "fC", "", ReF1Micro).Mean());
  ExpectNear(micro, "mean_f1_std", Over("final", "fC", "", MeanF1Micro).Std());
  const auto& macro = FindRow(rows, {{"dataset", "conll04"}, {"averaging", "macro"}});
  ExpectNear(macro, "re_f1_mean", Over("final", "fC", "", ReF1Macro).Mean());

  // Displayed: the partial cell is marked.
  const std::string md = ReadText(dir_ / "report" / "results.md");
  EXPECT_NE(md.find("8/10 folds"), std::string::npos) << md;
  EXPECT_NE(out.summary.find("8/10 folds"), std::string::npos);
  EXPECT_NE(out.summary.find("### Test results"), std::string::npos);
}

TEST_F(SweepFixture, AblationCsvHasDeltasAgainstBaseline) {
  BuildSweep();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  WriteReport(options);
  const auto rows = ReadCsv(dir_ / "report" / "ablation.csv");
  ASSERT_EQ(rows.size(), 8u);  // 4 variants x (micro, macro)
  const Expected base = Over("ablation", "", "baseline", ReF1Micro);
  const Expected no_re = Over("ablation", "", "no_re_specific", ReF1Micro);
  ASSERT_EQ(no_re.n, 2);
  const auto& row = FindRow(rows, {{"variant", "no_re_specific"}, {"averaging", "micro"}});
  EXPECT_EQ(row.at("completed"), "2");
  EXPECT_EQ(row.at("planned"), "3");
  EXPECT_EQ(row.at("shared_layers"), "4");
  EXPECT_EQ(row.at("re_layers"), "0");
  EXPECT_EQ(row.at("parameters"), "6004");
  ExpectNear(row, "re_f1_mean", no_re.Mean());
  ExpectNear(row, "re_f1_std", no_re.Std());
  ExpectNear(row, "re_f1_delta", no_re.Mean() - base.Mean());
  const auto& baseline = FindRow(rows, {{"variant", "baseline"}, {"averaging", "macro"}});
  EXPECT_EQ(baseline.at("ner_f1_delta"), "");
  ExpectNear(baseline, "ner_f1_mean", Over("ablation", "", "baseline", NerF1Macro).Mean());
  EXPECT_NE(ReadText(dir_ / "report" / "ablation.md").find("2/3 seeds"), std::string::npos);
}

// The ablation's rows follow the variants as the sweep declares them (config/stages.h), the one list the
// planner plans from: a variant renamed there cannot fall out of the report's order unnoticed.
TEST_F(SweepFixture, AblationRowsFollowTheDeclaredVariants) {
  int shared = 2;
  for (const config::AblationVariant& v : config::kAblationVariants) {
    const std::string id = std::string("v_") + v.name;
    for (int seed = 1; seed <= 2; ++seed) {
      Add(config::kStageAblation, id, v.name, "conll04", 0, seed, shared, v.drop_ner ? 0 : 1,
          v.drop_re ? 0 : 2, "lstm", TrialStatus::kCompleted, 64, 6000);
    }
    ++shared;
  }
  WriteManifest();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  WriteReport(options);
  const auto rows = ReadCsv(dir_ / "report" / "ablation.csv");
  std::vector<std::string> order;
  for (const auto& row : rows)
    if (row.at("averaging") == "micro") order.push_back(row.at("variant"));
  std::vector<std::string> declared;
  for (const config::AblationVariant& v : config::kAblationVariants) declared.push_back(v.name);
  EXPECT_EQ(order, declared);
  const auto& baseline = FindRow(rows, {{"variant", config::kVariantBaseline}, {"averaging", "micro"}});
  EXPECT_EQ(baseline.at("re_f1_delta"), "");  // the declared baseline is the reference row
}

// The report says which code its trials ran (the dts_version of each trial file and attempt) and warns when
// they ran more than one version (issue 27).
TEST_F(SweepFixture, ReportNamesTheCodeVersionsOfItsTrials) {
  trial_version_ = "0.1.0-1111111";
  Add("search", "sA", "", "ade", 0, 1, 1, 0, 1, "lstm", TrialStatus::kCompleted, 70.0, 1000);
  Add("search", "sB", "", "ade", 0, 1, 2, 1, 1, "gru", TrialStatus::kCompleted, 80.5, 2000);
  WriteManifest();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput one = WriteReport(options);
  EXPECT_EQ(one.summary.rfind("Trials' code: dts 0.1.0-1111111 (2 trials).\n", 0), 0u) << one.summary;
  for (const auto& w : one.warnings) EXPECT_EQ(w.find("code versions"), std::string::npos) << w;

  trial_version_ = "0.1.0-2222222-dirty";
  Add("search", "sC", "", "ade", 0, 1, 3, 0, 0, "lstm", TrialStatus::kCompleted, 75.0, 3000);
  WriteManifest();
  const ReportOutput two = WriteReport(options);
  const std::string line = "Trials' code: dts 0.1.0-1111111 (2 trials), 0.1.0-2222222-dirty (1 trial).";
  EXPECT_NE(two.summary.find(line), std::string::npos) << two.summary;
  EXPECT_NE(ReadText(dir_ / "report" / "index.md").find(line), std::string::npos);
  bool warned = false;
  for (const auto& w : two.warnings)
    warned = warned || w.find("the trials ran 2 code versions") != std::string::npos;
  EXPECT_TRUE(warned) << "no warning about the two code versions";
}

TEST_F(SweepFixture, HyperparameterAndSearchTables) {
  BuildSweep();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  options.top_k = 2;
  WriteReport(options);
  const auto hyper = ReadCsv(dir_ / "report" / "hyperparameters.csv");
  const auto& shared = FindRow(hyper, {{"key", "model.shared_layers"}});
  EXPECT_EQ(shared.at("searched"), "1");
  EXPECT_EQ(shared.at("ade"), "2");
  EXPECT_EQ(shared.at("conll04"), "2");
  const auto& hidden = FindRow(hyper, {{"key", "model.hidden"}});
  EXPECT_EQ(hidden.at("searched"), "0");  // shown as a main key, not varied
  EXPECT_EQ(FindRow(hyper, {{"key", "trainable_parameters"}}).at("ade"), "2000");
  for (const auto& row : hyper) {
    EXPECT_NE(row.at("key"), "data.fold");  // per-run keys are not hyperparameters
    EXPECT_NE(row.at("key"), "train.seed");
  }
  // Search: every scored ADE configuration in the CSV, best first; the failed one has no score.
  const auto search = ReadCsv(dir_ / "report" / "search_ade.csv");
  ASSERT_EQ(search.size(), 3u);
  EXPECT_EQ(search[0].at("config_id"), "sB");
  EXPECT_EQ(search[1].at("config_id"), "sC");
  EXPECT_EQ(search[2].at("config_id"), "sA");
  ExpectNear(search[0], "dev_score", 80.5);
  const std::string top = ReadText(dir_ / "report" / "search_top_ade.md");
  EXPECT_EQ(std::count(top.begin(), top.end(), '\n'),
            2 + 2 + 2 + 2 + 1);                           // title, blank, header, rule, 2 rows...
  EXPECT_EQ(top.find("| sA"), std::string::npos) << top;  // third best is outside the top 2
  // theta curve of the selected ADE configuration, averaged over the runs that have one (8 + running 1).
  const auto theta = ReadCsv(dir_ / "report" / "theta_ade.csv");
  ASSERT_EQ(theta.size(), 9u);
  EXPECT_EQ(theta[0].at("runs"), "9");
}

// Issue 16: a racing search over folds: the report lists each elimination (which configuration, after which
// fold, with which p-value, against which incumbent) and what the race spent against full cross-validation.
TEST_F(SweepFixture, RacingEliminationsAreListedWithFoldAndPValue) {
  for (int fold = 0; fold < 4; ++fold)
    Add("search", "rA", "", "ade", fold, 1, 1, 1, 1, "lstm", TrialStatus::kCompleted, 80.0 + fold, 1000);
  for (int fold = 0; fold < 2; ++fold)
    Add("search", "rB", "", "ade", fold, 1, 3, 0, 0, "gru", TrialStatus::kCompleted, 70.0 + fold, 2000);
  Add("search", "rC", "", "ade", 0, 1, 2, 0, 1, "lstm", TrialStatus::kCompleted, 79.0, 3000);
  manifest_.eliminations.push_back({"rB", "rA", 2, 1, 10.0, 0.0123});
  WriteManifest();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  WriteReport(options);
  const auto racing = ReadCsv(dir_ / "report" / "racing_ade.csv");
  ASSERT_EQ(racing.size(), 1u);
  EXPECT_EQ(racing[0].at("config_id"), "rB");
  EXPECT_EQ(racing[0].at("incumbent_id"), "rA");
  EXPECT_EQ(racing[0].at("after_fold"), "1");
  EXPECT_EQ(racing[0].at("paired_folds"), "2");
  EXPECT_EQ(racing[0].at("folds_trained"), "2");
  EXPECT_EQ(racing[0].at("shared_layers"), "3");
  ExpectNear(racing[0], "p_value", 0.0123);
  ExpectNear(racing[0], "mean_gap", 10.0);
  const std::string md = ReadText(dir_ / "report" / "racing_ade.md");
  EXPECT_NE(md.find("1 of 3 configurations eliminated"), std::string::npos) << md;
  EXPECT_NE(md.find("trained 7 folds, against 12"), std::string::npos) << md;
  EXPECT_NE(ReadText(dir_ / "report" / "index.md").find("Racing over folds (ade)"), std::string::npos);
  // A manifest without eliminations (every sweep before issue 16) has no racing table.
  manifest_.eliminations.clear();
  WriteManifest();
  fs::remove_all(dir_ / "report");
  WriteReport(options);
  EXPECT_FALSE(fs::exists(dir_ / "report" / "racing_ade.csv"));
}

// Which searched dimensions mattered: the score follows the shared layers (2 is best) and not the cell, so
// the table puts model.shared_layers first with most of the variance and the cell at about none. With ASHA
// rows, only rung 0 scores (the budget every configuration has).
TEST_F(SweepFixture, ImportanceTableRanksTheDimensionThatDrivesTheScore) {
  const int shared[] = {1, 2, 3, 1, 2, 3, 1, 2, 3};
  for (int i = 0; i < 9; ++i)
    Add("search", "c" + std::to_string(i), "rung0", "ade", 0, 1, shared[i], 0, 1, i % 2 ? "gru" : "lstm",
        TrialStatus::kCompleted, (shared[i] == 2 ? 80.0 : 60.0) + 0.1 * i, 1000 + i);
  // A promoted configuration's higher rung scores better, but the table reads rung 0.
  PlannedTrial promoted = manifest_.trials[0];
  manifest_.trials[0].status = TrialStatus::kPromoted;
  promoted.variant = "rung1";
  promoted.dev_score = 99;
  manifest_.trials.push_back(promoted);
  WriteManifest();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  WriteReport(options);
  const auto rows = ReadCsv(dir_ / "report" / "importance_ade.csv");
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].at("key"), "model.shared_layers");
  EXPECT_GT(std::stod(rows[0].at("epsilon_squared")), 0.9);
  const auto& two = FindRow(rows, {{"key", "model.shared_layers"}, {"level", "2"}});
  EXPECT_EQ(two.at("configurations"), "3");
  ExpectNear(two, "mean_score", (80.1 + 80.4 + 80.7) / 3);
  const auto& one = FindRow(rows, {{"key", "model.shared_layers"}, {"level", "1"}});
  ExpectNear(one, "mean_score", (60.0 + 60.3 + 60.6) / 3);  // rung 0's score, not rung 1's 99
  EXPECT_LT(std::stod(FindRow(rows, {{"key", "model.cell"}, {"level", "gru"}}).at("epsilon_squared")), 0.05);
  EXPECT_NE(ReadText(dir_ / "report" / "index.md").find("which searched dimensions mattered"),
            std::string::npos);
}

// ASHA writes one manifest row per rung a trial reached, all served by the trial's one file: each trial must
// count once, ranked by its highest rung's dev score (not by a better score at a smaller budget).
TEST_F(SweepFixture, AshaRowsCollapseToEachTrialsHighestRung) {
  Add("search", "sA", "rung2", "ade", 0, 1, 1, 0, 1, "lstm", TrialStatus::kCompleted, 78.0, 1000);
  Add("search", "sB", "rung0", "ade", 0, 1, 2, 0, 1, "lstm", TrialStatus::kCompleted, 60.0, 2000);
  Add("search", "sC", "rung1", "ade", 0, 1, 3, 0, 1, "lstm", TrialStatus::kCompleted, 74.0, 3000);
  auto promoted = [&](size_t index, int rung, double dev_score) {
    PlannedTrial row = manifest_.trials[index];
    row.variant = "rung" + std::to_string(rung);
    row.status = TrialStatus::kPromoted;
    row.dev_score = dev_score;
    manifest_.trials.push_back(row);
  };
  promoted(0, 0, 70.0);
  promoted(0, 1, 90.0);
  promoted(2, 0, 72.0);
  WriteManifest();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  WriteReport(options);
  const auto search = ReadCsv(dir_ / "report" / "search_ade.csv");
  ASSERT_EQ(search.size(), 3u);
  EXPECT_EQ(search[0].at("config_id"), "sA");
  ExpectNear(search[0], "dev_score", 78.0);
  EXPECT_EQ(search[1].at("config_id"), "sC");
  EXPECT_EQ(search[2].at("config_id"), "sB");
  const auto progress_rows = ReadCsv(dir_ / "report" / "progress.csv");
  const auto& progress = FindRow(progress_rows, {{"Stage", "search"}});
  EXPECT_EQ(progress.at("Planned"), "3");
  EXPECT_EQ(progress.at(schema::Name(TrialStatus::kCompleted)), "3");
  EXPECT_NE(ReadText(dir_ / "report" / "progress.md").find("rung0 1 rung1 1 rung2 1"), std::string::npos);
}

TEST_F(SweepFixture, LatexIsBalancedAndEscaped) {
  BuildSweep();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput out = WriteReport(options);
  int tex_files = 0;
  for (const auto& name : out.files) {
    if (fs::path(name).extension() != ".tex") continue;
    ++tex_files;
    const std::string tex = ReadText(dir_ / "report" / name);
    std::vector<std::string> stack;
    const std::regex env(R"(\\(begin|end)\{([a-z]+)\})");
    for (auto it = std::sregex_iterator(tex.begin(), tex.end(), env); it != std::sregex_iterator(); ++it) {
      if ((*it)[1] == "begin") {
        stack.push_back((*it)[2]);
      } else {
        ASSERT_FALSE(stack.empty()) << name;
        EXPECT_EQ(stack.back(), (*it)[2]) << name;
        stack.pop_back();
      }
    }
    EXPECT_TRUE(stack.empty()) << name;
    EXPECT_NE(tex.find("\\toprule"), std::string::npos) << name;
    EXPECT_NE(tex.find("\\bottomrule"), std::string::npos) << name;
    // Every _, %, & in text is escaped: outside \label{...} no bare one remains (& as column separator is
    // written " & ", so check for a letter-adjacent one).
    std::istringstream lines(tex);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("%", 0) == 0 || line.rfind("\\label", 0) == 0) continue;
      for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '_' || line[i] == '%' || line[i] == '#') {
          EXPECT_TRUE(i > 0 && line[i - 1] == '\\') << name << ": unescaped '" << line[i] << "' in: " << line;
        }
      }
    }
    EXPECT_EQ(tex.find("±"), std::string::npos) << name;
  }
  EXPECT_GE(tex_files, 4);
  const std::string hyper = ReadText(dir_ / "report" / "hyperparameters.tex");
  EXPECT_NE(hyper.find("model.shared\\_layers"), std::string::npos);
  EXPECT_NE(ReadText(dir_ / "report" / "results.tex").find("$\\pm$"), std::string::npos);
}

TEST(LatexEscapeTest, EscapesSpecialCharacters) {
  EXPECT_EQ(LatexEscape("a_b 5% R&D #1 $x {y} ~ ^ \\"),
            "a\\_b 5\\% R\\&D \\#1 \\$x \\{y\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}");
  EXPECT_EQ(LatexEscape("1.0 ± 0.5"), "1.0 $\\pm$ 0.5");
}

TEST_F(SweepFixture, CorruptTrialFileIsSkippedWithAWarningNamingIt) {
  BuildSweep();
  const fs::path corrupt = dir_ / "trials" / "t0.h5";
  fs::resize_file(corrupt, fs::file_size(corrupt) / 2);
  {
    std::ofstream garbage(dir_ / "trials" / "zz-garbage.h5");
    garbage << "not hdf5 at all";
  }
  std::ofstream(dir_ / "trials" / "t1.h5.tmp") << "a killed writer's leftover";
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput out = WriteReport(options);
  int named = 0;
  for (const auto& w : out.warnings) {
    if (w.find(corrupt.string()) != std::string::npos) ++named;
    if (w.find("zz-garbage.h5") != std::string::npos) ++named;
    EXPECT_EQ(w.find("t1.h5.tmp"), std::string::npos) << w;
  }
  EXPECT_EQ(named, 2);
  // The corrupt search trial no longer counts as completed.
  const auto search = ReadCsv(dir_ / "report" / "search_ade.csv");
  EXPECT_EQ(search.size(), 3u);  // sA still has its manifest dev score; its file is gone
  const auto progress = ReadCsv(dir_ / "report" / "progress.csv");
  const auto& row = FindRow(progress, {{"Stage", "search"}});
  // 5 completed search trials, one file unreadable.
  EXPECT_EQ(row.at(schema::Name(TrialStatus::kCompleted)), "4");
  EXPECT_NE(ReadText(dir_ / "report" / "index.md").find("zz-garbage.h5"), std::string::npos);
}

// Inverts 32 bytes of the first chunk of `dataset` in an HDF5 file: damaged raw data, which only the
// chunk's checksum reveals.
void DamageFirstChunk(const fs::path& path, const char* dataset) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0) << path;
  const hid_t dset = H5Dopen2(file, dataset, H5P_DEFAULT);
  ASSERT_GE(dset, 0) << dataset;
  hsize_t offset[1] = {0};
  unsigned mask = 0;
  haddr_t address = HADDR_UNDEF;
  hsize_t size = 0;
  const hid_t space = H5Dget_space(dset);
  EXPECT_GE(H5Dget_chunk_info(dset, space, 0, offset, &mask, &address, &size), 0) << dataset;
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  ASSERT_GE(size, 40u);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes(32, '\0');
  f.seekg(static_cast<std::streamoff>(address + 8));
  f.read(bytes.data(), 32);
  for (char& b : bytes) b = static_cast<char>(~b);
  f.seekp(static_cast<std::streamoff>(address + 8));
  f.write(bytes.data(), 32);
  ASSERT_TRUE(f) << path;
}

TEST_F(SweepFixture, TrialFileWithDamagedDataIsSkippedWithAWarningNamingIt) {
  BuildSweep();
  const fs::path damaged = dir_ / "trials" / "t1.h5";  // search sB, completed: the best dev score
  DamageFirstChunk(damaged, schema::kThetaCurveDataset);
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput out = WriteReport(options);
  int named = 0;
  for (const auto& w : out.warnings) {
    if (w.find(damaged.string()) != std::string::npos && w.find("/theta_curve") != std::string::npos) ++named;
  }
  EXPECT_EQ(named, 1);
  const auto progress = ReadCsv(dir_ / "report" / "progress.csv");
  const auto& row = FindRow(progress, {{"Stage", "search"}});
  EXPECT_EQ(row.at(schema::Name(TrialStatus::kCompleted)), "4");
  EXPECT_EQ(row.at("unreadable"), "1");
}

// Issue 28: files written before text checksums still count, and one warning says how many there are.
TEST_F(SweepFixture, FilesWrittenBeforeTextChecksumsAreCountedInOneWarning) {
  BuildSweep();
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "trials"))
    files += entry.path().extension() == ".h5";
  for (const fs::path path : {dir_ / "trials" / "t0.h5", dir_ / "trials" / "t1.h5", dir_ / "sweep.h5"}) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0) << path;
    EXPECT_GE(H5Ldelete(file, schema::kTextChecksumsDataset, H5P_DEFAULT), 0) << path;
    H5Fclose(file);
  }
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput out = WriteReport(options);
  const std::string expected = (dir_ / "sweep.h5").string() + " and 2 of " + std::to_string(files) +
                               " trial files in " + (dir_ / "trials").string() +
                               ": written before text checksums";
  int named = 0;
  for (const auto& w : out.warnings) named += w.find(expected) != std::string::npos;
  EXPECT_EQ(named, 1) << ::testing::PrintToString(out.warnings);
  EXPECT_EQ(FindRow(ReadCsv(dir_ / "report" / "progress.csv"), {{"Stage", "search"}}).at("unreadable"), "0");
}

// Issue 28: the parameter count depends on each fold's vocabulary. With fold 0's final trial unreadable the
// table showed fold 1's count as the configuration's; now it shows the range over the readable runs and a
// note gives each count with its folds and names the run that gave none.
TEST_F(SweepFixture, HyperparameterTableShowsEveryFoldsParameterCountAndItsRuns) {
  const long long counts[] = {18103, 18135, 18120, 18135};
  for (int fold = 0; fold < 4; ++fold)
    Add("final", "fP", "", "ade", fold, 1, 2, 1, 1, "gru", TrialStatus::kCompleted, 80, counts[fold]);
  WriteManifest();
  DamageFirstChunk(dir_ / "trials" / "t0.h5", schema::kThetaCurveDataset);  // fold 0's file, unreadable
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  WriteReport(options);
  const auto hyper = ReadCsv(dir_ / "report" / "hyperparameters.csv");
  EXPECT_EQ(FindRow(hyper, {{"key", "trainable_parameters"}}).at("ade"), "18120-18135");
  const std::string md = ReadText(dir_ / "report" / "hyperparameters.md");
  EXPECT_NE(md.find("18120–18135"), std::string::npos) << md;
  EXPECT_NE(
      md.find("Trainable parameters, ade: 18120 (fold 2), 18135 (folds 1, 3); none from fold 0 (trial t0: "
              "trial file unreadable)."),
      std::string::npos)
      << md;
}

// Where failures happened: the manifest's attempt history names the hosts, and the progress table says which
// host holds the failed attempts and the failed trials (a bad node stands out).
TEST_F(SweepFixture, ProgressNamesTheHostsOfFailedAttemptsAndTrials) {
  BuildSweep();
  const schema::PlannedTrial* failed = nullptr;
  for (const auto& row : manifest_.trials)
    if (row.status == TrialStatus::kFailed && row.stage == "search") failed = &row;
  ASSERT_NE(failed, nullptr);
  manifest_.attempts.push_back(
      {failed->trial_id, "search", "", 1, 2, "node-b", 11, "", 0.1, "infrastructure", "x"});
  manifest_.attempts.push_back({failed->trial_id, "search", "", 2, 1, "node-a", 12, "", 3.0, "crashed", "y"});
  manifest_.attempts.push_back({"other", "search", "", 1, 2, "node-b", 13, "", 0.1, "infrastructure", "x"});
  manifest_.attempts.push_back({"third", "search", "", 1, 1, "node-a", 14, "", 9.0, "completed", ""});
  WriteManifest();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  WriteReport(options);
  const std::string progress = ReadText(dir_ / "report" / "progress.md");
  EXPECT_NE(
      progress.find("Attempts that did not complete, by host: node-a (1 crashed) node-b (2 infrastructure)."),
      std::string::npos)
      << progress;
  EXPECT_NE(progress.find("Failed trials by the host of their last attempt: node-a 1"), std::string::npos)
      << progress;
}

// Warnings that contain every one of `parts`.
int WarningsNaming(const ReportOutput& out, const std::vector<std::string>& parts) {
  int n = 0;
  for (const auto& w : out.warnings) {
    bool all = true;
    for (const auto& p : parts) all = all && w.find(p) != std::string::npos;
    n += all ? 1 : 0;
  }
  return n;
}

TEST_F(SweepFixture, TrialFileOfAnotherTrialIsSkippedWithAWarningNamingBoth) {
  BuildSweep();
  // Final ADE, config fA: t6 is fold 0, t7 fold 1, t8 fold 2 (all completed). A fold-1 file copied over
  // fold 0's, and fold 2's file rewritten with another seed.
  const fs::path trials = dir_ / "trials";
  fs::copy_file(trials / "t7.h5", trials / "t6.h5", fs::copy_options::overwrite_existing);
  TrialFile t8 = schema::ReadTrialFile((trials / "t8.h5").string(), true);
  t8.seed = 99;
  schema::WriteTrialFile((trials / "t8.h5").string(), t8);

  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput out = WriteReport(options);
  const std::string manifest = (dir_ / "sweep.h5").string();
  EXPECT_EQ(WarningsNaming(out, {(trials / "t6.h5").string(), "t7", manifest, "t6"}), 1);
  EXPECT_EQ(WarningsNaming(out, {(trials / "t8.h5").string(), "seed 99", manifest, "seed 1"}), 1);

  // Neither counts: 6 of fA's 10 folds, not "8/10 folds".
  const auto results = ReadCsv(dir_ / "report" / "results.csv");
  const auto& ade = FindRow(results, {{"dataset", "ade"}, {"averaging", "macro"}, {"source", "this sweep"}});
  EXPECT_EQ(ade.at("completed"), "6");
  const Expected all = Over("final", "fA", "", NerF1Macro);
  ASSERT_EQ(all.n, 8);
  Expected kept;
  for (int t = 9; t <= 13; ++t) kept.Add(NerF1Macro(completed_.at("t" + std::to_string(t))));
  kept.Add(NerF1Macro(completed_.at("t7")));  // t7 counts once, by its own file
  ExpectNear(ade, "ner_f1_mean", kept.Mean());

  const auto progress = ReadCsv(dir_ / "report" / "progress.csv");
  const auto& row = FindRow(progress, {{"Stage", "final"}});
  EXPECT_EQ(row.at(schema::Name(TrialStatus::kCompleted)), "13");  // 15 completed, 2 files not theirs
  EXPECT_EQ(row.at("unreadable"), "2");
}

TEST_F(SweepFixture, DeletedFileOfACompletedTrialShowsAsMissing) {
  BuildSweep();
  const fs::path deleted = dir_ / "trials" / "t6.h5";  // final, ADE, fA fold 0: completed in the manifest
  fs::remove(deleted);
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  const ReportOutput out = WriteReport(options);
  EXPECT_EQ(WarningsNaming(out, {deleted.string(), "missing"}), 1);
  const auto progress = ReadCsv(dir_ / "report" / "progress.csv");
  const auto& row = FindRow(progress, {{"Stage", "final"}});
  EXPECT_EQ(row.at(schema::Name(TrialStatus::kCompleted)), "14");
  ASSERT_TRUE(row.count("missing"));
  EXPECT_EQ(row.at("missing"), "1");
  EXPECT_EQ(row.at("not started"), std::to_string(1 + 8));  // fA fold 9, fA2 folds 2..9
  const auto results = ReadCsv(dir_ / "report" / "results.csv");
  EXPECT_EQ(FindRow(results, {{"dataset", "ade"}, {"averaging", "macro"}, {"source", "this sweep"}})
                .at("completed"),
            "7");
}

TEST(ReportTest, RefusesADirectoryWithoutManifest) {
  const fs::path dir = fs::temp_directory_path() / ("dts-report-nosweep-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ReportOptions options;
  options.sweep_dir = dir.string();
  try {
    WriteReport(options);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": not a sweep directory (no sweep.h5)");
  }
  EXPECT_FALSE(fs::exists(dir / "report"));
  fs::remove_all(dir);
}

TEST_F(SweepFixture, ReferenceRowsAreMatchedAndCited) {
  BuildSweep();
  const fs::path refs = dir_ / "refs.csv";
  std::ofstream(refs)
      << "# comment\n"
         "dataset,system,averaging,ner_precision,ner_recall,ner_f1,re_precision,re_recall,re_f1,source\n"
         "CoNLL04,Paper A,micro,,,89.78,,,71.08,\"Author, Title (2020), Table 2\"\n"
         "ADE,Paper A,macro,,,89.48,,,83.74,\"Author, Title (2020), Table 2\"\n"
         "ADE,Paper A,micro,,,1,,,1,wrong averaging: not shown\n";
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  options.reference_files = {refs.string()};
  WriteReport(options);
  const auto rows = ReadCsv(dir_ / "report" / "results.csv");
  const auto& ade = FindRow(rows, {{"dataset", "ade"}, {"system", "Paper A"}});
  ExpectNear(ade, "mean_f1_mean", (89.48 + 83.74) / 2);
  EXPECT_EQ(ade.at("source"), "Author, Title (2020), Table 2");
  int paper_rows = 0;
  for (const auto& row : rows) paper_rows += row.at("system") == "Paper A";
  EXPECT_EQ(paper_rows, 2);

  std::ofstream(refs) << "dataset,system,averaging,ner_f1,re_f1,source\nADE,X,macro,abc,1,s\n";
  EXPECT_THROW(WriteReport(options), InputError);
}

// A browser on PATH for the rendering check, "" when there is none.
std::string FindChromium() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      const fs::path candidate = fs::path(dir) / name;
      if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return "";
}

TEST_F(SweepFixture, PlotsAreRenderedWhenGnuplotIsAvailable) {
  BuildSweep();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.significance.bootstrap_resamples = 200;
  options.significance.randomization_rounds = 100;
  const ReportOutput out = WriteReport(options);
  const fs::path report = dir_ / "report";
  for (const char* file : {"search_ade.gp", "theta_ade.dat", "ablation_conll04.gp", "ablation_conll04.dat",
                           "learning_ade.gp", "learning_conll04.dat", "index.html"})
    EXPECT_TRUE(fs::exists(report / file)) << file;
  // The search plot: one row of panels per cell type, its key below the panels (screen coordinates), never
  // inside a data area.
  const std::string search_gp = ReadText(report / "search_ade.gp");
  EXPECT_NE(search_gp.find("set multiplot layout 2,3"), std::string::npos) << search_gp;
  EXPECT_NE(search_gp.find("set key at screen 0.5, screen 0.01"), std::string::npos);
  EXPECT_EQ(search_gp.find("set key bottom right"), std::string::npos);
  // The learning curves: mean and band over the final runs' per-epoch rows.
  EXPECT_NE(ReadText(report / "learning_ade.dat").find("\n1 8 "), std::string::npos);  // epoch 1, 8 runs

  bool gnuplot_warning = false;
  for (const auto& w : out.warnings)
    gnuplot_warning = gnuplot_warning || w.find("gnuplot") != std::string::npos;
  if (gnuplot_warning) GTEST_SKIP() << "gnuplot not installed";
  for (const char* stem : {"search_ade", "theta_ade", "search_conll04", "ablation_conll04", "learning_ade"}) {
    const std::string svg = std::string(stem) + ".svg", png = std::string(stem) + ".png";
    ASSERT_TRUE(fs::exists(report / svg)) << svg;
    EXPECT_NE(ReadText(report / svg).find("<svg"), std::string::npos) << svg;
    ASSERT_TRUE(fs::exists(report / png)) << png << " (gnuplot's pngcairo terminal)";
    EXPECT_EQ(ReadText(report / png).substr(1, 3), "PNG") << png;
  }
  const std::string index = ReadText(report / "index.md");
  EXPECT_NE(index.find("(search_ade.svg)"), std::string::npos);
  EXPECT_NE(index.find("(ablation_conll04.svg)"), std::string::npos);
  EXPECT_NE(index.find("(learning_ade.png)"), std::string::npos);

  // index.html is self-contained: every image inline as a data: URI, nothing fetched from elsewhere.
  const std::string html = ReadText(report / "index.html");
  std::size_t images = 0;
  for (std::size_t at = html.find("<img src=\""); at != std::string::npos;
       at = html.find("<img src=\"", at + 1)) {
    ++images;
    EXPECT_EQ(html.compare(at + 10, 5, "data:"), 0) << html.substr(at, 60);
  }
  EXPECT_GE(images, 6u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("<table>"), std::string::npos);
}

// index.html renders in a browser: headless Chromium takes a screenshot of the copied report folder.
TEST_F(SweepFixture, IndexHtmlRendersInHeadlessChromium) {
  const std::string chromium = FindChromium();
  if (chromium.empty())
    GTEST_SKIP() << "no chromium, chromium-browser or google-chrome on PATH: index.html not rendered";
  BuildSweep();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.significance.bootstrap_resamples = 100;
  options.significance.randomization_rounds = 50;
  WriteReport(options);
  // Copy the page alone elsewhere: it must not need the files beside it.
  const fs::path copy = dir_ / "copied";
  fs::create_directories(copy);
  fs::copy_file(dir_ / "report" / "index.html", copy / "index.html");
  const fs::path shot = dir_ / "screenshot.png";
  const std::string command =
      "timeout 120 '" + chromium +
      "' --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 "
      "--screenshot='" +
      shot.string() + "' 'file://" + (copy / "index.html").string() + "' > '" +
      (dir_ / "chromium.log").string() + "' 2>&1";
  const int rc = std::system(command.c_str());
  ASSERT_EQ(rc, 0) << command << "\n" << ReadText(dir_ / "chromium.log");
  ASSERT_TRUE(fs::exists(shot)) << ReadText(dir_ / "chromium.log");
  const std::string png = ReadText(shot);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_GT(png.size(), 20000u) << "a near-empty screenshot: "
                                << shot;  // text, tables and plots, not a blank page
}

}  // namespace
}  // namespace dts::reports
