#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "reports/internal/report_sections.h"
#include "reports/output.h"

namespace dts::reports {

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
  t.display.columns = {"Dataset", "System", "Evaluation", "NER P",   "NER R", "NER F1",
                       "RE P",    "RE R",   "RE F1",      "Mean F1", "n"};
  t.values.columns = {"dataset",   "system",    "evaluation", "averaging",
                      "config_id", "completed", "planned",    "unit"};
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
        std::vector<std::string> ref_row = {sel.dataset, ref->system, ref->evaluation, a.name, "",
                                            "",          "",          "published"};
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
    // Which final runs were not trained for the final stage: the search stage's trial of the same run
    // (configuration, fold, seed, epochs) serves them (orchestrator/planner.h, PlanFinal).
    std::string reused;
    int reused_count = 0;
    for (const TrialRecord* r : g.records) {
      if (r->plan.variant != schema::kReusedVariant) continue;
      ++reused_count;
      reused += (reused.empty() ? "" : ", ") + std::string(cv ? "fold " : "seed ") +
                std::to_string(cv ? r->plan.fold : static_cast<long long>(r->plan.seed)) +
                " = search trial " + ShortId(r->plan.trial_id);
    }
    if (reused_count > 0)
      t.display.notes.push_back(sel.dataset + ": " + std::to_string(reused_count) + " of " +
                                std::to_string(g.Planned()) + " final " + unit +
                                " reuse the search stage's trial of the same run (configuration, fold, seed, "
                                "epochs) instead of training it again: " +
                                reused + ".");
    if (sel.final_groups.size() > 1) {
      t.display.notes.push_back(sel.dataset + ": config " + ShortId(g.config_id) +
                                " has the best mean dev score of " + std::to_string(sel.final_groups.size()) +
                                " final-stage configurations.");
    }
  }
  for (const auto& citation : cited) t.display.notes.push_back(citation);
  t.display.notes.push_back(
      "Mean F1 is the average of NER F1 and RE F1. Cross-validated datasets: macro scores averaged over "
      "folds; fixed splits: micro and macro averaged over seeds. Strict evaluation: an entity counts when "
      "its "
      "span and type match, a relation when its type and both arguments (span and type) match. Published "
      "rows appear only under their own evaluation setting.");
  return t;
}

}  // namespace dts::reports
