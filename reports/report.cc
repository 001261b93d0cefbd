#include "reports/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "reports/config_keys.h"
#include "reports/plots.h"
#include "reports/references.h"
#include "reports/stats.h"
#include "reports/sweep_data.h"
#include "reports/table.h"

namespace dts::reports {
namespace {

namespace fs = std::filesystem;
using schema::Scores;
using schema::TrialFile;

// ---------------------------------------------------------------------------------------------------------
// Grouping

// The runs of one configuration within one stage (and one ablation variant).
struct Group {
  std::string config_id;
  std::string variant;
  std::vector<const TrialRecord*> records;

  int Planned() const { return static_cast<int>(records.size()); }
  std::vector<const TrialFile*> Completed() const {
    std::vector<const TrialFile*> done;
    for (const auto* r : records) {
      if (r->Completed()) done.push_back(&*r->file);
    }
    return done;
  }
  std::optional<double> MeanDevScore() const {
    std::vector<double> scores;
    for (const auto* r : records) {
      if (auto s = r->DevScore()) scores.push_back(*s);
    }
    if (scores.empty()) return std::nullopt;
    return Summarize(scores).mean;
  }
  const std::map<std::string, std::string>& Config() const { return records.front()->config; }
  std::string ConfigValue(const char* key) const {
    const auto& config = Config();
    const auto it = config.find(key);
    return it == config.end() ? "?" : it->second;
  }
  // Parameter count from any trial file of the group (every run of a configuration has the same).
  std::optional<std::int64_t> Parameters() const {
    for (const auto* r : records) {
      if (r->file && r->file->trainable_parameters > 0) return r->file->trainable_parameters;
    }
    return std::nullopt;
  }
  bool CrossValidated() const {
    std::set<int> folds;
    for (const auto* r : records) folds.insert(r->plan.fold);
    return folds.size() > 1;
  }
};

// Groups the records of `dataset` in `stage` by config_id (and variant), in first-seen order.
std::vector<Group> GroupRecords(const SweepData& data, const std::string& dataset, const std::string& stage,
                                bool by_variant) {
  std::vector<Group> groups;
  std::map<std::string, std::size_t> index;
  for (const auto& r : data.trials) {
    if (r.dataset != dataset || r.plan.stage != stage) continue;
    const std::string key = by_variant ? r.plan.variant : r.plan.config_id;
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, groups.size()).first;
      groups.push_back({r.plan.config_id, r.plan.variant, {}});
    }
    groups[it->second].records.push_back(&r);
  }
  return groups;
}

// The configuration a stage "selected": the best mean dev score; ties go to more completed runs.
const Group* SelectBest(const std::vector<Group>& groups) {
  const Group* best = nullptr;
  for (const auto& g : groups) {
    if (best == nullptr) {
      best = &g;
      continue;
    }
    const double a = g.MeanDevScore().value_or(-1);
    const double b = best->MeanDevScore().value_or(-1);
    if (a > b || (a == b && g.Completed().size() > best->Completed().size())) best = &g;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------
// Metrics

const Scores& TestScores(const TrialFile& t, bool ner) {
  return ner ? t.test->ner.scores : t.test->re.scores;
}

struct Averaging {
  const char* name;  // "micro" / "macro"
  double Scores::*precision;
  double Scores::*recall;
  double Scores::*f1;
};
constexpr Averaging kMicro{"micro", &Scores::precision_micro, &Scores::recall_micro, &Scores::f1_micro};
constexpr Averaging kMacro{"macro", &Scores::precision_macro, &Scores::recall_macro, &Scores::f1_macro};

// A dataset's reporting convention (the paper's): cross-validated corpora macro only, fixed splits both.
std::vector<Averaging> AveragingsFor(bool cross_validated) {
  if (cross_validated) return {kMacro};
  return {kMicro, kMacro};
}

Summary Over(const std::vector<const TrialFile*>& trials,
             const std::function<double(const TrialFile&)>& metric) {
  std::vector<double> values;
  for (const auto* t : trials) values.push_back(metric(*t));
  return Summarize(values);
}

// The scores of one configuration under one averaging, over its completed runs.
struct Aggregate {
  Summary ner_p, ner_r, ner_f1, re_p, re_r, re_f1, mean_f1;
};

Aggregate AggregateOf(const std::vector<const TrialFile*>& runs, const Averaging& a) {
  const auto get = [](bool ner, double Scores::*m) {
    return [ner, m](const TrialFile& t) { return TestScores(t, ner).*m; };
  };
  Aggregate g;
  g.ner_p = Over(runs, get(true, a.precision));
  g.ner_r = Over(runs, get(true, a.recall));
  g.ner_f1 = Over(runs, get(true, a.f1));
  g.re_p = Over(runs, get(false, a.precision));
  g.re_r = Over(runs, get(false, a.recall));
  g.re_f1 = Over(runs, get(false, a.f1));
  // The mean of NER and RE F1 per run, then averaged: its std is that of the per-run means.
  g.mean_f1 = Over(runs, [&a](const TrialFile& t) {
    return (TestScores(t, true).*a.f1 + TestScores(t, false).*a.f1) / 2;
  });
  return g;
}

// "10" when complete, else "3/10 folds".
std::string CountCell(int completed, int planned, const std::string& unit) {
  if (completed == planned) return std::to_string(completed);
  return std::to_string(completed) + "/" + std::to_string(planned) + " " + unit;
}

std::string Fixed(double value, int decimals = 2) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Signed(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%+.2f", value);
  return buffer;
}

std::string Optional(const std::optional<double>& v) { return v ? Fixed(*v) : "–"; }
std::string OptionalCsv(const std::optional<double>& v) { return v ? CsvNumber(*v) : ""; }

std::string ShortId(const std::string& id) { return id.size() > 8 ? id.substr(0, 8) : id; }

std::string FileStem(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  return out.empty() ? "unnamed" : out;
}

std::vector<std::string> Datasets(const SweepData& data) {
  std::set<std::string> names;
  for (const auto& r : data.trials) names.insert(r.dataset);
  return {names.begin(), names.end()};
}

// A table as built for display (Markdown, LaTeX) and as values (CSV).
struct ReportTable {
  Table display;
  Table values;
};

// ---------------------------------------------------------------------------------------------------------
// Tables

ReportTable ProgressTable(const SweepData& data) {
  static const char* const kStatuses[] = {"completed", "running",  "interrupted",
                                          "failed",    "diverged", "bad_config"};
  ReportTable t;
  t.display.name = t.values.name = "progress";
  t.display.title = t.values.title = "Sweep progress: trials per stage and status";
  t.display.columns = {"Stage", "Planned"};
  for (const char* s : kStatuses) t.display.columns.push_back(s);
  t.display.columns.push_back("unreadable");
  t.display.columns.push_back("not started");
  t.values.columns = t.display.columns;
  std::vector<std::string> stages;
  for (const auto& r : data.trials) {
    if (std::find(stages.begin(), stages.end(), r.plan.stage) == stages.end()) stages.push_back(r.plan.stage);
  }
  for (const auto& stage : stages) {
    std::map<std::string, int> counts;
    int planned = 0;
    for (const auto& r : data.trials) {
      if (r.plan.stage != stage) continue;
      ++planned;
      // A trial file's status wins over the manifest's, which lags behind it; a trial whose file exists but
      // cannot be read counts as neither done nor pending.
      ++counts[r.file_unreadable ? "unreadable"
               : r.file          ? r.Status()
                                 : (r.plan.status == "planned" ? "" : r.plan.status)];
    }
    std::vector<std::string> row = {stage, std::to_string(planned)};
    int listed = 0;
    for (const char* s : kStatuses) {
      row.push_back(std::to_string(counts[s]));
      listed += counts[s];
    }
    row.push_back(std::to_string(counts["unreadable"]));
    listed += counts["unreadable"];
    row.push_back(std::to_string(planned - listed));
    t.display.rows.push_back(row);
    t.values.rows.push_back(row);
  }
  if (!data.asha_highest_rung.empty()) {
    std::ostringstream note;
    note << "ASHA search: one row per trial, at the highest rung it reached (trials per rung:";
    for (const auto& [rung, trials] : data.asha_highest_rung) note << " rung" << rung << " " << trials;
    note << "); dev scores are at that rung's epoch budget.";
    t.display.notes.push_back(note.str());
  }
  return t;
}

struct DatasetSelection {
  std::string dataset;
  const Group* final_group = nullptr;  // nullptr: no final stage for this dataset
  std::vector<Group> final_groups;
};

ReportTable ResultsTable(const SweepData& data, const std::vector<DatasetSelection>& selections,
                         const std::vector<ReferenceRow>& references) {
  ReportTable t;
  t.display.name = t.values.name = "results";
  t.display.title = t.values.title =
      "Test results: precision, recall and F1 (%), mean ± sample std over runs";
  t.display.columns = {"Dataset", "System", "Avg.",  "NER P",   "NER R", "NER F1",
                       "RE P",    "RE R",   "RE F1", "Mean F1", "n"};
  t.values.columns = {"dataset", "system", "averaging", "config_id", "completed", "planned", "unit"};
  for (const char* m :
       {"ner_precision", "ner_recall", "ner_f1", "re_precision", "re_recall", "re_f1", "mean_f1"}) {
    t.values.columns.push_back(std::string(m) + "_mean");
    t.values.columns.push_back(std::string(m) + "_std");
  }
  t.values.columns.push_back("source");
  (void)data;
  for (const auto& sel : selections) {
    if (sel.final_group == nullptr) {
      t.display.notes.push_back(sel.dataset + ": no final stage in this sweep, no test results.");
      continue;
    }
    const Group& g = *sel.final_group;
    const bool cv = g.CrossValidated();
    const std::string unit = cv ? "folds" : "seeds";
    const auto runs = g.Completed();
    const std::string system = "dts (config " + ShortId(g.config_id) + ")";
    for (const auto& a : AveragingsFor(cv)) {
      const Aggregate agg = AggregateOf(runs, a);
      t.display.rows.push_back({sel.dataset, system, a.name, FormatSummary(agg.ner_p),
                                FormatSummary(agg.ner_r), FormatSummary(agg.ner_f1), FormatSummary(agg.re_p),
                                FormatSummary(agg.re_r), FormatSummary(agg.re_f1), FormatSummary(agg.mean_f1),
                                CountCell(static_cast<int>(runs.size()), g.Planned(), unit)});
      std::vector<std::string> row = {
          sel.dataset, system, a.name, g.config_id, std::to_string(runs.size()), std::to_string(g.Planned()),
          unit};
      for (const Summary* s :
           {&agg.ner_p, &agg.ner_r, &agg.ner_f1, &agg.re_p, &agg.re_r, &agg.re_f1, &agg.mean_f1}) {
        row.push_back(CsvMean(*s));
        row.push_back(CsvStd(*s));
      }
      row.push_back("this sweep");
      t.values.rows.push_back(row);
      for (const auto& ref : references) {
        if (NormalizeDatasetName(ref.dataset) != NormalizeDatasetName(sel.dataset) || ref.averaging != a.name)
          continue;
        std::optional<double> mean;
        if (ref.ner_f1 && ref.re_f1) mean = (*ref.ner_f1 + *ref.re_f1) / 2;
        t.display.rows.push_back({sel.dataset, ref.system, a.name, Optional(ref.ner_precision),
                                  Optional(ref.ner_recall), Optional(ref.ner_f1), Optional(ref.re_precision),
                                  Optional(ref.re_recall), Optional(ref.re_f1), Optional(mean), "published"});
        std::vector<std::string> ref_row = {sel.dataset, ref.system, a.name, "", "", "", "published"};
        for (const auto& v : {ref.ner_precision, ref.ner_recall, ref.ner_f1, ref.re_precision, ref.re_recall,
                              ref.re_f1, mean}) {
          ref_row.push_back(OptionalCsv(v));
          ref_row.push_back("");
        }
        ref_row.push_back(ref.source);
        t.values.rows.push_back(ref_row);
      }
    }
    if (static_cast<int>(runs.size()) < g.Planned()) {
      t.display.notes.push_back(sel.dataset + ": incomplete, " + std::to_string(runs.size()) + " of " +
                                std::to_string(g.Planned()) + " planned " + unit + " completed.");
    }
    if (sel.final_groups.size() > 1) {
      t.display.notes.push_back(sel.dataset + ": config " + ShortId(g.config_id) +
                                " has the best mean dev score of " + std::to_string(sel.final_groups.size()) +
                                " final-stage configurations.");
    }
  }
  std::set<std::string> cited;
  for (const auto& ref : references) {
    if (cited.insert(ref.system + ": " + ref.source).second)
      t.display.notes.push_back(ref.system + ": " + ref.source);
  }
  t.display.notes.push_back(
      "Mean F1 is the average of NER F1 and RE F1. Cross-validated datasets: macro scores averaged over "
      "folds; "
      "fixed splits: micro and macro averaged over seeds.");
  return t;
}

bool IsPerRunKey(const std::string& key) {
  if (key.rfind(keys::kLabelSection, 0) == 0) return true;
  for (const char* k : keys::kPerRunKeys) {
    if (key == k) return true;
  }
  return false;
}

// Keys whose value differs between the search stage's configurations of one dataset (all its stages when
// there is no search). Per dataset: a sweep over two corpora differs in data.path without searching it.
std::vector<std::string> SearchedKeys(const SweepData& data, const std::string& dataset) {
  bool has_search = false;
  for (const auto& r : data.trials)
    has_search = has_search || (r.dataset == dataset && r.plan.stage == "search");
  std::map<std::string, std::set<std::string>> values;
  for (const auto& r : data.trials) {
    if (r.dataset != dataset || (has_search && r.plan.stage != "search")) continue;
    for (const auto& [k, v] : r.config) values[k].insert(v);
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : values) {
    if (v.size() > 1 && !IsPerRunKey(k)) keys.push_back(k);
  }
  return keys;
}

ReportTable HyperparameterTable(const std::vector<DatasetSelection>& selections,
                                const std::vector<std::string>& searched) {
  ReportTable t;
  t.display.name = t.values.name = "hyperparameters";
  t.display.title = t.values.title = "Final configuration per dataset (* = varied by the search)";
  t.display.columns = {"Hyperparameter"};
  t.values.columns = {"key", "searched"};
  std::vector<const Group*> groups;
  for (const auto& sel : selections) {
    if (sel.final_group == nullptr) continue;
    groups.push_back(sel.final_group);
    t.display.columns.push_back(sel.dataset);
    t.values.columns.push_back(sel.dataset);
  }
  std::vector<std::string> rows = searched;
  std::set<std::string> main_keys;
  for (const Group* g : groups) {
    for (const auto& [k, v] : g->Config()) {
      for (const char* section : keys::kMainSections) {
        if (k.rfind(section, 0) == 0 && !IsPerRunKey(k)) main_keys.insert(k);
      }
    }
  }
  for (const auto& k : main_keys) {
    if (std::find(rows.begin(), rows.end(), k) == rows.end()) rows.push_back(k);
  }
  for (const auto& key : rows) {
    const bool is_searched = std::find(searched.begin(), searched.end(), key) != searched.end();
    std::vector<std::string> display = {key + (is_searched ? " *" : "")};
    std::vector<std::string> values = {key, is_searched ? "1" : "0"};
    for (const Group* g : groups) {
      const auto it = g->Config().find(key);
      const std::string v = it == g->Config().end() ? "" : it->second;
      display.push_back(v.empty() ? "–" : v);
      values.push_back(v);
    }
    t.display.rows.push_back(display);
    t.values.rows.push_back(values);
  }
  std::vector<std::string> params_display = {"trainable parameters"};
  std::vector<std::string> params_values = {"trainable_parameters", "0"};
  std::vector<std::string> id_display = {"config id"};
  std::vector<std::string> id_values = {"config_id", "0"};
  std::vector<std::string> dev_display = {"mean dev score"};
  std::vector<std::string> dev_values = {"mean_dev_score", "0"};
  for (const Group* g : groups) {
    const auto p = g->Parameters();
    params_display.push_back(p ? std::to_string(*p) : "–");
    params_values.push_back(p ? std::to_string(*p) : "");
    id_display.push_back(ShortId(g->config_id));
    id_values.push_back(g->config_id);
    const auto dev = g->MeanDevScore();
    dev_display.push_back(dev ? Fixed(*dev) : "–");
    dev_values.push_back(dev ? CsvNumber(*dev) : "");
  }
  t.display.rows.push_back(params_display);
  t.values.rows.push_back(params_values);
  t.display.rows.push_back(dev_display);
  t.values.rows.push_back(dev_values);
  t.display.rows.push_back(id_display);
  t.values.rows.push_back(id_values);
  for (const Group* g : groups) {
    if (g->ConfigValue(keys::kDataProtocol) != "final") continue;
    t.display.notes.push_back("The mean dev score is the final runs'; with data.protocol = final they train on "
                              "train+dev, so it is not a held-out score: the search table has those.");
    break;
  }
  return t;
}

std::string Layers(const Group& g) {
  return g.ConfigValue(keys::kSharedLayers) + "/" + g.ConfigValue(keys::kNerLayers) + "/" +
         g.ConfigValue(keys::kReLayers);
}

ReportTable AblationTable(const SweepData& data, const std::vector<std::string>& datasets) {
  static const char* const kOrder[] = {"baseline", "no_ner_specific", "no_re_specific", "no_task_specific"};
  ReportTable t;
  t.display.name = t.values.name = "ablation";
  t.display.title = t.values.title =
      "Ablation: task-specific layers removed (test F1 %, Δ against the baseline)";
  t.display.columns = {"Dataset", "Variant", "Layers s/n/r", "Params",  "Avg.",   "NER F1",
                       "Δ NER",   "RE F1",   "Δ RE",         "Mean F1", "Δ Mean", "n"};
  t.values.columns = {"dataset",     "variant",      "config_id",    "shared_layers", "ner_layers",
                      "re_layers",   "parameters",   "averaging",    "completed",     "planned",
                      "ner_f1_mean", "ner_f1_std",   "ner_f1_delta", "re_f1_mean",    "re_f1_std",
                      "re_f1_delta", "mean_f1_mean", "mean_f1_std",  "mean_f1_delta"};
  for (const auto& dataset : datasets) {
    std::vector<Group> groups = GroupRecords(data, dataset, "ablation", /*by_variant=*/true);
    if (groups.empty()) continue;
    const auto rank = [](const std::string& v) {
      const auto it = std::find(std::begin(kOrder), std::end(kOrder), v);
      return static_cast<int>(it - std::begin(kOrder));
    };
    std::stable_sort(groups.begin(), groups.end(),
                     [&](const Group& a, const Group& b) { return rank(a.variant) < rank(b.variant); });
    const Group* baseline = groups.front().variant == "baseline" ? &groups.front() : nullptr;
    if (baseline == nullptr) t.display.notes.push_back(dataset + ": no baseline variant; no Δ column.");
    const bool cv = groups.front().CrossValidated();
    const std::string unit = cv ? "folds" : "seeds";
    for (const auto& a : AveragingsFor(cv)) {
      const Aggregate base = baseline ? AggregateOf(baseline->Completed(), a) : Aggregate{};
      for (const auto& g : groups) {
        const auto runs = g.Completed();
        const Aggregate agg = AggregateOf(runs, a);
        const auto delta = [&](const Summary& s, const Summary& b, bool csv) -> std::string {
          if (baseline == nullptr || &g == baseline || s.n == 0 || b.n == 0)
            return csv ? "" : (&g == baseline ? "" : "–");
          return csv ? CsvNumber(s.mean - b.mean) : Signed(s.mean - b.mean);
        };
        const auto params = g.Parameters();
        t.display.rows.push_back({dataset, g.variant.empty() ? "(none)" : g.variant, Layers(g),
                                  params ? std::to_string(*params) : "–", a.name, FormatSummary(agg.ner_f1),
                                  delta(agg.ner_f1, base.ner_f1, false), FormatSummary(agg.re_f1),
                                  delta(agg.re_f1, base.re_f1, false), FormatSummary(agg.mean_f1),
                                  delta(agg.mean_f1, base.mean_f1, false),
                                  CountCell(static_cast<int>(runs.size()), g.Planned(), unit)});
        t.values.rows.push_back({dataset, g.variant, g.config_id, g.ConfigValue(keys::kSharedLayers),
                                 g.ConfigValue(keys::kNerLayers), g.ConfigValue(keys::kReLayers),
                                 params ? std::to_string(*params) : "", a.name, std::to_string(runs.size()),
                                 std::to_string(g.Planned()), CsvMean(agg.ner_f1), CsvStd(agg.ner_f1),
                                 delta(agg.ner_f1, base.ner_f1, true), CsvMean(agg.re_f1), CsvStd(agg.re_f1),
                                 delta(agg.re_f1, base.re_f1, true), CsvMean(agg.mean_f1),
                                 CsvStd(agg.mean_f1), delta(agg.mean_f1, base.mean_f1, true)});
      }
    }
  }
  t.display.notes.push_back(
      "Layers: shared / NER-specific / RE-specific BiRNN layers. Δ: difference of the means.");
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// Output

class OutputDir {
 public:
  explicit OutputDir(std::string dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw IoError(dir_, "cannot create the report directory: " + ec.message());
  }
  const std::string& dir() const { return dir_; }
  void Write(const std::string& name, const std::string& text) {
    const fs::path path = fs::path(dir_) / name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw IoError(path.string(), "cannot write");
    files_.push_back(name);
  }
  // Writes NAME.md, NAME.tex and NAME.csv; returns the Markdown.
  std::string WriteTable(const ReportTable& t) {
    const std::string md = ToMarkdown(t.display);
    Write(t.display.name + ".md", md);
    Write(t.display.name + ".tex", ToLatex(t.display));
    Write(t.values.name + ".csv", ToCsv(t.values));
    return md;
  }
  std::vector<std::string>& files() { return files_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

// The Markdown links of a table's other renderings, for index.md.
std::string Links(const ReportTable& t) {
  return "\n[CSV](" + t.values.name + ".csv) · [LaTeX](" + t.display.name + ".tex) · [Markdown](" +
         t.display.name + ".md)\n\n";
}

struct SearchPoint {
  const Group* group;
  double dev;
};

// Search overview for one dataset: top-k table, dev-score-vs-layers plot data + script.
std::string SearchSection(const SweepData& data, const std::string& dataset,
                          const std::vector<std::string>& searched, const ReportOptions& options,
                          OutputDir& out, std::vector<std::string>& plot_scripts) {
  const std::vector<Group> groups = GroupRecords(data, dataset, "search", false);
  if (groups.empty()) return "";
  std::vector<SearchPoint> points;
  int unknown = 0;
  for (const auto& g : groups) {
    if (auto dev = g.MeanDevScore()) {
      points.push_back({&g, *dev});
    } else {
      ++unknown;
    }
  }
  std::stable_sort(points.begin(), points.end(),
                   [](const SearchPoint& a, const SearchPoint& b) { return a.dev > b.dev; });
  const std::string stem = FileStem(dataset);
  ReportTable t;
  t.display.name = "search_top_" + stem;
  t.values.name = "search_" + stem;
  t.display.title = "Search (" + dataset + "): top " +
                    std::to_string(std::min<std::size_t>(options.top_k, points.size())) + " of " +
                    std::to_string(groups.size()) + " configurations by mean dev score";
  t.values.title = t.display.title;
  t.display.columns = {"Rank",      "Config", "Shared", "NER", "RE", "Cell", "Other searched values",
                       "Dev score", "Params", "Trials"};
  t.values.columns = {"rank",          "config_id",      "shared_layers", "ner_layers", "re_layers",
                      "cell",          "other_searched", "dev_score",     "parameters", "trials_with_score",
                      "trials_planned"};
  int rank = 0;
  for (const auto& p : points) {
    ++rank;
    const Group& g = *p.group;
    std::string others;
    for (const auto& k : searched) {
      if (k == keys::kSharedLayers || k == keys::kNerLayers || k == keys::kReLayers || k == keys::kCell)
        continue;
      others += (others.empty() ? "" : ", ") + k + "=" + g.ConfigValue(k.c_str());
    }
    int scored = 0;
    for (const auto* r : g.records) scored += r->DevScore().has_value();
    const auto params = g.Parameters();
    const std::vector<std::string> row = {std::to_string(rank),
                                          ShortId(g.config_id),
                                          g.ConfigValue(keys::kSharedLayers),
                                          g.ConfigValue(keys::kNerLayers),
                                          g.ConfigValue(keys::kReLayers),
                                          g.ConfigValue(keys::kCell),
                                          others.empty() ? "–" : others,
                                          Fixed(p.dev),
                                          params ? std::to_string(*params) : "–",
                                          CountCell(scored, g.Planned(), "")};
    if (rank <= options.top_k) t.display.rows.push_back(row);
    t.values.rows.push_back({std::to_string(rank), g.config_id, g.ConfigValue(keys::kSharedLayers),
                             g.ConfigValue(keys::kNerLayers), g.ConfigValue(keys::kReLayers),
                             g.ConfigValue(keys::kCell), others, CsvNumber(p.dev),
                             params ? std::to_string(*params) : "", std::to_string(scored),
                             std::to_string(g.Planned())});
  }
  for (auto& row : t.display.rows) {
    auto& trials = row.back();
    if (!trials.empty() && trials.back() == ' ') trials.pop_back();
  }
  if (unknown > 0) {
    t.display.notes.push_back(std::to_string(unknown) +
                              " configuration(s) without a dev score yet (failed or unfinished).");
  }
  t.display.notes.push_back("The CSV lists every scored configuration, not only the top " +
                            std::to_string(options.top_k) + ".");
  std::string md = out.WriteTable(t) + Links(t);

  // Plot data: one line per configuration; the cell type as an index so gnuplot can colour by it.
  std::vector<std::string> cells;
  for (const auto& p : points) {
    const std::string cell = p.group->ConfigValue(keys::kCell);
    if (std::find(cells.begin(), cells.end(), cell) == cells.end()) cells.push_back(cell);
  }
  std::ostringstream dat;
  dat << "# shared ner re cell_index dev_score config_id\n";
  bool numeric = !points.empty();
  for (const auto& p : points) {
    const Group& g = *p.group;
    const std::string s = g.ConfigValue(keys::kSharedLayers), n = g.ConfigValue(keys::kNerLayers),
                      r = g.ConfigValue(keys::kReLayers);
    numeric = numeric && s != "?" && n != "?" && r != "?";
    const auto cell = std::find(cells.begin(), cells.end(), g.ConfigValue(keys::kCell)) - cells.begin();
    dat << s << " " << n << " " << r << " " << cell << " " << CsvNumber(p.dev) << " " << g.config_id << "\n";
  }
  out.Write("search_" + stem + ".dat", dat.str());
  if (numeric) {
    std::ostringstream gp;
    gp << "set terminal svg size 1200,420 dynamic font 'sans,11'\n"
       << "set output 'search_" << stem << ".svg'\n"
       << "set multiplot layout 1,3 title "
       << GnuplotQuote("Search on " + dataset + ": dev score per configuration") << "\n"
       << "set ylabel 'dev score (%)'\nset grid\nset xtics 1\nset key bottom right\n";
    const char* const titles[] = {"shared BiRNN layers", "NER-specific layers", "RE-specific layers"};
    for (int column = 1; column <= 3; ++column) {
      gp << "set xlabel '" << titles[column - 1] << "'\nset xrange [-0.5:3.5]\nplot ";
      for (std::size_t c = 0; c < cells.size(); ++c) {
        // Cell types side by side around the integer layer count, so their points do not hide each other.
        const double offset = (static_cast<double>(c) - (cells.size() - 1) / 2.0) * 0.15;
        gp << (c ? ", " : "") << "'search_" << stem << ".dat' using ($" << column << "+(" << offset
           << ")):($4==" << c << " ? $5 : 1/0) with points pt " << (7 + 2 * c) << " title "
           << GnuplotQuote(cells[c]);
      }
      gp << "\n";
    }
    gp << "unset multiplot\n";
    plot_scripts.push_back("search_" + stem);
    out.Write("search_" + stem + ".gp", gp.str());
    md += "![dev score against layer counts and cell type](search_" + stem + ".svg)\n\n";
  }
  return md;
}

// The theta_r curve of the selected configuration: mean dev RE scores per threshold over its runs.
std::string ThetaSection(const std::string& dataset, const Group* group, OutputDir& out,
                         std::vector<std::string>& plot_scripts) {
  if (group == nullptr) return "";
  std::map<long long, std::vector<const schema::ThetaPoint*>> by_theta;  // keyed by theta in 1e-6 steps
  std::vector<double> used;
  for (const auto* r : group->records) {
    if (!r->file || r->file->theta_curve.empty()) continue;
    used.push_back(r->file->theta_r);
    for (const auto& p : r->file->theta_curve) by_theta[std::llround(p.theta * 1e6)].push_back(&p);
  }
  if (by_theta.empty()) return "";
  const std::string stem = "theta_" + FileStem(dataset);
  ReportTable t;
  t.display.name = t.values.name = stem;
  t.display.title = t.values.title = "theta_r curve (" + dataset + ", config " + ShortId(group->config_id) +
                                     "): dev RE scores per threshold, mean over " +
                                     std::to_string(used.size()) + " runs";
  t.display.columns = {"theta", "P micro", "R micro", "F1 micro", "P macro", "R macro", "F1 macro", "runs"};
  t.values.columns = {"theta",           "precision_micro", "recall_micro", "f1_micro",
                      "precision_macro", "recall_macro",    "f1_macro",     "runs"};
  std::ostringstream dat;
  dat << "# theta precision_micro recall_micro f1_micro precision_macro recall_macro f1_macro\n";
  for (const auto& [key, points] : by_theta) {
    const double theta = static_cast<double>(key) / 1e6;
    std::vector<std::string> display = {Fixed(theta)}, values = {CsvNumber(theta)};
    dat << CsvNumber(theta);
    for (double Scores::*m : {&Scores::precision_micro, &Scores::recall_micro, &Scores::f1_micro,
                              &Scores::precision_macro, &Scores::recall_macro, &Scores::f1_macro}) {
      std::vector<double> v;
      for (const auto* p : points) v.push_back(p->re.*m);
      const Summary s = Summarize(v);
      display.push_back(Fixed(s.mean));
      values.push_back(CsvNumber(s.mean));
      dat << " " << CsvNumber(s.mean);
    }
    dat << "\n";
    display.push_back(std::to_string(points.size()));
    values.push_back(std::to_string(points.size()));
    t.display.rows.push_back(display);
    t.values.rows.push_back(values);
  }
  const Summary theta_used = Summarize(used);
  t.display.notes.push_back("theta_r used for test: " + FormatSummary(theta_used, 3) + ".");
  std::string md = out.WriteTable(t) + Links(t);
  out.Write(stem + ".dat", dat.str());
  std::ostringstream gp;
  gp << "set terminal svg size 720,480 dynamic font 'sans,11'\n"
     << "set output '" << stem << ".svg'\n"
     << "set title " << GnuplotQuote("RE on dev against theta_r (" + dataset + ")") << " noenhanced\n"
     << "set xlabel 'theta_r' noenhanced\nset ylabel 'score (%)'\nset grid\nset key bottom center\n"
     << "set arrow from " << CsvNumber(theta_used.mean) << ", graph 0 to " << CsvNumber(theta_used.mean)
     << ", graph 1 nohead dashtype 2\n"
     << "plot '" << stem << ".dat' using 1:4 with linespoints title 'F1 micro', "
     << "'' using 1:7 with linespoints title 'F1 macro', "
     << "'' using 1:2 with lines dashtype 3 title 'P micro', "
     << "'' using 1:3 with lines dashtype 3 title 'R micro'\n";
  out.Write(stem + ".gp", gp.str());
  plot_scripts.push_back(stem);
  md += "![theta_r curve](" + stem + ".svg)\n\n";
  return md;
}

}  // namespace

ReportOutput WriteReport(const ReportOptions& options) {
  const SweepData data = LoadSweep(options.sweep_dir);
  std::vector<ReferenceRow> references;
  for (const auto& file : options.reference_files) {
    auto rows = ReadReferences(file);
    references.insert(references.end(), rows.begin(), rows.end());
  }
  ReportOutput output;
  output.warnings = data.warnings;
  OutputDir out(options.out_dir.empty() ? (fs::path(options.sweep_dir) / "report").string()
                                        : options.out_dir);
  output.out_dir = out.dir();

  const std::vector<std::string> datasets = Datasets(data);
  std::map<std::string, std::vector<std::string>> searched_by_dataset;
  std::vector<std::string> searched;  // the union, for the hyperparameter table
  for (const auto& dataset : datasets) {
    searched_by_dataset[dataset] = SearchedKeys(data, dataset);
    for (const auto& k : searched_by_dataset[dataset]) {
      if (std::find(searched.begin(), searched.end(), k) == searched.end()) searched.push_back(k);
    }
  }
  std::sort(searched.begin(), searched.end());
  std::vector<DatasetSelection> selections;
  selections.reserve(datasets.size());
  for (const auto& dataset : datasets) {
    DatasetSelection sel;
    sel.dataset = dataset;
    sel.final_groups = GroupRecords(data, dataset, "final", false);
    selections.push_back(std::move(sel));
  }
  for (auto& sel : selections) sel.final_group = SelectBest(sel.final_groups);

  std::vector<std::string> plot_scripts;
  const ReportTable progress = ProgressTable(data);
  const ReportTable results = ResultsTable(data, selections, references);
  const ReportTable hyper = HyperparameterTable(selections, searched);
  const ReportTable ablation = AblationTable(data, datasets);
  std::string main_tables;  // for stdout
  std::string index_tables;
  for (const ReportTable* t : {&progress, &results, &hyper, &ablation}) {
    if (t == &ablation && ablation.display.rows.empty()) continue;
    const std::string md = out.WriteTable(*t);
    main_tables += md + "\n";
    index_tables += md + Links(*t);
  }
  std::string search;
  for (const auto& sel : selections) {
    search += SearchSection(data, sel.dataset, searched_by_dataset[sel.dataset], options, out, plot_scripts);
    const Group* theta_group = sel.final_group;
    std::vector<Group> search_groups;
    if (theta_group == nullptr) {  // no final stage yet: the best search configuration's curve
      search_groups = GroupRecords(data, sel.dataset, "search", false);
      theta_group = SelectBest(search_groups);
    }
    search += ThetaSection(sel.dataset, theta_group, out, plot_scripts);
  }

  if (options.plots && !plot_scripts.empty()) {
    if (!GnuplotAvailable()) {
      output.warnings.push_back(out.dir() +
                                ": gnuplot not found on PATH; plots skipped (data and .gp scripts written)");
    } else {
      for (const auto& stem : plot_scripts) {
        const std::string error = RunGnuplot(out.dir(), stem);
        if (error.empty()) {
          out.files().push_back(stem + ".svg");
        } else {
          output.warnings.push_back(error);
        }
      }
    }
  }

  std::ostringstream index;
  index << "# Sweep report: " << data.manifest.sweep_name << "\n\n"
        << "Sweep directory `" << options.sweep_dir << "`, status **" << data.manifest.status << "**, "
        << data.trials.size() << " planned trials, written by dts " << data.manifest.dts_version << ".\n\n";
  if (!output.warnings.empty()) {
    index << "## Warnings\n\n";
    for (const auto& w : output.warnings) index << "- " << w << "\n";
    index << "\n";
  }
  index << index_tables;
  if (!search.empty()) index << "## Search overview\n\n" << search;
  out.Write("index.md", index.str());

  output.summary = main_tables;
  output.files = out.files();
  return output;
}

}  // namespace dts::reports
