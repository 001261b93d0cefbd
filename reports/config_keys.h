// The trial-config keys the report interprets. They are declared by their owners' parameter tables
// (data/data_config.h, model/model_config.h, the train and trial tables); the report does not link those
// libraries (it must not link LibTorch), so it names them once here.
#pragma once

namespace dts::reports::keys {

inline constexpr const char* kDataPath = "data.path";
inline constexpr const char* kDataFormat = "data.format";
inline constexpr const char* kDataProtocol = "data.protocol";
inline constexpr const char* kSharedLayers = "model.shared_layers";
inline constexpr const char* kNerLayers = "model.ner_layers";
inline constexpr const char* kReLayers = "model.re_layers";
inline constexpr const char* kCell = "model.cell";

// Keys that differ between runs of one configuration or between stages, not between configurations: never
// "hyperparameters" in the tables.
inline constexpr const char* kPerRunKeys[] = {"data.fold", "train.seed", "data.protocol"};
inline constexpr const char* kLabelSection = "trial.";

// Sections whose keys the hyperparameter table always shows (besides the keys the sweep varied).
inline constexpr const char* kMainSections[] = {"model.", "train.", "optim."};

}  // namespace dts::reports::keys
