#include "reports/report.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "reports/groups.h"
#include "reports/internal/report_sections.h"
#include "reports/output.h"
#include "reports/references.h"
#include "reports/sweep_data.h"

namespace dts::reports {

namespace fs = std::filesystem;

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
    search += SearchSection(data, sel.dataset, searched_by_dataset[sel.dataset], options.top_k, out, plots);
    search += RacingSection(data, sel.dataset, out);
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
        << "Sweep directory `" << options.sweep_dir << "`, status **" << schema::Name(data.manifest.status)
        << "**, " << data.trials.size() << " planned trials, written by dts " << data.manifest.dts_version
        << ".\n\n";
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
