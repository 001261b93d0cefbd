#include "search/schedule.h"

#include <gtest/gtest.h>

namespace dts::search {
namespace {

using Next = std::optional<std::pair<std::size_t, int>>;

TEST(ScheduleTest, FinishesStartedConfigurationsInStartOrderBeforeStartingNewOnes) {
  const std::vector<int> order{0, 1, 2};
  EXPECT_EQ(NextRun({}, order), Next()) << "nothing started: start a configuration";
  std::vector<StartedConfig> started{{"a", {0, 1}, false}, {"b", {0}, false}};
  EXPECT_EQ(NextRun(started, order), Next({0, 2})) << "the first started configuration goes first";
  started[0].runs.insert(2);
  EXPECT_EQ(NextRun(started, order), Next({1, 1}));
  started[1].eliminated = true;
  EXPECT_EQ(NextRun(started, order), Next()) << "an eliminated configuration runs nothing more";
}

TEST(ScheduleTest, FollowsTheGivenRunOrderAndItsRunsOnly) {
  const std::vector<StartedConfig> started{{"a", {3}, false}};
  EXPECT_EQ(NextRun(started, {3, 1, 0}), Next({0, 1})) << "the first run of the order not started";
  EXPECT_EQ(NextRun(started, {3}), Next()) << "runs outside the order are not planned";
}

}  // namespace
}  // namespace dts::search
