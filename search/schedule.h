// The scheduling rule of a search planned one run at a time (search_on = folds, strategy = tpe): finish what
// was started before starting anything new, so that racing sees full pairs early and a losing configuration
// costs racing_min_folds trainings, not all of them. dts-sweep's coordinator
// (orchestrator/sequential_search.h) and bench/search_replay both call it.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace dts::search {

struct StartedConfig {
  std::string id;
  std::set<int> runs;  // runs (folds, or seeds on one fold) already started, finished or not
  bool eliminated = false;
};

// The next run: {index into `started`, run} for the first configuration in start order that is not
// eliminated and has a run of `order` not started yet, with the first such run in `order`. nullopt: every
// started configuration has all its runs started (or is eliminated), so a new configuration should start.
std::optional<std::pair<std::size_t, int>> NextRun(const std::vector<StartedConfig>& started,
                                                   const std::vector<int>& order);

}  // namespace dts::search
