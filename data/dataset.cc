#include "data/dataset.h"

#include <filesystem>

#include "common/error.h"
#include "common/hash.h"
#include "data/readers.h"

namespace dts::data {
namespace {

namespace fs = std::filesystem;

Corpus Concat(const std::string& name, const std::vector<const Corpus*>& parts) {
  Corpus all;
  all.name = name;
  for (const Corpus* part : parts) {
    all.sentences.insert(all.sentences.end(), part->sentences.begin(), part->sentences.end());
    all.report += part->report;
  }
  return all;
}

}  // namespace

CorpusParts ReadCorpusParts(config::CorpusFormat format, const std::string& path) {
  if (path.empty()) throw UsageError("no corpus given: the corpus path is empty");
  if (!fs::exists(path)) throw InputError(path, 0, "no such file or directory");
  CorpusParts parts;
  if (!fs::is_directory(path)) {
    parts.parts.emplace_back("all", ReadCorpus(format, path));
    return parts;
  }
  if (format == config::CorpusFormat::kAde) {
    parts.parts.emplace_back("all", ReadAde((fs::path(path) / "DRUG-AE.rel").string()));
    return parts;
  }
  const std::string extension = format == config::CorpusFormat::kConll04 ? ".txt" : ".json";
  parts.fixed_split = true;
  for (const char* part : {"train", "dev", "test"}) {
    const std::string file = (fs::path(path) / (part + extension)).string();
    if (!fs::exists(file)) {
      throw InputError(file, 0,
                       "missing: a fixed-split directory holds train" + extension + ", dev" + extension +
                           " and test" + extension);
    }
    parts.parts.emplace_back(part, ReadCorpus(format, file));
  }
  return parts;
}

Split MakeSplit(const CorpusParts& parts, double dev_fraction, int folds, int seed) {
  if (parts.fixed_split) {
    return MakeFixedSplit(parts.parts.at(0).second, parts.parts.at(1).second, parts.parts.at(2).second);
  }
  return MakeCrossValidationSplit(parts.parts.at(0).second, dev_fraction, folds, seed);
}

Dataset LoadDataset(const config::DataConfig& config) {
  if (config.path.empty()) {
    throw ConfigError("", "data.path", "data.path is not set: it names the corpus file or directory");
  }
  const CorpusParts parts = ReadCorpusParts(config.format, config.path);
  std::vector<const Corpus*> all_parts;
  for (const auto& [name, corpus] : parts.parts) all_parts.push_back(&corpus);
  const Corpus all = Concat(config.path, all_parts);

  Dataset data;
  const Split computed = MakeSplit(parts, config.dev_fraction, config.folds, config.split_seed);
  std::string split_source = "split of " + config.path;
  if (config.split_file.empty()) {
    data.split = computed;
  } else {
    split_source = config.split_file;
    data.split = ReadSplit(config.split_file);
    if (data.split.kind != computed.kind) {
      throw InputError(config.split_file, 0,
                       std::string("is a ") +
                           (data.split.kind == SplitKind::kFixed ? "fixed" : "cross-validation") +
                           " split, but " + config.path + " needs the other kind");
    }
    if (data.split.corpus_fingerprint != computed.corpus_fingerprint) {
      throw InputError(config.split_file, 0,
                       "was made for corpus " + data.split.corpus_fingerprint + ", but " + config.path +
                           " is " + computed.corpus_fingerprint);
    }
  }
  const Split& split = data.split;

  std::string what;
  if (split.kind == SplitKind::kCrossValidation) {
    const int folds = static_cast<int>(split.folds.size());
    if (config.fold < 0 || config.fold >= folds) {
      throw ConfigError("", "data.fold",
                        "data.fold = " + std::to_string(config.fold) + " but the split has " +
                            std::to_string(folds) + " folds");
    }
    std::vector<std::string> train_ids;
    for (int k = 0; k < folds; ++k) {
      if (k != config.fold) train_ids.insert(train_ids.end(), split.folds[k].begin(), split.folds[k].end());
    }
    data.train = SelectSentences(all, train_ids, "train", split_source);
    data.dev = SelectSentences(all, split.dev, "dev", split_source);
    data.test =
        SelectSentences(all, split.folds[config.fold], "fold " + std::to_string(config.fold), split_source);
    what = "fold " + std::to_string(config.fold) + "/" + std::to_string(folds);
  } else {
    std::vector<std::string> train_ids = split.train;
    if (config.protocol == config::Protocol::kFinal)
      train_ids.insert(train_ids.end(), split.dev.begin(), split.dev.end());
    data.train = SelectSentences(
        all, train_ids, config.protocol == config::Protocol::kFinal ? "train+dev" : "train", split_source);
    data.dev = SelectSentences(all, split.dev, "dev", split_source);
    data.test = SelectSentences(all, split.test, "test", split_source);
    what = config.protocol == config::Protocol::kFinal ? "final (train+dev)" : "dev";
  }
  if (config.max_train_sentences > 0 &&
      static_cast<int>(data.train.sentences.size()) > config.max_train_sentences) {
    data.train.sentences.resize(config.max_train_sentences);
    what += ", first " + std::to_string(config.max_train_sentences) + " training sentences";
  }

  Hasher h;
  h.Add(split.corpus_fingerprint);
  for (const Corpus* part : {&data.train, &data.dev, &data.test}) {
    h.Add(static_cast<std::uint64_t>(part->sentences.size()));
    for (const Sentence& s : part->sentences) h.Add(s.id);
  }
  data.fingerprint = h.Hex();
  data.description = FormatName(config.format) + " " + what + ": train " +
                     std::to_string(data.train.sentences.size()) + ", dev " +
                     std::to_string(data.dev.sentences.size()) + ", test " +
                     std::to_string(data.test.sentences.size());
  return data;
}

}  // namespace dts::data
