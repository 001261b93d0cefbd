// The sweep file: [sweep] settings, the [space] to search, [constraints] between keys, and [base] overrides
// of the base trial config. Parsed and validated completely before any rank starts work; every error names
// the sweep file's line and the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ini.h"
#include "common/params.h"
#include "config/train_config.h"

namespace dts::config {

enum class Strategy { kGrid, kRandom, kAsha, kTpe };
// strategy = asha: how rung 0's configurations are drawn: every one at random before the first result, or
// one at a time by a tree-structured Parzen estimator fitted to the results so far (model-based ASHA, as
// BOHB is for Hyperband).
enum class AshaSampler { kRandom, kTpe };
// What the search scores a configuration by: its dev score on fold 0 (the paper's held-out dev set), or its
// dev scores on every fold of a cross-validated corpus (one training per fold, mean over folds).
enum class SearchOn { kDev, kFolds };
// search_on = folds: the paired test that eliminates a configuration before its remaining folds
// (search/racing.h); off trains every configuration on every fold.
enum class RacingTest { kOff, kTTest, kWilcoxon };
enum class CorpusKind { kAuto, kCrossValidated, kFixedSplit };
enum class DeviceChoice { kAuto, kCpu };
// Where the ablation runs: fold 0 only, or (cross-validated corpora) every fold, paired fold by fold with
// the baseline, as the paper's 10-fold ablation does.
enum class AblationFolds { kFirst, kAll };

// [sweep]: declared once here; parsing, range checks and docs/orchestrator.md's table derive from
// SweepParams().
struct SweepSettings {
  std::string name = "sweep";
  std::string base;  // the base trial INI, relative to the sweep file
  Strategy strategy = Strategy::kGrid;
  int budget = 20;      // configurations drawn by the random, asha and tpe strategies
  int tpe_startup = 5;  // tpe (and asha_sampler = tpe): proposals drawn at random before the model proposes
  AshaSampler asha_sampler = AshaSampler::kRandom;
  // asha: rung k trains to min_epochs * reduction_factor^k epochs (while <= max_epochs); the top
  // 1/reduction_factor of each rung is promoted and resumes from its checkpoint.
  int min_epochs = 1;
  int reduction_factor = 3;
  int max_epochs = 27;
  int seed = 1;  // seeds the random strategy and is the first training seed
  int search_seeds = 1;
  SearchOn search_on = SearchOn::kDev;
  RacingTest racing = RacingTest::kOff;
  double racing_level = 0.05;
  int racing_min_folds = 3;
  int final_top_k = 1;
  int final_seeds = 5;  // fixed-split corpora; cross-validated corpora run every fold once instead
  int ablation_seeds = 3;
  AblationFolds ablation_folds = AblationFolds::kFirst;
  std::string stages = "search,final,ablation";
  int max_retries = 1;  // extra attempts for crashed / infrastructure failures
  int threads_per_rank = 1;
  double trial_timeout_s = 0;  // 0: none
  std::string trial_command = "dts-train";
  CorpusKind corpus = CorpusKind::kAuto;
  DeviceChoice device = DeviceChoice::kAuto;
  int max_shared_layers = 3;  // ablation variants never exceed it (model.shared_layers' own range)
  double progress_every_s = 10;
  // Across hosts (docs/orchestrator.md, "Running across hosts").
  std::string environment;     // numerics variables every trial gets, "NAME=VALUE, ..." (all others unset)
  double lock_lease_s = 60;    // DIR/sweep.lock and trial leases are renewed every lease / 4 seconds
  double silent_rank_s = 120;  // a rank not heard from for this long is reported lost
  int quarantine_after = 3;    // infrastructure failures in a row that take a rank out of the sweep
  int trials_per_gpu = 1;      // device = auto: GPU workers per visible GPU of a host; the rest use the CPU
};
const ParamTable<SweepSettings>& SweepParams();

// One searched key. A grid takes every list value / every integer in range; random draws uniformly (log-
// uniformly for logreal).
struct Dimension {
  enum class Kind { kList, kInt, kReal, kLogReal };
  std::string key;  // a TrainSchema() key, "model.shared_layers"
  Kind kind = Kind::kList;
  std::vector<std::string> values;  // kList
  double lo = 0, hi = 0;            // ranges, inclusive
  std::string source;               // sweep.ini:line
};

// `label = a + b - 2 <= 5`: a linear expression of numeric keys and numbers compared with a number or another
// linear expression, operators <= < >= > == !=. A configuration violating it is not planned.
struct Constraint {
  struct Term {
    double sign = 1;
    std::string key;  // empty: a number
    double number = 0;
  };
  std::string label;
  std::vector<Term> left, right;
  std::string op;
  std::string source;
  std::string text;
};

struct SweepConfig {
  std::string path;  // the sweep file
  std::string text;  // its contents, stored in the manifest
  SweepSettings sweep;
  std::vector<std::string> stages;  // validated, in order
  std::vector<Dimension> space;
  std::vector<Constraint> constraints;
  // The base trial configuration, resolved: defaults, then the base file, then [base], each value checked by
  // TrainSchema() where it was written. Every planned trial starts from it.
  TrainConfig base;
};

// The [sweep] section as a schema over SweepConfig, and its table as docs/orchestrator.md shows it (between
// its sweep-settings markers; `dts-sweep --config-reference` prints it, a test diffs the two).
const ConfigSchema<SweepConfig>& SweepSchema();
std::string SweepSettingsMarkdown();

// A grid's points before [constraints]: the product of each dimension's value count (1 for an empty
// [space]: the base configuration alone). A grid above kMaxGridPoints is refused when the sweep file is read,
// before anything is enumerated.
double GridSize(const SweepConfig& sweep);
inline constexpr double kMaxGridPoints = 1e6;

// ASHA rung budgets in epochs: min_epochs * reduction_factor^k for k = 0, 1, ... while <= max_epochs.
std::vector<int> AshaRungEpochs(const SweepSettings& sweep);

// Reads and validates `path`: the [sweep] settings, the base configuration and every searched value are
// checked by the trial schema in this process (no trial command is asked). Throws ConfigError / InputError /
// IoError naming file:line and key.
SweepConfig ReadSweepConfig(const std::string& path);
SweepConfig ParseSweepConfig(const std::string& text, const std::string& path);

// Sets a searched key of `config` to one of its values (text, as a list gives it or a range draws it).
void SetSearched(TrainConfig& config, const Dimension& dim, const std::string& value);

// True if `config` satisfies every constraint.
bool SatisfiesConstraints(const SweepConfig& sweep, const TrainConfig& config);

}  // namespace dts::config
