#pragma once
// How many configurations asynchronous ASHA will promote out of one rung, for dts-status's ETA.
//
// The coordinator (orchestrator/coordinator.cc, PromoteAsha) promotes, after every result at a rung, each of
// the top floor(i / eta) of the i results so far that has not climbed yet. A configuration that was in that
// set once has climbed for good, so more than floor(n / eta) of a rung's n configurations climb: 15 of 36 on
// both real ADE searches at eta 3, where floor(n / eta) says 12, and 6 and 7 of 15 where it says 5.
#include <vector>

namespace dts::status {

// A result at the rung, listed best first by the score the coordinator ranks by.
enum class RungResult {
  kClimbed,   // promoted already
  kEligible,  // may still be promoted
  kStuck,     // never promoted (diverged: nothing to continue), but it holds its rank
};

struct PromotionForecast {
  double expected = 0;         // promotions in all, those made included
  double hi = 0;               // the range's top
  std::vector<double> chance;  // per ranked result: its chance to climb (1 climbed, 0 stuck)
};

// `ranked`: the rung's results so far, best first; `final_count`: how many results the rung will hold in the
// end (at least ranked.size()). The arrivals still to come are taken to be in random order of score: each
// lands at a uniform rank among the results so far. Then a result at rank r of i is overtaken by the next
// arrival with probability r / (i + 1), and the chance that it is ever in the top floor(i / eta) follows from
// a recursion over (i, r) from i = final_count down (O(final_count^2) time, O(final_count) memory).
// The top of the range adds twice the expected excess over the deterministic floor(final_count / eta): on a
// simulation of 4000 random orders that covers the 90th percentile (36 results: expected 13.8, 90th 16, top
// 17.5), and the real TPE search's 7 of 15 (expected 5.8, top 7.4), whose proposals improve as it goes.
PromotionForecast ForecastPromotions(const std::vector<RungResult>& ranked, int final_count, int eta);

}  // namespace dts::status
