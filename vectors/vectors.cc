#include "vectors/vectors.h"

#include <fasttext/fasttext.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "common/error.h"
#include "data/dataset.h"
#include "data/readers.h"
#include "data/tokenizer.h"

namespace dts::vectors {
namespace {

namespace fs = std::filesystem;

// Bytes that end a word for fastText (Dictionary::readWord) and, but for the last two, for the .vec reader.
bool IsSeparator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
}

// A word the .vec format can carry as one field.
bool Representable(const std::string& word) {
  if (word.empty()) return false;
  for (char c : word)
    if (IsSeparator(c)) return false;
  return true;
}

// The training-text line of a tokenized sentence: word keys joined by single spaces. A token that itself
// holds a separator (possible in JSON and CoNLL04 corpora, never from data::Tokenize) is split at it.
std::string SentenceLine(const std::vector<data::Token>& tokens, bool lowercase, long& words) {
  std::string line;
  for (const auto& token : tokens) {
    const std::string key = data::WordKey(token.text, lowercase);
    std::size_t i = 0;
    while (i < key.size()) {
      while (i < key.size() && IsSeparator(key[i])) ++i;
      std::size_t j = i;
      while (j < key.size() && !IsSeparator(key[j])) ++j;
      if (j > i) {
        if (!line.empty()) line += ' ';
        line.append(key, i, j - i);
        ++words;
      }
      i = j;
    }
  }
  return line;
}

std::string SentenceLine(const std::vector<data::Token>& tokens, bool lowercase) {
  long words = 0;
  return SentenceLine(tokens, lowercase, words);
}

void AddWords(const data::Corpus& corpus, bool lowercase, std::set<std::string>& words) {
  for (const auto& sentence : corpus.sentences)
    for (const auto& token : sentence.tokens) {
      std::string key = data::WordKey(token.text, lowercase);
      if (Representable(key)) words.insert(std::move(key));
    }
}

// Removes its file when it goes out of scope, unless released: no temporary survives an error.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { Remove(); }
  const std::string& path() const { return path_; }
  void Remove() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove(path_, ignored);
    path_.clear();
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// Writes `content` to `path` and fsyncs it; IoError naming the path on any failure.
void WriteFileSynced(const std::string& path, const std::string& header, const std::string& body) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw IoError(path, "cannot open for writing");
  const bool written = std::fwrite(header.data(), 1, header.size(), file) == header.size() &&
                       std::fwrite(body.data(), 1, body.size(), file) == body.size() &&
                       std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) throw IoError(path, "write failed (disk full?)");
}

void AppendFloat(std::string& out, float value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 6);
  out.append(buffer, result.ptr);
}

// Appends "word v1 ... vD\n"; false (nothing appended) for an all-zero vector, which means "no vector".
bool AppendRow(std::string& out, const std::string& word, const fasttext::Vector& vector) {
  bool nonzero = false;
  for (int64_t d = 0; d < vector.size(); ++d) {
    if (!std::isfinite(vector[d]))
      throw Error("fastText produced a non-finite vector for '" + word + "' (try a lower vectors.lr)");
    nonzero = nonzero || vector[d] != 0.0f;
  }
  if (!nonzero) return false;
  out += word;
  for (int64_t d = 0; d < vector.size(); ++d) {
    out += ' ';
    AppendFloat(out, vector[d]);
  }
  out += '\n';
  return true;
}

fasttext::Args MakeArgs(const FastTextConfig& c) {
  fasttext::Args args;
  args.model = fasttext::model_name::sg;
  args.loss = fasttext::loss_name::ns;
  args.dim = c.dim;
  args.epoch = c.epoch;
  args.minCount = c.min_count;
  args.minn = c.minn;
  args.maxn = c.maxn;
  args.thread = c.thread;
  args.seed = c.seed;
  args.bucket = c.bucket;
  args.lr = c.lr;
  args.ws = c.ws;
  args.neg = c.neg;
  args.wordNgrams = 1;
  args.verbose = 0;
  // fastText treats words that start with the label prefix ("__label__") as labels, not words. Words never
  // contain a space, so this prefix matches none and every token is trained as a word.
  args.label = " ";
  return args;
}

struct ChosenWords {
  std::vector<std::string> dictionary;  // frequent training-text words, most frequent first
  std::vector<std::string> subword;     // corpus words the dictionary lacks, sorted: vectors from subwords
  long skipped = 0;                     // corpus words none of whose character n-grams was trained
};

// The words that get a vector, from fastText's dictionary (the same whether or not it has been trained).
ChosenWords ChooseWords(const fasttext::Dictionary& dictionary, const PreparedText& text, int bucket) {
  ChosenWords chosen;
  for (int32_t i = 0; i < dictionary.nwords(); ++i) {
    const std::string word = dictionary.getWord(i);
    if (word != fasttext::Dictionary::EOS) chosen.dictionary.push_back(word);
  }
  // Character n-grams of the trained words: a word none of whose n-grams occurs in the training text would
  // get only untrained rows (zero or the random initialisation), i.e. no information, so it is left out.
  std::vector<bool> trained(static_cast<std::size_t>(dictionary.nwords()) + bucket, false);
  for (int32_t i = 0; i < dictionary.nwords(); ++i)
    for (const int32_t id : dictionary.getSubwords(i)) trained[id] = true;
  for (const std::string& word : text.extra_words) {
    if (dictionary.getId(word) >= 0) continue;
    bool informed = false;
    for (const int32_t id : dictionary.getSubwords(word)) informed = informed || trained[id];
    if (informed) {
      chosen.subword.push_back(word);
    } else {
      ++chosen.skipped;
    }
  }
  return chosen;
}

std::string TrainingTextBody(const PreparedText& text) {
  std::string body;
  for (const std::string& line : text.lines) body.append(line).append("\n");
  return body;
}

}  // namespace

VocabSource ParseVocabSource(const std::string& text, config::CorpusFormat default_format) {
  const auto colon = text.find(':');
  if (colon != std::string::npos) {
    const std::string prefix = text.substr(0, colon);
    for (auto format :
         {config::CorpusFormat::kAde, config::CorpusFormat::kConll04, config::CorpusFormat::kJson}) {
      if (prefix == data::FormatName(format)) return {format, text.substr(colon + 1)};
    }
  }
  return {default_format, text};
}

PreparedText PrepareTrainingText(const VectorsOptions& options) {
  const config::DataConfig& data_config = options.config.data;
  const bool lowercase = data_config.lowercase_words;
  PreparedText prepared;
  std::set<std::string> extra;
  std::set<std::string> held_out;  // training-text lines of sentences that must not be trained on

  if (!data_config.path.empty()) {
    const data::Dataset dataset = data::LoadDataset(data_config);
    for (const data::Corpus* part : {&dataset.dev, &dataset.test})
      for (const auto& sentence : part->sentences) held_out.insert(SentenceLine(sentence.tokens, lowercase));
    for (const data::Corpus* part : {&dataset.train, &dataset.dev, &dataset.test})
      AddWords(*part, lowercase, extra);
    SourceStats stats{"corpus train part", dataset.description};
    for (const auto& sentence : dataset.train.sentences) {
      std::string line = SentenceLine(sentence.tokens, lowercase, stats.tokens);
      if (line.empty()) continue;
      ++stats.sentences;
      prepared.lines.push_back(std::move(line));
    }
    prepared.sources.push_back(stats);
  }
  for (const VocabSource& source : options.vocab_from) {
    const data::CorpusParts parts = data::ReadCorpusParts(source.format, source.path);
    for (const auto& [name, corpus] : parts.parts) {
      AddWords(corpus, lowercase, extra);
      for (const auto& sentence : corpus.sentences) held_out.insert(SentenceLine(sentence.tokens, lowercase));
    }
  }
  for (const std::string& path : options.texts) {
    const UnlabelledText text = ReadUnlabelledText(path, options.text_format);
    SourceStats stats{path, TextFormatName(text.format)};
    for (const TextLine& sentence : text.sentences) {
      long words = 0;
      std::string line = SentenceLine(data::Tokenize(sentence.text), lowercase, words);
      if (line.empty()) continue;
      if (held_out.count(line) > 0) {
        ++stats.dropped;
        continue;
      }
      ++stats.sentences;
      stats.tokens += words;
      prepared.lines.push_back(std::move(line));
    }
    prepared.sources.push_back(stats);
  }
  if (prepared.lines.empty()) {
    throw UsageError(
        "no training text: give a labelled corpus (--config FILE or --data.path PATH) and/or --text FILE");
  }
  prepared.extra_words.assign(extra.begin(), extra.end());
  return prepared;
}

VectorsSummary TrainVectors(const VectorsOptions& options) {
  const fs::path out(options.out);
  if (options.out.empty()) throw UsageError("--out FILE.vec is required");
  const fs::path directory = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(directory))
    throw IoError(options.out, "directory " + directory.string() + " does not exist");
  if (fs::is_directory(out)) throw IoError(options.out, "is a directory");
  return TrainVectors(options, PrepareTrainingText(options));
}

std::vector<std::string> WordsWithVectors(const VectorsOptions& options, const PreparedText& text) {
  auto args = std::make_shared<fasttext::Args>(MakeArgs(options.config.vectors));
  fasttext::Dictionary dictionary(args);
  std::istringstream body(TrainingTextBody(text));
  try {
    dictionary.readFromFile(body);
  } catch (const std::exception& e) {
    throw Error(std::string("fastText's dictionary: ") + e.what());
  }
  ChosenWords chosen = ChooseWords(dictionary, text, options.config.vectors.bucket);
  std::vector<std::string> words = std::move(chosen.dictionary);
  words.insert(words.end(), chosen.subword.begin(), chosen.subword.end());
  return words;
}

VectorsSummary TrainVectors(const VectorsOptions& options, const PreparedText& text) {
  const auto start = std::chrono::steady_clock::now();
  const FastTextConfig& ft_config = options.config.vectors;
  if (options.out.empty()) throw UsageError("--out FILE.vec is required");
  const fs::path out(options.out);
  VectorsSummary summary;
  summary.sources = text.sources;
  summary.out = options.out;
  summary.dim = ft_config.dim;
  std::unordered_map<std::string, long> counts;
  for (const std::string& line : text.lines) {
    ++summary.training_sentences;
    std::istringstream words(line);
    for (std::string word; words >> word;) {
      ++counts[word];
      ++summary.training_tokens;
    }
  }
  bool any_frequent = false;
  for (const auto& [word, count] : counts) any_frequent = any_frequent || count >= ft_config.min_count;
  if (!any_frequent) {
    throw ConfigError("", "vectors.min_count",
                      "vectors.min_count = " + std::to_string(ft_config.min_count) +
                          ": no word of the training text occurs that often");
  }

  const std::string pid = std::to_string(::getpid());
  TempFile text_file(options.out + ".text.tmp." + pid);
  {
    const std::string body = TrainingTextBody(text);
    WriteFileSynced(text_file.path(), "", body);
    if (!options.write_text.empty()) WriteFileSynced(options.write_text, "", body);
  }

  fasttext::Args args = MakeArgs(ft_config);
  args.input = text_file.path();
  fasttext::FastText model;
  try {
    fasttext::FastText::TrainCallback callback;
    if (options.progress) {
      callback = [&options](float progress, float, double, double, int64_t) { options.progress(progress); };
    }
    model.train(args, callback);
  } catch (const std::exception& e) {
    throw Error(std::string("fastText training failed: ") + e.what());
  }
  text_file.Remove();

  // The dictionary's words (frequent training-text words, most frequent first), then the corpus words it
  // lacks, sorted, from their subwords.
  const ChosenWords chosen = ChooseWords(*model.getDictionary(), text, ft_config.bucket);
  fasttext::Vector vector(ft_config.dim);
  std::string rows;
  for (const std::string& word : chosen.dictionary) {
    model.getWordVector(vector, word);
    if (AppendRow(rows, word, vector)) ++summary.dictionary_words;
  }
  summary.skipped_words = chosen.skipped;
  for (const std::string& word : chosen.subword) {
    model.getWordVector(vector, word);
    if (AppendRow(rows, word, vector)) {
      ++summary.subword_words;
    } else {
      ++summary.skipped_words;
    }
  }
  summary.words_written = summary.dictionary_words + summary.subword_words;
  if (summary.words_written == 0) throw Error("no word got a vector");

  TempFile vec_file(options.out + ".tmp." + pid);
  WriteFileSynced(vec_file.path(),
                  std::to_string(summary.words_written) + " " + std::to_string(ft_config.dim) + "\n", rows);
  std::error_code error;
  fs::rename(vec_file.path(), out, error);
  if (error)
    throw IoError(options.out, "cannot rename " + vec_file.path() + " into place: " + error.message());
  vec_file.Release();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

std::string FormatSummary(const VectorsSummary& s, const FastTextConfig& c) {
  std::ostringstream out;
  for (const SourceStats& source : s.sources) {
    out << "training text from " << source.name << " (" << source.what << "): " << source.sentences
        << " sentences, " << source.tokens << " tokens";
    if (source.dropped > 0)
      out << "; " << source.dropped << " sentences dropped as equal to a held-out sentence";
    out << "\n";
  }
  out << "training text: " << s.training_sentences << " sentences, " << s.training_tokens << " tokens\n"
      << "fastText skipgram: dim " << c.dim << ", epoch " << c.epoch << ", min_count " << c.min_count
      << ", minn " << c.minn << ", maxn " << c.maxn << ", thread " << c.thread << ", seed " << c.seed
      << ", bucket " << c.bucket << "\n"
      << "words written: " << s.words_written << " (" << s.dictionary_words << " from the training text, "
      << s.subword_words << " corpus words from subwords only";
  if (s.skipped_words > 0)
    out << "; " << s.skipped_words << " corpus words skipped: none of their subwords is in the training text";
  out << ") to " << s.out << "\n";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", s.seconds);
  out << "time: " << seconds << " s\n";
  return out.str();
}

}  // namespace dts::vectors
