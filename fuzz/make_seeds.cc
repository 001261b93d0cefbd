// Writes the HDF5 seed inputs of the trial-file and manifest fuzz targets with the repository's own writers:
//   dts-fuzz-make-seeds fuzz/corpus
// The results are committed under fuzz/corpus/{trial_file,sweep_manifest}/; rerun after a schema change.
#include <filesystem>
#include <iostream>

#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"

namespace {

dts::schema::TrialFile SmallTrial() {
  dts::schema::TrialFile trial;
  trial.trial_id = "0123456789abcdef";
  trial.status = dts::schema::TrialStatus::kCompleted;
  trial.config_ini = "[data]\nformat = json\n\n[model]\nhidden = 4\n\n[train]\nmax_epochs = 2\nseed = 1\n";
  trial.stage = "search";
  trial.config_id = "0123456789ab";
  trial.dataset = "json";
  trial.seed = 1;
  trial.data_fingerprint = "fp";
  trial.trainable_parameters = 10;
  trial.dts_version = "fuzz";
  trial.host = "h";
  trial.start_time = "2026-01-01T00:00:00Z";
  trial.end_time = "2026-01-01T00:00:01Z";
  trial.best_epoch = 1;
  trial.epochs_run = 2;
  trial.theta_r = 0.5;
  for (int epoch = 1; epoch <= 2; ++epoch) {
    dts::schema::EpochRow row;
    row.epoch = epoch;
    row.train_loss = 1.0 / epoch;
    row.dev_score = 10.0 * epoch;
    trial.epochs.push_back(row);
  }
  dts::schema::ThetaPoint point;
  point.theta = 0.5;
  point.re.f1_micro = 50;
  trial.theta_curve.push_back(point);
  dts::schema::SplitMetrics metrics;
  metrics.ner.per_type.push_back({"Drug", 1, 0, 0, 100, 100, 100});
  metrics.re.per_type.push_back({"Adverse-Effect", 0, 1, 1, 0, 0, 0});
  trial.test = metrics;  // dev has the same layout: leaving it out keeps the seed small
  trial.predictions.push_back(R"({"id":"a:0","tokens":["x"],"entities":[],"relations":[]})");
  trial.best_model = std::string("model");
  trial.resume = std::string("resume");
  return trial;
}

dts::schema::SweepManifest SmallManifest() {
  dts::schema::SweepManifest manifest;
  manifest.sweep_name = "fuzz";
  manifest.sweep_ini = "[sweep]\nname = fuzz\n";
  manifest.dts_version = "fuzz";
  dts::schema::PlannedTrial row;
  row.trial_id = "0123456789abcdef";
  row.stage = "search";
  row.config_id = "0123456789ab";
  row.variant = "rung0";
  row.status = dts::schema::TrialStatus::kCompleted;
  row.attempts = 1;
  row.seconds = 1.5;
  row.dev_score = 12.5;
  row.config_ini = "[model]\nhidden = 4\n";
  manifest.trials.push_back(row);
  row.trial_id = "fedcba9876543210";
  row.status = dts::schema::TrialStatus::kFailed;
  row.failure = "crashed: signal 11";
  manifest.trials.push_back(row);
  manifest.eliminations.push_back({"0123456789ab", "ba9876543210", 3, 2, 4.5, 0.01});  // racing's table
  return manifest;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dts-fuzz-make-seeds CORPUS_DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir / "trial_file");
  std::filesystem::create_directories(dir / "sweep_manifest");
  dts::schema::WriteTrialFile((dir / "trial_file" / "small.h5").string(), SmallTrial());
  dts::schema::WriteSweepManifest((dir / "sweep_manifest" / "small.h5").string(), SmallManifest());
  return 0;
}
