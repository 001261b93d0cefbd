#include <algorithm>
#include <deque>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "config/stages.h"
#include "reports/comparison_table.h"
#include "reports/internal/report_sections.h"
#include "reports/internal/schema_keys.h"
#include "reports/output.h"

namespace dts::reports {

namespace {

std::string Layers(const Group& g) {
  return g.ConfigValue(Keys().shared_layers) + "/" + g.ConfigValue(Keys().ner_layers) + "/" +
         g.ConfigValue(Keys().re_layers);
}

}  // namespace

ReportTable AblationTable(const SweepData& data, const std::vector<std::string>& datasets,
                          const SignificanceOptions& significance, std::vector<AblationPoint>& points) {
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
    std::vector<Group> groups = GroupRecords(data, dataset, config::kStageAblation, /*by_variant=*/true);
    if (groups.empty()) continue;
    // The planner's order (config/stages.h); a variant this build does not know sorts last.
    const auto rank = [](const std::string& v) {
      const auto it = std::find_if(std::begin(config::kAblationVariants), std::end(config::kAblationVariants),
                                   [&](const config::AblationVariant& known) { return v == known.name; });
      return static_cast<int>(it - std::begin(config::kAblationVariants));
    };
    std::stable_sort(groups.begin(), groups.end(),
                     [&](const Group& a, const Group& b) { return rank(a.variant) < rank(b.variant); });
    // The rows point into the groups: a deque keeps them in place while more datasets are added.
    const std::vector<Group>& kept = all_groups.emplace_back(std::move(groups));
    const Group* baseline = kept.front().variant == config::kVariantBaseline ? &kept.front() : nullptr;
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
  t.values.columns = {"dataset",   "variant",    "config_id", "shared_layers", "ner_layers",
                      "re_layers", "parameters", "averaging", "completed",     "planned"};
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
                                       g.ConfigValue(Keys().shared_layers),
                                       g.ConfigValue(Keys().ner_layers),
                                       g.ConfigValue(Keys().re_layers),
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

// The ablation plot of one dataset: each variant's paired difference from the baseline (NER, RE, Mean F1)
// with its bootstrap CI, one panel per averaging.
std::string AblationPlotSection(const std::string& dataset, const std::vector<AblationPoint>& all,
                                const SignificanceOptions& significance, OutputDir& out,
                                std::vector<PlotSpec>& plots) {
  std::vector<const AblationPoint*> points;
  std::vector<std::string> variants, averagings;
  for (const auto& p : all) {
    if (p.dataset != dataset) continue;
    points.push_back(&p);
    if (std::find(variants.begin(), variants.end(), p.variant) == variants.end())
      variants.push_back(p.variant);
    if (std::find(averagings.begin(), averagings.end(), p.averaging) == averagings.end())
      averagings.push_back(p.averaging);
  }
  bool any_ci = false;
  for (const auto* p : points) any_ci = any_ci || p->ci[0] || p->ci[1] || p->ci[2];
  if (!any_ci) return "";
  const std::string stem = "ablation_" + FileStem(dataset);
  std::ostringstream dat;
  dat << "# variant_index averaging_index variant ner_delta ner_ci_low ner_ci_high re_delta re_ci_low "
         "re_ci_high "
         "mean_delta mean_ci_low mean_ci_high (paired mean difference, variant - baseline; '-' where none)\n";
  for (const auto* p : points) {
    const auto v = std::find(variants.begin(), variants.end(), p->variant) - variants.begin();
    const auto a = std::find(averagings.begin(), averagings.end(), p->averaging) - averagings.begin();
    dat << v << " " << a << " " << p->variant;
    for (const auto& ci : p->ci) {
      if (ci) {
        dat << " " << CsvNumber(ci->mean_difference) << " " << CsvNumber(ci->low) << " "
            << CsvNumber(ci->high);
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

}  // namespace dts::reports
