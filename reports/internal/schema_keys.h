// The trial-config keys and choice words the report interprets, named through the configuration schema
// (config/train_config.h) so that no key is spelled a second time here. Internal to dts_reports.
//
// The report reads a trial's configuration as its key -> text map (TrialRecord::config), never as a typed
// TrainConfig: trial files of older dts versions may hold keys the schema no longer knows, and a report must
// still read them.
#pragma once

#include <string>

namespace dts::reports {

struct SchemaKeys {
  std::string data_path;      // data.path
  std::string data_format;    // data.format
  std::string data_protocol;  // data.protocol
  std::string data_folds;     // data.folds
  std::string shared_layers;  // model.shared_layers
  std::string ner_layers;     // model.ner_layers
  std::string re_layers;      // model.re_layers
  std::string cell;           // model.cell
  std::string max_epochs;     // train.max_epochs
  // Choice words the report compares config values with.
  std::string format_json;     // data.format = json: the dataset is named after data.path
  std::string protocol_final;  // data.protocol = final: fixed splits train on train+dev
};
const SchemaKeys& Keys();

// Keys that differ between runs of one configuration or between stages, not between configurations, and so
// are never "hyperparameters" in the tables: config::IsPerRunKey (data.fold, train.seed, the [trial] labels)
// and data.protocol (the search and final stages of one configuration differ in it).
bool IsPerRunKey(const std::string& key);

// Keys of the sections the hyperparameter table always shows (besides the keys the sweep varied): [model] and
// [train].
bool IsMainKey(const std::string& key);

}  // namespace dts::reports
