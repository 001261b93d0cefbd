#include "reports/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "common/error.h"
#include "reports/comparison.h"
#include "reports/comparison_table.h"
#include "reports/config_keys.h"
#include "reports/groups.h"
#include "reports/output.h"
#include "reports/plots.h"
#include "reports/references.h"
#include "reports/significance.h"
#include "reports/stats.h"
#include "reports/sweep_data.h"
#include "reports/table.h"

namespace dts::reports {
namespace {

namespace fs = std::filesystem;
using schema::Scores;
using schema::TrialFile;

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

// The results table: the selected final configuration per dataset and averaging, with the published rows of
// the same dataset and evaluation setting. The display splits by setting (results_strict_macro, ...), so a
// published row never stands beside a row of another setting.
ReportTable ResultsTable(const std::vector<DatasetSelection>& selections,
                         const std::vector<ReferenceRow>& references) {
  ReportTable t;
  t.display.name = t.values.name = "results";
  t.display.title = t.values.title =
      "Test results: precision, recall and F1 (%), mean ± sample std over runs";
  t.split_column = 2;
  t.split_title_prefix = "evaluation: ";
  t.display.columns = {"Dataset", "System", "Evaluation", "NER P", "NER R",   "NER F1",
                       "RE P",    "RE R",   "RE F1",      "Mean F1", "n"};
  t.values.columns = {"dataset", "system", "evaluation", "averaging", "config_id", "completed", "planned", "unit"};
  for (const char* m :
       {"ner_precision", "ner_recall", "ner_f1", "re_precision", "re_recall", "re_f1", "mean_f1"}) {
    t.values.columns.push_back(std::string(m) + "_mean");
    t.values.columns.push_back(std::string(m) + "_std");
  }
  t.values.columns.push_back("source");
  std::vector<std::string> cited;
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
      const std::string setting = EvaluationSetting(a.name);
      const Aggregate agg = AggregateOf(runs, a);
      t.display.rows.push_back({sel.dataset, system, setting, FormatSummary(agg.ner_p),
                                FormatSummary(agg.ner_r), FormatSummary(agg.ner_f1), FormatSummary(agg.re_p),
                                FormatSummary(agg.re_r), FormatSummary(agg.re_f1), FormatSummary(agg.mean_f1),
                                CountCell(static_cast<int>(runs.size()), g.Planned(), unit)});
      std::vector<std::string> row = {sel.dataset,
                                      system,
                                      "strict",
                                      a.name,
                                      g.config_id,
                                      std::to_string(runs.size()),
                                      std::to_string(g.Planned()),
                                      unit};
      for (const Summary* s :
           {&agg.ner_p, &agg.ner_r, &agg.ner_f1, &agg.re_p, &agg.re_r, &agg.re_f1, &agg.mean_f1}) {
        row.push_back(CsvMean(*s));
        row.push_back(CsvStd(*s));
      }
      row.push_back("this sweep");
      t.values.rows.push_back(row);
      for (const ReferenceRow* ref : MatchingReferences(references, sel.dataset, a.name)) {
        std::optional<double> mean;
        if (ref->ner_f1 && ref->re_f1) mean = (*ref->ner_f1 + *ref->re_f1) / 2;
        t.display.rows.push_back({sel.dataset, ref->system, setting, OptionalFixed(ref->ner_precision),
                                  OptionalFixed(ref->ner_recall), OptionalFixed(ref->ner_f1),
                                  OptionalFixed(ref->re_precision), OptionalFixed(ref->re_recall),
                                  OptionalFixed(ref->re_f1), OptionalFixed(mean), "published"});
        std::vector<std::string> ref_row = {sel.dataset, ref->system, ref->evaluation, a.name, "", "", "",
                                            "published"};
        for (const auto& v : {ref->ner_precision, ref->ner_recall, ref->ner_f1, ref->re_precision,
                              ref->re_recall, ref->re_f1, mean}) {
          ref_row.push_back(OptionalCsv(v));
          ref_row.push_back("");
        }
        ref_row.push_back(ref->source);
        t.values.rows.push_back(ref_row);
        const std::string citation = ref->system + ": " + ref->source;
        if (std::find(cited.begin(), cited.end(), citation) == cited.end()) cited.push_back(citation);
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
  for (const auto& citation : cited) t.display.notes.push_back(citation);
  t.display.notes.push_back(
      "Mean F1 is the average of NER F1 and RE F1. Cross-validated datasets: macro scores averaged over "
      "folds; fixed splits: micro and macro averaged over seeds. Strict evaluation: an entity counts when its "
      "span and type match, a relation when its type and both arguments (span and type) match. Published "
      "rows appear only under their own evaluation setting.");
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
  // Only a fixed split trains its final runs on train+dev; cross-validated final runs keep the dev set out.
  for (const Group* g : groups) {
    if (g->ConfigValue(keys::kDataProtocol) != "final" || g->CrossValidated()) continue;
    t.display.notes.push_back("The mean dev score is the final runs'; on a fixed split (data.protocol = final) "
                              "they train on train+dev, so it is not a held-out score: the search table has those.");
    break;
  }
  return t;
}

std::string Layers(const Group& g) {
  return g.ConfigValue(keys::kSharedLayers) + "/" + g.ConfigValue(keys::kNerLayers) + "/" +
         g.ConfigValue(keys::kReLayers);
}

// One compared variant's paired differences, for the ablation plot.
struct AblationPoint {
  std::string dataset;
  std::string averaging;
  std::string variant;
  std::optional<BootstrapCi> ci[3];  // NER, RE, Mean
};

ReportTable AblationTable(const SweepData& data, const std::vector<std::string>& datasets,
                          const SignificanceOptions& significance, std::vector<AblationPoint>& points) {
  static const char* const kOrder[] = {"baseline", "no_ner_specific", "no_re_specific", "no_task_specific"};
  ReportTable t;
  t.display.name = t.values.name = "ablation";
  t.display.title = t.values.title =
      "Ablation: task-specific layers removed (test F1 %, Δ against the baseline)";
  std::deque<std::vector<Group>> all_groups;
  std::vector<ComparedRow> rows;
  struct RowLabel {
    std::string dataset;
    const Group* group;
    Averaging averaging;
    std::string unit;
  };
  std::vector<RowLabel> labels;
  std::vector<std::string> missing_notes;
  for (const auto& dataset : datasets) {
    std::vector<Group> groups = GroupRecords(data, dataset, "ablation", /*by_variant=*/true);
    if (groups.empty()) continue;
    const auto rank = [](const std::string& v) {
      const auto it = std::find(std::begin(kOrder), std::end(kOrder), v);
      return static_cast<int>(it - std::begin(kOrder));
    };
    std::stable_sort(groups.begin(), groups.end(),
                     [&](const Group& a, const Group& b) { return rank(a.variant) < rank(b.variant); });
    // The rows point into the groups: a deque keeps them in place while more datasets are added.
    const std::vector<Group>& kept = all_groups.emplace_back(std::move(groups));
    const Group* baseline = kept.front().variant == "baseline" ? &kept.front() : nullptr;
    if (baseline == nullptr) t.display.notes.push_back(dataset + ": no baseline variant; no Δ column.");
    const bool cv = kept.front().CrossValidated();
    for (const auto& a : AveragingsFor(cv)) {
      const Aggregate base = baseline ? AggregateOf(baseline->Completed(), a) : Aggregate{};
      for (const auto& g : kept) {
        ComparedRow row;
        row.is_reference = &g == baseline;
        if (baseline != nullptr) row.reference = base;
        const auto runs = g.Completed();
        row.agg = AggregateOf(runs, a);
        if (baseline != nullptr && !row.is_reference) {
          row.comparison = Compare(baseline->Completed(), runs, cv, a.f1_averaging, significance);
          const std::string& why = row.comparison->randomization_missing;
          if (!why.empty()) {
            const std::string note = dataset + " " + g.variant + ": no sentence-level test (" + why + ").";
            if (std::find(missing_notes.begin(), missing_notes.end(), note) == missing_notes.end())
              missing_notes.push_back(note);
          }
          AblationPoint point{dataset, a.name, g.variant, {}};
          point.ci[0] = row.comparison->ner.ci;
          point.ci[1] = row.comparison->re.ci;
          point.ci[2] = row.comparison->mean.ci;
          points.push_back(point);
        }
        rows.push_back(std::move(row));
        labels.push_back({dataset, &g, a, cv ? "folds" : "seeds"});
      }
    }
  }

  const HolmAdjusted holm = AdjustAcrossRows(rows);
  t.display.columns = {"Dataset", "Variant", "Layers s/n/r", "Params", "Avg."};
  t.values.columns = {"dataset",    "variant",   "config_id", "shared_layers", "ner_layers", "re_layers",
                      "parameters", "averaging", "completed", "planned"};
  AppendMetricColumns(t.display, t.values);
  t.display.columns.push_back("n");
  AppendStatisticsColumns(t.values);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const RowLabel& label = labels[r];
    const Group& g = *label.group;
    const auto params = g.Parameters();
    const int completed = rows[r].agg.ner_f1.n;
    std::vector<std::string> display = {label.dataset, g.variant.empty() ? "(none)" : g.variant, Layers(g),
                                        params ? std::to_string(*params) : "–", label.averaging.name};
    std::vector<std::string> values = {label.dataset,
                                       g.variant,
                                       g.config_id,
                                       g.ConfigValue(keys::kSharedLayers),
                                       g.ConfigValue(keys::kNerLayers),
                                       g.ConfigValue(keys::kReLayers),
                                       params ? std::to_string(*params) : "",
                                       label.averaging.name,
                                       std::to_string(completed),
                                       std::to_string(g.Planned())};
    AppendMetricCells(rows, r, holm, significance, display, values);
    display.push_back(CountCell(completed, g.Planned(), label.unit));
    AppendStatisticsCells(rows[r], significance, values);
    t.display.rows.push_back(display);
    t.values.rows.push_back(values);
  }
  t.display.notes.push_back("Layers: shared / NER-specific / RE-specific BiRNN layers.");
  for (const auto& note : ComparisonNotes(significance, "the baseline")) t.display.notes.push_back(note);
  for (const auto& note : missing_notes) t.display.notes.push_back(note);
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// Search, theta_r, ablation and learning-curve sections (tables and plots)

struct SearchPoint {
  const Group* group;
  double dev;
};

// Search overview for one dataset: top-k table, dev-score-vs-layers plot data + script.
std::string SearchSection(const SweepData& data, const std::string& dataset,
                          const std::vector<std::string>& searched, const ReportOptions& options,
                          OutputDir& out, std::vector<PlotSpec>& plots) {
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
    // One row of panels per cell type (LSTM and GRU apart), one column per layer kind, a shared y range so
    // rows compare; the legend sits below the panels, outside every data area.
    double lo = points.front().dev, hi = points.front().dev;
    for (const auto& p : points) {
      lo = std::min(lo, p.dev);
      hi = std::max(hi, p.dev);
    }
    const double pad = std::max(0.5, (hi - lo) * 0.08);
    const int rows = static_cast<int>(cells.size());
    const double bottom = 0.1 / rows + 0.04;  // the key's band, in screen units
    std::ostringstream gp;
    gp << "# Search on " << dataset << ": dev score per configuration against its layer counts, one row of panels\n"
       << "# per cell type. Rendered by dts-report to SVG and PNG (see plots.h for re-running it by hand).\n"
       << "set multiplot layout " << rows << ",3 title "
       << GnuplotQuote("Search on " + dataset + ": dev score per configuration") << " noenhanced margins 0.07,0.98,"
       << Fixed(bottom + 0.06, 3) << ",0.9 spacing 0.06,0.08\n"
       << "set grid\nset xtics 1\nset xrange [-0.5:3.5]\nset yrange [" << CsvNumber(lo - pad) << ":"
       << CsvNumber(hi + pad) << "]\n";
    const char* const titles[] = {"shared BiRNN layers", "NER-specific layers", "RE-specific layers"};
    for (std::size_t c = 0; c < cells.size(); ++c) {
      for (int column = 1; column <= 3; ++column) {
        gp << "set xlabel '" << titles[column - 1] << "'\n"
           << "set ylabel " << GnuplotQuote(column == 1 ? cells[c] + ": dev score (%)" : "") << " noenhanced\n";
        if (c == 0 && column == 1) {
          gp << "set key at screen 0.5, screen 0.01 center bottom horizontal noenhanced samplen 1 box opaque\n";
        } else {
          gp << "unset key\n";
        }
        // Every cell type in the first panel's key (a 1/0 series draws nothing), so the key lists them all.
        std::vector<std::string> series;
        for (std::size_t k = 0; k < cells.size(); ++k) {
          if (k != c && !(c == 0 && column == 1)) continue;
          std::ostringstream one;
          one << "'search_" << stem << ".dat' using " << column << ":($4==" << k
              << (k == c ? " ? $5 : 1/0)" : " ? 1/0 : 1/0)") << " with points pt " << (7 + 2 * k)
              << " ps 1.2 lc " << (k + 1) << " title " << GnuplotQuote(cells[k]);
          series.push_back(one.str());
        }
        gp << "plot ";
        for (std::size_t i = 0; i < series.size(); ++i) gp << (i ? ", " : "") << series[i];
        gp << "\n";
      }
    }
    gp << "unset multiplot\n";
    plots.push_back({"search_" + stem, 1200, 130 + 300 * rows});
    out.Write("search_" + stem + ".gp", gp.str());
    md += PlotMarkdown("search_" + stem, "dev score against layer counts, per cell type");
  }
  return md;
}

// The theta_r curve of the selected configuration: mean dev RE scores per threshold over its runs.
std::string ThetaSection(const std::string& dataset, const Group* group, OutputDir& out,
                         std::vector<PlotSpec>& plots) {
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
  gp << "# theta_r curve of " << dataset << ": rendered by dts-report to SVG and PNG.\n"
     << "set title " << GnuplotQuote("RE on dev against theta_r (" + dataset + ")") << " noenhanced\n"
     << "set xlabel 'theta_r' noenhanced\nset ylabel 'score (%)'\nset grid\nset key outside right top noenhanced\n"
     << "set arrow from " << CsvNumber(theta_used.mean) << ", graph 0 to " << CsvNumber(theta_used.mean)
     << ", graph 1 nohead dashtype 2\n"
     << "plot '" << stem << ".dat' using 1:4 with linespoints title 'F1 micro', "
     << "'' using 1:7 with linespoints title 'F1 macro', "
     << "'' using 1:2 with lines dashtype 3 title 'P micro', "
     << "'' using 1:3 with lines dashtype 3 title 'R micro'\n";
  out.Write(stem + ".gp", gp.str());
  plots.push_back({stem, 820, 480});
  md += PlotMarkdown(stem, "theta_r curve");
  return md;
}

// The ablation plot of one dataset: each variant's paired difference from the baseline (NER, RE, Mean F1) with
// its bootstrap CI, one panel per averaging.
std::string AblationPlotSection(const std::string& dataset, const std::vector<AblationPoint>& all,
                                const SignificanceOptions& significance, OutputDir& out,
                                std::vector<PlotSpec>& plots) {
  std::vector<const AblationPoint*> points;
  std::vector<std::string> variants, averagings;
  for (const auto& p : all) {
    if (p.dataset != dataset) continue;
    points.push_back(&p);
    if (std::find(variants.begin(), variants.end(), p.variant) == variants.end()) variants.push_back(p.variant);
    if (std::find(averagings.begin(), averagings.end(), p.averaging) == averagings.end())
      averagings.push_back(p.averaging);
  }
  bool any_ci = false;
  for (const auto* p : points) any_ci = any_ci || p->ci[0] || p->ci[1] || p->ci[2];
  if (!any_ci) return "";
  const std::string stem = "ablation_" + FileStem(dataset);
  std::ostringstream dat;
  dat << "# variant_index averaging_index variant ner_delta ner_ci_low ner_ci_high re_delta re_ci_low re_ci_high "
         "mean_delta mean_ci_low mean_ci_high (paired mean difference, variant - baseline; '-' where none)\n";
  for (const auto* p : points) {
    const auto v = std::find(variants.begin(), variants.end(), p->variant) - variants.begin();
    const auto a = std::find(averagings.begin(), averagings.end(), p->averaging) - averagings.begin();
    dat << v << " " << a << " " << p->variant;
    for (const auto& ci : p->ci) {
      if (ci) {
        dat << " " << CsvNumber(ci->mean_difference) << " " << CsvNumber(ci->low) << " " << CsvNumber(ci->high);
      } else {
        dat << " - - -";
      }
    }
    dat << "\n";
  }
  out.Write(stem + ".dat", dat.str());
  std::ostringstream gp;
  gp << "# Ablation on " << dataset << ": rendered by dts-report to SVG and PNG.\n"
     << "set datafile missing '-'\n"
     << "set multiplot layout 1," << averagings.size() << " title "
     << GnuplotQuote("Ablation on " + dataset + ": Δ F1 against the baseline, " +
                     Fixed(significance.confidence * 100, 0) + "% paired bootstrap CI")
     << " noenhanced margins 0.08,0.98,0.2,0.86 spacing 0.08\n"
     << "set grid ytics\nset xrange [-0.5:" << variants.size() - 0.5 << "]\nset xtics (";
  for (std::size_t v = 0; v < variants.size(); ++v)
    gp << (v ? ", " : "") << GnuplotQuote(variants[v]) << " " << v;
  gp << ") noenhanced\nset ylabel 'Δ F1 (points)'\n";
  for (std::size_t a = 0; a < averagings.size(); ++a) {
    gp << "set title " << GnuplotQuote(averagings[a] + " F1") << "\n";
    if (a == 0) {
      gp << "set key at screen 0.5, screen 0.02 center bottom horizontal box opaque\n";
    } else {
      gp << "unset key\n";
    }
    const char* const names[] = {"NER", "RE", "Mean"};
    gp << "plot 0 with lines lc 'gray40' dashtype 2 notitle";
    for (int m = 0; m < 3; ++m) {
      const int c = 4 + 3 * m;
      gp << ", '" << stem << ".dat' using ($1+(" << (m - 1) * 0.2 << ")):($2==" << a << " ? $" << c
         << " : 1/0):" << c + 1 << ":" << c + 2 << " with yerrorbars pt " << (5 + 2 * m) << " lc " << (m + 1)
         << " title '" << names[m] << "'";
    }
    gp << "\n";
  }
  gp << "unset multiplot\n";
  out.Write(stem + ".gp", gp.str());
  plots.push_back({stem, 360 + 380 * static_cast<int>(averagings.size()), 440});
  return "### Ablation on " + dataset + ": Δ F1 with its confidence interval\n\n" +
         PlotMarkdown(stem, "ablation: delta F1 per variant with its confidence interval");
}

// The dev learning curves of the selected final configuration: per epoch, the mean and sample std over its
// completed runs (folds or seeds) of the early-stopping score and of dev NER and RE F1, from the trial files'
// per-epoch rows. An epoch's figures are over the runs that reached it (early stopping ends runs unevenly).
std::string LearningCurveSection(const std::string& dataset, const Group* group, OutputDir& out,
                                 std::vector<PlotSpec>& plots) {
  if (group == nullptr) return "";
  const auto runs = group->Completed();
  const bool cv = group->CrossValidated();
  std::map<int, std::vector<const schema::EpochRow*>> by_epoch;
  for (const auto* t : runs) {
    for (const auto& e : t->epochs) by_epoch[e.epoch].push_back(&e);
  }
  if (by_epoch.empty()) return "";
  const std::string stem = "learning_" + FileStem(dataset);
  const std::string averaging = cv ? "macro" : "micro";
  std::ostringstream dat;
  dat << "# epoch runs dev_score_mean dev_score_std dev_ner_f1_mean dev_ner_f1_std dev_re_f1_mean dev_re_f1_std"
      << " (dev F1 " << averaging << "; config " << group->config_id << ")\n";
  for (const auto& [epoch, rows] : by_epoch) {
    dat << epoch << " " << rows.size();
    for (double schema::EpochRow::*m :
         {&schema::EpochRow::dev_score, cv ? &schema::EpochRow::dev_ner_f1_macro : &schema::EpochRow::dev_ner_f1_micro,
          cv ? &schema::EpochRow::dev_re_f1_macro : &schema::EpochRow::dev_re_f1_micro}) {
      std::vector<double> v;
      for (const auto* r : rows) v.push_back(r->*m);
      const Summary s = Summarize(v);
      dat << " " << CsvNumber(s.mean) << " " << CsvNumber(s.std);
    }
    dat << "\n";
  }
  out.Write(stem + ".dat", dat.str());
  const std::string unit = cv ? "folds" : "seeds";
  std::ostringstream gp;
  gp << "# Dev learning curves of the final runs on " << dataset << ": rendered by dts-report to SVG and PNG.\n"
     << "set title " << GnuplotQuote("Dev learning curves on " + dataset + " (config " + ShortId(group->config_id) +
                                     "): mean ± std over " + std::to_string(runs.size()) + " " + unit)
     << " noenhanced\n"
     << "set xlabel 'epoch'\nset ylabel 'dev score (%)'\nset grid\nset key outside right top noenhanced\n"
     << "set xrange [0.5:" << by_epoch.rbegin()->first + 0.5 << "]\n"
     << "set style fill transparent solid 0.18 noborder\n"
     << "plot '" << stem << ".dat' using 1:($3-$4):($3+$4) with filledcurves lc 1 notitle, "
     << "'' using 1:3 with linespoints pt 7 ps 0.6 lc 1 title 'early-stopping score', "
     << "'' using 1:($5-$6):($5+$6) with filledcurves lc 2 notitle, "
     << "'' using 1:5 with linespoints pt 5 ps 0.6 lc 2 title 'NER F1 " << averaging << "', "
     << "'' using 1:($7-$8):($7+$8) with filledcurves lc 3 notitle, "
     << "'' using 1:7 with linespoints pt 9 ps 0.6 lc 3 title 'RE F1 " << averaging << "'\n";
  out.Write(stem + ".gp", gp.str());
  plots.push_back({stem, 860, 480});
  std::string md = "### Dev learning curves (" + dataset + ")\n\n" +
                   PlotMarkdown(stem, "dev learning curves, mean and band over runs");
  if (group->ConfigValue(keys::kDataProtocol) == "final")
    md += "With data.protocol = final the runs train on train+dev, so these dev curves are not held out.\n\n";
  return md;
}

}  // namespace

ReportOutput WriteReport(const ReportOptions& options) {
  const SweepData data = LoadSweep(options.sweep_dir);
  const std::vector<ReferenceRow> references =
      LoadReferences(options.published_references, options.reference_files);
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

  std::vector<PlotSpec> plots;
  std::vector<AblationPoint> ablation_points;
  const ReportTable progress = ProgressTable(data);
  const ReportTable results = ResultsTable(selections, references);
  const ReportTable hyper = HyperparameterTable(selections, searched);
  const ReportTable ablation = AblationTable(data, datasets, options.significance, ablation_points);
  std::string main_tables;  // for stdout
  std::string index_tables;
  for (const ReportTable* t : {&progress, &results, &hyper, &ablation}) {
    if (t == &ablation && ablation.display.rows.empty()) continue;
    const std::string md = out.WriteTable(*t);
    main_tables += md + "\n";
    index_tables += md + Links(*t);
    if (t == &ablation) {
      for (const auto& dataset : datasets)
        index_tables += AblationPlotSection(dataset, ablation_points, options.significance, out, plots);
    }
  }
  std::string curves;
  for (const auto& sel : selections) curves += LearningCurveSection(sel.dataset, sel.final_group, out, plots);
  std::string search;
  for (const auto& sel : selections) {
    search += SearchSection(data, sel.dataset, searched_by_dataset[sel.dataset], options, out, plots);
    const Group* theta_group = sel.final_group;
    std::vector<Group> search_groups;
    if (theta_group == nullptr) {  // no final stage yet: the best search configuration's curve
      search_groups = GroupRecords(data, sel.dataset, "search", false);
      theta_group = SelectBest(search_groups);
    }
    search += ThetaSection(sel.dataset, theta_group, out, plots);
  }
  if (options.plots) out.RenderPlots(plots, output.warnings);

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
  if (!curves.empty()) index << "## Final runs: dev learning curves\n\n" << curves;
  if (!search.empty()) index << "## Search overview\n\n" << search;
  out.WriteIndex(index.str(), "Sweep report: " + data.manifest.sweep_name);

  output.summary = main_tables;
  output.files = out.files();
  return output;
}

}  // namespace dts::reports
