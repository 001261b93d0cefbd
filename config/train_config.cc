#include "config/train_config.h"

#include <filesystem>

namespace dts::config {

const ParamTable<OptimConfig>& OptimParams() {
  static const ParamTable<OptimConfig> table{
      "train",
      {
          Param(&OptimConfig::optimizer, "optimizer")
              .Choices({{"adam", OptimizerType::kAdam}, {"nadam", OptimizerType::kNadam}})
              .Help("Adam, or Nesterov Adam (PyTorch's NAdam update, see docs/model.md); paper: ADE adam, "
                    "CoNLL04 "
                    "nadam"),
          Param(&OptimConfig::lr, "lr").Above(0.0, 10.0).Help("learning rate (paper: 5e-4)"),
          Param(&OptimConfig::batch_size, "batch_size")
              .Range(1, 4096)
              .Help("sentences per mini-batch (paper: ADE 16, CoNLL04 2)"),
          Param(&OptimConfig::lambda_r, "lambda_r")
              .Range(0.0, 1000.0)
              .Help("weight of the RE loss (paper: 5)"),
          Param(&OptimConfig::clip_norm, "clip_norm")
              .Range(0.0, 1e6)
              .Help("clip the global gradient L2 norm to this value; 0: no clipping"),
          Param(&OptimConfig::seed, "seed")
              .Range(0, 2147483647)
              .Help("master seed: weight initialisation, shuffling and dropout derive from it"),
          Param(&OptimConfig::max_epochs, "max_epochs")
              .Range(1, 100000)
              .Help("upper bound on training epochs"),
          Param(&OptimConfig::patience, "patience")
              .Range(0, 100000)
              .Help("stop after this many epochs without dev improvement; 0: never stop early"),
          Param(&OptimConfig::early_stop_metric, "early_stop_metric")
              .Choices({{"ner_f1", EarlyStopMetric::kNerF1},
                        {"re_f1", EarlyStopMetric::kReF1},
                        {"mean", EarlyStopMetric::kMean}})
              .Help("dev metric that selects the best epoch: NER F1, RE F1 or their mean"),
          Param(&OptimConfig::selection_average, "selection_average")
              .Choices({{"auto", SelectionAverage::kAuto},
                        {"micro", SelectionAverage::kMicro},
                        {"macro", SelectionAverage::kMacro}})
              .Help("averaging of the F1 scores behind early_stop_metric and eval.theta_r_mode = dev_best; "
                    "auto: "
                    "the corpus' reporting convention (CoNLL04 micro, otherwise macro)"),
          Param(&OptimConfig::word_dropout, "word_dropout")
              .Range(0.0, 1.0)
              .Help("probability that a rare training word (see word_dropout_max_count) is replaced by the "
                    "unknown word in a training batch, so that <unk> is trained; 0: off"),
          Param(&OptimConfig::word_dropout_max_count, "word_dropout_max_count")
              .Range(0, 1000000)
              .Help("words seen at most this many times in the training set are subject to word_dropout; 0: "
                    "every word"),
          Param(&OptimConfig::length_bucket_batches, "length_bucket_batches")
              .Range(1, 1000000)
              .Help(
                  "batches of similar length: windows of this many batches of the shuffled training set are "
                  "sorted by length before being cut (less padding, faster epochs); 1: plain random batches"),
          Param(&OptimConfig::time_limit_s, "time_limit_s")
              .Range(0.0, 1e9)
              .Help("stop training after this many seconds (checked between batches); 0: no limit"),
          Param(&OptimConfig::threads, "threads")
              .Range(0, 1024)
              .Help("intra-op CPU threads; 0: LibTorch's default"),
      }};
  return table;
}

const ParamTable<EvalConfig>& EvalParams() {
  static const ParamTable<EvalConfig> table{
      "eval",
      {
          Param(&EvalConfig::theta_r, "theta_r")
              .Range(0.0, 1.0)
              .Help("a relation is predicted when its sigmoid probability exceeds this threshold"),
          Param(&EvalConfig::theta_r_mode, "theta_r_mode")
              .Choices({{"fixed", ThetaMode::kFixed}, {"dev_best", ThetaMode::kDevBest}})
              .Help("fixed: use eval.theta_r; dev_best: pick the threshold that maximises dev RE F1"),
      }};
  return table;
}

const ParamTable<TrialMeta>& TrialParams() {
  static const ParamTable<TrialMeta> table{
      "trial",
      {
          Param(&TrialMeta::stage, "stage").Help("name of the sweep stage this run belongs to"),
          Param(&TrialMeta::variant, "variant").Help("free-form label of the variant (e.g. an ablation)"),
      }};
  return table;
}

const ParamTable<DebugConfig>& DebugParams() {
  static const ParamTable<DebugConfig> table{
      "debug",
      {
          Param(&DebugConfig::fault, "fault")
              .Choices({{"none", Fault::kNone},
                        {"crash", Fault::kCrash},
                        {"abort", Fault::kAbort},
                        {"nan", Fault::kNan},
                        {"hang", Fault::kHang}})
              .Help(
                  "inject a fault at debug.fault_epoch to test failure handling (segfault, abort, non-finite "
                  "loss, hang); none in real runs"),
          Param(&DebugConfig::fault_epoch, "fault_epoch")
              .Range(1, 100000)
              .Help("epoch at which debug.fault fires"),
      }};
  return table;
}

const ConfigSchema<TrainConfig>& TrainSchema() {
  static const ConfigSchema<TrainConfig> schema = [] {
    ConfigSchema<TrainConfig> s;
    s.Add(&TrainConfig::data, DataParams());
    s.Add(&TrainConfig::model, ModelParams());
    s.Add(&TrainConfig::train, OptimParams());
    s.Add(&TrainConfig::eval, EvalParams());
    s.Add(&TrainConfig::trial, TrialParams());
    s.Add(&TrainConfig::debug, DebugParams());
    return s;
  }();
  return schema;
}

void Validate(const TrainConfig& config) {
  const auto& d = config.data;
  const auto& m = config.model;
  if (d.fold >= d.folds)
    throw ConfigError(
        "", "data.fold",
        "data.fold = " + std::to_string(d.fold) + " must be below data.folds = " + std::to_string(d.folds));
  if (m.freeze_word_vectors && d.word_vectors.empty() && d.vectors_text.empty())
    throw ConfigError("", "model.freeze_word_vectors",
                      "model.freeze_word_vectors = true needs data.word_vectors or data.vectors_text (frozen "
                      "random vectors learn nothing)");
  if (!d.word_vectors.empty() && !d.vectors_text.empty())
    throw ConfigError("", "data.vectors_text",
                      "data.vectors_text (vectors the trial trains) and data.word_vectors (a vectors file) "
                      "exclude each other: set one");
  if (m.contextual && d.contextual_embeddings.empty())
    throw ConfigError("", "model.contextual", "model.contextual = true needs data.contextual_embeddings");
}

namespace {
TrainConfig Finish(TrainConfig config, const std::vector<IniEntry>& overrides) {
  ApplyIni(TrainSchema(), config, overrides);
  Validate(config);
  return config;
}
}  // namespace

bool IsPathKey(const std::string& key) {
  return TrainSchema().Has(key) && TrainSchema().Doc(key).type_name == "path";
}

void ResolveRelativePaths(std::vector<IniEntry>& entries, const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path base = fs::absolute(dir.empty() ? fs::path(".") : fs::path(dir));
  for (auto& entry : entries) {
    if (entry.value.empty() || !IsPathKey(entry.key) || fs::path(entry.value).is_absolute()) continue;
    entry.value = (base / entry.value).lexically_normal().string();
  }
}

TrainConfig LoadTrainConfig(const std::string& ini_path, const std::vector<IniEntry>& overrides) {
  TrainConfig config;
  if (!ini_path.empty()) {
    std::vector<IniEntry> entries = ReadIniFile(ini_path);
    ResolveRelativePaths(entries, std::filesystem::path(ini_path).parent_path().string());
    ApplyIni(TrainSchema(), config, entries);
  }
  return Finish(std::move(config), overrides);
}

TrainConfig ParseTrainConfig(const std::string& ini_text, const std::string& name) {
  TrainConfig config;
  ApplyIni(TrainSchema(), config, ParseIniText(ini_text, name));
  return Finish(std::move(config), {});
}

std::string ConfigReferenceMarkdown() {
  return "# Configuration reference\n\n"
         "<!-- Generated by `dts-train --config-reference`; do not edit. A test regenerates and diffs it. "
         "-->\n\n"
         "Every key can be set in an INI file (`[section]` then `key = value`) or on the command line as "
         "`--section.key value`, which wins over the file. Unknown keys, wrong types and out-of-range values "
         "are "
         "refused with the key (and file:line) named. A relative value of a `path` key is relative to the "
         "directory of the INI file that names it (for a sweep's `[base]` and `[space]`, the sweep file's); "
         "on the command line, to the working directory.\n\n" +
         ParamDocsMarkdown(TrainSchema().Docs());
}

}  // namespace dts::config
