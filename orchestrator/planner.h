// Turns the sweep file into trials, stage by stage. Each stage is planned from the sweep config and the
// results of the stages before it, deterministically: re-planning on resume yields the same trial ids.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "config/train_config.h"
#include "orchestrator/identity_base.h"
#include "schema/sweep_manifest.h"

namespace dts::orchestrator {

using schema::PlannedTrial;

// Trainable parameter count of a trial configuration: the one question that needs LibTorch, so it is asked
// of the trial command (MakeChildParamCounter in sweep.h).
using ParamCounter = std::function<long long(const config::TrainConfig&)>;

using schema::AshaRung;  // shared with the report (schema/sweep_manifest.h)
using schema::AshaRungName;

// A cross-validated corpus is split into data.folds folds; a fixed-split one has train/dev/test files.
bool IsCrossValidated(const config::SweepConfig& sweep);

// Search-stage configurations: every grid point or `budget` seeded random draws, constraints applied, no
// duplicates. Order is deterministic.
std::vector<config::TrainConfig> SearchPoints(const config::SweepConfig& sweep);

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

// The typed configuration of a manifest row. Rows written before the manifest stored every key hold only the
// keys the sweep set; the schema's defaults complete them to the same configuration.
config::TrainConfig RowConfig(const PlannedTrial& row);

// True when the search stage plans its trials one at a time as results come in (orchestrator/
// sequential_search.h): search_on = folds (racing or not), strategy = tpe, and asha with asha_sampler = tpe.
// Grid, random and asha's random rung 0 on the dev set are planned whole.
bool IsSequentialSearch(const config::SweepConfig& sweep);
// strategy = asha with asha_sampler = tpe: rung 0's configurations are proposed one at a time, not planned.
bool ProposesAshaRungZero(const config::SweepConfig& sweep);

class Planner {
 public:
  // `identity_base`: what trial ids take path values relative to (orchestrator/identity_base.h); a new
  // sweep's is SweepDirectoryBase(DIR).
  Planner(const config::SweepConfig& sweep, std::string fingerprint, ParamCounter counter,
          IdentityBase identity_base);
  // A resumed sweep directory may have been planned under another base (ChooseIdentityBase): set before the
  // first plan, since every id planned (and any SequentialSearch built on this planner) depends on it.
  void SetIdentityBase(IdentityBase identity_base) { identity_base_ = std::move(identity_base); }
  const IdentityBase& identity_base() const { return identity_base_; }
  const std::string& fingerprint() const { return fingerprint_; }
  // A sequential search (IsSequentialSearch) plans no trial here, only its notes.
  StagePlan PlanSearch() const;
  // Runs of one search configuration in a sequential search: every fold (search_on = folds, seed
  // sweep.seed) or search_seeds seeds on fold 0 (search_on = dev). SearchRun(config, k) is the k-th.
  int SearchRuns() const;
  PlannedTrial SearchRun(const config::TrainConfig& config, int k) const;
  // ASHA then racing (strategy = asha, search_on = folds): the run of a configuration that reached the top
  // rung on fold `fold` (>= 1) at the top rung's budget, variant schema::kRaceVariant, with its ASHA trial's
  // config_id. TopRungEpochs: that budget, the largest min_epochs * reduction_factor^k <= max_epochs.
  PlannedTrial RaceRun(const config::TrainConfig& config, int fold) const;
  // strategy = asha: a configuration's rung-0 row (fold 0, sweep.seed, its INI at max_epochs), as PlanSearch
  // plans it; asha_sampler = tpe proposes them one at a time.
  PlannedTrial AshaRun(const config::TrainConfig& config) const;
  int TopRungEpochs() const;
  // `done`: the manifest's rows so far; ranks configurations by the mean dev score of their search trials.
  // search_on = folds on a cross-validated corpus: a final run that is a completed search trial's run (same
  // configuration but data.protocol, fold, seed, and the epochs that trial trained) reuses it: its row
  // (variant schema::kReusedVariant, status completed) names that trial, whose file holds the test scores;
  // nothing is trained for it. `earlier`: the rows of an earlier run of this sweep; a final run trained there
  // keeps its own trial.
  StagePlan PlanFinal(const std::vector<PlannedTrial>& done,
                      const std::vector<PlannedTrial>& earlier = {}) const;
  StagePlan PlanAblation(const std::vector<PlannedTrial>& done) const;
  // Search configurations, best first, with their mean dev score: schema::RankConfigs
  // (schema/search_ranking.h) with this sweep's top ASHA rung and, for search_on = folds, a result on every
  // fold as complete.
  std::vector<std::pair<std::string, double>> RankConfigs(const std::vector<PlannedTrial>& done) const;

 private:
  struct Run {
    config::TrainConfig config;
    std::string stage, variant;
    int fold = 0;
    std::uint64_t seed = 0;
  };
  // The manifest rows of `runs`: ids from config/identity.h, the full canonical INI of each trial.
  std::vector<PlannedTrial> MakeAll(const std::vector<Run>& runs) const;
  // The search run of a grid point or draw on fold 0 with seed sweep.seed + seed_offset.
  Run SearchRunOf(const config::TrainConfig& point, int seed_offset) const;
  const PlannedTrial* ConfigRow(const std::vector<PlannedTrial>& done, const std::string& config_id) const;
  // The epochs a search row's trial was trained to: its ASHA rung's budget, else its INI's train.max_epochs.
  int TrainedEpochs(const PlannedTrial& row) const;
  void ReuseSearchRuns(const std::vector<PlannedTrial>& done, const std::vector<PlannedTrial>& earlier,
                       StagePlan& plan) const;

  const config::SweepConfig& sweep_;
  std::string fingerprint_;
  ParamCounter counter_;
  IdentityBase identity_base_;
};

}  // namespace dts::orchestrator
