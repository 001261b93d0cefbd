// The significance columns of a comparison table, shared by the ablation table (variants against their
// baseline) and the comparison of sweeps (each sweep against the first): F1 of each row, its difference from
// the reference row with the bootstrap CI and markers, the Holm-adjusted p-values of the run-level and the
// sentence-level test; and in the CSV every figure of comparison.h. docs/report.md lists the columns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/comparison.h"
#include "reports/groups.h"
#include "reports/table.h"

namespace dts::reports {

// One row of a comparison table before rendering (Holm's correction needs every row's p-values first).
struct ComparedRow {
  Aggregate agg;                         // this row's completed runs
  std::optional<Aggregate> reference;    // the row it is compared with; nullopt: no Δ (e.g. no baseline)
  bool is_reference = false;             // the reference row itself (empty comparison cells)
  std::optional<Comparison> comparison;  // the paired statistics against the reference
};

// Holm-adjusted p-values per row, per metric (NER, RE, Mean) and test, across all rows of one table.
struct HolmAdjusted {
  std::vector<std::vector<std::optional<double>>> run_level;  // [metric][row]
  std::vector<std::vector<std::optional<double>>> sentence_level;
};
HolmAdjusted AdjustAcrossRows(const std::vector<ComparedRow>& rows);

// Appends the per-metric columns (display: "NER F1", "Δ NER [95% CI]", "p NER t / AR", ...; values:
// ner_f1_mean ... mean_f1_ar_significant).
void AppendMetricColumns(Table& display, Table& values);
// Appends the per-row statistics columns of the CSV (pairs, test, ..., ar_missing).
void AppendStatisticsColumns(Table& values);

// Appends row `r`'s cells for the columns of AppendMetricColumns / AppendStatisticsColumns.
void AppendMetricCells(const std::vector<ComparedRow>& rows, std::size_t r, const HolmAdjusted& holm,
                       const SignificanceOptions& options, std::vector<std::string>& display,
                       std::vector<std::string>& values);
void AppendStatisticsCells(const ComparedRow& row, const SignificanceOptions& options,
                           std::vector<std::string>& values);

// The notes that explain the columns, for a table whose reference rows are `reference` ("the baseline").
std::vector<std::string> ComparisonNotes(const SignificanceOptions& options, const std::string& reference);

}  // namespace dts::reports
