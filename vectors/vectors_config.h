// The configuration of dts-vectors: the [data] section (declared in config/data_config.h, reused as is) that
// names the labelled corpus and the fold, and the [vectors] section, declared here, that holds fastText's
// training hyperparameters.
#pragma once

#include <string>
#include <vector>

#include "common/ini.h"
#include "common/params.h"
#include "config/data_config.h"

namespace dts::vectors {

// [vectors]: fastText skip-gram with subword (character n-gram) vectors.
struct FastTextConfig {
  int dim = 100;  // model.word_dim's default; see LoadVectorsConfig for how model.word_dim sets it
  int epoch = 10;
  int min_count = 2;
  int minn = 3;
  int maxn = 6;
  int thread = 1;
  int seed = 1;
  int bucket = 2000000;
  double lr = 0.05;
  int ws = 5;
  int neg = 5;
};

const ParamTable<FastTextConfig>& FastTextParams();

struct VectorsConfig {
  config::DataConfig data;  // data.path empty: no labelled corpus
  FastTextConfig vectors;
};

const ConfigSchema<VectorsConfig>& VectorsSchema();

// Cross-field checks (minn <= maxn, ...); throws ConfigError naming the key.
void Validate(const VectorsConfig& config);

// Defaults, then the INI file, then the overrides (in order), then Validate. `ini_path` may be empty.
// The INI file is usually a training configuration (configs/ade.ini): its [data] and [vectors] keys apply,
// its other sections are the trainer's business and are skipped, except model.word_dim, which sets
// vectors.dim unless vectors.dim is given (so the vectors fit the model the same file trains). Overrides
// (--section.key value) may name [data] and [vectors] keys and model.word_dim; any other key is refused.
VectorsConfig LoadVectorsConfig(const std::string& ini_path, const std::vector<IniEntry>& overrides = {});

}  // namespace dts::vectors
