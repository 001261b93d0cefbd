#include "search/schedule.h"

namespace dts::search {

std::optional<std::pair<std::size_t, int>> NextRun(const std::vector<StartedConfig>& started,
                                                   const std::vector<int>& order) {
  for (std::size_t i = 0; i < started.size(); ++i) {
    if (started[i].eliminated) continue;
    for (int run : order)
      if (!started[i].runs.count(run)) return std::make_pair(i, run);
  }
  return std::nullopt;
}

}  // namespace dts::search
