#include "reports/internal/schema_keys.h"

#include "config/identity.h"
#include "config/train_config.h"

namespace dts::reports {

namespace {

using config::TrainConfig;

// The word the schema prints for `value` of a choice key.
template <class S, class V>
std::string ChoiceWord(S TrainConfig::*section, V S::*member, V value) {
  TrainConfig config;
  (config.*section).*member = value;
  const auto& schema = config::TrainSchema();
  return schema.Get(config, schema.Key(section, member));
}

SchemaKeys MakeKeys() {
  const auto& schema = config::TrainSchema();
  SchemaKeys k;
  k.data_path = schema.Key(&TrainConfig::data, &config::DataConfig::path);
  k.data_format = schema.Key(&TrainConfig::data, &config::DataConfig::format);
  k.data_protocol = schema.Key(&TrainConfig::data, &config::DataConfig::protocol);
  k.data_folds = schema.Key(&TrainConfig::data, &config::DataConfig::folds);
  k.shared_layers = schema.Key(&TrainConfig::model, &config::ModelConfig::shared_layers);
  k.ner_layers = schema.Key(&TrainConfig::model, &config::ModelConfig::ner_layers);
  k.re_layers = schema.Key(&TrainConfig::model, &config::ModelConfig::re_layers);
  k.cell = schema.Key(&TrainConfig::model, &config::ModelConfig::cell);
  k.max_epochs = schema.Key(&TrainConfig::train, &config::OptimConfig::max_epochs);
  k.format_json = ChoiceWord(&TrainConfig::data, &config::DataConfig::format, config::CorpusFormat::kJson);
  k.protocol_final = ChoiceWord(&TrainConfig::data, &config::DataConfig::protocol, config::Protocol::kFinal);
  return k;
}

bool HasPrefix(const std::string& key, const std::string& section) {
  return key.size() > section.size() && key.compare(0, section.size(), section) == 0 &&
         key[section.size()] == '.';
}

}  // namespace

const SchemaKeys& Keys() {
  static const SchemaKeys keys = MakeKeys();
  return keys;
}

bool IsPerRunKey(const std::string& key) { return config::IsPerRunKey(key) || key == Keys().data_protocol; }

bool IsMainKey(const std::string& key) {
  return HasPrefix(key, config::ModelParams().section()) || HasPrefix(key, config::OptimParams().section());
}

}  // namespace dts::reports
