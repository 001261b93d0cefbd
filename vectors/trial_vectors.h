// A trial's own in-domain word vectors (data.vectors_text): the vectors dts-vectors would make for the
// trial's fold, trained by the trial itself so that their settings (dimension = model.word_dim,
// data.vectors_epochs, data.vectors_add_train) are hyperparameters a sweep can search.
//
// Cache. Training takes seconds to minutes, and without data.vectors_add_train every fold of a configuration
// asks for the same vectors. A file is kept under the name of a hash of exactly what fastText is given (the
// prepared training text, the corpus words that get subword vectors, every [vectors] setting), so equal
// inputs find one file and no setting can be forgotten in the key. Files are written atomically (temporary
// file, fsync, rename), so trials on several hosts may share the directory: two that build the same file at
// once write the same bytes.
#pragma once

#include <string>

#include "config/train_config.h"
#include "data/word_vectors.h"
#include "vectors/vectors.h"

namespace dts::vectors {

// What data.vectors_text stands for, as dts-vectors options: fastText's defaults (FastTextConfig) with dim =
// model.word_dim and epoch = data.vectors_epochs; the text file (format detected); with
// data.vectors_add_train the fold's training part (the trial's own data.* split), otherwise the corpus only
// as a source of words to give vectors to (--vocab-from). Either way no dev or test sentence is trained on.
// `out` is left empty.
VectorsOptions TrialVectorsOptions(const config::TrainConfig& config);

// The cache directory of a trial file: "vectors" beside it (a sweep's DIR/trials/vectors).
std::string TrialVectorsCacheDir(const std::string& trial_file);

struct TrialVectors {
  std::string path;  // the .vec file in the cache
  bool built = false;
  VectorsSummary summary;  // when built
};

// Finds the trial's vectors in `cache_dir` (created if missing), or trains and writes them there. Throws
// what TrainVectors throws (InputError naming the text file and line, IoError naming the cache file).
TrialVectors EnsureTrialVectors(const config::TrainConfig& config, const std::string& cache_dir);

// The words TrainVectors may write for `options` (every vector zero), found without training: fastText's
// dictionary and subword table are built from the prepared text alone. The model's vocabulary, and so its
// parameter count, depends on nothing else, so dts-train --count-parameters and --dry-run answer in a second.
// It is an upper bound, exact in practice on real text: training drops a word whose vector comes out all
// zero, which happens when fastText's subsampling of frequent words skipped every occurrence of the words
// that lend it its character n-grams (seen on texts of a few sentences).
data::WordVectors VectorWordsWithoutTraining(const VectorsOptions& options);

}  // namespace dts::vectors
