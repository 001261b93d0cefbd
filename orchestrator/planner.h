// Turns the sweep file into trials, stage by stage. Each stage is planned from the sweep config and the
// results of the stages before it, deterministically: re-planning on resume yields the same trial ids.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "orchestrator/config_resolver.h"
#include "orchestrator/sweep_config.h"
#include "schema/sweep_manifest.h"

namespace dts::orchestrator {

using schema::PlannedTrial;

// Trainable parameter count of a resolved trial config (normally `trial_command --config X --dry-run`).
using ParamCounter = std::function<long long(const TrialConfig&)>;

// Hash of the corpus named by data.path: a file's bytes, or a directory's files (sorted names and bytes).
// "none" when data.path is unset or missing (synthetic trials).
std::string DataFingerprint(const TrialConfig& base);

// Trial id: Hasher over (identity text, fold, seed, data fingerprint). The identity text is the trainer's
// canonical text of the config without data.fold, train.seed and trial.* (IdentityText in config_resolver.h).
std::string MakeTrialId(const std::string& identity_text, int fold, std::uint64_t seed,
                        const std::string& fingerprint);
// Groups a configuration's runs (every fold and seed): a hash of the identity text.
std::string MakeConfigId(const std::string& identity_text);

using schema::AshaRung;  // shared with the report (schema/sweep_manifest.h)
using schema::AshaRungName;

// A cross-validated corpus is split into data.folds folds; a fixed-split one has train/dev/test files.
bool IsCrossValidated(const SweepConfig& sweep);

// Search-stage configurations: every grid point or `budget` seeded random draws, constraints applied, no
// duplicates. Order is deterministic.
std::vector<TrialConfig> SearchPoints(const SweepConfig& sweep);

// An ablation variant and the extra shared layers it was given.
struct AblationChoice {
  std::string variant;  // no_ner_specific, no_re_specific, no_task_specific
  int extra_shared = 0;
  long long params = 0, target_params = 0;
  bool capped = false;  // the closest count needed more shared layers than sweep.max_shared_layers allows
};

struct StagePlan {
  std::vector<PlannedTrial> trials;
  std::vector<std::string> notes;  // human-readable planning decisions (printed, logged)
  std::vector<AblationChoice> ablation;
};

class Planner {
 public:
  Planner(const SweepConfig& sweep, std::string fingerprint, ParamCounter counter, ConfigResolver resolver);
  StagePlan PlanSearch() const;
  // `done`: the manifest's rows so far; ranks configurations by the mean dev score of their search trials.
  StagePlan PlanFinal(const std::vector<PlannedTrial>& done) const;
  StagePlan PlanAblation(const std::vector<PlannedTrial>& done) const;
  // Search configurations, best first: the highest ASHA rung reached (0 for grid and random), then the mean
  // dev score there over completed/diverged/promoted search trials (diverged = 0).
  std::vector<std::pair<std::string, double>> RankConfigs(const std::vector<PlannedTrial>& done) const;

 private:
  struct Run {
    TrialConfig config;
    std::string stage, variant;
    int fold = 0;
    std::uint64_t seed = 0;
  };
  // Resolves every distinct configuration of `runs` in one batch (parallel children), then makes the rows.
  std::vector<PlannedTrial> MakeAll(const std::vector<Run>& runs) const;
  const PlannedTrial* ConfigRow(const std::vector<PlannedTrial>& done, const std::string& config_id) const;

  const SweepConfig& sweep_;
  std::string fingerprint_;
  ParamCounter counter_;
  ConfigResolver resolver_;
};

}  // namespace dts::orchestrator
