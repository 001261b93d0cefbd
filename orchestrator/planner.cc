#include "orchestrator/planner.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "common/error.h"
#include "common/hash.h"
#include "common/params.h"
#include "config/identity.h"
#include "config/stages.h"
#include "schema/search_ranking.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

namespace {

// Uniform double in [0, 1) from 53 random bits: unlike std::uniform_real_distribution, the same on every
// standard library, so a seeded random sweep plans the same trials everywhere.
double Unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

bool IsCrossValidated(const config::SweepConfig& sweep) {
  switch (sweep.sweep.corpus) {
    case config::CorpusKind::kCrossValidated:
      return true;
    case config::CorpusKind::kFixedSplit:
      return false;
    case config::CorpusKind::kAuto:
      break;
  }
  if (sweep.base.data.format == config::CorpusFormat::kAde) return true;
  const std::string& path = sweep.base.data.path;
  std::error_code ec;
  if (path.empty() || !fs::exists(path, ec))
    throw ConfigError(
        sweep.path, "sweep.corpus",
        "sweep.corpus = auto needs an existing data.path; set sweep.corpus to cross_validated or "
        "fixed_split");
  return !fs::is_directory(path, ec);
}

bool IsSequentialSearch(const config::SweepConfig& sweep) {
  return sweep.sweep.search_on == config::SearchOn::kFolds ||
         sweep.sweep.strategy == config::Strategy::kTpe || ProposesAshaRungZero(sweep);
}

bool ProposesAshaRungZero(const config::SweepConfig& sweep) {
  return sweep.sweep.strategy == config::Strategy::kAsha &&
         sweep.sweep.asha_sampler == config::AshaSampler::kTpe;
}

std::vector<config::TrainConfig> SearchPoints(const config::SweepConfig& sweep) {
  std::vector<config::TrainConfig> points;
  std::set<std::string> seen;
  auto add = [&](config::TrainConfig config) {
    if (!config::SatisfiesConstraints(sweep, config)) return;
    if (seen.insert(config::TrainSchema().CanonicalIni(config)).second) points.push_back(std::move(config));
  };
  if (sweep.sweep.strategy == config::Strategy::kGrid) {
    // Values per dimension; the grid is their product in file order, last dimension fastest.
    std::vector<std::vector<std::string>> values;
    for (const auto& dim : sweep.space) {
      if (dim.kind == config::Dimension::Kind::kList) {
        values.push_back(dim.values);
      } else {
        std::vector<std::string> range;
        for (long long v = static_cast<long long>(dim.lo); v <= static_cast<long long>(dim.hi); ++v)
          range.push_back(std::to_string(v));
        values.push_back(range);
      }
    }
    std::vector<size_t> index(values.size(), 0);
    for (;;) {
      config::TrainConfig config = sweep.base;
      for (size_t d = 0; d < values.size(); ++d)
        config::SetSearched(config, sweep.space[d], values[d][index[d]]);
      add(std::move(config));
      size_t d = values.size();
      while (d > 0) {
        --d;
        if (++index[d] < values[d].size()) break;
        index[d] = 0;
        if (d == 0) return points;
      }
      if (values.empty()) return points;
    }
  }
  std::mt19937_64 rng(static_cast<std::uint64_t>(sweep.sweep.seed));
  const long long max_draws = 1000LL * sweep.sweep.budget;
  for (long long draw = 0; draw < max_draws && points.size() < static_cast<size_t>(sweep.sweep.budget);
       ++draw) {
    config::TrainConfig config = sweep.base;
    for (const auto& dim : sweep.space) {
      const double u = Unit(rng);
      std::string value;
      switch (dim.kind) {
        case config::Dimension::Kind::kList:
          value = dim.values[std::min(dim.values.size() - 1, static_cast<size_t>(u * dim.values.size()))];
          break;
        case config::Dimension::Kind::kInt: {
          const long long n = static_cast<long long>(dim.hi - dim.lo) + 1;
          value =
              std::to_string(static_cast<long long>(dim.lo) + std::min(n - 1, static_cast<long long>(u * n)));
          break;
        }
        case config::Dimension::Kind::kReal:
          value = FormatDouble(dim.lo + u * (dim.hi - dim.lo));
          break;
        case config::Dimension::Kind::kLogReal:
          value = FormatDouble(std::exp(std::log(dim.lo) + u * (std::log(dim.hi) - std::log(dim.lo))));
          break;
      }
      config::SetSearched(config, dim, value);
    }
    add(std::move(config));
  }
  return points;
}

Planner::Planner(const config::SweepConfig& sweep, std::string fingerprint, ParamCounter counter,
                 IdentityBase identity_base)
    : sweep_(sweep),
      fingerprint_(std::move(fingerprint)),
      counter_(std::move(counter)),
      identity_base_(std::move(identity_base)) {}

std::vector<PlannedTrial> Planner::MakeAll(const std::vector<Run>& runs) const {
  std::vector<PlannedTrial> trials;
  for (const Run& run : runs) {
    config::TrainConfig config = run.config;
    config.data.fold = run.fold;
    config.train.seed = static_cast<int>(run.seed);
    config.trial.stage = run.stage;
    config.trial.variant = run.variant.empty() ? "none" : run.variant;
    config::Validate(config);
    // An ASHA search trial is the same trial at every rung: its id leaves the epoch budget out.
    // A race run (ASHA then racing) leaves it out too: its config_id must be its ASHA trial's, so that
    // racing and the report see one configuration over every fold.
    const bool asha = run.stage == config::kStageSearch && sweep_.sweep.strategy == config::Strategy::kAsha;
    const std::string identity = identity_base_.Text(config, /*without_max_epochs=*/asha);
    PlannedTrial trial;
    trial.trial_id = config::TrialId(identity, run.fold, run.seed, fingerprint_);
    trial.config_id = config::ConfigId(identity);
    trial.stage = run.stage;
    trial.variant = asha && run.variant.empty() ? AshaRungName(0) : run.variant;
    trial.fold = run.fold;
    trial.seed = run.seed;
    trial.status = schema::TrialStatus::kPlanned;
    trial.config_ini = config::TrainSchema().CanonicalIni(config);
    trials.push_back(std::move(trial));
  }
  return trials;
}

StagePlan Planner::PlanSearch() const {
  StagePlan plan;
  const auto points = SearchPoints(sweep_);
  if (points.empty())
    throw ConfigError(sweep_.path, "space", "the search space is empty once [constraints] are applied");
  // ASHA then racing plans its rungs on fold 0 whole, like ASHA on the dev set (below); only its race over
  // the other folds is planned one run at a time (SequentialSearch).
  const bool asha = sweep_.sweep.strategy == config::Strategy::kAsha;
  if (IsSequentialSearch(sweep_) && !asha) {
    const bool folds = sweep_.sweep.search_on == config::SearchOn::kFolds;
    if (folds && !IsCrossValidated(sweep_))
      throw ConfigError(sweep_.path, "sweep.search_on",
                        "sweep.search_on = folds needs a cross-validated corpus (this one is a fixed split)");
    std::ostringstream note;
    note << "search: "
         << (sweep_.sweep.strategy == config::Strategy::kTpe
                 ? "tpe, up to " + std::to_string(sweep_.sweep.budget) + " proposals (the first " +
                       std::to_string(std::min(sweep_.sweep.tpe_startup, sweep_.sweep.budget)) + " at random)"
                 : std::to_string(points.size()) + " configurations")
         << ", each on "
         << (folds ? "folds 0.." + std::to_string(SearchRuns() - 1) + " in order"
                   : std::to_string(SearchRuns()) + " seeds on fold 0")
         << ", data.protocol = dev, planned one run at a time";
    plan.notes.push_back(note.str());
    if (sweep_.sweep.racing != config::RacingTest::kOff) {
      std::ostringstream race;
      race << "racing: "
           << (sweep_.sweep.racing == config::RacingTest::kTTest ? "paired t-test" : "Wilcoxon signed-rank")
           << ", one-sided, p < " << sweep_.sweep.racing_level << " after at least "
           << sweep_.sweep.racing_min_folds << " paired folds eliminates a configuration";
      plan.notes.push_back(race.str());
    }
    return plan;
  }
  const bool race = sweep_.sweep.search_on == config::SearchOn::kFolds;
  if (race && !IsCrossValidated(sweep_))
    throw ConfigError(sweep_.path, "sweep.search_on",
                      "sweep.search_on = folds needs a cross-validated corpus (this one is a fixed split)");
  const bool proposed = ProposesAshaRungZero(sweep_);
  if (proposed) {
    // Rung 0 is proposed one configuration at a time as results come in (SequentialSearch::Next).
    plan.notes.push_back("asha: up to " + std::to_string(sweep_.sweep.budget) +
                         " configurations proposed one at a time by tpe (the first " +
                         std::to_string(std::min(sweep_.sweep.tpe_startup, sweep_.sweep.budget)) +
                         " at random), fold 0, data.protocol = dev");
  } else {
    std::vector<Run> runs;
    for (const auto& point : points)
      for (int s = 0; s < sweep_.sweep.search_seeds; ++s) runs.push_back(SearchRunOf(point, s));
    plan.trials = MakeAll(runs);
    plan.notes.push_back(std::to_string(points.size()) + " search configurations x " +
                         std::to_string(sweep_.sweep.search_seeds) + " seeds, fold 0, data.protocol = dev");
  }
  if (asha) {
    std::string rungs;
    for (int epochs : config::AshaRungEpochs(sweep_.sweep))
      rungs += (rungs.empty() ? "" : ", ") + std::to_string(epochs);
    plan.notes.push_back("asha: rungs of " + rungs + " epochs; the top 1/" +
                         std::to_string(sweep_.sweep.reduction_factor) + " of each rung is promoted");
  }
  if (race) {
    std::ostringstream note;
    note << "asha then race: every configuration that reaches the top rung on fold 0 goes on to folds 1.."
         << SearchRuns() - 1 << " in order at " << TopRungEpochs() << " epochs, planned one run at a time";
    if (sweep_.sweep.racing != config::RacingTest::kOff)
      note << "; racing ("
           << (sweep_.sweep.racing == config::RacingTest::kTTest ? "paired t-test" : "Wilcoxon") << ", p < "
           << sweep_.sweep.racing_level << ", at least " << sweep_.sweep.racing_min_folds
           << " paired folds) eliminates a configuration before its remaining folds";
    plan.notes.push_back(note.str());
  }
  return plan;
}

Planner::Run Planner::SearchRunOf(const config::TrainConfig& point, int seed_offset) const {
  config::TrainConfig config = point;
  config.data.protocol = config::Protocol::kDev;
  // ASHA: the INI says the full budget (what a final-stage run of this configuration trains); each rung's
  // budget comes as a --train.max_epochs override, so the INI and the trial id stay the same across rungs.
  if (sweep_.sweep.strategy == config::Strategy::kAsha) config.train.max_epochs = sweep_.sweep.max_epochs;
  return {config, config::kStageSearch, "", 0, static_cast<std::uint64_t>(sweep_.sweep.seed + seed_offset)};
}

PlannedTrial Planner::AshaRun(const config::TrainConfig& point) const {
  return MakeAll({SearchRunOf(point, 0)}).front();
}

int Planner::TopRungEpochs() const { return config::AshaRungEpochs(sweep_.sweep).back(); }

PlannedTrial Planner::RaceRun(const config::TrainConfig& point, int fold) const {
  config::TrainConfig config = point;
  config.data.protocol = config::Protocol::kDev;
  // The INI says the budget it trains to: a race run is never promoted, so it needs no override.
  config.train.max_epochs = TopRungEpochs();
  return MakeAll({{config, config::kStageSearch, schema::kRaceVariant, fold,
                   static_cast<std::uint64_t>(sweep_.sweep.seed)}})
      .front();
}

int Planner::SearchRuns() const {
  return sweep_.sweep.search_on == config::SearchOn::kFolds ? sweep_.base.data.folds
                                                            : sweep_.sweep.search_seeds;
}

PlannedTrial Planner::SearchRun(const config::TrainConfig& point, int k) const {
  config::TrainConfig config = point;
  config.data.protocol = config::Protocol::kDev;
  const bool folds = sweep_.sweep.search_on == config::SearchOn::kFolds;
  return MakeAll({{config, config::kStageSearch, "", folds ? k : 0,
                   static_cast<std::uint64_t>(sweep_.sweep.seed + (folds ? 0 : k))}})
      .front();
}

std::vector<std::pair<std::string, double>> Planner::RankConfigs(
    const std::vector<PlannedTrial>& done) const {
  // search_on = folds: a configuration is complete with a result on every fold; racing's eliminated ones and
  // any cut short never are. ASHA then racing: a race run is evidence at the top rung.
  const bool folds = sweep_.sweep.search_on == config::SearchOn::kFolds;
  const int top_rung = sweep_.sweep.strategy == config::Strategy::kAsha
                           ? static_cast<int>(config::AshaRungEpochs(sweep_.sweep).size()) - 1
                           : 0;
  std::vector<std::pair<std::string, double>> ranked;
  for (const schema::RankedConfig& config :
       schema::RankConfigs(done, config::kStageSearch, top_rung, folds ? SearchRuns() : 0))
    ranked.emplace_back(config.config_id, config.mean_dev);
  return ranked;
}

config::TrainConfig RowConfig(const PlannedTrial& row) {
  return config::ParseTrainConfig(row.config_ini, "sweep.h5 row of trial " + row.trial_id);
}

const PlannedTrial* Planner::ConfigRow(const std::vector<PlannedTrial>& done,
                                       const std::string& config_id) const {
  for (const auto& row : done)
    if (row.stage == config::kStageSearch && row.config_id == config_id) return &row;
  return nullptr;
}

int Planner::TrainedEpochs(const PlannedTrial& row) const {
  const int rung = AshaRung(row);
  if (rung >= 0) return config::AshaRungEpochs(sweep_.sweep).at(static_cast<size_t>(rung));
  return RowConfig(row).train.max_epochs;
}

void Planner::ReuseSearchRuns(const std::vector<PlannedTrial>& done, const std::vector<PlannedTrial>& earlier,
                              StagePlan& plan) const {
  // The identity a search run would have as a final-stage run: data.protocol = final (on a cross-validated
  // corpus the same data and the same training) and the epochs it was trained to (an ASHA rung's budget, not
  // the INI's R). Keyed with fold and seed, which the identity text leaves out.
  std::map<std::tuple<std::string, int, std::uint64_t>, const PlannedTrial*> search;
  for (const auto& row : done) {
    // A promoted row's trial went on to a larger budget: only the row of the budget it stopped at is a run.
    if (row.stage != config::kStageSearch || row.status != schema::TrialStatus::kCompleted) continue;
    config::TrainConfig config = RowConfig(row);
    config.data.protocol = config::Protocol::kFinal;
    config.train.max_epochs = TrainedEpochs(row);
    search.emplace(std::make_tuple(identity_base_.Text(config, false), row.fold, row.seed), &row);
  }
  // A final run that an earlier run of this sweep trained itself (a directory from before reuse) keeps its
  // own trial: its result exists, and replacing it would orphan its file.
  std::set<std::string> trained;
  for (const auto& row : earlier)
    if (row.stage == config::kStageFinal && row.variant != schema::kReusedVariant &&
        schema::HasResult(row.status))
      trained.insert(row.trial_id);
  int reused = 0;
  for (auto& trial : plan.trials) {
    if (trained.count(trial.trial_id)) continue;
    const auto it =
        search.find(std::make_tuple(identity_base_.Text(RowConfig(trial), false), trial.fold, trial.seed));
    if (it == search.end()) continue;
    const PlannedTrial& run = *it->second;
    // The row keeps the final stage's config_id and INI (its configuration as the final stage plans it, so
    // the report groups it with the stage's other runs) and names the search trial whose file serves it.
    trial.trial_id = run.trial_id;
    trial.variant = schema::kReusedVariant;
    trial.status = schema::TrialStatus::kCompleted;
    trial.dev_score = run.dev_score;
    ++reused;
  }
  if (reused > 0)
    plan.notes.push_back("final: " + std::to_string(reused) + " of " + std::to_string(plan.trials.size()) +
                         " runs are the search stage's trials of the same run (configuration, fold, seed, "
                         "epochs): their test scores come from those trials, none is trained again");
}

StagePlan Planner::PlanFinal(const std::vector<PlannedTrial>& done,
                             const std::vector<PlannedTrial>& earlier) const {
  StagePlan plan;
  const auto ranked = RankConfigs(done);
  if (ranked.empty()) throw Error("final stage: no search trial completed, nothing to select");
  const bool cross_validated = IsCrossValidated(sweep_);
  const size_t k = std::min<size_t>(ranked.size(), sweep_.sweep.final_top_k);
  std::vector<Run> runs;
  for (size_t i = 0; i < k; ++i) {
    config::TrainConfig config = RowConfig(*ConfigRow(done, ranked[i].first));
    config.data.protocol = config::Protocol::kFinal;
    if (cross_validated) {
      for (int fold = 0; fold < config.data.folds; ++fold)
        runs.push_back(
            {config, config::kStageFinal, "", fold, static_cast<std::uint64_t>(sweep_.sweep.seed)});
    } else {
      for (int s = 0; s < sweep_.sweep.final_seeds; ++s)
        runs.push_back(
            {config, config::kStageFinal, "", 0, static_cast<std::uint64_t>(sweep_.sweep.seed + s)});
    }
    std::ostringstream note;
    note << "final: config " << ranked[i].first << " (mean dev " << ranked[i].second << ") on "
         << (cross_validated ? "every fold, one seed" : std::to_string(sweep_.sweep.final_seeds) + " seeds");
    plan.notes.push_back(note.str());
  }
  plan.trials = MakeAll(runs);
  // Only on a cross-validated corpus does data.protocol = final train what dev trains (config/data_config.h);
  // on a fixed split it adds the dev set to the training data, another run. Only a search on folds has the
  // final stage's runs: a search on the dev set has fold 0 alone, whose final-stage run is trained again on
  // purpose there, so that every such sweep re-checks that search and final runs are bit-identical.
  if (cross_validated && sweep_.sweep.search_on == config::SearchOn::kFolds)
    ReuseSearchRuns(done, earlier, plan);
  return plan;
}

StagePlan Planner::PlanAblation(const std::vector<PlannedTrial>& done) const {
  StagePlan plan;
  const auto ranked = RankConfigs(done);
  if (ranked.empty()) throw Error("ablation stage: no search trial completed, nothing to ablate");
  config::TrainConfig best = RowConfig(*ConfigRow(done, ranked.front().first));
  best.data.protocol = config::Protocol::kFinal;
  const int shared = best.model.shared_layers;
  const int ner = best.model.ner_layers;
  const int re = best.model.re_layers;
  const long long target = counter_(best);
  std::vector<std::pair<std::string, config::TrainConfig>> variants{{config::kVariantBaseline, best}};
  for (const config::AblationVariant& v : config::kAblationVariants) {
    if (!v.drop_ner && !v.drop_re) continue;  // the baseline, planned above
    // A variant that removes nothing is the baseline, and removing both when one is already absent is the
    // single-task variant again: neither is planned twice.
    if ((v.drop_ner && ner == 0) || (v.drop_re && re == 0)) {
      plan.notes.push_back(std::string("ablation: ") + v.name + " skipped: the best configuration has no " +
                           (v.drop_ner && ner == 0 ? "NER" : "RE") + "-specific layers");
      continue;
    }
    config::TrainConfig ablated = best;
    if (v.drop_ner) ablated.model.ner_layers = 0;
    if (v.drop_re) ablated.model.re_layers = 0;
    // Extra shared layers: the count whose parameter total is closest to the original's; ties prefer fewer.
    AblationChoice choice;
    choice.variant = v.name;
    choice.target_params = target;
    long long best_gap = -1;
    const int removed = (v.drop_ner ? ner : 0) + (v.drop_re ? re : 0);
    for (int extra = 0; shared + extra <= sweep_.sweep.max_shared_layers; ++extra) {
      config::TrainConfig candidate = ablated;
      candidate.model.shared_layers = shared + extra;
      const long long params = counter_(candidate);
      const long long gap = std::llabs(params - target);
      if (best_gap < 0 || gap < best_gap) {
        best_gap = gap;
        choice.extra_shared = extra;
        choice.params = params;
      }
    }
    // The cap binds when the closest allowed count is the cap itself while the variant still has fewer
    // parameters than the original: one more shared layer (not allowed) might have come closer.
    choice.capped = shared + choice.extra_shared == sweep_.sweep.max_shared_layers &&
                    choice.params < target && removed > choice.extra_shared;
    ablated.model.shared_layers = shared + choice.extra_shared;
    std::ostringstream note;
    note << "ablation: " << v.name << ": +" << choice.extra_shared << " shared layers -> " << choice.params
         << " parameters (original " << target << ")"
         << (choice.capped
                 ? "; capped at sweep.max_shared_layers = " + std::to_string(sweep_.sweep.max_shared_layers)
                 : std::string());
    plan.notes.push_back(note.str());
    plan.ablation.push_back(choice);
    variants.emplace_back(v.name, ablated);
  }
  // Seeds from seed + kAblationSeedOffset: with the final stage's seed, the baseline's first run would be the
  // final stage's fold-0 trial (same id), recorded under "final", and the ablation table would lose a run.
  constexpr int kAblationSeedOffset = 1000;
  const int folds = sweep_.sweep.ablation_folds == config::AblationFolds::kAll && IsCrossValidated(sweep_)
                        ? best.data.folds
                        : 1;
  plan.notes.push_back("ablation: " + std::to_string(sweep_.sweep.ablation_seeds) + " seeds on " +
                       (folds > 1 ? "each of " + std::to_string(folds) + " folds" : std::string("fold 0")));
  std::vector<Run> runs;
  for (const auto& [name, config] : variants)
    for (int fold = 0; fold < folds; ++fold)
      for (int s = 0; s < sweep_.sweep.ablation_seeds; ++s)
        runs.push_back({config, config::kStageAblation, name, fold,
                        static_cast<std::uint64_t>(sweep_.sweep.seed + kAblationSeedOffset + s)});
  plan.trials = MakeAll(runs);
  return plan;
}

}  // namespace dts::orchestrator
