// dts-vectors' library: configuration, the no-leak rule of the training text, training, the written file.
// Small settings (dim 16, bucket 5000) on the bundled samples keep every test well under a second.
#include "vectors/vectors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "data/dataset.h"
#include "data/tokenizer.h"
#include "data/word_vectors.h"
#include "tests/data/test_util.h"
#include "tests/vectors/test_helpers.h"

namespace dts::vectors {
namespace {

using data::testing::ErrorOf;

namespace fs = std::filesystem;
using data::testing::ScratchDir;
using testing::Files;
using testing::Line;

VectorsOptions SmallOptions(const std::string& out) {
  VectorsOptions options;
  options.out = out;
  options.config.vectors.dim = 16;
  options.config.vectors.epoch = 5;
  options.config.vectors.min_count = 1;
  options.config.vectors.bucket = 5000;
  return options;
}

config::DataConfig AdeSample(int fold) {
  config::DataConfig config;
  config.path = "data/samples/ade/ade-sample.rel";
  config.format = config::CorpusFormat::kAde;
  config.folds = 3;
  config.fold = fold;
  return config;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(Vectors, WordKeyMatchesTheModelsLookup) {
  EXPECT_EQ(data::WordKey("Warfarin-INDUCED", true), "warfarin-induced");
  EXPECT_EQ(data::WordKey("Warfarin", false), "Warfarin");
  EXPECT_EQ(data::WordKey("\xC3\x89tude", true),
            "\xC3\x89tude");  // only ASCII letters change, as std::tolower in "C"
}

TEST(Vectors, ConfigReadsDataVectorsAndWordDim) {
  ScratchDir dir;
  const std::string ini =
      dir.Write("train.ini",
                "[data]\npath = data/samples/json\nformat = json\nlowercase_words = false\n"
                "[model]\nword_dim = 50\nhidden = 7\n[train]\nlr = 0.1\n");
  VectorsConfig config = LoadVectorsConfig(ini);
  EXPECT_EQ(config.data.path, "data/samples/json");
  EXPECT_FALSE(config.data.lowercase_words);
  EXPECT_EQ(config.vectors.dim, 50);  // from model.word_dim
  config =
      LoadVectorsConfig(ini, {{"vectors.dim", "20", "command line"}, {"data.fold", "2", "command line"}});
  EXPECT_EQ(config.vectors.dim, 20);  // an explicit vectors.dim wins
  EXPECT_EQ(config.data.fold, 2);
  EXPECT_EQ(LoadVectorsConfig("", {{"model.word_dim", "64", "command line"}}).vectors.dim, 64);
  EXPECT_EQ(LoadVectorsConfig("").vectors.dim, 100);

  EXPECT_EQ(ErrorOf<ConfigError>([&] {
              LoadVectorsConfig(ini, {{"model.hidden", "8", "command line"}});
            }),
            "command line: unknown key 'model.hidden': dts-vectors reads only [data] and [vectors] keys and "
            "model.word_dim");
  EXPECT_EQ(ErrorOf<ConfigError>([&] {
              LoadVectorsConfig("", {{"vectors.minx", "2", "command line"}});
            }),
            "command line: unknown key 'vectors.minx' (did you mean 'vectors.minn'?)");
  EXPECT_EQ(ErrorOf<ConfigError>([&] {
              LoadVectorsConfig("", {{"vectors.minn", "7", "command line"}});
            }),
            "vectors.minn = 7 must not exceed vectors.maxn = 6");
  EXPECT_EQ(ErrorOf<ConfigError>([&] {
              LoadVectorsConfig("", {{"vectors.dim", "0", "command line"}});
            }),
            "command line: vectors.dim = 0 is out of range [1, 10000]");
  const std::string bad = dir.Write("bad.ini", "[data]\npath = x\nfold = 3\nfolds = 3\n");
  EXPECT_EQ(ErrorOf<ConfigError>([&] { LoadVectorsConfig(bad); }),
            "data.fold = 3 must be below data.folds = 3");
  const std::string typo = dir.Write("typo.ini", "[data]\npaht = x\n");
  EXPECT_EQ(ErrorOf<ConfigError>([&] { LoadVectorsConfig(typo); }),
            typo + ":2: unknown key 'data.paht' (did you mean 'data.path'?)");
}

TEST(Vectors, ParseVocabSource) {
  const VocabSource a = ParseVocabSource("ade:../shared/data/ade/DRUG-AE.rel", config::CorpusFormat::kJson);
  EXPECT_EQ(a.format, config::CorpusFormat::kAde);
  EXPECT_EQ(a.path, "../shared/data/ade/DRUG-AE.rel");
  const VocabSource b = ParseVocabSource("data/samples/json", config::CorpusFormat::kConll04);
  EXPECT_EQ(b.format, config::CorpusFormat::kConll04);
  EXPECT_EQ(b.path, "data/samples/json");
}

// The training text is the fold's training part, in order, plus the unlabelled text; no dev or test sentence
// gets in, not even as a copy inside an unlabelled file.
TEST(Vectors, HeldOutSentencesNeverReachTheTrainingText) {
  ScratchDir dir;
  for (int fold = 0; fold < 3; ++fold) {
    const data::Dataset dataset = data::LoadDataset(AdeSample(fold));
    ASSERT_FALSE(dataset.test.sentences.empty());
    ASSERT_FALSE(dataset.dev.sentences.empty());
    const std::string text =
        dir.Write("text.txt", "Metformin was well tolerated.\n" + dataset.test.sentences[0].text + "\n" +
                                  dataset.dev.sentences[0].text + "\nNo AE was seen.\n");
    VectorsOptions options = SmallOptions(dir.Path("out.vec"));
    options.config.data = AdeSample(fold);
    options.texts = {text};
    const PreparedText prepared = PrepareTrainingText(options);

    ASSERT_EQ(prepared.lines.size(), dataset.train.sentences.size() + 2);
    for (std::size_t i = 0; i < dataset.train.sentences.size(); ++i)
      EXPECT_EQ(prepared.lines[i], Line(dataset.train.sentences[i]));
    EXPECT_EQ(prepared.lines[prepared.lines.size() - 2], "metformin was well tolerated .");
    EXPECT_EQ(prepared.lines.back(), "no ae was seen .");
    const std::set<std::string> lines(prepared.lines.begin(), prepared.lines.end());
    std::set<std::string> train_lines;
    for (const auto& s : dataset.train.sentences) train_lines.insert(Line(s));
    for (const data::Corpus* part : {&dataset.dev, &dataset.test}) {
      for (const auto& s : part->sentences) {
        if (train_lines.count(Line(s)) > 0) continue;  // the same text inside the training part itself
        EXPECT_EQ(lines.count(Line(s)), 0u) << "fold " << fold << ": held-out sentence " << s.id;
      }
    }
    ASSERT_EQ(prepared.sources.size(), 2u);
    EXPECT_EQ(prepared.sources[0].sentences, static_cast<long>(dataset.train.sentences.size()));
    EXPECT_EQ(prepared.sources[1].sentences, 2);
    EXPECT_EQ(prepared.sources[1].dropped, 2);
    EXPECT_EQ(prepared.sources[1].what, "plain");

    // Every word of every part is among the words to write.
    const std::set<std::string> extra(prepared.extra_words.begin(), prepared.extra_words.end());
    for (const data::Corpus* part : {&dataset.train, &dataset.dev, &dataset.test})
      for (const auto& s : part->sentences)
        for (const auto& t : s.tokens) EXPECT_EQ(extra.count(data::WordKey(t.text, true)), 1u) << t.text;
  }
}

TEST(Vectors, AdeNegTextIsTokenizedLikeTheCorpus) {
  ScratchDir dir;
  VectorsOptions options = SmallOptions(dir.Path("out.vec"));
  options.texts = {
      dir.Write("neg.txt", "17 NEG Azithromycin-induced rash (mild) resolved.\n18 NEG Nothing else.\n")};
  const PreparedText prepared = PrepareTrainingText(options);
  ASSERT_EQ(prepared.lines.size(), 2u);
  EXPECT_EQ(prepared.lines[0], "azithromycin - induced rash ( mild ) resolved .");
  EXPECT_EQ(prepared.lines[1], "nothing else .");
  EXPECT_EQ(prepared.sources[0].what, "ade-neg");
  EXPECT_EQ(prepared.sources[0].tokens, 12);
  EXPECT_TRUE(prepared.extra_words.empty());
  options.config.data.lowercase_words = false;
  EXPECT_EQ(PrepareTrainingText(options).lines[1], "Nothing else .");
}

// A tiny fixed-split corpus whose test part has a word its training part lacks ("zorbivaxine").
std::string WriteTinyCorpus(const ScratchDir& dir) {
  auto part = [](const std::vector<std::string>& sentences) {
    std::string json = "[\n";
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      std::string tokens;
      std::istringstream words(sentences[i]);
      for (std::string w; words >> w;) tokens += (tokens.empty() ? "\"" : ", \"") + w + "\"";
      json += "{\"tokens\": [" + tokens + "], \"entities\": [], \"relations\": []}" +
              (i + 1 < sentences.size() ? ",\n" : "\n");
    }
    return json + "]\n";
  };
  dir.Write("tiny/train.json",
            part({"Patients given Zorbivax developed a rash .", "A rash followed zorbivax therapy .",
                  "Metformin was stopped after the rash ."}));
  dir.Write("tiny/dev.json", part({"Zorbivax therapy was stopped ."}));
  dir.Write("tiny/test.json", part({"Zorbivaxine caused a rash and hepatotoxicity ."}));
  return dir.Path("tiny");
}

TEST(Vectors, WritesReadableVectorsForEveryCorpusWord) {
  ScratchDir dir;
  VectorsOptions options = SmallOptions(dir.Path("out.vec"));
  options.config.data.path = WriteTinyCorpus(dir);
  options.texts = {dir.Write("text.txt", "The patient stopped metformin .\nThe rash resolved .\n")};
  options.write_text = dir.Path("prepared.txt");
  const VectorsSummary summary = TrainVectors(options);

  const data::WordVectors vectors = data::ReadWordVectors(options.out);
  EXPECT_EQ(vectors.dim, 16);
  EXPECT_EQ(static_cast<long>(vectors.words.size()), summary.words_written);
  EXPECT_EQ(vectors.duplicates, 0);
  EXPECT_EQ(summary.dictionary_words + summary.subword_words, summary.words_written);
  EXPECT_LT(vectors.Find("</s>"), 0);

  // The prepared text: the train part (fixed split, protocol dev), then the text file.
  EXPECT_EQ(ReadAll(options.write_text),
            "patients given zorbivax developed a rash .\na rash followed zorbivax therapy .\n"
            "metformin was stopped after the rash .\nthe patient stopped metformin .\nthe rash resolved .\n");
  EXPECT_EQ(summary.training_sentences, 5);
  EXPECT_EQ(summary.training_tokens, 7 + 6 + 7 + 5 + 4);

  // Every training-text word, and every corpus word with a character n-gram in the training text.
  for (const std::string word : {"patients", "zorbivax", "resolved", "the", "."})
    EXPECT_GE(vectors.Find(word), 0);
  EXPECT_GE(vectors.Find("zorbivaxine"), 0);  // test part only: from its subwords
  EXPECT_GE(vectors.Find("caused"), 0);       // shares "ed>" with "stopped", "developed", "followed"
  long missing = 0;
  for (const std::string word : {"zorbivaxine", "caused", "and", "hepatotoxicity"})
    missing += vectors.Find(word) < 0;
  EXPECT_EQ(missing, summary.skipped_words);
  EXPECT_EQ(summary.subword_words + summary.skipped_words, 4);
  // Nothing but the output (and the requested text copy) is left behind.
  EXPECT_EQ(Files(dir.Path()), (std::set<std::string>{"out.vec", "prepared.txt", "text.txt", "tiny"}));
}

TEST(Vectors, SameSeedSameFile) {
  ScratchDir dir;
  VectorsOptions options = SmallOptions(dir.Path("a.vec"));
  options.config.data = AdeSample(0);
  TrainVectors(options);
  options.out = dir.Path("b.vec");
  TrainVectors(options);
  const std::string a = ReadAll(dir.Path("a.vec"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadAll(dir.Path("b.vec")));
  options.out = dir.Path("c.vec");
  options.config.vectors.seed = 2;
  TrainVectors(options);
  EXPECT_NE(a, ReadAll(dir.Path("c.vec")));
}

TEST(Vectors, VocabFromAddsWordsWithoutTrainingOnThem) {
  ScratchDir dir;
  const std::string tiny = WriteTinyCorpus(dir);
  VectorsOptions options = SmallOptions(dir.Path("out.vec"));
  options.texts = {dir.Write(
      "text.txt", "The patient stopped metformin .\nZorbivaxine caused a rash and hepatotoxicity .\n")};
  options.vocab_from = {ParseVocabSource("json:" + tiny, config::CorpusFormat::kAde)};
  options.write_text = dir.Path("prepared.txt");
  const VectorsSummary summary = TrainVectors(options);
  // The copy of a --vocab-from sentence is dropped; the corpus itself is not trained on.
  EXPECT_EQ(ReadAll(options.write_text), "the patient stopped metformin .\n");
  EXPECT_EQ(summary.sources.at(0).dropped, 1);
  const data::WordVectors vectors = data::ReadWordVectors(options.out);
  const data::Dataset dataset = data::LoadDataset([&] {
    config::DataConfig config;
    config.path = tiny;
    return config;
  }());
  std::set<std::string> words, missing;
  for (const data::Corpus* part : {&dataset.train, &dataset.dev, &dataset.test})
    for (const auto& s : part->sentences)
      for (const auto& t : s.tokens) words.insert(data::WordKey(t.text, true));
  for (const auto& word : words)
    if (vectors.Find(word) < 0) missing.insert(word);
  EXPECT_EQ(static_cast<long>(missing.size()), summary.skipped_words);
  EXPECT_EQ(summary.dictionary_words, 5);  // the, patient, stopped, metformin, .
  EXPECT_EQ(summary.subword_words + summary.skipped_words, static_cast<long>(words.size()) - 4);
  EXPECT_GE(vectors.Find("patients"), 0);  // from "pat", "ati", ... of "patient"
  EXPECT_GT(summary.skipped_words, 0);
}

TEST(Vectors, ErrorsLeaveNothingAtOut) {
  ScratchDir dir;
  const std::string out = dir.Write("out.vec", "previous content\n");
  VectorsOptions options = SmallOptions(out);
  options.config.data = AdeSample(0);

  options.texts = {dir.Write("bad.txt", "1 NEG fine.\nnot ade-neg\n")};
  EXPECT_EQ(
      ErrorOf<InputError>([&] { TrainVectors(options); }),
      dir.Path("bad.txt") + ":2: expected an ADE-NEG line 'PubMed-ID NEG sentence', found 'not ade-neg'");
  options.texts = {dir.Path("missing.txt")};
  EXPECT_EQ(ErrorOf<InputError>([&] { TrainVectors(options); }), dir.Path("missing.txt") + ": no such file");
  options.texts = {};
  options.config.vectors.min_count = 1000;
  EXPECT_EQ(ErrorOf<ConfigError>([&] { TrainVectors(options); }),
            "vectors.min_count = 1000: no word of the training text occurs that often");
  options.config.vectors.min_count = 1;
  options.config.data.path = dir.Path("nothing.rel");
  EXPECT_EQ(ErrorOf<InputError>([&] { TrainVectors(options); }),
            dir.Path("nothing.rel") + ": no such file or directory");
  EXPECT_EQ(ReadAll(out), "previous content\n");
  EXPECT_EQ(Files(dir.Path()), (std::set<std::string>{"out.vec", "bad.txt"}));

  options.config.data = config::DataConfig{};
  EXPECT_THROW(TrainVectors(options), UsageError);  // no training text at all
  options.config.data = AdeSample(0);
  options.out = dir.Path("no-such-dir/out.vec");
  EXPECT_EQ(ErrorOf<IoError>([&] { TrainVectors(options); }),
            dir.Path("no-such-dir/out.vec") + ": directory " + dir.Path("no-such-dir") + " does not exist");
  EXPECT_EQ(Files(dir.Path()), (std::set<std::string>{"out.vec", "bad.txt"}));
}

}  // namespace
}  // namespace dts::vectors
