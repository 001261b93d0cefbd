// The search stage of search_on = folds and of strategy = tpe: trials planned one at a time as results come
// in, and, with racing, configurations eliminated before their remaining folds.
//
// ASHA with asha_sampler = tpe (on the dev set or raced over folds): rung 0 is not planned whole; each new
// configuration is proposed here when a worker would otherwise idle, by TPE over the scores so far (the
// promotions stay the coordinator's, as for random draws).
//
// ASHA then racing (strategy = asha, search_on = folds): the coordinator runs ASHA's rungs on fold 0 as for
// ASHA on the dev set (planned whole, promoted as results come in); here, each configuration whose top-rung
// run completed joins a race over folds 1, 2, ... at the top rung's budget (Planner::RaceRun), in the order
// the configurations were promoted to the top rung, under the same NextRun rule and racing's eliminations.
// Its fold-0 score in the race is the top-rung one. Race runs are asked for only when the coordinator's
// queue has room, so ASHA's rows go first.
//
// Everything here is a function of the manifest's search rows (in file order) and its eliminations, so a
// resumed coordinator that re-reads them decides exactly what the one before it would have: no state of its
// own survives a restart, and none needs to.
//
// The scheduling rule is search::NextRun (search/schedule.h), which bench/search_replay replays: the lowest
// untried run (fold 0, 1, ..., or seed on the dev set) of the first configuration in start order that racing
// has not eliminated; only when every started configuration has all its runs started does a new configuration
// start (the next grid point or random draw, or the next TPE proposal).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "orchestrator/planner.h"
#include "schema/sweep_manifest.h"
#include "search/racing.h"
#include "search/schedule.h"
#include "search/tpe.h"

namespace dts::orchestrator {

class SequentialSearch {
 public:
  SequentialSearch(const config::SweepConfig& sweep, const Planner& planner);

  // The next search trial to run given the manifest so far, or nullopt when the stage has nothing new to
  // start (it ends once the running trials report).
  std::optional<PlannedTrial> Next(const schema::SweepManifest& manifest) const;

  // Racing's new eliminations given the manifest so far (none without racing). Diverged runs score 0.
  std::vector<schema::RaceElimination> Race(const schema::SweepManifest& manifest) const;

  // Runs of the whole search without any elimination: every configuration (grid points, random draws or
  // budget proposals) on every run. For the progress line's ETA, an upper bound.
  int MaxRuns() const;

  // Per configuration id, its dev score on each run with a result, keyed by RunIndex.
  search::FoldScores Scores(const std::vector<PlannedTrial>& rows) const;

 private:
  // Which of its configuration's runs a search row is: its fold, or (search_on = dev) its seed's offset.
  int RunIndex(const PlannedTrial& row) const;
  // ASHA then racing: the next race run, or nullopt when no configuration at the top rung has one left.
  std::optional<PlannedTrial> NextRace(const schema::SweepManifest& manifest) const;
  // asha_sampler = tpe: the next configuration's rung-0 row, proposed by TPE from the results so far, or
  // nullopt once `budget` configurations were proposed (or a finite space has none left).
  std::optional<PlannedTrial> ProposeAshaRun(const schema::SweepManifest& manifest) const;
  // The searched values of a configuration, as the TPE sampler writes points.
  search::Point PointOf(const config::TrainConfig& config) const;

  const config::SweepConfig& sweep_;
  const Planner& planner_;
  int top_rung_;  // ASHA then racing: the index of the top rung; -1 for every other search
  std::vector<config::TrainConfig> points_;  // grid and random: every configuration, in planning order
  std::vector<std::string> point_ids_;       // their config ids
};

}  // namespace dts::orchestrator
