// The trial-config keys the orchestrator reads or sets. They are declared by their owners' parameter tables
// (data/data_config.h, model/model_config.h, the train and trial tables); this list only names them once for
// the orchestrator, which does not link those libraries (it must not link LibTorch).
#pragma once

namespace dts::orchestrator::keys {

inline constexpr const char* kDataPath = "data.path";
inline constexpr const char* kDataFormat = "data.format";
inline constexpr const char* kProtocol = "data.protocol";  // dev | final
inline constexpr const char* kFold = "data.fold";
inline constexpr const char* kFolds = "data.folds";
inline constexpr const char* kSeed = "train.seed";
inline constexpr const char* kMaxEpochs = "train.max_epochs";
inline constexpr const char* kSharedLayers = "model.shared_layers";
inline constexpr const char* kNerLayers = "model.ner_layers";
inline constexpr const char* kReLayers = "model.re_layers";
inline constexpr const char* kStage = "trial.stage";
inline constexpr const char* kVariant = "trial.variant";
// Keys in this section are labels (stage, variant): they do not change what is trained, so they are left out
// of trial ids, and the same run planned by two stages is one trial.
inline constexpr const char* kLabelSection = "trial.";

}  // namespace dts::orchestrator::keys
