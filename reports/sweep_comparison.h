// The comparison of sweeps: `dts-report A B [C ...] --out DIR`. One results table with a row per sweep,
// aligned by dataset (names compared as references.h does) and evaluation setting, each sweep's row being its
// selected final configuration (the best mean dev score, as in the sweep report) and every row after the
// first sweep's compared with it: Δ F1 with a paired bootstrap CI, the run-level test (corrected resampled t
// for folds, paired t for seeds), the sentence-level approximate randomization test when the predictions
// carry gold, all Holm-adjusted across the table's rows (comparison_table.h). Runs pair by (fold, seed), so
// sweeps compare when they ran the same folds and seeds: an LSTM sweep against a GRU sweep, this run against
// last month's. The published rows of each dataset and setting follow the sweeps' rows, without tests.
//
// Writes comparison.{md,tex,csv}, index.md and index.html into the output directory.
#pragma once

#include <string>
#include <vector>

#include "reports/comparison.h"
#include "reports/report.h"

namespace dts::reports {

struct ComparisonReportOptions {
  std::vector<std::string> sweep_dirs;  // at least two; the first is the one the others are compared with
  std::string out_dir;                  // required
  std::vector<std::string> reference_files;
  bool published_references = true;
  SignificanceOptions significance;
};

// Throws UsageError for fewer than two sweeps or no output directory, and what LoadSweep and the references
// throw (naming the directory or file).
ReportOutput WriteComparisonReport(const ComparisonReportOptions& options);

}  // namespace dts::reports
