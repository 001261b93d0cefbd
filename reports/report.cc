#include "reports/report.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "config/stages.h"
#include "reports/groups.h"
#include "reports/internal/report_sections.h"
#include "reports/output.h"
#include "reports/references.h"
#include "reports/sweep_data.h"

namespace dts::reports {

namespace fs = std::filesystem;

namespace {

// The code versions (dts_version: the commit, "-dirty" for a modified tree, as of the build that ran it) the
// trials came from, each with its number of trials. A trial counts under the version that wrote its file and
// under every version that ran one of its attempts (a resumed trial may have two).
std::map<std::string, int> TrialVersions(const SweepData& data) {
  std::map<std::string, int> versions;
  std::set<std::string> seen;  // one trial file can serve two plan rows (the same run in two stages)
  for (const auto& record : data.trials) {
    if (!record.file || !seen.insert(record.file->trial_id).second) continue;
    std::set<std::string> mine;
    if (!record.file->dts_version.empty()) mine.insert(record.file->dts_version);
    for (const auto& attempt : record.file->attempts)
      if (!attempt.dts_version.empty()) mine.insert(attempt.dts_version);
    for (const auto& version : mine) ++versions[version];
  }
  return versions;
}

// "Trials' code: dts 0.1.0-4d63b39 (17 trials)"; a sweep whose trials ran different code gets a warning too,
// since its tables may then compare the code as much as the configurations.
std::string VersionLine(const std::map<std::string, int>& versions, std::vector<std::string>& warnings) {
  if (versions.empty()) return "Trials' code: no trial file read yet.";
  std::string list;
  for (const auto& [version, trials] : versions)
    list += (list.empty() ? "" : ", ") + version + " (" + std::to_string(trials) +
            (trials == 1 ? " trial)" : " trials)");
  if (versions.size() > 1) {
    warnings.push_back("the trials ran " + std::to_string(versions.size()) + " code versions: " + list +
                       "; results may differ by code as well as by configuration (dts-inspect names a "
                       "trial's version)");
  }
  return "Trials' code: dts " + list + ".";
}

}  // namespace

ReportOutput WriteReport(const ReportOptions& options) {
  const SweepData data = LoadSweep(options.sweep_dir);
  const std::vector<ReferenceRow> references =
      LoadReferences(options.published_references, options.reference_files);
  ReportOutput output;
  output.warnings = data.warnings;
  const std::string version_line = VersionLine(TrialVersions(data), output.warnings);
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
    sel.final_groups = GroupRecords(data, dataset, config::kStageFinal, false);
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
    search += ImportanceSection(data, sel.dataset, searched_by_dataset[sel.dataset], out);
    search += RacingSection(data, sel.dataset, out);
    const Group* theta_group = sel.final_group;
    std::vector<Group> search_groups;
    if (theta_group == nullptr) {  // no final stage yet: the best search configuration's curve
      search_groups = GroupRecords(data, sel.dataset, config::kStageSearch, false);
      theta_group = SelectBest(search_groups);
    }
    search += ThetaSection(sel.dataset, theta_group, out, plots);
  }
  if (options.plots) out.RenderPlots(plots, output.warnings);

  std::ostringstream index;
  index << "# Sweep report: " << data.manifest.sweep_name << "\n\n"
        << "Sweep directory `" << options.sweep_dir << "`, status **" << schema::Name(data.manifest.status)
        << "**, " << data.trials.size() << " planned trials, written by dts " << data.manifest.dts_version
        << ".\n\n"
        << version_line << "\n\n";
  if (!output.warnings.empty()) {
    index << "## Warnings\n\n";
    for (const auto& w : output.warnings) index << "- " << w << "\n";
    index << "\n";
  }
  index << index_tables;
  if (!curves.empty()) index << "## Final runs: dev learning curves\n\n" << curves;
  if (!search.empty()) index << "## Search overview\n\n" << search;
  out.WriteIndex(index.str(), "Sweep report: " + data.manifest.sweep_name);

  output.summary = version_line + "\n\n" + main_tables;
  output.files = out.files();
  return output;
}

}  // namespace dts::reports
