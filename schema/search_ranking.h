// Which configuration of a stage is the best so far: one rule, by which the coordinator selects
// (orchestrator/planner.cc: the final stage's and the ablation's configuration, racing's incumbent) and
// dts-status shows the provisional selection. HDF5-free; rows as the sweep manifest holds them.
#pragma once

#include <string>
#include <vector>

#include "schema/sweep_manifest.h"

namespace dts::schema {

struct RankedConfig {
  std::string config_id;
  int rung = 0;           // the highest ASHA rung with a result (a race row counts at the top rung); else 0
  double mean_dev = 0;    // over the results at that rung; a diverged run counts 0
  int results = 0;        // at that rung
  bool complete = false;  // complete_after > 0 and at least that many results
};

// The configurations of `stage` with a result (completed, promoted or diverged rows), best first: complete
// ones first (search_on = folds: a result on every fold, as racing's survivors have; complete_after = 0 turns
// this off), then the highest rung (ASHA), then the mean dev score there, then the smaller configuration id.
// `top_rung`: ASHA's top rung index, where race rows (variant kRaceVariant) count; 0 without ASHA.
std::vector<RankedConfig> RankConfigs(const std::vector<PlannedTrial>& rows, const std::string& stage,
                                      int top_rung, int complete_after);

}  // namespace dts::schema
