// The ablation table's significance columns, recomputed from the trial files without the report's code path:
// this test builds a small sweep whose predictions carry gold annotations, runs the report, then reads the
// trial files back itself, pairs the runs, counts each sentence's matches with its own code and calls the
// statistics of stats/significance.h directly. Every p-value and CI in ablation.csv must agree.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "reports/references.h"
#include "reports/report.h"
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
using Json = nlohmann::json;

using namespace synthetic;  // NOLINT: the test data of synthetic_sweep.h

class SignificanceReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dts-report-significance-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "trials");
  }
  void TearDown() override {
    if (std::getenv("DTS_KEEP_TEST_OUTPUT") == nullptr) fs::remove_all(dir_);
  }

  void AddRun(const DatasetSpec& d, const std::string& variant, int shared, int ner, int re, int fold,
              int seed, double quality) {
    const int index = static_cast<int>(manifest_.trials.size());
    schema::PlannedTrial plan;
    plan.trial_id = "t" + std::to_string(index);
    plan.stage = "ablation";
    plan.config_id = d.name + "-" + variant;
    plan.variant = variant;
    plan.fold = fold;
    plan.seed = static_cast<std::uint64_t>(seed);
    plan.status = schema::TrialStatus::kCompleted;
    plan.dev_score = 50;
    std::ostringstream ini;
    ini << "[data]\nfold = " << fold << "\nfolds = 4\nformat = " << d.name << "\npath = corpora/" << d.name
        << "\n\n[model]\ncell = lstm\nner_layers = " << ner << "\nre_layers = " << re
        << "\nshared_layers = " << shared << "\n\n[train]\nseed = " << seed << "\n";
    plan.config_ini = ini.str();
    manifest_.trials.push_back(plan);

    std::vector<Sentence> sentences = GoldSentences(d, fold);
    // Each run its own draw: seed and fold vary the predictions of one system.
    Predict(sentences, d.entity_types, quality, 1000003ull * static_cast<std::uint64_t>(index + 1));
    schema::TrialFile t;
    t.trial_id = plan.trial_id;
    t.status = schema::TrialStatus::kCompleted;
    t.config_ini = plan.config_ini;
    t.stage = plan.stage;
    t.variant = variant;
    t.config_id = plan.config_id;
    t.dataset = d.name;
    t.fold = fold;
    t.seed = plan.seed;
    t.trainable_parameters = 1000 * shared + 100 * ner + 10 * re;
    Counts ner_counts, re_counts;
    for (const auto& s : sentences) {
      CountSentence(s, ner_counts, re_counts);
      t.predictions.push_back(PredictionLine(s));
    }
    t.test = schema::SplitMetrics{Metrics(ner_counts, d.entity_types), Metrics(re_counts, d.relation_types)};
    schema::WriteTrialFile((dir_ / "trials" / (plan.trial_id + ".h5")).string(), t);
  }

  void BuildSweep() {
    // ADE, 4 folds x 1 seed: no_ner_specific barely differs, no_re_specific is clearly worse.
    for (int fold = 0; fold < 4; ++fold) {
      AddRun(kAde, "baseline", 1, 1, 1, fold, 1, 0.85);
      AddRun(kAde, "no_ner_specific", 1, 0, 1, fold, 1, 0.84);
      AddRun(kAde, "no_re_specific", 1, 1, 0, fold, 1, 0.55);
    }
    // CoNLL04, fixed split, 4 seeds; one no_task_specific seed never ran (3 pairs).
    for (int seed = 1; seed <= 4; ++seed) {
      AddRun(kConll, "baseline", 2, 1, 1, 0, seed, 0.8);
      if (seed != 4) AddRun(kConll, "no_task_specific", 2, 0, 0, 0, seed, 0.6);
    }
    manifest_.sweep_name = "significance";
    manifest_.status = schema::TrialStatus::kCompleted;
    manifest_.dts_version = "test";
    schema::WriteSweepManifest((dir_ / "sweep.h5").string(), manifest_);
  }

  fs::path dir_;
  schema::SweepManifest manifest_;
};

// One CSV row's expected figures, computed here from the trial files.
struct Expected {
  double delta_ci_low, delta_ci_high, paired_delta, t, p, ar_p, ar_delta;
};

TEST_F(SignificanceReportTest, AblationCsvMatchesStatisticsRecomputedFromTrialFiles) {
  BuildSweep();
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  options.significance.bootstrap_resamples = 3000;
  options.significance.randomization_rounds = 999;
  options.significance.seed = 42;
  WriteReport(options);
  const auto rows = ReadCsv(dir_ / "report" / "ablation.csv");
  ASSERT_EQ(rows.size(), 3u + 2u * 2u);  // ADE macro: 3 variants; CoNLL04 micro and macro: 2 each

  // The trial files, read back: dataset -> variant -> (fold, seed) -> file.
  std::map<std::string, std::map<std::string, std::map<std::pair<int, std::uint64_t>, schema::TrialFile>>>
      runs;
  for (const auto& entry : fs::directory_iterator(dir_ / "trials")) {
    schema::TrialFile t = schema::ReadTrialFile(entry.path().string());
    runs[t.dataset][t.variant][{t.fold, t.seed}] = t;
  }
  ASSERT_EQ(runs["ade"]["baseline"].size(), 4u);
  ASSERT_EQ(runs["conll04"]["no_task_specific"].size(), 3u);

  // n_test / n_train for ADE from the fold sizes (every fold's prediction count; n_train = the other folds).
  std::map<int, double> fold_size;
  double total = 0;
  for (const auto& [key, t] : runs["ade"]["baseline"]) {
    fold_size[key.first] = static_cast<double>(t.predictions.size());
    total += fold_size[key.first];
  }
  EXPECT_EQ(total, 15 + 17 + 19 + 21);

  struct RowKey {
    std::string dataset, variant, averaging;
  };
  const std::vector<RowKey> compared = {{"ade", "no_ner_specific", "macro"},
                                        {"ade", "no_re_specific", "macro"},
                                        {"conll04", "no_task_specific", "micro"},
                                        {"conll04", "no_task_specific", "macro"}};
  const char* const metrics[] = {"ner_f1", "re_f1", "mean_f1"};
  std::map<std::string, std::vector<Expected>> expected;  // metric -> per compared row
  for (const auto& key : compared) {
    const bool micro = key.averaging == "micro";
    const bool cv = key.dataset == "ade";
    const auto& base = runs[key.dataset]["baseline"];
    const auto& variant = runs[key.dataset][key.variant];
    // Pairs by (fold, seed), ascending (the std::map order).
    std::vector<const schema::TrialFile*> pa, pb;
    for (const auto& [k, t] : base) {
      if (variant.count(k)) {
        pa.push_back(&t);
        pb.push_back(&variant.at(k));
      }
    }
    double n_test = 0, n_train = 0;
    for (const auto* t : pa) {
      n_test += fold_size[t->fold];
      n_train += total - fold_size[t->fold];
    }
    const double ratio = n_test / n_train;

    // Sentence counts from the stored JSON lines, numbered NER types then RE types, sorted by name.
    struct Parsed {
      Counts ner, re;
    };
    std::vector<std::pair<Parsed, Parsed>> sentence_counts;
    std::set<std::string> ner_types, re_types;
    for (std::size_t i = 0; i < pa.size(); ++i) {
      ASSERT_EQ(pa[i]->predictions.size(), pb[i]->predictions.size());
      for (std::size_t s = 0; s < pa[i]->predictions.size(); ++s) {
        std::pair<Parsed, Parsed> both;
        for (int side = 0; side < 2; ++side) {
          const Json line = Json::parse((side == 0 ? pa : pb)[i]->predictions[s]);
          const auto read = [](const Json& j) {
            Side out;
            for (const auto& e : j.at("entities")) out.entities.emplace_back(e["start"], e["end"], e["type"]);
            for (const auto& r : j.at("relations"))
              out.relations.emplace_back(r["type"], r["head"], r["tail"]);
            return out;
          };
          Sentence sentence{line["id"], read(line["gold"]), read(line)};
          Parsed& p = side == 0 ? both.first : both.second;
          CountSentence(sentence, p.ner, p.re);
          for (const auto& [type, c] : p.ner) ner_types.insert(type);
          for (const auto& [type, c] : p.re) re_types.insert(type);
        }
        sentence_counts.push_back(both);
      }
    }
    std::map<std::string, int> index;
    for (const auto& type : ner_types) index.emplace("ner:" + type, static_cast<int>(index.size()));
    for (const auto& type : re_types) index.emplace("re:" + type, static_cast<int>(index.size()));
    const int n_ner = static_cast<int>(ner_types.size()), n_types = static_cast<int>(index.size());
    std::vector<SentencePair> sentences;
    for (const auto& [a, b] : sentence_counts) {
      SentencePair pair;
      for (const auto* side : {&a, &b}) {
        auto& out = side == &a ? pair.a : pair.b;
        for (const auto& [type, c] : side->ner) out.push_back({index.at("ner:" + type), c[0], c[1], c[2]});
        for (const auto& [type, c] : side->re) out.push_back({index.at("re:" + type), c[0], c[1], c[2]});
      }
      sentences.push_back(pair);
    }

    const F1Averaging averaging = micro ? F1Averaging::kMicro : F1Averaging::kMacro;
    const std::vector<std::vector<F1Part>> parts = {{{0, n_ner, averaging}},
                                                    {{n_ner, n_types, averaging}},
                                                    {{0, n_ner, averaging}, {n_ner, n_types, averaging}}};
    for (int m = 0; m < 3; ++m) {
      std::vector<double> a, b;
      for (std::size_t i = 0; i < pa.size(); ++i) {
        const auto score = [&](const schema::TrialFile& t) {
          const double ner = micro ? t.test->ner.scores.f1_micro : t.test->ner.scores.f1_macro;
          const double re = micro ? t.test->re.scores.f1_micro : t.test->re.scores.f1_macro;
          return m == 0 ? ner : m == 1 ? re : (ner + re) / 2;
        };
        a.push_back(score(*pa[i]));
        b.push_back(score(*pb[i]));
      }
      const auto test = cv ? CorrectedResampledTTest(a, b, ratio) : PairedTTest(a, b);
      const auto ci = PairedBootstrapCi(a, b, {3000, 0.95, 42});
      const auto ar = ApproximateRandomizationF1(sentences, n_types, parts[m], {999, 42});
      ASSERT_TRUE(test && ci);
      expected[metrics[m]].push_back(
          {ci->low, ci->high, ci->mean_difference, test->t, test->p, ar.p, ar.difference});
    }
  }

  // Holm over the four comparison rows, per metric and test, and the comparison with the CSV.
  int significant_rows = 0;
  for (const char* metric : metrics) {
    std::vector<std::optional<double>> p_t, p_ar;
    for (const auto& e : expected[metric]) {
      p_t.push_back(e.p);
      p_ar.push_back(e.ar_p);
    }
    const auto holm_t = HolmAdjust(p_t), holm_ar = HolmAdjust(p_ar);
    for (std::size_t i = 0; i < compared.size(); ++i) {
      const std::string m = metric;
      const auto& key = compared[i];
      const auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& row) {
        return row.at("dataset") == key.dataset && row.at("variant") == key.variant &&
               row.at("averaging") == key.averaging;
      });
      ASSERT_NE(it, rows.end()) << key.dataset << " " << key.variant;
      const auto& row = *it;
      const Expected& e = expected[metric][i];
      SCOPED_TRACE(key.dataset + " " + key.variant + " " + key.averaging + " " + m);
      EXPECT_NEAR(Number(row, m + "_ci_low"), e.delta_ci_low, 1e-9);
      EXPECT_NEAR(Number(row, m + "_ci_high"), e.delta_ci_high, 1e-9);
      EXPECT_NEAR(Number(row, m + "_paired_delta"), e.paired_delta, 1e-9);
      EXPECT_NEAR(Number(row, m + "_t"), e.t, 1e-9);
      EXPECT_NEAR(Number(row, m + "_p"), e.p, 1e-12);
      EXPECT_NEAR(Number(row, m + "_p_holm"), *holm_t[i], 1e-12);
      EXPECT_NEAR(Number(row, m + "_ar_p"), e.ar_p, 1e-12);
      EXPECT_NEAR(Number(row, m + "_ar_delta"), e.ar_delta, 1e-9);
      EXPECT_NEAR(Number(row, m + "_ar_p_holm"), *holm_ar[i], 1e-12);
      EXPECT_EQ(row.at(m + "_significant"), *holm_t[i] < 0.05 ? "1" : "0");
      EXPECT_EQ(row.at(m + "_ar_significant"), *holm_ar[i] < 0.05 ? "1" : "0");
      significant_rows += *holm_ar[i] < 0.05;
    }
  }
  EXPECT_GT(significant_rows, 0);  // the clearly worse variant shows up

  const auto& ade = *std::find_if(rows.begin(), rows.end(),
                                  [](const auto& r) { return r.at("variant") == "no_re_specific"; });
  EXPECT_EQ(ade.at("test"), "corrected_resampled_t");
  EXPECT_EQ(ade.at("ratio_source"), "prediction counts");
  EXPECT_EQ(ade.at("pairs"), "4");
  EXPECT_EQ(ade.at("ar_sentences"), std::to_string(15 + 17 + 19 + 21));
  const auto& conll = *std::find_if(rows.begin(), rows.end(),
                                    [](const auto& r) { return r.at("variant") == "no_task_specific"; });
  EXPECT_EQ(conll.at("test"), "paired_t");
  EXPECT_EQ(conll.at("pairs"), "3");
  EXPECT_EQ(conll.at("test_train_ratio"), "");
  const auto& baseline =
      *std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.at("variant") == "baseline"; });
  EXPECT_EQ(baseline.at("re_f1_p"), "");

  // Markdown and LaTeX show the interval and the markers.
  std::ifstream md_in(dir_ / "report" / "ablation.md");
  const std::string md((std::istreambuf_iterator<char>(md_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("[95% CI]"), std::string::npos) << md;
  EXPECT_NE(md.find("‡"), std::string::npos) << md;
  EXPECT_NE(md.find("Nadeau and Bengio 2003"), std::string::npos);
  std::ifstream tex_in(dir_ / "report" / "ablation.tex");
  const std::string tex((std::istreambuf_iterator<char>(tex_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(tex.find("\\textsuperscript{\\ddag}"), std::string::npos);
  EXPECT_EQ(tex.find("‡"), std::string::npos);
}

// Issue 28: one changed byte in one stored prediction moved the sentence-level p-values silently. Now the
// trial file is set aside with a warning naming it and /predictions, and every ablation figure is the one
// computed without that trial (here: the same sweep with the file removed).
TEST_F(SignificanceReportTest, DamagedPredictionTextSetsTheTrialAsideWithAWarning) {
  BuildSweep();
  const fs::path without = dir_.string() + "-without";
  fs::remove_all(without);
  fs::copy(dir_, without, fs::copy_options::recursive);
  // An ADE no_re_specific run (fold 0): its first prediction's first predicted entity starts elsewhere.
  const std::string trial_id = "t2";
  const fs::path damaged = dir_ / "trials" / (trial_id + ".h5");
  ASSERT_EQ(schema::ReadTrialFile(damaged.string()).variant, "no_re_specific");
  fs::remove(without / "trials" / (trial_id + ".h5"));
  std::string bytes;
  {
    std::ifstream in(damaged, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string line = schema::ReadTrialFile(damaged.string()).predictions.front();
  const std::size_t at = bytes.find(line);
  ASSERT_NE(at, std::string::npos);
  const std::size_t digit = line.find("\"start\":") + 8;
  ASSERT_TRUE(std::isdigit(static_cast<unsigned char>(line[digit]))) << line;
  bytes[at + digit] = line[digit] == '9' ? '8' : static_cast<char>(line[digit] + 1);
  {
    std::ofstream out(damaged, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  const auto report = [](const fs::path& dir) {
    ReportOptions options;
    options.sweep_dir = dir.string();
    options.plots = false;
    options.significance.bootstrap_resamples = 500;
    options.significance.randomization_rounds = 199;
    options.significance.seed = 42;
    return WriteReport(options);
  };
  const ReportOutput out = report(dir_);
  int named = 0;
  for (const auto& w : out.warnings)
    named += w.find(damaged.string()) != std::string::npos && w.find("/predictions") != std::string::npos;
  EXPECT_EQ(named, 1) << ::testing::PrintToString(out.warnings);
  report(without);
  const auto rows = ReadCsv(dir_ / "report" / "ablation.csv");
  const auto expected = ReadCsv(without / "report" / "ablation.csv");
  ASSERT_EQ(rows.size(), expected.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].at("dataset") + " " + rows[i].at("variant") + " " + rows[i].at("averaging"));
    EXPECT_EQ(rows[i], expected[i]);
  }
  const auto& ade = *std::find_if(rows.begin(), rows.end(),
                                  [](const auto& r) { return r.at("variant") == "no_re_specific"; });
  EXPECT_EQ(ade.at("pairs"), "3");  // fold 0 set aside
  fs::remove_all(without);
}

// Predictions without gold: the run-level figures stay, the sentence-level ones are empty with a reason.
TEST_F(SignificanceReportTest, PredictionsWithoutGoldGiveNoSentenceLevelTest) {
  BuildSweep();
  for (const auto& entry : fs::directory_iterator(dir_ / "trials")) {
    schema::TrialFile t = schema::ReadTrialFile(entry.path().string());
    for (auto& line : t.predictions) {
      Json j = Json::parse(line);
      j.erase("gold");
      line = j.dump();
    }
    schema::WriteTrialFile(entry.path().string(), t);
  }
  ReportOptions options;
  options.sweep_dir = dir_.string();
  options.plots = false;
  options.significance.bootstrap_resamples = 200;
  options.significance.randomization_rounds = 99;
  WriteReport(options);
  const auto rows = ReadCsv(dir_ / "report" / "ablation.csv");
  const auto& row = *std::find_if(rows.begin(), rows.end(),
                                  [](const auto& r) { return r.at("variant") == "no_re_specific"; });
  EXPECT_FALSE(row.at("re_f1_p").empty());
  EXPECT_FALSE(row.at("re_f1_ci_low").empty());
  EXPECT_EQ(row.at("re_f1_ar_p"), "");
  EXPECT_NE(row.at("ar_missing").find("no \"gold\" annotation"), std::string::npos) << row.at("ar_missing");
  std::ifstream md_in(dir_ / "report" / "ablation.md");
  const std::string md((std::istreambuf_iterator<char>(md_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("no sentence-level test"), std::string::npos) << md;
}

}  // namespace
}  // namespace dts::reports
