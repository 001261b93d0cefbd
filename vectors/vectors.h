// dts-vectors: in-domain subword skip-gram word vectors (fastText) in the text format data::ReadWordVectors
// reads, keyed the way the model looks words up.
//
// No-leak rule. The training text is (a) the *training part* of the chosen fold of the labelled corpus
// (data::LoadDataset's Dataset::train: never its dev or test part) and (b) unlabelled text files. An
// unlabelled sentence whose tokens equal those of a dev or test sentence of the corpus, or of any sentence of
// a --vocab-from corpus, is dropped (and counted), so held-out text cannot come in through the unlabelled
// files. Held-out parts contribute only their *surface forms*: every word of the corpus (all parts) and of
// the --vocab-from corpora gets a vector (from its subwords when the training text lacks it; left out when
// none of its character n-grams occurs in the training text), so the model finds its test words; no label and
// no sentence of theirs is trained on.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/data_config.h"
#include "vectors/text_source.h"
#include "vectors/vectors_config.h"

namespace dts::vectors {

// A corpus whose words (surface forms only) get vectors: "FORMAT:PATH" (ade|conll04|json) or just PATH, read
// in `default_format`. A file or a fixed-split directory, as data.path.
struct VocabSource {
  config::CorpusFormat format = config::CorpusFormat::kJson;
  std::string path;
};
VocabSource ParseVocabSource(const std::string& text, config::CorpusFormat default_format);

struct VectorsOptions {
  VectorsConfig config;            // config.data.path empty: no labelled corpus
  std::vector<std::string> texts;  // unlabelled text files
  TextFormat text_format = TextFormat::kAuto;
  std::vector<VocabSource> vocab_from;
  std::string out;         // the .vec file, written atomically
  std::string write_text;  // when set, a copy of the prepared training text is written there
  std::function<void(double progress)> progress;  // training progress in [0, 1], from the training thread
};

struct SourceStats {
  std::string name;  // "corpus train part" or the file
  std::string what;  // "ade fold 0/10: train ...", "ade-neg", "plain"
  long sentences = 0;
  long tokens = 0;
  long dropped = 0;  // unlabelled sentences equal to a held-out sentence (no-leak rule)
};

struct PreparedText {
  std::vector<std::string> lines;  // one training sentence per line: word keys joined by single spaces
  std::vector<SourceStats> sources;
  std::vector<std::string> extra_words;  // sorted, unique keys of the labelled and --vocab-from corpora
};

// Reads every input and builds the training text; throws InputError/ConfigError/UsageError. Nothing is
// written.
PreparedText PrepareTrainingText(const VectorsOptions& options);

struct VectorsSummary {
  std::vector<SourceStats> sources;
  long training_sentences = 0;
  long training_tokens = 0;
  long dictionary_words = 0;  // training-text words seen at least vectors.min_count times
  long subword_words = 0;     // other corpus / --vocab-from words, with a vector built from subwords only
  long skipped_words = 0;  // corpus words left out: none of their character n-grams is in the training text
  long words_written = 0;
  int dim = 0;
  double seconds = 0;
  std::string out;
};

// Prepares the text, trains fastText on a temporary copy next to options.out, writes options.out atomically
// (temporary file, fsync, rename) and removes every temporary file, also on error.
VectorsSummary TrainVectors(const VectorsOptions& options);
// The same from a text already prepared from `options` (PrepareTrainingText).
VectorsSummary TrainVectors(const VectorsOptions& options, const PreparedText& text);

// The words TrainVectors writes for `options` and their prepared `text`, in its order, found without
// training (fastText's dictionary and subword table come from the text alone), less none: TrainVectors also
// drops a vector that comes out all zero, so its words are these or a subsequence of them.
std::vector<std::string> WordsWithVectors(const VectorsOptions& options, const PreparedText& text);

// The summary dts-vectors prints: one line per source, then the dictionary, words written and time.
std::string FormatSummary(const VectorsSummary& summary, const FastTextConfig& config);

}  // namespace dts::vectors
