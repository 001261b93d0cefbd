// DIR/sweep.h5: the sweep manifest. Written by the coordinator (orchestrator/), read by dts-report
// (reports/). Every HDF5 name used here is declared in schema/trial_schema.h (with the trial-file names); see
// docs/hdf5-schema.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "schema/trial_status.h"

namespace dts::schema {

inline constexpr int kSweepSchemaVersion = 1;

// One planned trial. Ids follow config/identity.h: `trial_id` hashes (identity text, fold, seed, data
// fingerprint); the trial's file is DIR/trials/<trial_id>.h5.
struct PlannedTrial {
  std::string trial_id;
  std::string stage;      // "search", "final", "ablation"
  std::string config_id;  // hash of the identity text: groups a configuration's runs (every fold and seed)
  std::string variant;    // ablation variant ("baseline", "no_ner_specific", ...) or "" elsewhere
  int fold = 0;
  std::uint64_t seed = 0;
  TrialStatus status = TrialStatus::kPlanned;
  std::string failure;  // last failure class and message, "" if none
  int attempts = 0;
  double seconds = 0;     // wall time of the last attempt
  double dev_score = -1;  // the early-stopping score on dev (0..100), -1 if unknown
  // The trial's configuration as canonical INI text. Since the sweep resolves configurations in process it
  // holds every key, defaults included; manifests written before hold only the keys the sweep set (fold,
  // seed, labels and the sweep's own), which the schema's defaults complete to the same configuration.
  std::string config_ini;
};

// A configuration eliminated by racing over folds (search/racing.h decides it; the manifest keeps it so that
// a resumed sweep does not train its remaining folds and the report can say why it stopped).
struct RaceElimination {
  std::string config_id;
  std::string incumbent_id;  // the configuration it lost to
  int folds = 0;             // paired folds the test used
  int after_fold = -1;       // the highest fold index among them
  double mean_gap = 0;       // incumbent minus eliminated, mean over the paired folds (F1 points)
  double p_value = 1;        // one-sided: the incumbent is better
};

// One attempt of a trial as the coordinator saw it: where it ran and how it ended, so that a bad node can be
// named from the manifest alone (DIR/sweep.h5 /attempts).
struct AttemptRecord {
  std::string trial_id;
  std::string stage;
  std::string variant;  // the row's variant (an ASHA rung: "rung1")
  int attempt = 0;      // the row's attempt count when it started (1 for the first)
  int rank = -1;
  std::string host;
  long pid = 0;            // the trial child's, 0 if it never started
  std::string start_time;  // ISO 8601 UTC
  double seconds = 0;
  std::string outcome;  // "completed", a FailureClass name, or "lost" (its rank went silent)
  std::string message;
};

struct SweepManifest {
  std::string sweep_name;
  std::string sweep_ini;                       // the sweep file's text as given
  TrialStatus status = TrialStatus::kRunning;  // of the sweep: running, completed, interrupted or failed
  std::string dts_version;
  // The identity_base attribute: "" when trial ids take path values relative to the sweep directory, else the
  // legacy working directory they were made relative to; nullopt for a manifest written before it existed
  // (the coordinator then works it out from the ids: orchestrator/identity_base.h).
  std::optional<std::string> identity_base;
  // The worker ranks of the run that wrote it (its communicator's size - 1): what dts-status divides the work
  // left by. 0 in manifests written before it (the attribute `workers` is then absent).
  int workers = 0;
  std::vector<PlannedTrial> trials;
  std::vector<RaceElimination> eliminations;  // in the order they were decided
  std::vector<AttemptRecord> attempts;        // in the order they ended
  // Set by ReadSweepManifest: false for a manifest written before text checksums (/text_checksums), whose
  // text (configurations, statuses) is read unverified.
  bool text_verified = false;
};

// Writes to PATH.tmp, fsyncs, renames over PATH: a reader never sees half a manifest.
void WriteSweepManifest(const std::string& path, const SweepManifest& manifest);
// Throws IoError naming the path for a missing, corrupt or foreign file (wrong schema version).
SweepManifest ReadSweepManifest(const std::string& path);

// ASHA search rows carry their rung in the variant column ("rung0", "rung1", ...): a trial has one row per
// rung it reached, all with the same trial id (and trial file). AshaRung is -1 for any other row.
int AshaRung(const PlannedTrial& row);
std::string AshaRungName(int rung);

// ASHA then racing (strategy = asha, search_on = folds): a search row on a fold after the first, trained at
// the top rung's budget for the race over folds.
inline constexpr char kRaceVariant[] = "race";
// A final-stage row served by the search stage's trial of the same run (same configuration, fold, seed and
// epochs on a cross-validated corpus, where data.protocol = final trains exactly what dev does): its
// trial_id is that search trial's, and no training is done for it (orchestrator/planner.h, PlanFinal).
inline constexpr char kReusedVariant[] = "reused";

}  // namespace dts::schema
