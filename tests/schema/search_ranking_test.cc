// The one ranking rule the coordinator selects by and dts-status shows (schema/search_ranking.h).
#include "schema/search_ranking.h"

#include <gtest/gtest.h>

namespace dts::schema {
namespace {

PlannedTrial Row(const std::string& config_id, const std::string& variant, double dev,
                 TrialStatus status = TrialStatus::kCompleted, const std::string& stage = "search") {
  PlannedTrial row;
  row.trial_id = config_id + variant + std::to_string(dev);
  row.config_id = config_id;
  row.variant = variant;
  row.dev_score = dev;
  row.status = status;
  row.stage = stage;
  return row;
}

std::vector<std::string> Ids(const std::vector<RankedConfig>& ranked) {
  std::vector<std::string> ids;
  for (const auto& r : ranked) ids.push_back(r.config_id);
  return ids;
}

TEST(SearchRankingTest, CompleteFirstThenTheHighestRungThenTheMean) {
  // ASHA then racing over 4 folds (top rung 2): "survivor" has fold 0's top rung and 3 race runs (complete),
  // "eliminated" 2 race runs with a higher mean, "climbing" is at rung 1, "early" at rung 0 with the best
  // score of all.
  const std::vector<PlannedTrial> rows{
      Row("survivor", "rung0", 60, TrialStatus::kPromoted),
      Row("survivor", "rung1", 70, TrialStatus::kPromoted),
      Row("survivor", "rung2", 80),
      Row("survivor", "race", 78),
      Row("survivor", "race", 79),
      Row("survivor", "race", 77),
      Row("eliminated", "rung2", 85),
      Row("eliminated", "race", 84),
      Row("eliminated", "race", 83),
      Row("climbing", "rung1", 72),
      Row("early", "rung0", 90),
      Row("early", "rung1", 0, TrialStatus::kRunning),
      Row("other", "rung0", 95, TrialStatus::kCompleted, "final"),
  };
  const auto ranked = RankConfigs(rows, "search", 2, 4);
  EXPECT_EQ(Ids(ranked), (std::vector<std::string>{"survivor", "eliminated", "climbing", "early"}));
  EXPECT_TRUE(ranked[0].complete);
  EXPECT_EQ(ranked[0].results, 4);
  EXPECT_DOUBLE_EQ(ranked[0].mean_dev, (80 + 78 + 79 + 77) / 4.0);
  EXPECT_EQ(ranked[1].rung, 2);
  EXPECT_FALSE(ranked[1].complete);
  EXPECT_EQ(ranked[2].rung, 1);
  // Without completeness (a search on the dev set): the rung, then the mean.
  EXPECT_EQ(Ids(RankConfigs(rows, "search", 2, 0)),
            (std::vector<std::string>{"eliminated", "survivor", "climbing", "early"}));
  EXPECT_EQ(Ids(RankConfigs(rows, "final", 0, 0)), (std::vector<std::string>{"other"}));
}

TEST(SearchRankingTest, ADivergedRunCountsZeroAndTiesGoToTheSmallerId) {
  const std::vector<PlannedTrial> rows{Row("b", "", 70),
                                       Row("a", "", 70),
                                       Row("c", "", 90),
                                       Row("c", "", 50, TrialStatus::kDiverged),
                                       Row("d", "", 99, TrialStatus::kFailed),
                                       Row("e", "", 99, TrialStatus::kPlanned)};
  const auto ranked = RankConfigs(rows, "search", 0, 0);
  EXPECT_EQ(Ids(ranked), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_DOUBLE_EQ(ranked[2].mean_dev, 45);
}

}  // namespace
}  // namespace dts::schema
