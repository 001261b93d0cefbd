// The builders of the sweep report's tables and plot sections (report.h says what each averages). WriteReport
// (report.cc) selects the configurations and calls them in the page's order; each builder lives in the
// report_*.cc file named beside it. Internal to dts_reports.
//
// A builder returning a ReportTable only builds it (report.cc writes it); one returning a string writes its
// table, data and gnuplot script into `out`, adds its plots to `plots` (rendered later, all at once) and
// returns its Markdown for index.md, "" when it has nothing to show.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/comparison.h"
#include "reports/groups.h"
#include "reports/output.h"
#include "reports/plots.h"
#include "reports/references.h"
#include "reports/sweep_data.h"

namespace dts::reports {

// The final stage of one dataset: its configurations and the one with the best mean dev score.
struct DatasetSelection {
  std::string dataset;
  const Group* final_group = nullptr;  // nullptr: no final stage for this dataset
  std::vector<Group> final_groups;
};

// One compared variant's paired differences, for the ablation plot.
struct AblationPoint {
  std::string dataset;
  std::string averaging;
  std::string variant;
  std::optional<BootstrapCi> ci[3];  // NER, RE, Mean
};

// report_progress.cc: trials per stage and status.
ReportTable ProgressTable(const SweepData& data);

// report_results.cc: the selected final configuration's test scores per dataset, with the published rows.
ReportTable ResultsTable(const std::vector<DatasetSelection>& selections,
                         const std::vector<ReferenceRow>& references);

// report_hyperparameters.cc: the keys the search of `dataset` varied (sorted; never a per-run key), and the
// selected configurations' hyperparameters (`searched`: the union over the datasets).
std::vector<std::string> SearchedKeys(const SweepData& data, const std::string& dataset);
ReportTable HyperparameterTable(const std::vector<DatasetSelection>& selections,
                                const std::vector<std::string>& searched);

// report_ablation.cc: each ablation variant against its dataset's baseline (appends the plotted differences
// to `points`), and the plot of those differences for one dataset.
ReportTable AblationTable(const SweepData& data, const std::vector<std::string>& datasets,
                          const SignificanceOptions& significance, std::vector<AblationPoint>& points);
std::string AblationPlotSection(const std::string& dataset, const std::vector<AblationPoint>& all,
                                const SignificanceOptions& significance, OutputDir& out,
                                std::vector<PlotSpec>& plots);

// report_learning_curves.cc: the dev learning curves of `group` (the selected final configuration).
std::string LearningCurveSection(const std::string& dataset, const Group* group, OutputDir& out,
                                 std::vector<PlotSpec>& plots);

// report_search.cc: the search of `dataset` (top-k table, dev score against layer counts), and the theta_r
// curve of `group`.
std::string SearchSection(const SweepData& data, const std::string& dataset,
                          const std::vector<std::string>& searched, int top_k, OutputDir& out,
                          std::vector<PlotSpec>& plots);
// Racing over folds (search_on = folds): which configuration was eliminated after which fold, by how much and
// with which p-value, against which incumbent, and the fold-trainings the race spent against full
// cross-validation of every configuration it started. "" when the manifest records no elimination.
std::string RacingSection(const SweepData& data, const std::string& dataset, OutputDir& out);
// Which searched dimensions mattered: per dimension, the mean score at each level and the variance it
// explains alone (epsilon squared), at the budget every configuration has (ASHA's rung 0, else the first
// run). "" with fewer than 6 scored configurations.
std::string ImportanceSection(const SweepData& data, const std::string& dataset,
                              const std::vector<std::string>& searched, OutputDir& out);

std::string ThetaSection(const std::string& dataset, const Group* group, OutputDir& out,
                         std::vector<PlotSpec>& plots);

}  // namespace dts::reports
