#include "reports/sweep_comparison.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "config/stages.h"
#include "reports/comparison_table.h"
#include "reports/groups.h"
#include "reports/internal/schema_keys.h"
#include "reports/output.h"
#include "reports/references.h"
#include "reports/sweep_data.h"

namespace dts::reports {
namespace {

// True when no two runs share a fold.
bool OneRunPerFold(const std::vector<const schema::TrialFile*>& runs) {
  std::set<int> folds;
  for (const auto* t : runs)
    if (!folds.insert(t->fold).second) return false;
  return true;
}

// One loaded sweep with its selected final configuration per dataset (by normalized dataset name).
struct LoadedSweep {
  std::string dir;
  std::string label;
  SweepData data;
  std::map<std::string, std::vector<Group>> final_groups;  // normalized dataset -> the final stage's groups
  std::map<std::string, const Group*> selected;            // normalized dataset -> the best of them
};

std::string Describe(const Group& g) {
  return ShortId(g.config_id) + " (" + g.ConfigValue(Keys().cell) + " " +
         g.ConfigValue(Keys().shared_layers) + "/" + g.ConfigValue(Keys().ner_layers) + "/" +
         g.ConfigValue(Keys().re_layers) + ")";
}

// What a displayed or CSV row is about, beside its statistics.
struct RowLabel {
  std::string dataset, averaging, sweep, dir, sweep_name, source;
  const Group* group = nullptr;  // nullptr for a published row
  std::string unit;
};

}  // namespace

ReportOutput WriteComparisonReport(const ComparisonReportOptions& options) {
  if (options.sweep_dirs.size() < 2) throw UsageError("a comparison needs at least two sweep directories");
  if (options.out_dir.empty()) throw UsageError("a comparison of sweeps needs --out DIR");
  const std::vector<ReferenceRow> references =
      LoadReferences(options.published_references, options.reference_files);

  ReportOutput output;
  std::vector<LoadedSweep> sweeps(options.sweep_dirs.size());
  std::map<std::string, int> name_count;
  std::vector<std::string> dataset_order;              // normalized, first-seen order
  std::map<std::string, std::string> dataset_display;  // normalized -> the first sweep's spelling
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    LoadedSweep& s = sweeps[i];
    s.dir = options.sweep_dirs[i];
    s.data = LoadSweep(s.dir);
    for (const auto& w : s.data.warnings) output.warnings.push_back(w);
    ++name_count[s.data.manifest.sweep_name];
    for (const auto& dataset : Datasets(s.data)) {
      const std::string key = NormalizeDatasetName(dataset);
      s.final_groups[key] = GroupRecords(s.data, dataset, config::kStageFinal, false);
      if (dataset_display.emplace(key, dataset).second) dataset_order.push_back(key);
    }
  }
  for (auto& s : sweeps) {
    // The groups are in place now (no more insertions into final_groups), so pointers to them stay valid.
    for (const auto& [key, groups] : s.final_groups) {
      if (const Group* best = SelectBest(groups)) s.selected[key] = best;
    }
    const std::string& name = s.data.manifest.sweep_name;
    s.label = name.empty() || name_count[name] > 1 ? s.dir : name;
  }
  const LoadedSweep& first = sweeps.front();

  std::vector<ComparedRow> rows;
  std::vector<RowLabel> labels;
  std::vector<std::string> notes, cited;
  for (const auto& key : dataset_order) {
    const std::string& dataset = dataset_display[key];
    const auto first_it = first.selected.find(key);
    const Group* reference = first_it == first.selected.end() ? nullptr : first_it->second;
    if (reference == nullptr)
      notes.push_back(dataset + ": the first sweep (" + first.label + ") has no final runs; no comparison.");
    // The averagings of the dataset's convention: those of the first sweep with final runs on it.
    const Group* convention = reference;
    for (const auto& s : sweeps) {
      if (convention == nullptr && s.selected.count(key)) convention = s.selected.at(key);
    }
    if (convention == nullptr) continue;
    const bool cv = convention->CrossValidated();
    for (const auto& a : AveragingsFor(cv)) {
      const std::optional<Aggregate> reference_agg =
          reference ? std::optional<Aggregate>(AggregateOf(reference->Completed(), a)) : std::nullopt;
      for (const auto& s : sweeps) {
        const auto it = s.selected.find(key);
        if (it == s.selected.end()) {
          const std::string note = dataset + ": " + s.label + " has no final runs.";
          if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
          continue;
        }
        const Group& g = *it->second;
        const auto runs = g.Completed();
        ComparedRow row;
        row.agg = AggregateOf(runs, a);
        row.reference = reference_agg;
        row.is_reference = &s == &first;
        if (reference != nullptr && !row.is_reference) {
          // Two cross-validated systems with one run per fold each are paired by fold (the same test
          // sentences), whatever their training seeds; several runs per fold pair by fold and seed.
          const bool cross_validated = cv && g.CrossValidated();
          const bool by_fold =
              cross_validated && OneRunPerFold(reference->Completed()) && OneRunPerFold(runs);
          row.comparison = Compare(reference->Completed(), runs, cross_validated, a.f1_averaging,
                                   options.significance, by_fold ? Pairing::kFold : Pairing::kFoldAndSeed);
          if (by_fold && row.comparison->pairs > 0) {
            const std::string note = dataset +
                                     ": runs paired by fold (one run per fold in each sweep; the "
                                     "same test sentences, whatever the training seeds).";
            if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
          }
          if (row.comparison->pairs == 0) {
            notes.push_back(dataset + " " + a.name + ": no run of " + s.label + " shares a fold" +
                            (by_fold ? "" : " and seed") + " with " + first.label + "'s; no test.");
          } else if (!row.comparison->randomization_missing.empty()) {
            const std::string note = dataset + ": " + s.label + ": no sentence-level test (" +
                                     row.comparison->randomization_missing + ").";
            if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
          }
        }
        rows.push_back(std::move(row));
        labels.push_back({dataset, a.name, s.label, s.dir, s.data.manifest.sweep_name, "sweep", &g,
                          g.CrossValidated() ? "folds" : "seeds"});
      }
      for (const ReferenceRow* ref : MatchingReferences(references, dataset, a.name)) {
        const auto one = [](const std::optional<double>& v) { return v ? Summarize({*v}) : Summary{}; };
        ComparedRow row;
        row.agg.ner_f1 = one(ref->ner_f1);
        row.agg.re_f1 = one(ref->re_f1);
        if (ref->ner_f1 && ref->re_f1) row.agg.mean_f1 = one((*ref->ner_f1 + *ref->re_f1) / 2);
        rows.push_back(row);
        labels.push_back({dataset, a.name, ref->system, "", "", ref->source, nullptr, ""});
        const std::string citation = ref->system + ": " + ref->source;
        if (std::find(cited.begin(), cited.end(), citation) == cited.end()) cited.push_back(citation);
      }
    }
  }

  ReportTable t;
  t.display.name = t.values.name = "comparison";
  t.display.title = t.values.title = "Comparison of sweeps: test F1 (%), each sweep against " + first.label;
  t.split_column = 1;
  t.split_title_prefix = "evaluation: ";
  t.display.columns = {"Dataset", "Evaluation", "Sweep", "Config"};
  t.values.columns = {"dataset",    "evaluation", "averaging", "sweep",         "sweep_dir",
                      "sweep_name", "config_id",  "cell",      "shared_layers", "ner_layers",
                      "re_layers",  "completed",  "planned",   "unit"};
  AppendMetricColumns(t.display, t.values);
  t.display.columns.push_back("n");
  AppendStatisticsColumns(t.values);
  t.values.columns.push_back("source");
  const HolmAdjusted holm = AdjustAcrossRows(rows);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const RowLabel& l = labels[r];
    const Group* g = l.group;
    const int completed = rows[r].agg.ner_f1.n;
    std::vector<std::string> display = {l.dataset, EvaluationSetting(l.averaging), l.sweep,
                                        g ? Describe(*g) : "published"};
    std::vector<std::string> values = {l.dataset,
                                       "strict",
                                       l.averaging,
                                       l.sweep,
                                       l.dir,
                                       l.sweep_name,
                                       g ? g->config_id : "",
                                       g ? g->ConfigValue(Keys().cell) : "",
                                       g ? g->ConfigValue(Keys().shared_layers) : "",
                                       g ? g->ConfigValue(Keys().ner_layers) : "",
                                       g ? g->ConfigValue(Keys().re_layers) : "",
                                       g ? std::to_string(completed) : "",
                                       g ? std::to_string(g->Planned()) : "",
                                       g ? l.unit : "published"};
    AppendMetricCells(rows, r, holm, options.significance, display, values);
    display.push_back(g ? CountCell(completed, g->Planned(), l.unit) : "published");
    AppendStatisticsCells(rows[r], options.significance, values);
    values.push_back(g ? "sweep" : l.source);
    t.display.rows.push_back(display);
    t.values.rows.push_back(values);
  }
  t.display.notes.push_back(
      "Each sweep's row is its final configuration with the best mean dev score; Config: "
      "id (cell shared/NER/RE layers).");
  for (const auto& note : ComparisonNotes(options.significance, "the first sweep (" + first.label + ")"))
    t.display.notes.push_back(note);
  for (const auto& note : notes) t.display.notes.push_back(note);
  for (const auto& citation : cited) t.display.notes.push_back(citation);

  OutputDir out(options.out_dir);
  output.out_dir = out.dir();
  const std::string md = out.WriteTable(t);
  std::ostringstream index;
  index << "# Comparison of sweeps\n\n";
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    const auto& s = sweeps[i];
    index << "- " << (i == 0 ? "**" + s.label + "** (the reference)" : s.label) << ": `" << s.dir
          << "`, status **" << schema::Name(s.data.manifest.status) << "**, " << s.data.trials.size()
          << " planned trials, dts " << s.data.manifest.dts_version << "\n";
  }
  index << "\n";
  if (!output.warnings.empty()) {
    index << "## Warnings\n\n";
    for (const auto& w : output.warnings) index << "- " << w << "\n";
    index << "\n";
  }
  index << md << Links(t);
  out.WriteIndex(index.str(), "Comparison of sweeps");
  output.summary = md;
  output.files = out.files();
  return output;
}

}  // namespace dts::reports
