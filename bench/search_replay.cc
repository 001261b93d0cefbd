// search_replay: replays search strategies (grid, random, TPE, ASHA, the paper's dev protocol; with and
// without racing over folds) against a tabular benchmark, i.e. the dev score of every configuration on every
// fold after every epoch, exported once from a finished sweep. No training: a replay looks scores up. The
// racing rule and the TPE sampler are the product's own (search/racing.h, search/tpe.h), so the figures are
// those of the rule dts-sweep runs, not of a re-implementation. docs/benchmarks.md (issue 16) has the
// commands and figures.
//
//   search_replay --export SWEEP_DIR --out bench/data/ade-tabular.csv [--allow-incomplete]
//   search_replay --table CSV --sweep SWEEP.ini [--replays 200] [--seed 1] [--caps 50,100,200] [--markdown]
#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/app.h"
#include "common/error.h"
#include "common/ini.h"
#include "common/params.h"
#include "config/sweep_config.h"
#include "config/train_config.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"
#include "search/racing.h"
#include "search/schedule.h"
#include "search/tpe.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using dts::search::FoldScores;
using dts::search::Point;
using dts::search::RaceSettings;

namespace {

// ---------------------------------------------------------------------------------------------------------
// Export: manifest + trial files -> one CSV row per (final-stage trial, epoch).

// After the config id and the searched keys. The last four are per trial, repeated on each of its epochs.
const char* const kTrialColumns =
    "fold,epoch,status,dev_score,best_dev_score,selected_dev_score,test_ner_f1_macro,test_re_f1_macro,"
    "seconds";

// The searched keys, in the order of the sweep file's [space] (as the manifest stores it).
std::vector<std::string> SpaceKeys(const std::string& sweep_ini, const std::string& name) {
  std::vector<std::string> keys;
  for (const auto& entry : dts::ParseIniText(sweep_ini, name))
    if (entry.key.rfind("space.", 0) == 0) keys.push_back(entry.key.substr(6));
  return keys;
}

std::string Csv(double value) { return dts::FormatDouble(value); }

// The CSV lines of one final-stage trial: one per epoch run. A diverged trial scores 0, as racing counts it.
std::vector<std::string> TrialLines(const std::string& dir, const dts::schema::PlannedTrial& row,
                                    const std::vector<std::string>& keys) {
  const auto config = dts::config::ParseTrainConfig(row.config_ini, "sweep.h5 row of trial " + row.trial_id);
  std::string prefix = row.config_id;
  for (const auto& key : keys) {
    const std::string value = dts::config::TrainSchema().Get(config, key);
    if (value.find_first_of(",\"\n") != std::string::npos)
      throw dts::Error("trial " + row.trial_id + ": " + key + " = '" + value +
                       "' cannot go into a CSV field");
    prefix += "," + value;
  }
  const std::string path = dir + "/trials/" + row.trial_id + ".h5";
  const auto trial = dts::schema::ReadTrialFile(path);
  const bool diverged = row.status == dts::schema::TrialStatus::kDiverged;
  double selected = row.dev_score;
  for (const auto& e : trial.epochs)
    if (e.epoch == trial.best_epoch) selected = e.dev_score;
  const std::string ner = trial.test ? Csv(trial.test->ner.scores.f1_macro) : "";
  const std::string re = trial.test ? Csv(trial.test->re.scores.f1_macro) : "";
  std::vector<dts::schema::EpochRow> epochs = trial.epochs;
  if (epochs.empty()) {
    if (!diverged) throw dts::IoError(path, "a completed trial without epochs");
    epochs.push_back(dts::schema::EpochRow{});  // diverged in epoch 1: one row scoring 0
    epochs.back().epoch = 1;
  }
  std::vector<std::string> lines;
  double best = 0;
  for (const auto& e : epochs) {
    best = std::max(best, e.dev_score);
    std::ostringstream line;
    line << prefix << "," << row.fold << "," << e.epoch << "," << dts::schema::Name(row.status) << ","
         << Csv(diverged ? 0 : e.dev_score) << "," << Csv(diverged ? 0 : best) << ","
         << Csv(diverged ? 0 : selected) << "," << ner << "," << re << "," << Csv(row.seconds);
    lines.push_back(line.str());
  }
  return lines;
}

void Export(const std::string& dir, const std::string& out, bool allow_incomplete) {
  const std::string manifest_path = dir + "/sweep.h5";
  const auto manifest = dts::schema::ReadSweepManifest(manifest_path);
  const auto keys = SpaceKeys(manifest.sweep_ini, manifest_path + " sweep_ini");
  std::vector<const dts::schema::PlannedTrial*> done;
  int planned = 0, failed = 0;
  for (const auto& row : manifest.trials) {
    if (row.stage != "final") continue;
    ++planned;
    if (dts::schema::HasResult(row.status)) done.push_back(&row);
    failed += dts::schema::IsTerminal(row.status) && !dts::schema::HasResult(row.status);
  }
  const int missing = planned - static_cast<int>(done.size());
  if (planned == 0) throw dts::InputError(manifest_path, 0, "no final stage planned yet: nothing to export");
  if (missing > 0 && !allow_incomplete)
    throw dts::InputError(manifest_path, 0,
                          "final stage incomplete: " + std::to_string(missing) + " of " +
                              std::to_string(planned) + " trials without a result (" +
                              std::to_string(failed) +
                              " failed for good; --allow-incomplete exports the rest)");
  // Sorted by configuration, fold: the file diffs cleanly when re-exported.
  std::sort(done.begin(), done.end(), [](const auto* a, const auto* b) {
    return a->config_id != b->config_id ? a->config_id < b->config_id : a->fold < b->fold;
  });
  if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
  const std::string tmp = out + ".tmp";
  std::ofstream file(tmp);
  if (!file) throw dts::IoError(tmp, "cannot write");
  file << "config_id";
  for (const auto& key : keys) file << "," << key;
  file << "," << kTrialColumns << "\n";
  for (const auto* row : done)
    for (const auto& line : TrialLines(dir, *row, keys)) file << line << "\n";
  file.close();
  if (!file) throw dts::IoError(tmp, "write failed");
  fs::rename(tmp, out);
  std::printf("search_replay: %s: %zu final-stage trials of %d written to %s%s\n", manifest_path.c_str(),
              done.size(), planned, out.c_str(),
              missing > 0 ? (" (" + std::to_string(missing) + " missing: incomplete)").c_str() : "");
}

// ---------------------------------------------------------------------------------------------------------
// The table: per configuration and fold, the best dev score up to each epoch.

struct Config {
  std::string id;
  Point point;                            // in the sweep file's [space] order
  std::vector<std::vector<double>> best;  // [fold][epoch - 1]
};

struct Table {
  std::vector<Config> configs;
  int folds = 0;
  int epochs = 0;
  std::vector<double> full_cv;  // per configuration: mean over folds at full budget
  std::vector<int> ranking;     // configurations by full_cv, best first (ties: smaller id)
};

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// Reads the CSV and orders each configuration's searched values as `sweep`'s dimensions. Configurations that
// lack a fold (a table exported with --allow-incomplete) are left out, with a note.
Table ReadTable(const std::string& path, const dts::config::SweepConfig& sweep) {
  std::ifstream in(path);
  if (!in) throw dts::InputError(path, 0, "cannot read the table");
  std::string line;
  std::getline(in, line);
  const auto header = SplitCsv(line);
  auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw dts::InputError(path, 1, "no column '" + name + "'");
    return static_cast<size_t>(it - header.begin());
  };
  std::vector<size_t> dim_columns;
  for (const auto& dim : sweep.space) dim_columns.push_back(column(dim.key));
  const size_t c_id = column("config_id"), c_fold = column("fold"), c_epoch = column("epoch"),
               c_best = column("best_dev_score");
  std::map<std::string, Config> by_id;
  std::map<std::string, std::map<int, std::map<int, double>>> scores;  // id -> fold -> epoch -> best
  Table table;
  for (long number = 2; std::getline(in, line); ++number) {
    const auto fields = SplitCsv(line);
    if (fields.size() != header.size()) throw dts::InputError(path, number, "wrong number of fields");
    Config& config = by_id[fields[c_id]];
    config.id = fields[c_id];
    config.point.clear();
    for (size_t c : dim_columns) config.point.push_back(fields[c]);
    int fold = 0, epoch = 0;
    try {
      fold = std::stoi(fields[c_fold]);
      epoch = std::stoi(fields[c_epoch]);
      scores[config.id][fold][epoch] = std::stod(fields[c_best]);
    } catch (const std::exception&) {
      throw dts::InputError(path, number, "fold, epoch or best_dev_score is not a number");
    }
    if (fold < 0 || epoch < 1) throw dts::InputError(path, number, "fold < 0 or epoch < 1");
    table.folds = std::max(table.folds, fold + 1);
    table.epochs = std::max(table.epochs, epoch);
  }
  int dropped = 0;
  for (auto& [id, config] : by_id) {
    const auto& folds = scores[id];
    if (static_cast<int>(folds.size()) < table.folds) {
      ++dropped;
      continue;
    }
    // A trial that stopped early keeps its best score for the remaining epochs.
    for (const auto& [fold, epochs] : folds) {
      std::vector<double> best(table.epochs, 0.0);
      double so_far = 0;
      for (int e = 1; e <= table.epochs; ++e) {
        if (epochs.count(e)) so_far = epochs.at(e);
        best[e - 1] = so_far;
      }
      config.best.push_back(best);
    }
    table.configs.push_back(config);
  }
  if (dropped > 0)
    std::printf("note: %d configurations of %s lack a fold and are left out (incomplete table)\n", dropped,
                path.c_str());
  if (table.configs.empty()) throw dts::InputError(path, 0, "no configuration has every fold");
  for (const auto& config : table.configs) {
    double sum = 0;
    for (const auto& fold : config.best) sum += fold.back();
    table.full_cv.push_back(sum / table.folds);
  }
  table.ranking.resize(table.configs.size());
  std::iota(table.ranking.begin(), table.ranking.end(), 0);
  std::stable_sort(table.ranking.begin(), table.ranking.end(),
                   [&](int a, int b) { return table.full_cv[a] > table.full_cv[b]; });
  return table;
}

double Score(const Table& table, int config, int fold, int epochs) {
  return table.configs[config].best[fold][epochs - 1];
}

// The sweep file's grid, in its order (file order of dimensions, last fastest, as dts-sweep plans it; list
// and int() dimensions only, as a grid allows), constraints applied, as indices into the table.
std::vector<int> GridOrder(const dts::config::SweepConfig& sweep, const Table& table) {
  std::map<Point, int> index;
  for (size_t i = 0; i < table.configs.size(); ++i) index[table.configs[i].point] = static_cast<int>(i);
  std::vector<std::vector<std::string>> values;
  for (const auto& dim : sweep.space) {
    if (dim.kind == dts::config::Dimension::Kind::kList) {
      values.push_back(dim.values);
    } else {
      values.emplace_back();
      for (auto v = static_cast<long long>(dim.lo); v <= static_cast<long long>(dim.hi); ++v)
        values.back().push_back(std::to_string(v));
    }
  }
  std::vector<int> order;
  int absent = 0;
  std::vector<size_t> odometer(values.size(), 0);
  for (bool more = true; more;) {
    Point point;
    for (size_t d = 0; d < values.size(); ++d) point.push_back(values[d][odometer[d]]);
    if (dts::config::SatisfiesConstraints(sweep, dts::search::ConfigOf(sweep, point))) {
      const auto it = index.find(point);
      if (it == index.end())
        ++absent;
      else
        order.push_back(it->second);
    }
    more = false;
    for (size_t d = values.size(); d-- > 0;) {
      if (++odometer[d] < values[d].size()) {
        more = true;
        break;
      }
      odometer[d] = 0;
    }
  }
  if (absent > 0) std::printf("note: %d grid points are not in the table (incomplete table)\n", absent);
  if (order.size() != table.configs.size())
    std::printf("note: %zu of the table's %zu configurations are grid points of the sweep file\n",
                order.size(), table.configs.size());
  return order;
}

// ---------------------------------------------------------------------------------------------------------
// Replays.

// Uniform in [0, n) by rejection: a seed gives the same permutation with any standard library (the standard
// distributions, std::shuffle included, are implementation-defined).
std::uint64_t Below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - max % n;
  for (;;) {
    const std::uint64_t x = rng();
    if (x < limit) return x % n;
  }
}

std::vector<int> Permutation(int n, std::mt19937_64& rng) {
  std::vector<int> p(n);
  std::iota(p.begin(), p.end(), 0);
  for (int i = n - 1; i > 0; --i) std::swap(p[i], p[Below(rng, static_cast<std::uint64_t>(i) + 1)]);
  return p;
}

// What varies between replays: the fold order (the product trains folds 0..9; folds are exchangeable, so a
// replay relabels them) and the order configurations are started in (the grid order, permuted; it is also
// the random strategy's draw order). Every strategy sees the same replay r, so rows are paired.
struct Replay {
  std::uint64_t seed = 0;
  std::vector<int> folds;
  std::vector<int> configs;
};

Replay MakeReplay(std::uint64_t seed, const Table& table, const std::vector<int>& grid) {
  std::mt19937_64 rng(seed);
  Replay replay{seed, Permutation(table.folds, rng), {}};
  for (int i : Permutation(static_cast<int>(grid.size()), rng)) replay.configs.push_back(grid[i]);
  return replay;
}

struct Outcome {
  double cost = 0;  // fold-trainings at full budget
  int chosen = -1;
};

// One sequential worker training configurations fold by fold, as dts-sweep's search_on = folds does.
class FoldRace {
 public:
  FoldRace(const Table& table, const std::vector<int>& folds, RaceSettings race)
      : table_(table), folds_(folds), race_(race) {}

  // The product's scheduling rule (search::NextRun, search/schedule.h) over this replay's fold order:
  // {configuration, fold}, or nullopt: start a new configuration.
  std::optional<std::pair<int, int>> NextJob() const {
    std::vector<dts::search::StartedConfig> started;
    for (int config : started_) {
      const std::string& id = table_.configs[config].id;
      dts::search::StartedConfig s{id, {}, eliminated_.count(id) > 0};
      if (const auto it = scores_.find(id); it != scores_.end())
        for (const auto& [fold, score] : it->second) s.runs.insert(fold);
      started.push_back(std::move(s));
    }
    const auto next = dts::search::NextRun(started, folds_);
    if (!next) return std::nullopt;
    return std::make_pair(started_[next->first], next->second);
  }

  void Start(int config) { started_.push_back(config); }

  // Records a fold's result (its score at full budget) and applies the racing rule to all results so far.
  void Record(int config, int fold, double cost) {
    scores_[table_.configs[config].id][fold] = Score(table_, config, fold, table_.epochs);
    cost_ += cost;
    jobs_.emplace_back(config, fold);
    for (const auto& e : dts::search::RaceStep(scores_, eliminated_, race_)) {
      eliminated_.insert(e.config_id);
      eliminations_.push_back(e);
    }
  }

  // The best mean over every fold among configurations that completed them all; else the incumbent; else
  // (nothing has min_folds yet) the best mean over the folds trained.
  int Select() const {
    int chosen = -1, fallback = -1;
    double best = -1, best_any = -1;
    for (int config : started_) {
      const auto it = scores_.find(table_.configs[config].id);
      if (it == scores_.end()) continue;
      const double mean = Mean(it->second);
      if (static_cast<int>(it->second.size()) == table_.folds && Better(mean, config, best, chosen))
        best = mean, chosen = config;
      if (Better(mean, config, best_any, fallback)) best_any = mean, fallback = config;
    }
    if (chosen >= 0) return chosen;
    const std::string incumbent = dts::search::Incumbent(scores_, eliminated_, race_);
    for (int config : started_)
      if (table_.configs[config].id == incumbent) return config;
    return fallback;
  }

  // Mean dev score over the folds trained so far, per started configuration (eliminated ones included).
  std::vector<dts::search::Observation> Observations() const {
    std::vector<dts::search::Observation> observations;
    for (int config : started_) {
      const auto it = scores_.find(table_.configs[config].id);
      if (it != scores_.end()) observations.push_back({table_.configs[config].point, Mean(it->second)});
    }
    return observations;
  }

  const std::vector<int>& started() const { return started_; }
  double cost() const { return cost_; }
  const std::vector<std::pair<int, int>>& jobs() const { return jobs_; }  // {configuration, fold}, in order
  const std::vector<dts::search::Elimination>& eliminations() const { return eliminations_; }

 private:
  static double Mean(const std::map<int, double>& folds) {
    double sum = 0;
    for (const auto& [fold, score] : folds) sum += score;
    return sum / static_cast<double>(folds.size());
  }
  bool Better(double mean, int config, double best, int best_config) const {
    return best_config < 0 || mean > best ||
           (mean == best && table_.configs[config].id < table_.configs[best_config].id);
  }

  const Table& table_;
  const std::vector<int>& folds_;
  RaceSettings race_;
  std::vector<int> started_;
  FoldScores scores_;
  std::set<std::string> eliminated_;
  std::vector<std::pair<int, int>> jobs_;
  std::vector<dts::search::Elimination> eliminations_;
  double cost_ = 0;
};

// The next configuration to start, or nullopt when the strategy has none left.
using Proposer = std::function<std::optional<int>(const FoldRace&)>;

// Runs fold jobs until the strategy has nothing to start or the next job would exceed `cap`.
void Drive(FoldRace& run, double cap, const Proposer& next) {
  for (;;) {
    const auto job = run.NextJob();
    if (!job) {
      const auto config = next(run);
      if (!config) break;
      run.Start(*config);
      continue;
    }
    if (run.cost() + 1 > cap + 1e-9) break;
    run.Record(job->first, job->second, 1);
  }
}

Outcome RunFolds(const Table& table, const Replay& replay, RaceSettings race, double cap,
                 const Proposer& next) {
  FoldRace run(table, replay.folds, race);
  Drive(run, cap, next);
  return {run.cost(), run.Select()};
}

// grid and random: the replay's start order (random = uniform draws without replacement).
Proposer InOrder(const Replay& replay) {
  return [&replay](const FoldRace& run) -> std::optional<int> {
    const size_t n = run.started().size();
    if (n >= replay.configs.size()) return std::nullopt;
    return replay.configs[n];
  };
}

Proposer Tpe(const dts::config::SweepConfig& sweep, const Table& table, const Replay& replay, int startup) {
  auto sampler = std::make_shared<dts::search::TpeSampler>(
      sweep, dts::search::TpeSettings{replay.seed, startup, 0.25, 24});
  std::map<Point, int> index;
  for (size_t i = 0; i < table.configs.size(); ++i) index[table.configs[i].point] = static_cast<int>(i);
  auto proposals = std::make_shared<std::uint64_t>(0);
  return [sampler, index, proposals, &table](const FoldRace& run) -> std::optional<int> {
    std::set<Point> taken;
    for (int config : run.started()) taken.insert(table.configs[config].point);
    const auto observations = run.Observations();
    for (;;) {
      const auto point = sampler->Propose((*proposals)++, observations, taken);
      if (!point) return std::nullopt;
      const auto it = index.find(*point);
      if (it != index.end()) return it->second;
      taken.insert(*point);  // not in the table (incomplete): as if it could not be trained
    }
  };
}

// ASHA, and ASHA then racing, as dts-sweep's coordinator runs them with one worker: the same queue, the same
// promotion rule and the same race (orchestrator/coordinator.cc PromoteAsha;
// orchestrator/sequential_search.cc NextRace; search::NextRun and search::RaceStep themselves).
// - Rung 0 of every configuration on the first fold, in `start` order (dts-sweep runs its random draws in
//   the order drawn). After each result, for rung 0, 1, ... in turn, each configuration in
//   the top floor(n / eta) of the rung's n results (ties: the smaller `tie` key; dts-sweep's trial id) that
//   is not at the next rung yet is promoted, to the front of the queue: the newest promotion runs first. A
//   promotion resumes its checkpoint and costs the difference.
// - With `race`: when the queue is empty, the next run of the race: search::NextRun over the configurations
//   at the top rung (in the order they were promoted to it), the replay's fold order, at the top rung's
//   budget; racing's rule runs after every result, over the top rung's scores (the first fold) and the
//   race's.
// - The choice: with a race, the best mean among configurations with every fold (ties: smaller tie key), else
//   the highest rung's best (as Planner::RankConfigs).
class AshaRun {
 public:
  struct Job {
    int config = 0;
    int rung = 0;  // -1: a race run
    int fold = 0;
  };
  AshaRun(const Table& table, const std::vector<int>& rungs, int eta, const std::vector<int>& folds,
          std::optional<RaceSettings> race, std::function<std::string(int)> tie)
      : table_(table), rungs_(rungs), eta_(eta), folds_(folds), race_(race), tie_(std::move(tie)) {}

  Outcome Run(const std::vector<int>& start) {
    const size_t top = rungs_.size() - 1;
    std::deque<Job> queue;
    for (int config : start) queue.push_back({config, 0, folds_[0]});
    results_.assign(rungs_.size(), {});
    reached_.assign(rungs_.size(), {});
    promoted_.assign(rungs_.size(), {});
    for (int config : start) reached_[0].insert(config);
    if (top == 0) top_order_ = start;
    for (;;) {
      if (queue.empty() && race_) {
        if (const auto next = NextRace()) queue.push_back(*next);
      }
      if (queue.empty()) break;
      const Job job = queue.front();
      queue.pop_front();
      jobs_.push_back(job);
      const std::string& id = table_.configs[job.config].id;
      if (job.rung >= 0) {
        const int before = job.rung > 0 ? rungs_[job.rung - 1] : 0;
        cost_ += (rungs_[job.rung] - before) / static_cast<double>(table_.epochs);
        results_[job.rung].push_back(job.config);
        if (static_cast<size_t>(job.rung) == top)
          scores_[id][job.fold] = Score(table_, job.config, job.fold, rungs_[top]);
        Promote(queue);
      } else {
        cost_ += rungs_[top] / static_cast<double>(table_.epochs);
        scores_[id][job.fold] = Score(table_, job.config, job.fold, rungs_[top]);
      }
      if (race_)
        for (const auto& e : dts::search::RaceStep(scores_, eliminated_, *race_)) {
          eliminated_.insert(e.config_id);
          eliminations_.push_back(e);
        }
    }
    return {cost_, Select()};
  }
  const std::vector<Job>& jobs() const { return jobs_; }
  const std::vector<dts::search::Elimination>& eliminations() const { return eliminations_; }

 private:
  double RungScore(int config, size_t rung) const { return Score(table_, config, folds_[0], rungs_[rung]); }

  void Promote(std::deque<Job>& queue) {
    for (size_t rung = 0; rung + 1 < rungs_.size(); ++rung) {
      std::vector<int> rows = results_[rung];
      std::sort(rows.begin(), rows.end(), [&](int a, int b) {
        return RungScore(a, rung) != RungScore(b, rung) ? RungScore(a, rung) > RungScore(b, rung)
                                                        : tie_(a) < tie_(b);
      });
      for (size_t j = 0; j < rows.size() / static_cast<size_t>(eta_); ++j) {
        const int config = rows[j];
        if (promoted_[rung].count(config) || reached_[rung + 1].count(config)) continue;
        promoted_[rung].insert(config);
        reached_[rung + 1].insert(config);
        if (rung + 2 == rungs_.size()) top_order_.push_back(config);
        queue.push_front({config, static_cast<int>(rung) + 1, folds_[0]});
      }
    }
  }

  std::optional<Job> NextRace() const {
    std::vector<dts::search::StartedConfig> started;
    for (int config : top_order_) {
      const std::string& id = table_.configs[config].id;
      const auto it = scores_.find(id);
      if (it == scores_.end() || !it->second.count(folds_[0])) continue;  // its top-rung run has not ended
      dts::search::StartedConfig s{id, {}, eliminated_.count(id) > 0};
      for (const auto& [fold, score] : it->second) s.runs.insert(fold);
      started.push_back(std::move(s));
    }
    const auto next = dts::search::NextRun(started, folds_);
    if (!next) return std::nullopt;
    for (int config : top_order_)
      if (table_.configs[config].id == started[next->first].id) return Job{config, -1, next->second};
    return std::nullopt;
  }

  int Select() const {
    int chosen = -1;
    double best = -1;
    for (int config : top_order_) {
      const auto it = scores_.find(table_.configs[config].id);
      if (!race_ || it == scores_.end() || static_cast<int>(it->second.size()) < table_.folds) continue;
      double sum = 0;
      for (const auto& [fold, score] : it->second) sum += score;
      const double mean = sum / table_.folds;
      if (chosen < 0 || mean > best || (mean == best && tie_(config) < tie_(chosen)))
        best = mean, chosen = config;
    }
    if (chosen >= 0) return chosen;
    size_t rung = rungs_.size() - 1;
    while (results_[rung].empty()) --rung;
    for (int config : results_[rung])
      if (chosen < 0 || RungScore(config, rung) > RungScore(chosen, rung) ||
          (RungScore(config, rung) == RungScore(chosen, rung) && tie_(config) < tie_(chosen)))
        chosen = config;
    return chosen;
  }

  const Table& table_;
  std::vector<int> rungs_;
  int eta_;
  const std::vector<int>& folds_;
  std::optional<RaceSettings> race_;
  std::function<std::string(int)> tie_;
  std::vector<std::vector<int>> results_;
  std::vector<std::set<int>> reached_, promoted_;
  std::vector<int> top_order_;  // configurations in the order they were promoted to the top rung
  FoldScores scores_;           // the top rung's score on the first fold, and the race's
  std::set<std::string> eliminated_;
  std::vector<dts::search::Elimination> eliminations_;
  std::vector<Job> jobs_;
  double cost_ = 0;
};

Outcome RunAsha(const Table& table, const Replay& replay, const std::vector<int>& rungs, int eta, int budget,
                std::optional<RaceSettings> race) {
  const std::vector<int> drawn(replay.configs.begin(),
                               replay.configs.begin() + std::min<size_t>(budget, replay.configs.size()));
  AshaRun run(table, rungs, eta, replay.folds, race,
              [&table](int config) { return table.configs[config].id; });
  return run.Run(drawn);
}

// The paper's protocol: the whole grid trained once on one fold, chosen by its dev score there.
Outcome RunDev(const Table& table, const std::vector<int>& grid, int fold) {
  int chosen = grid.front();
  for (int config : grid) {
    const double a = Score(table, config, fold, table.epochs), b = Score(table, chosen, fold, table.epochs);
    if (a > b || (a == b && table.configs[config].id < table.configs[chosen].id)) chosen = config;
  }
  return {static_cast<double>(grid.size()), chosen};
}

// ---------------------------------------------------------------------------------------------------------
// Figures.

double Quantile(std::vector<double> values, double q) {  // linear interpolation between order statistics
  std::sort(values.begin(), values.end());
  const double h = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h)), hi = static_cast<size_t>(std::ceil(h));
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

struct Row {
  Row() = default;
  Row(std::string s, std::string r, std::string c)
      : strategy(std::move(s)), racing(std::move(r)), cap(std::move(c)) {}
  std::string strategy, racing, cap;
  std::vector<double> costs, regrets;
  int top5 = 0, best = 0;
  void Add(const Table& table, const Outcome& outcome) {
    costs.push_back(outcome.cost);
    regrets.push_back(table.full_cv[table.ranking.front()] - table.full_cv[outcome.chosen]);
    const auto end = table.ranking.begin() + std::min<size_t>(5, table.ranking.size());
    top5 += std::find(table.ranking.begin(), end, outcome.chosen) != end;
    best += outcome.chosen == table.ranking.front();
  }
  double MeanCost() const {
    return std::accumulate(costs.begin(), costs.end(), 0.0) / static_cast<double>(costs.size());
  }
  double P(int count) const { return static_cast<double>(count) / static_cast<double>(costs.size()); }
};

void PrintRows(const std::vector<Row>& rows, bool markdown) {
  const char* head[] = {"strategy", "racing",  "cap",           "fold-trainings mean", "median",
                        "P(top-5)", "P(best)", "regret median", "regret p95",          "replays"};
  if (markdown) {
    std::printf("|");
    for (const char* h : head) std::printf(" %s |", h);
    std::printf("\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  } else {
    std::printf("%-34s %-9s %5s %8s %7s %8s %7s %8s %8s %7s\n", "strategy", "racing", "cap", "cost", "median",
                "P(top5)", "P(best)", "regret50", "regret95", "replays");
  }
  for (const auto& r : rows) {
    const char* format = markdown ? "| %s | %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %zu |\n"
                                  : "%-34s %-9s %5s %8.1f %7.1f %8.2f %7.2f %8.2f %8.2f %7zu\n";
    std::printf(format, r.strategy.c_str(), r.racing.c_str(), r.cap.c_str(), r.MeanCost(),
                Quantile(r.costs, 0.5), r.P(r.top5), r.P(r.best), Quantile(r.regrets, 0.5),
                Quantile(r.regrets, 0.95), r.costs.size());
  }
}

void PrintTableSummary(const Table& table, const std::vector<std::string>& keys) {
  std::printf("table: %zu configurations x %d folds x %d epochs\n", table.configs.size(), table.folds,
              table.epochs);
  std::printf("top 10 by full-CV score (mean +- std over folds, best dev score up to epoch %d):\n",
              table.epochs);
  for (size_t i = 0; i < std::min<size_t>(10, table.ranking.size()); ++i) {
    const Config& c = table.configs[table.ranking[i]];
    double var = 0;
    for (const auto& fold : c.best) var += std::pow(fold.back() - table.full_cv[table.ranking[i]], 2);
    std::string point;
    for (size_t d = 0; d < keys.size(); ++d) point += (d ? " " : "") + keys[d] + "=" + c.point[d];
    std::printf("  %2zu. %s  %6.2f +- %.2f  %s\n", i + 1, c.id.c_str(), table.full_cv[table.ranking[i]],
                std::sqrt(var / std::max(1, table.folds - 1)), point.c_str());
  }
  std::vector<double> all = table.full_cv;
  const double best = table.full_cv[table.ranking.front()];
  const double fifth = table.full_cv[table.ranking[std::min<size_t>(4, table.ranking.size() - 1)]];
  std::printf("spread: best - 5th = %.2f, best - median = %.2f F1 points\n\n", best - fifth,
              best - Quantile(all, 0.5));
}

struct ReplayOptions {
  int replays = 200;
  std::uint64_t seed = 1;
  std::vector<int> caps;
  int random_cap = 100;
  int tpe_startup = -1;  // -1: the sweep file's tpe_startup
  int asha_budget = 0;   // 0: every configuration of the table
  bool markdown = false;
};

struct RacingVariant {
  const char* label;
  RaceSettings settings;
};

// Off (min_folds 3 only matters for the incumbent fallback), and the two tests at the levels issue 16 set.
const std::vector<RacingVariant>& Racings() {
  using dts::config::RacingTest;
  static const std::vector<RacingVariant> variants = {{"off", {RacingTest::kOff, 0.05, 3}},
                                                      {"t_test", {RacingTest::kTTest, 0.05, 3}},
                                                      {"wilcoxon", {RacingTest::kWilcoxon, 0.05, 5}}};
  return variants;
}

// Everything a strategy row needs: the table, the sweep file and the replays every row shares.
struct Bench {
  const dts::config::SweepConfig& sweep;
  const Table& table;
  std::vector<int> grid;  // the sweep file's grid order, as table indices
  std::vector<Replay> replays;
  int tpe_startup = 5;
  int asha_budget = 0;
  std::vector<int> rungs;  // ASHA rung budgets in epochs
  int eta = 3;
};

// One row of a fold-based strategy: grid and random (the replay's start order) or tpe, under `cap`.
Row FoldRow(const Bench& bench, const std::string& name, const RacingVariant& racing, double cap, bool tpe) {
  Row row{name, racing.label, std::isinf(cap) ? "-" : std::to_string(static_cast<int>(cap))};
  for (const auto& replay : bench.replays)
    row.Add(bench.table,
            RunFolds(bench.table, replay, racing.settings, cap,
                     tpe ? Tpe(bench.sweep, bench.table, replay, bench.tpe_startup) : InOrder(replay)));
  return row;
}

std::vector<Row> StrategyRows(const Bench& bench, int cap) {
  const Table& table = bench.table;
  std::vector<Row> rows;
  for (const auto& racing : Racings())
    rows.push_back(FoldRow(bench, "grid", racing, std::numeric_limits<double>::infinity(), false));
  for (const auto& racing : Racings()) rows.push_back(FoldRow(bench, "random", racing, cap, false));
  for (const auto& racing : Racings()) rows.push_back(FoldRow(bench, "tpe", racing, cap, true));
  for (const auto& racing : Racings()) {
    const bool off = racing.settings.test == dts::config::RacingTest::kOff;
    Row row{off ? "asha (one fold)" : "asha then racing", racing.label, "-"};
    for (const auto& replay : bench.replays)
      row.Add(table, RunAsha(table, replay, bench.rungs, bench.eta, bench.asha_budget,
                             off ? std::nullopt : std::optional<RaceSettings>(racing.settings)));
    rows.push_back(row);
  }
  Row dev{"dev (one fold, whole grid)", "off", "-"};
  for (const auto& replay : bench.replays) dev.Add(table, RunDev(table, bench.grid, replay.folds[0]));
  rows.push_back(dev);
  Row dev0{"dev (fold 0 itself)", "off", "-"};
  dev0.Add(table, RunDev(table, bench.grid, 0));
  rows.push_back(dev0);
  return rows;
}

void PrintCapTable(const Bench& bench, const std::vector<int>& caps, bool markdown) {
  std::printf("\nP(chosen in top-5) by cap (fold-trainings), %zu replays each:\n", bench.replays.size());
  std::printf(markdown ? "| strategy | racing |" : "%-8s %-9s", "strategy", "racing");
  for (int cap : caps) std::printf(markdown ? " cap %d |" : " %7d", cap);
  std::printf(markdown ? "\n|---|---|" : "\n");
  for (size_t i = 0; markdown && i < caps.size(); ++i) std::printf("---:|");
  if (markdown) std::printf("\n");
  for (const bool tpe : {false, true}) {
    for (const auto& racing : Racings()) {
      std::printf(markdown ? "| %s | %s |" : "%-8s %-9s", tpe ? "tpe" : "random", racing.label);
      for (int cap : caps) {
        const Row row = FoldRow(bench, "", racing, cap, tpe);
        std::printf(markdown ? " %.2f |" : " %7.2f", row.P(row.top5));
      }
      std::printf("\n");
    }
  }
}

void RunReplays(const std::string& table_path, const std::string& sweep_path, const ReplayOptions& options) {
  const auto sweep = dts::config::ReadSweepConfig(sweep_path);
  const Table table = ReadTable(table_path, sweep);
  Bench bench{sweep, table, GridOrder(sweep, table), {}, 0, 0, {}, sweep.sweep.reduction_factor};
  if (bench.grid.empty())
    throw dts::InputError(table_path, 0, "no configuration of the table is a grid point");
  bench.tpe_startup = options.tpe_startup >= 0 ? options.tpe_startup : sweep.sweep.tpe_startup;
  bench.asha_budget = options.asha_budget > 0 ? options.asha_budget : static_cast<int>(bench.grid.size());
  dts::config::SweepSettings asha = sweep.sweep;
  asha.max_epochs = table.epochs;  // rungs up to the table's full budget (here 1 and 3 epochs, eta 3)
  bench.rungs = dts::config::AshaRungEpochs(asha);
  for (int r = 0; r < options.replays; ++r)
    bench.replays.push_back(MakeReplay(options.seed + static_cast<std::uint64_t>(r), table, bench.grid));

  std::printf("search_replay: table %s, sweep %s\n", table_path.c_str(), sweep_path.c_str());
  std::printf(
      "%d replays per row; replay r = 0..%d uses seed %llu + r for its fold order, its start order "
      "(the grid order permuted = the random draw order) and TPE's seed\n",
      options.replays, options.replays - 1, static_cast<unsigned long long>(options.seed));
  std::printf("cost unit: one fold-training at full budget (%d epochs); asha rungs", table.epochs);
  for (int e : bench.rungs) std::printf(" %d", e);
  std::printf(" epochs, eta %d, budget %d configurations; tpe startup %d\n", bench.eta, bench.asha_budget,
              bench.tpe_startup);
  std::vector<std::string> keys;
  for (const auto& dim : sweep.space) keys.push_back(dim.key);
  PrintTableSummary(table, keys);

  const std::vector<Row> rows = StrategyRows(bench, options.random_cap);
  PrintRows(rows, options.markdown);
  std::printf("grid: racing saves %.1f (t_test) and %.1f (wilcoxon) of %.0f fold-trainings on average\n",
              rows[0].MeanCost() - rows[1].MeanCost(), rows[0].MeanCost() - rows[2].MeanCost(),
              rows[0].MeanCost());
  std::printf("asha and dev search on one fold: the replay's first fold\n");
  std::printf("regret: full-CV score of the best configuration minus that of the chosen one (F1 points)\n");
  if (!options.caps.empty()) PrintCapTable(bench, options.caps, options.markdown);
}

// --check: a real search_on = folds sweep run with one worker (configs/ade-tabular-racing-sweep.ini) against
// the replay of the same schedule (fold order 0..9, the grid order): the same runs in the same order, the
// same eliminations, and how far its dev scores (data.protocol = dev trials) are from the table's (protocol
// final).
void CheckAshaSweep(const dts::config::SweepConfig& sweep, const Table& table, const std::string& dir);

void CheckSweep(const std::string& table_path, const std::string& sweep_path, const std::string& dir) {
  const auto sweep = dts::config::ReadSweepConfig(sweep_path);
  const Table table = ReadTable(table_path, sweep);
  if (sweep.sweep.strategy == dts::config::Strategy::kAsha) return CheckAshaSweep(sweep, table, dir);
  const std::string manifest_path = dir + "/sweep.h5";
  const auto manifest = dts::schema::ReadSweepManifest(manifest_path);
  std::map<Point, int> index;
  for (size_t i = 0; i < table.configs.size(); ++i) index[table.configs[i].point] = static_cast<int>(i);
  auto point_of = [&](const dts::schema::PlannedTrial& row) {
    const auto config = dts::config::ParseTrainConfig(row.config_ini, manifest_path + " row " + row.trial_id);
    Point point;
    for (const auto& dim : sweep.space) point.push_back(dts::config::TrainSchema().Get(config, dim.key));
    return point;
  };
  Replay replay{0, std::vector<int>(static_cast<size_t>(table.folds)), GridOrder(sweep, table)};
  std::iota(replay.folds.begin(), replay.folds.end(), 0);
  RaceSettings race{sweep.sweep.racing, sweep.sweep.racing_level, sweep.sweep.racing_min_folds};
  FoldRace run(table, replay.folds, race);
  Drive(run, std::numeric_limits<double>::infinity(), InOrder(replay));
  size_t compared = 0, same_order = 0;
  double max_gap = 0, sum_gap = 0;
  int equal_scores = 0;
  std::string divergence;
  std::map<std::string, int> product_config;  // manifest config_id -> table index
  for (const auto& row : manifest.trials) {
    if (row.stage != "search" || !dts::schema::HasResult(row.status)) continue;
    const auto it = index.find(point_of(row));
    if (it == index.end())
      throw dts::InputError(manifest_path, 0, "row " + row.trial_id + " is not in the table");
    product_config[row.config_id] = it->second;
    if (compared < run.jobs().size() && run.jobs()[compared] == std::make_pair(it->second, row.fold) &&
        divergence.empty())
      ++same_order;
    else if (divergence.empty())
      divergence = "run " + std::to_string(compared) + ": sweep trained " + table.configs[it->second].id +
                   " fold " + std::to_string(row.fold);
    const double gap = std::abs(row.dev_score - Score(table, it->second, row.fold, table.epochs));
    max_gap = std::max(max_gap, gap);
    sum_gap += gap;
    equal_scores += gap < 1e-9;
    ++compared;
  }
  std::map<std::string, int> table_config;  // table config_id -> index
  for (size_t k = 0; k < table.configs.size(); ++k) table_config[table.configs[k].id] = static_cast<int>(k);
  size_t same_eliminations = 0;
  for (size_t i = 0; i < manifest.eliminations.size() && i < run.eliminations().size(); ++i) {
    const auto& product = manifest.eliminations[i];
    const auto& replayed = run.eliminations()[i];
    const auto it = product_config.find(product.config_id);
    if (it != product_config.end() && it->second == table_config.at(replayed.config_id) &&
        product.after_fold == replayed.after_fold)
      ++same_eliminations;
  }
  std::printf("check: sweep %s (%s) against the replay of its schedule (fold order 0..%d, grid order)\n",
              dir.c_str(), dts::schema::Name(manifest.status), table.folds - 1);
  std::printf("  runs with a result: sweep %zu, replay %zu; same run in the same place: %zu%s%s\n", compared,
              run.jobs().size(), same_order, divergence.empty() ? "" : "; first difference at ",
              divergence.c_str());
  std::printf(
      "  dev scores, sweep (protocol dev) vs table (protocol final): %d of %zu identical, mean |diff| %.4f, "
      "max %.4f\n",
      equal_scores, compared, compared ? sum_gap / static_cast<double>(compared) : 0.0, max_gap);
  std::printf("  eliminations: sweep %zu, replay %zu, the same (configuration and fold, in order): %zu\n",
              manifest.eliminations.size(), run.eliminations().size(), same_eliminations);
  std::printf("  replay: %.0f fold-trainings, chose %s\n", run.cost(),
              table.configs[static_cast<size_t>(run.Select())].id.c_str());
}

// --check of an ASHA-then-race sweep (strategy = asha, search_on = folds) run with one worker
// (configs/ade-tabular-asha-racing-sweep.ini): the replay of the same schedule, fold order 0..9, started in
// the order the sweep started its rung-0 runs (its random draws as it queued them), ties broken by its trial
// ids. Compares every run in order (configuration, rung or race, fold), the dev scores, the eliminations, the
// cost in fold-trainings and the choice.
void CheckAshaSweep(const dts::config::SweepConfig& sweep, const Table& table, const std::string& dir) {
  const std::string manifest_path = dir + "/sweep.h5";
  const auto manifest = dts::schema::ReadSweepManifest(manifest_path);
  std::map<Point, int> index;
  for (size_t i = 0; i < table.configs.size(); ++i) index[table.configs[i].point] = static_cast<int>(i);
  std::map<std::string, int> config_of_row;                            // manifest config_id -> table index
  std::map<std::string, const dts::schema::PlannedTrial*> row_of_key;  // trial_id@variant -> search row
  std::map<int, std::string> tie;  // table index -> the sweep's trial id on fold 0
  for (const auto& row : manifest.trials) {
    if (row.stage != "search") continue;
    const auto config = dts::config::ParseTrainConfig(row.config_ini, manifest_path + " row " + row.trial_id);
    Point point;
    for (const auto& dim : sweep.space) point.push_back(dts::config::TrainSchema().Get(config, dim.key));
    const auto it = index.find(point);
    if (it == index.end())
      throw dts::InputError(manifest_path, 0, "row " + row.trial_id + " is not in the table");
    config_of_row[row.config_id] = it->second;
    row_of_key[row.trial_id + "@" + row.variant] = &row;
    if (dts::schema::AshaRung(row) == 0) tie[it->second] = row.trial_id;
  }
  // The sweep's runs with a result, in the order they ended (one worker: the order they ran).
  std::vector<AshaRun::Job> ran;
  std::vector<const dts::schema::PlannedTrial*> ran_rows;
  std::vector<int> start;
  for (const auto& attempt : manifest.attempts) {
    if (attempt.stage != "search" || attempt.outcome != "completed") continue;
    const auto it = row_of_key.find(attempt.trial_id + "@" + attempt.variant);
    if (it == row_of_key.end()) continue;
    const auto& row = *it->second;
    const int rung = dts::schema::AshaRung(row);
    ran.push_back({config_of_row.at(row.config_id), rung, row.fold});
    ran_rows.push_back(&row);
    if (rung == 0) start.push_back(config_of_row.at(row.config_id));
  }
  std::vector<int> rungs = dts::config::AshaRungEpochs(sweep.sweep);
  std::vector<int> folds(static_cast<size_t>(table.folds));
  std::iota(folds.begin(), folds.end(), 0);
  const RaceSettings race{sweep.sweep.racing, sweep.sweep.racing_level, sweep.sweep.racing_min_folds};
  AshaRun replay(table, rungs, sweep.sweep.reduction_factor, folds, race,
                 [&tie](int config) { return tie[config]; });
  const Outcome outcome = replay.Run(start);
  size_t same_order = 0;
  std::string divergence;
  int equal_scores = 0;
  double max_gap = 0, cost = 0;
  for (size_t i = 0; i < ran.size(); ++i) {
    const auto& job = ran[i];
    const bool same = i < replay.jobs().size() && replay.jobs()[i].config == job.config &&
                      replay.jobs()[i].rung == job.rung && replay.jobs()[i].fold == job.fold;
    if (same && divergence.empty())
      ++same_order;
    else if (divergence.empty())
      divergence = "run " + std::to_string(i) + ": sweep trained " + table.configs[job.config].id +
                   (job.rung >= 0 ? " rung " + std::to_string(job.rung) : std::string(" race")) + " fold " +
                   std::to_string(job.fold);
    const int epochs = job.rung >= 0 ? rungs[job.rung] : rungs.back();
    cost += (epochs - (job.rung > 0 ? rungs[job.rung - 1] : 0)) / static_cast<double>(table.epochs);
    const double gap = std::abs(ran_rows[i]->dev_score - Score(table, job.config, job.fold, epochs));
    max_gap = std::max(max_gap, gap);
    equal_scores += gap < 1e-9;
  }
  std::map<std::string, int> table_config;
  for (size_t k = 0; k < table.configs.size(); ++k) table_config[table.configs[k].id] = static_cast<int>(k);
  size_t same_eliminations = 0;
  for (size_t i = 0; i < manifest.eliminations.size() && i < replay.eliminations().size(); ++i) {
    const auto it = config_of_row.find(manifest.eliminations[i].config_id);
    if (it != config_of_row.end() && it->second == table_config.at(replay.eliminations()[i].config_id) &&
        manifest.eliminations[i].after_fold == replay.eliminations()[i].after_fold)
      ++same_eliminations;
  }
  // The sweep's choice: its final stage's configuration (the search row its fold-0 final run names or
  // shares a configuration with), and how many final runs reused a search trial.
  int chosen = -1, final_runs = 0, reused = 0;
  for (const auto& row : manifest.trials) {
    if (row.stage != "final") continue;
    ++final_runs;
    reused += row.variant == dts::schema::kReusedVariant;
    const auto config = dts::config::ParseTrainConfig(row.config_ini, manifest_path + " row " + row.trial_id);
    Point point;
    for (const auto& dim : sweep.space) point.push_back(dts::config::TrainSchema().Get(config, dim.key));
    if (index.count(point)) chosen = index.at(point);
  }
  const double best = table.full_cv[table.ranking.front()];
  std::printf("check: sweep %s (%s) against the replay of its schedule (ASHA rungs", dir.c_str(),
              dts::schema::Name(manifest.status));
  for (int e : rungs) std::printf(" %d", e);
  std::printf(" on fold 0, then the race over folds 1..%d; the sweep's start order)\n", table.folds - 1);
  std::printf("  runs with a result: sweep %zu, replay %zu; same run in the same place: %zu%s%s\n",
              ran.size(), replay.jobs().size(), same_order,
              divergence.empty() ? "" : "; first difference at ", divergence.c_str());
  std::printf("  dev scores, sweep vs table at the run's epochs: %d of %zu identical, max |diff| %.4f\n",
              equal_scores, ran.size(), max_gap);
  std::printf("  eliminations: sweep %zu, replay %zu, the same (configuration and fold, in order): %zu\n",
              manifest.eliminations.size(), replay.eliminations().size(), same_eliminations);
  std::printf("  fold-trainings: sweep %.1f, replay %.1f (grid: %d)\n", cost, outcome.cost,
              static_cast<int>(table.configs.size()) * table.folds);
  std::printf("  chose: sweep %s, replay %s; regret %.2f F1 points (the table's best %s, %.2f)\n",
              chosen >= 0 ? table.configs[chosen].id.c_str() : "-", table.configs[outcome.chosen].id.c_str(),
              chosen >= 0 ? best - table.full_cv[chosen] : 0.0,
              table.configs[table.ranking.front()].id.c_str(), best);
  std::printf("  final stage: %d runs, %d of them the search's own trials (not trained again)\n", final_runs,
              reused);
}

std::vector<int> ParseCaps(const std::string& text) {
  std::vector<int> caps;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) caps.push_back(static_cast<int>(dts::ParseInteger(item, "caps", "--caps")));
  return caps;
}

}  // namespace

int main(int argc, char** argv) {
  return dts::RunApp("search_replay", argc, argv, [](std::vector<std::string>& args) {
    std::string export_dir, out, table, sweep, caps, check;
    bool allow_incomplete = false;
    ReplayOptions options;
    po::options_description visible(
        "search_replay --export SWEEP_DIR --out CSV [--allow-incomplete]: the tabular benchmark of a sweep\n"
        "search_replay --table CSV --sweep SWEEP.ini [options]: replays search strategies against it");
    visible.add_options()("help,h", "print this help")("export", po::value(&export_dir),
                                                       "sweep directory to export (its final stage)")(
        "out", po::value(&out), "the CSV to write")("allow-incomplete", po::bool_switch(&allow_incomplete),
                                                    "export a final stage that is not complete")(
        "table", po::value(&table), "the CSV to replay against")(
        "sweep", po::value(&sweep), "the sweep file: [space], [constraints], tpe_startup, asha settings")(
        "replays", po::value(&options.replays)->default_value(200), "replays per strategy row")(
        "seed", po::value(&options.seed)->default_value(1), "replay r uses seed + r")(
        "caps", po::value(&caps)->default_value("50,100,200"), "caps of the P(top-5) table; empty: none")(
        "cap", po::value(&options.random_cap)->default_value(100), "fold-trainings cap of random and tpe")(
        "tpe-startup", po::value(&options.tpe_startup)->default_value(-1),
        "tpe's uniform proposals before the model (-1: the sweep file's tpe_startup)")(
        "asha-budget", po::value(&options.asha_budget)->default_value(0),
        "asha's configurations (0: every configuration of the table)")(
        "markdown", po::bool_switch(&options.markdown), "print the tables as Markdown")(
        "check", po::value(&check),
        "with --table and --sweep: compare this search_on = folds sweep directory (one worker) with the "
        "replay of its schedule");
    const po::variables_map vm = dts::ParseCommandLine(args, visible);
    if (vm.count("help")) {
      std::cout << visible << "\n";
      return 0;
    }
    if (!export_dir.empty() == !table.empty())
      throw dts::UsageError("give either --export SWEEP_DIR --out CSV or --table CSV --sweep SWEEP.ini");
    if (!export_dir.empty()) {
      if (out.empty()) throw dts::UsageError("--export needs --out CSV");
      Export(export_dir, out, allow_incomplete);
      return 0;
    }
    if (sweep.empty()) throw dts::UsageError("--table needs --sweep SWEEP.ini");
    if (!check.empty()) {
      CheckSweep(table, sweep, check);
      return 0;
    }
    if (options.replays < 1) throw dts::UsageError("--replays must be at least 1");
    options.caps = ParseCaps(caps);
    RunReplays(table, sweep, options);
    return 0;
  });
}
