// The sweep file: [sweep] settings, the [space] to search, [constraints] between keys, and [base] overrides of
// the base trial config. Parsed and validated completely before any rank starts work; every error names the
// sweep file's line and the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ini.h"
#include "common/params.h"

namespace dts::orchestrator {

enum class Strategy { kGrid, kRandom, kAsha };
enum class CorpusKind { kAuto, kCrossValidated, kFixedSplit };
enum class DeviceChoice { kAuto, kCpu };
// Where the ablation runs: fold 0 only, or (cross-validated corpora) every fold, paired fold by fold with
// the baseline, as the paper's 10-fold ablation does.
enum class AblationFolds { kFirst, kAll };

// [sweep]: declared once here; parsing, range checks and docs/orchestrator.md's table derive from SweepParams().
struct SweepSettings {
  std::string name = "sweep";
  std::string base;  // the base trial INI, relative to the sweep file
  Strategy strategy = Strategy::kGrid;
  int budget = 20;  // configurations drawn by the random and asha strategies
  // asha: rung k trains to min_epochs * reduction_factor^k epochs (while <= max_epochs); the top
  // 1/reduction_factor of each rung is promoted and resumes from its checkpoint.
  int min_epochs = 1;
  int reduction_factor = 3;
  int max_epochs = 27;
  int seed = 1;     // seeds the random strategy and is the first training seed
  int search_seeds = 1;
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
  bool validate_with_trial = true;
  double progress_every_s = 10;
};
const ParamTable<SweepSettings>& SweepParams();

// One searched key. A grid takes every list value / every integer in range; random draws uniformly (log-
// uniformly for logreal).
struct Dimension {
  enum class Kind { kList, kInt, kReal, kLogReal };
  std::string key;  // trial-config key, "model.shared_layers"
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

using TrialConfig = std::map<std::string, std::string>;  // "section.key" -> value

struct SweepConfig {
  std::string path;  // the sweep file
  std::string text;  // its contents, stored in the manifest
  SweepSettings sweep;
  std::vector<std::string> stages;  // validated, in order
  std::vector<Dimension> space;
  std::vector<Constraint> constraints;
  TrialConfig base;  // base file + [base] overrides
  std::map<std::string, std::string> base_sources;  // key -> file:line
};

// ASHA rung budgets in epochs: min_epochs * reduction_factor^k for k = 0, 1, ... while <= max_epochs.
std::vector<int> AshaRungEpochs(const SweepSettings& sweep);

// Reads and validates `path`. Throws ConfigError / InputError / IoError naming file:line and key.
SweepConfig ReadSweepConfig(const std::string& path);
SweepConfig ParseSweepConfig(const std::string& text, const std::string& path);

// True if `config` satisfies every constraint. Throws ConfigError if a key is missing or not numeric.
bool SatisfiesConstraints(const SweepConfig& sweep, const TrialConfig& config);

// Canonical INI text of a config: sections and keys sorted, "key = value". With labels=false the trial.*
// labels are left out (the text trial ids hash).
std::string CanonicalText(const TrialConfig& config, bool labels = true);
TrialConfig ParseTrialConfig(const std::string& canonical_text);

}  // namespace dts::orchestrator
