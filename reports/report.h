// dts-report's library: reads a sweep directory and writes the paper's tables (Markdown, LaTeX, CSV), the
// search and theta_r plots (gnuplot SVG) and an index.md linking them into the output directory.
//
// What each table averages (all from DIR/sweep.h5 + DIR/trials/*.h5, nothing else):
// - results: per dataset, the test metrics of the "final" stage configuration with the best mean dev score.
//   A cross-validated dataset (its final runs span several folds, e.g. ADE) reports macro scores over folds;
//   a fixed-split dataset (CoNLL04) micro and macro scores over seeds. Cells are mean ± sample std with n;
//   a cell with fewer completed runs than planned says "3/10 folds".
// - hyperparameters: that configuration's keys (those the search varied, then model/train/optim), with its
//   trainable parameter count.
// - ablation: each "ablation" variant against the "baseline" variant: F1 and its change.
// - search: dev score per search configuration (top-k table, plot against layer counts and cell type) and the
//   theta_r curve of the selected configuration (plot).
#pragma once

#include <string>
#include <vector>

namespace dts::reports {

struct ReportOptions {
  std::string sweep_dir;
  std::string out_dir;                       // "" means sweep_dir/report
  std::vector<std::string> reference_files;  // CSV files of published results (see references.h)
  int top_k = 10;
  bool plots = true;  // false skips gnuplot (the data and scripts are still written)
};

struct ReportOutput {
  std::string out_dir;
  std::string summary;                // the main tables as Markdown, for stdout
  std::vector<std::string> files;     // every file written, relative to out_dir
  std::vector<std::string> warnings;  // skipped trial files, missing gnuplot, ...: each names its file
};

// Throws IoError for a directory that is not a sweep ("DIR: not a sweep directory (no sweep.h5)"), an
// unreadable manifest or an unwritable output directory, and InputError for a malformed references file.
ReportOutput WriteReport(const ReportOptions& options);

}  // namespace dts::reports
