#include "reports/sweep_data.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/error.h"
#include "reports/internal/schema_keys.h"

namespace dts::reports {

namespace fs = std::filesystem;

std::optional<double> TrialRecord::DevScore() const {
  if (plan.dev_score >= 0) return plan.dev_score;
  // A failed or unfinished run's partial dev score would rank configurations by luck of timing.
  if (!file || file->status != schema::TrialStatus::kCompleted || file->epochs.empty()) return std::nullopt;
  double best = file->epochs.front().dev_score;
  for (const auto& e : file->epochs) best = std::max(best, e.dev_score);
  return best;
}

namespace {

// "trial t7 (fold 1, seed 3)": what a trial file or a manifest row says a trial is.
std::string Identity(const std::string& trial_id, int fold, std::uint64_t seed) {
  return "trial " + trial_id + " (fold " + std::to_string(fold) + ", seed " + std::to_string(seed) + ")";
}

std::string DatasetFromConfig(const std::map<std::string, std::string>& config) {
  const auto format = config.find(Keys().data_format);
  if (format != config.end() && !format->second.empty() && format->second != Keys().format_json)
    return format->second;
  const auto path = config.find(Keys().data_path);
  if (path != config.end() && !path->second.empty()) return fs::path(path->second).stem().string();
  return "unknown";
}

}  // namespace

SweepData LoadSweep(const std::string& dir) {
  const fs::path manifest_path = fs::path(dir) / "sweep.h5";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError(dir, "not a directory");
  if (!fs::exists(manifest_path, ec)) throw IoError(dir, "not a sweep directory (no sweep.h5)");

  SweepData data;
  data.dir = dir;
  data.manifest = schema::ReadSweepManifest(manifest_path.string());

  // Read every trial file once, by id.
  std::map<std::string, schema::TrialFile> files;
  std::set<std::string> unreadable;
  const fs::path trials_dir = fs::path(dir) / "trials";
  if (fs::is_directory(trials_dir, ec)) {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(trials_dir, ec)) {
      // Only renamed (complete) files: a *.h5.tmp is a writer's work in progress or a killed writer's
      // leftover.
      if (entry.path().extension() == ".h5") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      const std::string id = path.stem().string();
      try {
        files.emplace(id, schema::ReadTrialFile(path.string()));
      } catch (const Error& e) {
        unreadable.insert(id);
        data.warnings.push_back(std::string(e.what()) + " (trial file skipped)");
      }
    }
  }
  // Files written before text checksums read as before, but damage to their text (predictions, configuration)
  // would go unnoticed: say how many results rest on such text.
  std::vector<std::string> unverified;
  if (!data.manifest.text_verified) unverified.push_back(manifest_path.string());
  int unverified_trials = 0;
  for (const auto& [id, file] : files) unverified_trials += file.text_verified ? 0 : 1;
  if (unverified_trials > 0) {
    unverified.push_back(std::to_string(unverified_trials) + " of " + std::to_string(files.size()) +
                         " trial files in " + trials_dir.string());
  }
  if (!unverified.empty()) {
    std::string which = unverified.front();
    if (unverified.size() > 1) which += " and " + unverified.back();
    data.warnings.push_back(which +
                            ": written before text checksums (docs/hdf5-schema.md), so their "
                            "text (predictions, configurations) is read unverified");
  }

  // ASHA: the index of each trial's highest rung row.
  std::map<std::string, size_t> highest_rung_row;
  for (size_t i = 0; i < data.manifest.trials.size(); ++i) {
    const auto& row = data.manifest.trials[i];
    const int rung = schema::AshaRung(row);
    if (rung < 0) continue;
    auto [it, inserted] = highest_rung_row.emplace(row.trial_id, i);
    if (!inserted && schema::AshaRung(data.manifest.trials[it->second]) < rung) it->second = i;
  }
  for (const auto& [id, i] : highest_rung_row)
    ++data.asha_highest_rung[schema::AshaRung(data.manifest.trials[i])];

  // Each file must be the trial its name says and, when planned, the one its manifest row plans (the rows of
  // one trial id agree on fold and seed). A file copied or renamed over another's would count twice.
  std::map<std::string, const schema::PlannedTrial*> plan_of;
  for (const auto& plan : data.manifest.trials) plan_of.emplace(plan.trial_id, &plan);
  for (auto it = files.begin(); it != files.end();) {
    const auto& [id, file] = *it;
    const auto plan = plan_of.find(id);
    const std::string held =
        (trials_dir / (id + ".h5")).string() + ": holds " + Identity(file.trial_id, file.fold, file.seed);
    if (plan != plan_of.end()) {
      const schema::PlannedTrial& p = *plan->second;
      if (file.trial_id == id && file.fold == p.fold && file.seed == p.seed) {
        ++it;
        continue;
      }
      data.warnings.push_back(held + ", but " + manifest_path.string() + " plans " +
                              Identity(p.trial_id, p.fold, p.seed) + " (trial file skipped)");
    } else if (file.trial_id != id) {
      data.warnings.push_back(held + ", not trial " + id + " as its name says (trial file skipped)");
    } else {
      ++it;
      continue;
    }
    unreadable.insert(id);
    it = files.erase(it);
  }

  std::set<std::string> planned;
  for (size_t i = 0; i < data.manifest.trials.size(); ++i) {
    const auto& plan = data.manifest.trials[i];
    if (schema::AshaRung(plan) >= 0 && highest_rung_row.at(plan.trial_id) != i) continue;
    TrialRecord record;
    record.plan = plan;
    const bool first = planned.insert(plan.trial_id).second;
    const auto file = files.find(plan.trial_id);
    if (file != files.end()) record.file = file->second;
    record.file_unreadable = unreadable.count(plan.trial_id) > 0;
    // A finished trial always has its file: one that is gone is missing, not completed.
    record.file_missing =
        !record.file && !record.file_unreadable && plan.status == schema::TrialStatus::kCompleted;
    if (record.file_missing && first) {
      data.warnings.push_back((trials_dir / (plan.trial_id + ".h5")).string() + ": missing, but " +
                              manifest_path.string() + " says trial " + plan.trial_id +
                              " completed (counted as missing)");
    }
    data.trials.push_back(std::move(record));
  }
  for (const auto& [id, file] : files) {
    if (planned.count(id)) continue;
    // A trial file the manifest does not list (e.g. copied in by hand): reported with its own labels.
    data.warnings.push_back((trials_dir / (id + ".h5")).string() +
                            ": not in the sweep manifest; included as stage '" + file.stage + "'");
    TrialRecord record;
    record.plan.trial_id = id;
    record.plan.stage = file.stage;
    record.plan.config_id = file.config_id.empty() ? id : file.config_id;
    record.plan.variant = file.variant;
    record.plan.fold = file.fold;
    record.plan.seed = file.seed;
    record.plan.status = file.status;
    record.plan.config_ini = file.config_ini;
    record.file = file;
    data.trials.push_back(std::move(record));
  }

  // Configuration and dataset of each record; a configuration's dataset is its trial files' dataset.
  std::map<std::string, std::string> dataset_of_config;
  for (auto& record : data.trials) {
    if (record.file) {
      record.config = record.file->config;
      if (!record.file->dataset.empty())
        dataset_of_config.emplace(record.plan.config_id, record.file->dataset);
    } else {
      try {
        record.config =
            schema::ParseConfigIni(record.plan.config_ini, "sweep.h5 trial " + record.plan.trial_id);
      } catch (const Error& e) {
        data.warnings.push_back(manifest_path.string() + ": " + e.what());
      }
    }
  }
  for (auto& record : data.trials) {
    const auto known = dataset_of_config.find(record.plan.config_id);
    record.dataset = known != dataset_of_config.end() ? known->second : DatasetFromConfig(record.config);
  }
  return data;
}

}  // namespace dts::reports
