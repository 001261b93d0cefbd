#include "vectors/trial_vectors.h"

#include <filesystem>
#include <sstream>

#include "common/error.h"
#include "common/hash.h"

namespace dts::vectors {

namespace fs = std::filesystem;

namespace {

// Everything fastText is given: the settings, the training text, the words to give subword vectors to.
std::string CacheKey(const VectorsOptions& options, const PreparedText& text) {
  Hasher hasher;
  hasher.Add("dts trial vectors 1\n");
  for (const auto& param : FastTextParams().params())
    hasher.Add(param.name + "=" + param.get(options.config.vectors) + "\n");
  hasher.Add(std::to_string(text.lines.size()) + " lines\n");
  for (const std::string& line : text.lines) hasher.Add(line).Add("\n");
  hasher.Add(std::to_string(text.extra_words.size()) + " words\n");
  for (const std::string& word : text.extra_words) hasher.Add(word).Add("\n");
  return hasher.Hex();
}

}  // namespace

VectorsOptions TrialVectorsOptions(const config::TrainConfig& config) {
  VectorsOptions options;
  options.config.vectors.dim = config.model.word_dim;
  options.config.vectors.epoch = config.data.vectors_epochs;
  options.texts = {config.data.vectors_text};
  options.text_format = TextFormat::kAuto;
  config::DataConfig& data = options.config.data;
  data = config.data;  // the trial's own split and word keys (lowercase_words)
  data.word_vectors.clear();
  data.vectors_text.clear();
  data.contextual_embeddings.clear();
  if (!config.data.vectors_add_train) {
    data.path.clear();
    if (!config.data.path.empty()) options.vocab_from.push_back({config.data.format, config.data.path});
  }
  return options;
}

std::string TrialVectorsCacheDir(const std::string& trial_file) {
  const fs::path parent = fs::path(trial_file).parent_path();
  return ((parent.empty() ? fs::path(".") : parent) / "vectors").string();
}

TrialVectors EnsureTrialVectors(const config::TrainConfig& config, const std::string& cache_dir) {
  VectorsOptions options = TrialVectorsOptions(config);
  const PreparedText text = PrepareTrainingText(options);
  std::error_code error;
  fs::create_directories(cache_dir, error);
  if (error) throw IoError(cache_dir, "cannot create the word-vectors cache: " + error.message());
  TrialVectors result;
  // The settings a person looks for first, then the key.
  result.path = (fs::path(cache_dir) /
                 ("d" + std::to_string(options.config.vectors.dim) + "-e" +
                  std::to_string(options.config.vectors.epoch) + "-" + CacheKey(options, text) + ".vec"))
                    .string();
  if (fs::is_regular_file(result.path, error)) return result;
  options.out = result.path;
  result.summary = TrainVectors(options, text);
  result.built = true;
  return result;
}

data::WordVectors VectorWordsWithoutTraining(const VectorsOptions& options) {
  data::WordVectors vectors;
  vectors.dim = options.config.vectors.dim;
  vectors.words = WordsWithVectors(options, PrepareTrainingText(options));
  vectors.values.assign(vectors.words.size() * static_cast<std::size_t>(vectors.dim), 0.0f);
  for (std::size_t i = 0; i < vectors.words.size(); ++i)
    vectors.index.emplace(vectors.words[i], static_cast<int>(i));
  return vectors;
}

}  // namespace dts::vectors
