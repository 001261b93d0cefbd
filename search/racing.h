// Racing over folds (search_on = folds): a configuration is trained fold by fold in a fixed order; after each
// result, every configuration whose paired fold scores are worse than the incumbent's by a one-sided paired
// test is eliminated, and its remaining folds are never trained. In the spirit of F-race (Birattari et al.
// 2002) and irace's racing (Lopez-Ibanez et al. 2016), with the incumbent as the one reference.
//
// Pure functions over numbers: the coordinator (orchestrator/) and bench/search_replay call the same rule.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "schema/sweep_manifest.h"

namespace dts::search {

// Per configuration id, its dev score (0..100) on each fold trained so far; a diverged trial scores 0.
using FoldScores = std::map<std::string, std::map<int, double>>;

struct RaceSettings {
  config::RacingTest test = config::RacingTest::kTTest;
  double level = 0.05;  // eliminate when p < level
  int min_folds = 3;    // paired folds needed before a test
};

// One elimination, as the manifest records it and the report shows it: config_id, incumbent_id (the
// configuration it lost to), folds (paired folds the test used), after_fold (the highest fold index among
// them), mean_gap (incumbent minus eliminated, mean over the paired folds, F1 points), p_value (one-sided:
// the incumbent is better). The type is the manifest's (schema/sweep_manifest.h, a plain struct).
using Elimination = schema::RaceElimination;

// The incumbent: among configurations not in `eliminated` with at least min_folds scores, the best mean over
// its own folds; ties: more folds, then the smaller id. Empty when there is none.
std::string Incumbent(const FoldScores& scores, const std::set<std::string>& eliminated,
                      const RaceSettings& settings);

// One pass of the rule over the results so far: every configuration not in `eliminated` (other than the
// incumbent) whose folds paired with the incumbent's number at least min_folds and whose one-sided p-value
// (incumbent better) is below level. A pure function of its arguments, in config id order, so a resumed
// sweep that re-reads the same results decides the same. With test = kOff it returns nothing.
std::vector<Elimination> RaceStep(const FoldScores& scores, const std::set<std::string>& eliminated,
                                  const RaceSettings& settings);

// The one-sided p-value of "better > worse" for paired scores (equal lengths >= 2), by `test`: Student's
// paired t (p = 0 when every difference is the same positive number, 1 when all are 0), or the exact
// Wilcoxon signed-rank distribution (zero differences dropped, ties given mid-ranks; exact enumeration of the
// 2^n sign patterns for n <= 20, the normal approximation with continuity and tie correction above).
double OneSidedPairedP(config::RacingTest test, const std::vector<double>& better,
                       const std::vector<double>& worse);

}  // namespace dts::search
