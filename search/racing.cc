#include "search/racing.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "stats/significance.h"

namespace dts::search {

namespace {

double Mean(const std::map<int, double>& folds) {
  double sum = 0;
  for (const auto& [fold, score] : folds) sum += score;
  return sum / static_cast<double>(folds.size());
}

}  // namespace

std::string Incumbent(const FoldScores& scores, const std::set<std::string>& eliminated,
                      const RaceSettings& settings) {
  std::string best;
  double best_mean = 0;
  std::size_t best_folds = 0;
  // The map iterates ids in ascending order, so a strict improvement test leaves ties with the smaller id.
  for (const auto& [id, folds] : scores) {
    if (eliminated.count(id) != 0) continue;
    if (folds.empty() || static_cast<int>(folds.size()) < settings.min_folds) continue;
    const double mean = Mean(folds);
    if (best.empty() || mean > best_mean || (mean == best_mean && folds.size() > best_folds)) {
      best = id;
      best_mean = mean;
      best_folds = folds.size();
    }
  }
  return best;
}

std::vector<Elimination> RaceStep(const FoldScores& scores, const std::set<std::string>& eliminated,
                                  const RaceSettings& settings) {
  std::vector<Elimination> out;
  if (settings.test == config::RacingTest::kOff) return out;
  const std::string incumbent = Incumbent(scores, eliminated, settings);
  if (incumbent.empty()) return out;
  const std::map<int, double>& reference = scores.at(incumbent);
  // A test needs two pairs whatever min_folds says (the sweep file already refuses fewer).
  const std::size_t needed = static_cast<std::size_t>(std::max(settings.min_folds, 2));
  for (const auto& [id, folds] : scores) {
    if (id == incumbent || eliminated.count(id) != 0) continue;
    std::vector<double> better, worse;
    int last_fold = -1;
    for (const auto& [fold, score] : folds) {
      const auto it = reference.find(fold);
      if (it == reference.end()) continue;
      better.push_back(it->second);
      worse.push_back(score);
      last_fold = std::max(last_fold, fold);
    }
    if (better.size() < needed) continue;
    const double p = OneSidedPairedP(settings.test, better, worse);
    if (!(p < settings.level)) continue;
    Elimination e;
    e.config_id = id;
    e.incumbent_id = incumbent;
    e.folds = static_cast<int>(better.size());
    e.after_fold = last_fold;
    double gap = 0;
    for (std::size_t i = 0; i < better.size(); ++i) gap += better[i] - worse[i];
    e.mean_gap = gap / static_cast<double>(better.size());
    e.p_value = p;
    out.push_back(std::move(e));
  }
  return out;
}

double OneSidedPairedP(config::RacingTest test, const std::vector<double>& better,
                       const std::vector<double>& worse) {
  if (better.size() != worse.size() || better.size() < 2)
    throw std::invalid_argument(
        "racing: a paired test needs two equally long score lists of at least 2, got " +
        std::to_string(better.size()) + " and " + std::to_string(worse.size()));
  switch (test) {
    case config::RacingTest::kOff:
      return 1;  // no test: nothing is ever significant
    case config::RacingTest::kTTest: {
      // stats::PairedTTest takes differences as b - a: better - worse here.
      const auto t = stats::PairedTTest(worse, better);
      if (t->variance == 0 && t->mean_difference == 0) return 1;  // every difference 0: no evidence
      return stats::StudentTOneSidedP(t->t, t->df);               // +inf (constant positive gap) gives 0
    }
    case config::RacingTest::kWilcoxon:
      return stats::WilcoxonSignedRankGreater(worse, better).p;
  }
  return 1;
}

}  // namespace dts::search
