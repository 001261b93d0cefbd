#include "orchestrator/sequential_search.h"

#include <numeric>
#include <set>

#include "config/stages.h"

namespace dts::orchestrator {

namespace {

bool IsSearchResult(const PlannedTrial& row) {
  return row.stage == config::kStageSearch && schema::HasResult(row.status);
}

search::RaceSettings RaceSettingsOf(const config::SweepConfig& sweep) {
  search::RaceSettings settings;
  settings.test = sweep.sweep.racing;
  settings.level = sweep.sweep.racing_level;
  settings.min_folds = sweep.sweep.racing_min_folds;
  return settings;
}

}  // namespace

SequentialSearch::SequentialSearch(const config::SweepConfig& sweep, const Planner& planner)
    : sweep_(sweep),
      planner_(planner),
      top_rung_(sweep.sweep.strategy == config::Strategy::kAsha
                    ? static_cast<int>(config::AshaRungEpochs(sweep.sweep).size()) - 1
                    : -1) {
  if (sweep.sweep.strategy != config::Strategy::kTpe && !ProposesAshaRungZero(sweep)) {
    points_ = SearchPoints(sweep);
    for (const auto& point : points_) point_ids_.push_back(planner.SearchRun(point, 0).config_id);
  }
}

int SequentialSearch::MaxRuns() const {
  if (top_rung_ >= 0) {
    // Every rung row the ASHA rule can plan (n, n/eta, n/eta^2, ...) and every fold of the top rung's ones.
    int rows = 0;
    int at_rung = ProposesAshaRungZero(sweep_) ? sweep_.sweep.budget : static_cast<int>(points_.size());
    for (int rung = 0; rung <= top_rung_; ++rung, at_rung /= sweep_.sweep.reduction_factor) rows += at_rung;
    return rows + (at_rung * sweep_.sweep.reduction_factor) * (planner_.SearchRuns() - 1);
  }
  const size_t configs = sweep_.sweep.strategy == config::Strategy::kTpe
                             ? static_cast<size_t>(sweep_.sweep.budget)
                             : points_.size();
  return static_cast<int>(configs) * planner_.SearchRuns();
}

int SequentialSearch::RunIndex(const PlannedTrial& row) const {
  if (sweep_.sweep.search_on == config::SearchOn::kFolds) return row.fold;
  return static_cast<int>(row.seed - static_cast<std::uint64_t>(sweep_.sweep.seed));
}

search::FoldScores SequentialSearch::Scores(const std::vector<PlannedTrial>& rows) const {
  search::FoldScores scores;
  for (const auto& row : rows)
    // ASHA then racing: a configuration's fold-0 score in the race is its top-rung one; lower rungs were
    // trained to smaller budgets than the other folds.
    if (IsSearchResult(row) &&
        (top_rung_ < 0 || AshaRung(row) == top_rung_ || row.variant == schema::kRaceVariant))
      scores[row.config_id][RunIndex(row)] =
          row.status == schema::TrialStatus::kDiverged ? 0.0 : row.dev_score;
  return scores;
}

search::Point SequentialSearch::PointOf(const config::TrainConfig& config) const {
  search::Point point;
  for (const auto& dim : sweep_.space) {
    const std::string value = config::TrainSchema().Get(config, dim.key);
    std::string written = value;
    // A list value as the sweep file writes it ("5e-4"), so points compare equal to the sampler's own.
    if (dim.kind == config::Dimension::Kind::kList) {
      for (const auto& candidate : dim.values) {
        config::TrainConfig probe = sweep_.base;
        config::SetSearched(probe, dim, candidate);
        if (config::TrainSchema().Get(probe, dim.key) == value) {
          written = candidate;
          break;
        }
      }
    }
    point.push_back(written);
  }
  return point;
}

std::optional<PlannedTrial> SequentialSearch::NextRace(const schema::SweepManifest& manifest) const {
  // Configurations join the race in the file order of their top-rung rows (the order they were promoted to
  // it), once that row has completed; a trial that diverged at the top rung has nothing to race with.
  std::vector<search::StartedConfig> started;
  std::map<std::string, size_t> position;
  std::vector<const PlannedTrial*> top_row;
  for (const auto& row : manifest.trials) {
    if (row.stage != config::kStageSearch || AshaRung(row) != top_rung_ ||
        row.status != schema::TrialStatus::kCompleted)
      continue;
    if (position.emplace(row.config_id, started.size()).second) {
      started.push_back({row.config_id, {row.fold}, false});
      top_row.push_back(&row);
    }
  }
  for (const auto& row : manifest.trials)
    if (row.stage == config::kStageSearch && row.variant == schema::kRaceVariant)
      if (const auto it = position.find(row.config_id); it != position.end())
        started[it->second].runs.insert(row.fold);
  for (const auto& e : manifest.eliminations)
    if (const auto it = position.find(e.config_id); it != position.end())
      started[it->second].eliminated = true;
  std::vector<int> order(static_cast<size_t>(planner_.SearchRuns()));
  std::iota(order.begin(), order.end(), 0);
  // Nothing to race yet: the ASHA rows (planned whole, in the coordinator's queue) come first.
  const auto next = search::NextRun(started, order);
  if (!next) return std::nullopt;
  return planner_.RaceRun(RowConfig(*top_row[next->first]), next->second);
}

std::optional<PlannedTrial> SequentialSearch::ProposeAshaRun(const schema::SweepManifest& manifest) const {
  // The configurations proposed so far: their rung-0 rows, in file order (proposal order).
  std::vector<const PlannedTrial*> proposed;
  std::set<std::string> seen;
  for (const auto& row : manifest.trials)
    if (row.stage == config::kStageSearch && AshaRung(row) == 0 && seen.insert(row.config_id).second)
      proposed.push_back(&row);
  if (proposed.size() >= static_cast<size_t>(sweep_.sweep.budget)) return std::nullopt;
  // Each configuration's score per rung (diverged: 0). The model is fitted at the highest rung where at
  // least one more configuration than the space has dimensions has a result, rung 0 until then: BOHB's rule
  // (Falkner et al. 2018), so that the few long runs steer it once there are enough of them.
  std::vector<std::map<std::string, std::pair<double, const PlannedTrial*>>> by_rung(
      static_cast<size_t>(std::max(top_rung_, 0) + 1));
  for (const auto& row : manifest.trials) {
    const int rung = AshaRung(row);
    if (row.stage != config::kStageSearch || rung < 0 || rung > top_rung_) continue;
    if (row.status == schema::TrialStatus::kCompleted || row.status == schema::TrialStatus::kPromoted ||
        row.status == schema::TrialStatus::kDiverged)
      by_rung[static_cast<size_t>(rung)][row.config_id] = {
          row.status == schema::TrialStatus::kDiverged ? 0.0 : row.dev_score, &row};
  }
  size_t fitted = 0;
  for (size_t k = by_rung.size(); k-- > 0;)
    if (by_rung[k].size() >= sweep_.space.size() + 1) {
      fitted = k;
      break;
    }
  std::vector<search::Observation> observations;
  for (const auto& [id, scored] : by_rung[fitted])
    observations.push_back({PointOf(RowConfig(*scored.second)), scored.first});
  std::set<search::Point> taken;
  for (const auto* row : proposed) taken.insert(PointOf(RowConfig(*row)));
  search::TpeSettings settings;
  settings.seed = static_cast<std::uint64_t>(sweep_.sweep.seed);
  settings.startup = sweep_.sweep.tpe_startup;
  const auto proposal = search::TpeSampler(sweep_, settings).Propose(proposed.size(), observations, taken);
  if (!proposal) return std::nullopt;
  return planner_.AshaRun(search::ConfigOf(sweep_, *proposal));
}

std::optional<PlannedTrial> SequentialSearch::Next(const schema::SweepManifest& manifest) const {
  if (top_rung_ >= 0) {
    // ASHA's rows before the race, as when rung 0 is planned whole: promotions are queued by the coordinator
    // ahead of anything asked for here, then new proposals, then race runs.
    if (ProposesAshaRungZero(sweep_))
      if (auto proposal = ProposeAshaRun(manifest)) return proposal;
    return NextRace(manifest);
  }
  // Configurations in start order, each with the runs already planned.
  std::vector<search::StartedConfig> started;
  std::map<std::string, size_t> position;
  std::vector<const PlannedTrial*> first_row;
  for (const auto& row : manifest.trials) {
    if (row.stage != "search") continue;
    auto [it, added] = position.emplace(row.config_id, started.size());
    if (added) {
      started.push_back({row.config_id, {}, false});
      first_row.push_back(&row);
    }
    started[it->second].runs.insert(RunIndex(row));
  }
  for (const auto& e : manifest.eliminations)
    if (position.count(e.config_id)) started[position[e.config_id]].eliminated = true;
  std::vector<int> order(static_cast<size_t>(planner_.SearchRuns()));
  std::iota(order.begin(), order.end(), 0);
  if (const auto next = search::NextRun(started, order))
    return planner_.SearchRun(RowConfig(*first_row[next->first]), next->second);
  // Every started configuration has all its runs: start a new one.
  if (sweep_.sweep.strategy != config::Strategy::kTpe) {
    for (size_t i = 0; i < points_.size(); ++i)
      if (!position.count(point_ids_[i])) return planner_.SearchRun(points_[i], 0);
    return std::nullopt;
  }
  if (started.size() >= static_cast<size_t>(sweep_.sweep.budget)) return std::nullopt;
  const search::FoldScores scores = Scores(manifest.trials);
  std::vector<search::Observation> observations;
  std::set<search::Point> taken;
  for (size_t i = 0; i < started.size(); ++i) {
    const search::Point point = PointOf(RowConfig(*first_row[i]));
    taken.insert(point);
    auto it = scores.find(started[i].id);
    if (it == scores.end() || it->second.empty()) continue;
    double total = 0;
    for (const auto& [fold, score] : it->second) total += score;
    observations.push_back({point, total / static_cast<double>(it->second.size())});
  }
  search::TpeSettings settings;
  settings.seed = static_cast<std::uint64_t>(sweep_.sweep.seed);
  settings.startup = sweep_.sweep.tpe_startup;
  const auto proposal = search::TpeSampler(sweep_, settings).Propose(started.size(), observations, taken);
  if (!proposal) return std::nullopt;
  return planner_.SearchRun(search::ConfigOf(sweep_, *proposal), 0);
}

std::vector<schema::RaceElimination> SequentialSearch::Race(const schema::SweepManifest& manifest) const {
  if (sweep_.sweep.racing == config::RacingTest::kOff) return {};
  std::set<std::string> eliminated;
  for (const auto& e : manifest.eliminations) eliminated.insert(e.config_id);
  return search::RaceStep(Scores(manifest.trials), eliminated, RaceSettingsOf(sweep_));
}

}  // namespace dts::orchestrator
