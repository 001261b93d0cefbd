// The root configuration of one training run and the schema that reads, checks and prints it.
// Each section's table is declared next to its struct; TrainSchema() joins them, and everything else
// (INI reader, --section.key overrides, --help, --dump-config, docs/config.md, trial ids) derives from it.
#pragma once

#include <string>
#include <vector>

#include "common/ini.h"
#include "common/params.h"
#include "config/data_config.h"
#include "config/model_config.h"

namespace dts::config {

enum class OptimizerType { kAdam, kNadam };
enum class EarlyStopMetric { kNerF1, kReF1, kMean };
// How the per-type F1 scores behind train.early_stop_metric (and eval.theta_r_mode = dev_best) are averaged.
// kAuto follows the corpus' reporting convention: micro for CoNLL04, macro otherwise (ADE, JSON corpora).
enum class SelectionAverage { kAuto, kMicro, kMacro };

// [train]
struct OptimConfig {
  OptimizerType optimizer = OptimizerType::kAdam;
  double lr = 5e-4;
  int batch_size = 16;
  double lambda_r = 5.0;
  double clip_norm = 0.0;  // 0: no clipping
  int seed = 1;
  int max_epochs = 100;
  int patience = 10;
  EarlyStopMetric early_stop_metric = EarlyStopMetric::kMean;
  SelectionAverage selection_average = SelectionAverage::kAuto;
  // Word dropout: in training batches, a word seen at most word_dropout_max_count times in the training set
  // is replaced by the unknown word with probability word_dropout, so <unk> learns a vector that unseen
  // test words can use. The character BiRNN still sees the word's characters.
  double word_dropout = 0.5;
  int word_dropout_max_count = 1;
  // Batches of similar length: the shuffled training set is cut into windows of this many batches, each
  // sorted by length before it is cut into batches (less padding, faster); 1: plain random batches.
  int length_bucket_batches = 50;
  double time_limit_s = 0.0;  // 0: none
  int threads = 1;
};

enum class ThetaMode { kFixed, kDevBest };

// [eval]
struct EvalConfig {
  double theta_r = 0.5;
  ThetaMode theta_r_mode = ThetaMode::kFixed;
};

// [trial]: labels a sweep attaches to a run; they change no computation.
struct TrialMeta {
  std::string stage = "single";
  std::string variant;
};

enum class Fault { kNone, kCrash, kAbort, kNan, kHang };

// [debug]: fault injection, so the sweep's failure handling can be tested end to end. Off by default.
struct DebugConfig {
  Fault fault = Fault::kNone;
  int fault_epoch = 1;
};

struct TrainConfig {
  DataConfig data;
  ModelConfig model;
  OptimConfig train;
  EvalConfig eval;
  TrialMeta trial;
  DebugConfig debug;
};

const ParamTable<OptimConfig>& OptimParams();
const ParamTable<EvalConfig>& EvalParams();
const ParamTable<TrialMeta>& TrialParams();
const ParamTable<DebugConfig>& DebugParams();
const ConfigSchema<TrainConfig>& TrainSchema();

// Cross-field checks the per-key ranges cannot express; throws ConfigError naming the key.
void Validate(const TrainConfig& config);

// Path keys (type "path" in the schema: data.path, data.split_file, ...) written in an INI file are relative
// to that file's directory: rewrites each relative, non-empty value of such a key to an absolute path under
// `dir`. Command-line overrides are not passed here: they stay relative to the working directory.
void ResolveRelativePaths(std::vector<IniEntry>& entries, const std::string& dir);
// True for the keys whose values are paths.
bool IsPathKey(const std::string& key);

// Defaults, then the INI file (relative paths resolved against its directory), then the overrides (in order),
// then Validate. `ini_path` may be empty.
TrainConfig LoadTrainConfig(const std::string& ini_path, const std::vector<IniEntry>& overrides = {});
// The same from INI text (what a checkpoint or a trial file stores).
TrainConfig ParseTrainConfig(const std::string& ini_text, const std::string& name);

// docs/config.md: generated from TrainSchema().
std::string ConfigReferenceMarkdown();

}  // namespace dts::config
