#include "schema/search_ranking.h"

#include <algorithm>
#include <map>

namespace dts::schema {

std::vector<RankedConfig> RankConfigs(const std::vector<PlannedTrial>& rows, const std::string& stage,
                                      int top_rung, int complete_after) {
  struct Sum {
    int rung = -1;
    double total = 0;
    int count = 0;
  };
  std::map<std::string, Sum> sums;  // by id: ties in everything else go to the smaller id
  for (const auto& row : rows) {
    if (row.stage != stage || !HasResult(row.status)) continue;
    // A configuration's evidence is its highest rung; grid and random rows are all rung 0.
    const int rung = row.variant == kRaceVariant ? top_rung : std::max(0, AshaRung(row));
    Sum& sum = sums[row.config_id];
    if (rung < sum.rung) continue;
    if (rung > sum.rung) sum = Sum{rung, 0, 0};
    sum.total += row.status == TrialStatus::kDiverged ? 0.0 : std::max(0.0, row.dev_score);
    sum.count += 1;
  }
  std::vector<RankedConfig> ranked;
  ranked.reserve(sums.size());
  for (const auto& [id, sum] : sums)
    ranked.push_back(
        {id, sum.rung, sum.total / sum.count, sum.count, complete_after > 0 && sum.count >= complete_after});
  std::stable_sort(ranked.begin(), ranked.end(), [](const RankedConfig& a, const RankedConfig& b) {
    if (a.complete != b.complete) return a.complete;
    if (a.rung != b.rung) return a.rung > b.rung;
    return a.mean_dev > b.mean_dev;
  });
  return ranked;
}

}  // namespace dts::schema
