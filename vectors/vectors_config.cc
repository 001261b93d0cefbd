#include "vectors/vectors_config.h"

#include <optional>

namespace dts::vectors {
namespace {

// The one key of another section that dts-vectors reads: the vectors must have the model's word dimension.
constexpr const char* kWordDimKey = "model.word_dim";

bool InSection(const std::string& key, const std::string& section) {
  return key.rfind(section + ".", 0) == 0;
}

}  // namespace

const ParamTable<FastTextConfig>& FastTextParams() {
  static const ParamTable<FastTextConfig> table{
      "vectors",
      {
          Param(&FastTextConfig::dim, "dim")
              .Range(1, 10000)
              .Help("vector dimension; must equal the model's model.word_dim (default: the config file's "
                    "model.word_dim when it sets one, else 100)"),
          Param(&FastTextConfig::epoch, "epoch").Range(1, 10000).Help("passes over the training text"),
          Param(&FastTextConfig::min_count, "min_count")
              .Range(1, 1000000)
              .Help("training-text words seen fewer times get no vector of their own (words of the labelled "
                    "corpus still get one from their subwords)"),
          Param(&FastTextConfig::minn, "minn").Range(1, 50).Help("shortest character n-gram (subword)"),
          Param(&FastTextConfig::maxn, "maxn")
              .Range(0, 50)
              .Help(
                  "longest character n-gram; 0: no subwords (words absent from the training text then get no "
                  "vector)"),
          Param(&FastTextConfig::thread, "thread")
              .Range(1, 256)
              .Help("training threads; only 1 gives the same file for the same seed"),
          Param(&FastTextConfig::seed, "seed")
              .Range(0, 2147483647)
              .Help("seed of initialisation and sampling"),
          Param(&FastTextConfig::bucket, "bucket")
              .Range(1, 20000000)
              .Help("hash buckets for character n-grams (memory: bucket x dim floats)"),
          Param(&FastTextConfig::lr, "lr")
              .Above(0.0, 10.0)
              .Help("initial learning rate, decayed linearly to 0"),
          Param(&FastTextConfig::ws, "ws").Range(1, 100).Help("context window size"),
          Param(&FastTextConfig::neg, "neg").Range(1, 100).Help("negative samples per context word"),
      }};
  return table;
}

const ConfigSchema<VectorsConfig>& VectorsSchema() {
  static const ConfigSchema<VectorsConfig> schema = [] {
    ConfigSchema<VectorsConfig> s;
    s.Add(&VectorsConfig::data, config::DataParams());
    s.Add(&VectorsConfig::vectors, FastTextParams());
    return s;
  }();
  return schema;
}

void Validate(const VectorsConfig& config) {
  const auto& d = config.data;
  const auto& v = config.vectors;
  if (!d.path.empty() && d.fold >= d.folds)
    throw ConfigError(
        "", "data.fold",
        "data.fold = " + std::to_string(d.fold) + " must be below data.folds = " + std::to_string(d.folds));
  if (v.maxn > 0 && v.minn > v.maxn)
    throw ConfigError("", "vectors.minn",
                      "vectors.minn = " + std::to_string(v.minn) +
                          " must not exceed vectors.maxn = " + std::to_string(v.maxn));
}

VectorsConfig LoadVectorsConfig(const std::string& ini_path, const std::vector<IniEntry>& overrides) {
  VectorsConfig config;
  const ConfigSchema<VectorsConfig>& schema = VectorsSchema();
  std::vector<IniEntry> file_entries;
  if (!ini_path.empty()) file_entries = ReadIniFile(ini_path);
  // model.word_dim first, so that an explicit vectors.dim (file or command line) wins over it.
  std::optional<IniEntry> word_dim;
  for (const auto& e : file_entries)
    if (e.key == kWordDimKey) word_dim = e;
  for (const auto& e : overrides)
    if (e.key == kWordDimKey) word_dim = e;
  if (word_dim) schema.Set(config, "vectors.dim", word_dim->value, word_dim->source);
  for (const auto& e : file_entries) {
    // Other sections ([model], [train], ...) belong to the trainer, which checks them.
    if (InSection(e.key, "data") || InSection(e.key, "vectors")) schema.Set(config, e.key, e.value, e.source);
  }
  for (const auto& e : overrides) {
    if (e.key == kWordDimKey) continue;
    if (!InSection(e.key, "data") && !InSection(e.key, "vectors")) {
      const std::string close = ClosestKey(e.key, schema.Keys());
      throw ConfigError(e.source, e.key,
                        "unknown key '" + e.key + "': dts-vectors reads only [data] and [vectors] keys and " +
                            kWordDimKey + (close.empty() ? "" : " (did you mean '" + close + "'?)"));
    }
    schema.Set(config, e.key, e.value, e.source);
  }
  Validate(config);
  return config;
}

}  // namespace dts::vectors
