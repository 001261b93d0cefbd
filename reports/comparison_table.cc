#include "reports/comparison_table.h"

#include <iterator>

#include "reports/output.h"
#include "reports/stats.h"

namespace dts::reports {
namespace {

// The three compared metrics, in column order.
struct Metric {
  const char* display;  // "NER"
  const char* csv;      // "ner_f1"
  Summary Aggregate::*summary;
  MetricComparison Comparison::*comparison;
};
constexpr Metric kMetrics[] = {
    {"NER", "ner_f1", &Aggregate::ner_f1, &Comparison::ner},
    {"RE", "re_f1", &Aggregate::re_f1, &Comparison::re},
    {"Mean", "mean_f1", &Aggregate::mean_f1, &Comparison::mean},
};

}  // namespace

HolmAdjusted AdjustAcrossRows(const std::vector<ComparedRow>& rows) {
  HolmAdjusted holm;
  for (const auto& metric : kMetrics) {
    std::vector<std::optional<double>> p_t, p_ar;
    for (const auto& row : rows) {
      std::optional<double> pt, par;
      if (row.comparison) {
        const MetricComparison& mc = (*row.comparison).*metric.comparison;
        if (mc.test) pt = mc.test->p;
        if (mc.randomization) par = mc.randomization->p;
      }
      p_t.push_back(pt);
      p_ar.push_back(par);
    }
    holm.run_level.push_back(HolmAdjust(p_t));
    holm.sentence_level.push_back(HolmAdjust(p_ar));
  }
  return holm;
}

void AppendMetricColumns(Table& display, Table& values) {
  for (const auto& m : kMetrics) {
    const std::string d = m.display, c = m.csv;
    for (const std::string& column : {d + " F1", "Δ " + d + " [95% CI]", "p " + d + " t / AR"})
      display.columns.push_back(column);
    for (const char* suffix :
         {"_mean", "_std", "_delta", "_paired_delta", "_ci_low", "_ci_high", "_t", "_df", "_p", "_p_holm",
          "_significant", "_ar_delta", "_ar_p", "_ar_p_holm", "_ar_significant"})
      values.columns.push_back(c + suffix);
  }
}

void AppendStatisticsColumns(Table& values) {
  for (const char* column : {"pairs", "test", "test_train_ratio", "ratio_source", "ar_sentences", "ar_rounds",
                             "bootstrap_resamples", "confidence", "significance_seed", "ar_missing"})
    values.columns.push_back(column);
}

void AppendMetricCells(const std::vector<ComparedRow>& rows, std::size_t r, const HolmAdjusted& holm,
                       const SignificanceOptions& options, std::vector<std::string>& display,
                       std::vector<std::string>& values) {
  const ComparedRow& row = rows[r];
  const auto flag = [&](const std::optional<double>& p) -> std::string {
    if (!p) return "";
    return *p < options.alpha ? "1" : "0";
  };
  for (std::size_t m = 0; m < std::size(kMetrics); ++m) {
    const auto& metric = kMetrics[m];
    const Summary& s = row.agg.*metric.summary;
    const bool has_delta =
        row.reference && !row.is_reference && s.n > 0 && ((*row.reference).*metric.summary).n > 0;
    const double delta = has_delta ? s.mean - ((*row.reference).*metric.summary).mean : 0;
    display.push_back(FormatSummary(s));
    values.push_back(CsvMean(s));
    values.push_back(CsvStd(s));
    values.push_back(has_delta ? CsvNumber(delta) : "");
    const MetricComparison* mc = row.comparison ? &((*row.comparison).*metric.comparison) : nullptr;
    const auto& ci = mc ? mc->ci : std::nullopt;
    const auto& test = mc ? mc->test : std::nullopt;
    const auto& ar = mc ? mc->randomization : std::nullopt;
    const auto& p_holm = holm.run_level[m][r];
    const auto& ar_holm = holm.sentence_level[m][r];
    std::string delta_cell = row.is_reference ? "" : "–";
    if (has_delta) {
      delta_cell = Signed(delta);
      if (ci) delta_cell += " [" + Signed(ci->low) + ", " + Signed(ci->high) + "]";
      if (p_holm && *p_holm < options.alpha) delta_cell += "†";
      if (ar_holm && *ar_holm < options.alpha) delta_cell += "‡";
    }
    display.push_back(delta_cell);
    display.push_back(row.comparison ? FormatP(p_holm) + " / " + FormatP(ar_holm)
                                     : (row.is_reference ? "" : "–"));
    values.push_back(ci ? CsvNumber(ci->mean_difference) : "");
    values.push_back(ci ? CsvNumber(ci->low) : "");
    values.push_back(ci ? CsvNumber(ci->high) : "");
    values.push_back(test ? CsvNumber(test->t) : "");
    values.push_back(test ? CsvNumber(test->df) : "");
    values.push_back(test ? CsvNumber(test->p) : "");
    values.push_back(p_holm ? CsvNumber(*p_holm) : "");
    values.push_back(flag(p_holm));
    values.push_back(ar ? CsvNumber(ar->difference) : "");
    values.push_back(ar ? CsvNumber(ar->p) : "");
    values.push_back(ar_holm ? CsvNumber(*ar_holm) : "");
    values.push_back(flag(ar_holm));
  }
}

void AppendStatisticsCells(const ComparedRow& row, const SignificanceOptions& options,
                           std::vector<std::string>& values) {
  const Comparison* c = row.comparison ? &*row.comparison : nullptr;
  values.push_back(c ? std::to_string(c->pairs) : "");
  values.push_back(c ? c->test_name : "");
  values.push_back(c && c->cross_validated ? CsvNumber(c->test_train_ratio) : "");
  values.push_back(c ? c->ratio_source : "");
  values.push_back(c && c->randomization_missing.empty() ? std::to_string(c->randomization_sentences) : "");
  values.push_back(c && c->randomization_missing.empty() ? std::to_string(options.randomization_rounds) : "");
  values.push_back(c ? std::to_string(options.bootstrap_resamples) : "");
  values.push_back(c ? CsvNumber(options.confidence) : "");
  values.push_back(c ? std::to_string(options.seed) : "");
  values.push_back(c ? c->randomization_missing : "");
}

std::vector<std::string> ComparisonNotes(const SignificanceOptions& options, const std::string& reference) {
  return {
      "Δ: difference of the means against " + reference +
          "; [lo, hi]: " + Fixed(options.confidence * 100, 0) +
          "% paired bootstrap CI of the mean difference over runs paired by fold and seed, or by fold alone "
          "where a note says so (" +
          std::to_string(options.bootstrap_resamples) + " resamples, seed " + std::to_string(options.seed) +
          ").",
      "p t / AR: Holm-adjusted p-values (Holm 1979, across this table's comparison rows, per column) of the "
      "run-level test (the corrected resampled t-test of Nadeau and Bengio 2003 for cross-validated corpora, "
      "a paired t-test over seeds on a fixed split) and of a sentence-level paired approximate randomization "
      "test on the pooled test predictions (Noreen 1989, " +
          std::to_string(options.randomization_rounds) +
          " rounds). † run-level, ‡ sentence-level: significant at " + Fixed(options.alpha, 2) +
          " after Holm. The CSV has every figure, unadjusted p-values included."};
}

}  // namespace dts::reports
