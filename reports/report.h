// dts-report's library: reads a sweep directory and writes the paper's tables (Markdown, LaTeX, CSV), the
// plots (gnuplot, SVG and PNG) and an index.md linking them, with index.html beside it: the same page with
// the tables and plots inline, self-contained. (Several sweeps side by side: sweep_comparison.h.)
//
// What each table averages (all from DIR/sweep.h5 + DIR/trials/*.h5, nothing else):
// - progress: per stage, the planned trials by status; a trial whose file is unreadable or another trial's
//   counts as "unreadable", a completed one whose file is gone as "missing" (sweep_data.h; each warned).
// - results: per dataset, the test metrics of the "final" stage configuration with the best mean dev score.
//   A cross-validated dataset (its final runs span several folds, e.g. ADE) reports macro scores over folds;
//   a fixed-split dataset (CoNLL04) micro and macro scores over seeds. Cells are mean ± sample std with n;
//   a cell with fewer completed runs than planned says "3/10 folds". Published rows of the same dataset and
//   evaluation setting (strict; micro or macro) follow; the display has one table per setting.
// - hyperparameters: that configuration's keys (those the search varied, then every [model] and [train] key;
//   never a per-run key: data.fold, train.seed, data.protocol, [trial]), with its trainable parameter count.
// - ablation: each "ablation" variant against the "baseline" variant: F1, its change with a paired bootstrap
//   CI, the p-values of a run-level test (corrected resampled t for folds, paired t for seeds) and of a
//   sentence-level approximate randomization test, Holm-adjusted across the table's rows (comparison.h);
//   a plot of each variant's Δ F1 with its CI.
// - learning curves: the selected final configuration's dev scores per epoch, mean ± std over its runs.
// - search: dev score per search configuration (top-k table, plot against layer counts and cell type) and the
//   theta_r curve of the selected configuration (plot).
#pragma once

#include <string>
#include <vector>

#include "reports/comparison.h"

namespace dts::reports {

struct ReportOptions {
  std::string sweep_dir;
  std::string out_dir;                       // "" means sweep_dir/report
  std::vector<std::string> reference_files;  // CSV files of published results (see references.h)
  bool published_references = true;          // the built-in rows of reports/references/published.csv
  int top_k = 10;
  bool plots = true;  // false skips gnuplot (the data and scripts are still written)
  SignificanceOptions significance;
};

struct ReportOutput {
  std::string out_dir;
  std::string summary;                // the trials' code versions and the main tables as Markdown, for stdout
  std::vector<std::string> files;     // every file written, relative to out_dir
  std::vector<std::string> warnings;  // skipped trial files, missing gnuplot, ...: each names its file
};

// Throws IoError for a directory that is not a sweep ("DIR: not a sweep directory (no sweep.h5)"), an
// unreadable manifest or an unwritable output directory, and InputError for a malformed references file.
ReportOutput WriteReport(const ReportOptions& options);

}  // namespace dts::reports
