// The [data] section: where the corpus is and how it is split. Declared once, here.
#pragma once

#include <string>

#include "common/params.h"

namespace dts::config {

enum class CorpusFormat { kAde, kConll04, kJson };
// kDev: train on the training part, select on dev (the search stage, and ADE's folds).
// kFinal: the final-run protocol. For a fixed-split corpus (CoNLL04) train on train+dev and test on test;
// for a cross-validated corpus (ADE) identical to kDev (fold `fold` is the test part, the held-out dev
// set selects the epoch).
enum class Protocol { kDev, kFinal };

struct DataConfig {
  std::string path;  // a file (cross-validated) or a directory with train/dev/test files (fixed split)
  CorpusFormat format = CorpusFormat::kJson;
  Protocol protocol = Protocol::kDev;
  int fold = 0;
  int folds = 10;
  double dev_fraction = 0.1;
  int split_seed = 1;
  std::string split_file;
  int max_train_sentences = 0;
  int min_word_count = 1;
  bool lowercase_words = true;
  std::string word_vectors;
  // In-domain vectors the trial trains itself (vectors/trial_vectors.h), so their settings can be searched.
  std::string vectors_text;
  int vectors_epochs = 10;
  bool vectors_add_train = false;
  std::string contextual_embeddings;
};

inline const ParamTable<DataConfig>& DataParams() {
  static const ParamTable<DataConfig> table{
      "data",
      {
          Param(&DataConfig::path, "path")
              .IsPath()
              .Help("corpus: a file (split into a held-out dev set and folds) or a directory holding "
                    "train/dev/test files (fixed split)"),
          Param(&DataConfig::format, "format")
              .Choices({{"ade", CorpusFormat::kAde},
                        {"conll04", CorpusFormat::kConll04},
                        {"json", CorpusFormat::kJson}})
              .Help("corpus format: raw ADE DRUG-AE.rel, CoNLL04 columns, or the common JSON format"),
          Param(&DataConfig::protocol, "protocol")
              .Choices({{"dev", Protocol::kDev}, {"final", Protocol::kFinal}})
              .Help("dev: train on the training part, select epochs on dev; final: fixed-split corpora "
                    "train on train+dev for train.max_epochs and report test"),
          Param(&DataConfig::fold, "fold").Range(0, 19).Help("cross-validation fold used as the test part"),
          Param(&DataConfig::folds, "folds").Range(2, 20).Help("number of cross-validation folds"),
          Param(&DataConfig::dev_fraction, "dev_fraction")
              .Above(0.0, 0.5)
              .Help("fraction of a cross-validated corpus held out as the dev set before folding"),
          Param(&DataConfig::split_seed, "split_seed")
              .Range(0, 2147483647)
              .Help("seed of the dev/fold split"),
          Param(&DataConfig::split_file, "split_file")
              .IsPath()
              .Help("split file written by dts-prepare --split-out; when set it replaces dev_fraction, "
                    "folds and split_seed, so every trial of a sweep sees the same split"),
          Param(&DataConfig::max_train_sentences, "max_train_sentences")
              .Range(0, 1e9)
              .Help("use at most this many training sentences (0: all); for quick experiments"),
          Param(&DataConfig::min_word_count, "min_word_count")
              .Range(1, 1000)
              .Help("training words seen fewer times map to the unknown word (unless in the word vectors)"),
          Param(&DataConfig::lowercase_words, "lowercase_words")
              .Help("lowercase words before the word-embedding lookup (casing has its own feature)"),
          Param(&DataConfig::word_vectors, "word_vectors")
              .IsPath()
              .Help("pretrained word vectors in GloVe/word2vec text format; empty: random initialisation"),
          Param(&DataConfig::vectors_text, "vectors_text")
              .IsPath()
              .OutOfIdsAtDefault()
              .Help("unlabelled in-domain text (plain or ADE-NEG): the trial trains fastText skip-gram word "
                    "vectors of dimension model.word_dim on it (as dts-vectors does, cached beside its trial "
                    "file) and uses them like data.word_vectors; empty: none"),
          Param(&DataConfig::vectors_epochs, "vectors_epochs")
              .Range(1, 1000)
              .OutOfIdsAtDefault()
              .Help("fastText epochs over the data.vectors_text training text"),
          Param(&DataConfig::vectors_add_train, "vectors_add_train")
              .OutOfIdsAtDefault()
              .Help("add the fold's training part to the data.vectors_text training text (never its dev or "
                    "test part)"),
          Param(&DataConfig::contextual_embeddings, "contextual_embeddings")
              .IsPath()
              .Help("HDF5 file of pre-computed contextual embeddings (ELMo layout); empty: none"),
      }};
  return table;
}

}  // namespace dts::config
