// dts-vectors: train in-domain subword skip-gram word vectors (fastText) on the training part of a labelled
// corpus and on unlabelled text, and write them for data.word_vectors. Option parsing only; the work is in
// vectors/.
#include <boost/program_options.hpp>
#include <iostream>

#include "common/app.h"
#include "common/error.h"
#include "common/ini.h"
#include "vectors/vectors.h"

namespace po = boost::program_options;
namespace vectors = dts::vectors;

int main(int argc, char** argv) {
  return dts::RunApp("dts-vectors", argc, argv, [](std::vector<std::string>& args) {
    // --section.key value overrides go to the schema, which names any unknown key.
    const auto overrides = dts::ExtractOverrides(args);
    std::string config_path;
    std::string text_format;
    std::vector<std::string> texts;
    std::vector<std::string> vocab_from;
    vectors::VectorsOptions options;
    po::options_description description(
        "dts-vectors [--config FILE] [--section.key value ...] [--text FILE ...] --out FILE.vec [options]\n\n"
        "Training text: the training part of data.fold of the labelled corpus (never its dev or test part) "
        "and\n"
        "the --text files. Written: every training-text word seen vectors.min_count times, plus every word "
        "of\n"
        "the labelled corpus (all parts) and of the --vocab-from corpora, from subwords when "
        "unseen.\n\nOptions");
    description.add_options()("help,h", "print this help and every configuration key")(
        "config", po::value(&config_path),
        "INI file (e.g. configs/ade.ini): its [data] section names the labelled corpus, [vectors] and "
        "model.word_dim set fastText's options; other sections are skipped")(
        "text", po::value(&texts)->composing(),
        "unlabelled text file, repeatable: plain (one sentence per line) or ADE-NEG ('PubMed-ID NEG "
        "sentence')")(
        "text-format", po::value(&text_format)->default_value("auto"),
        "auto, plain or ade-neg; auto: a file is ADE-NEG when its first non-blank line is 'DIGITS NEG text'")(
        "vocab-from", po::value(&vocab_from)->composing(),
        "[FORMAT:]PATH, repeatable: a corpus whose words (surface forms only, no labels, not trained on) "
        "also get "
        "vectors; FORMAT ade|conll04|json, default data.format")(
        "out", po::value(&options.out), "vector file to write (word2vec text format, 'N dim' header)")(
        "write-text", po::value(&options.write_text), "also write the prepared training text to this file")(
        "quiet", po::bool_switch(), "no progress lines on stderr");
    const po::variables_map vm = dts::ParseCommandLine(args, description);
    if (vm.count("help")) {
      std::cout << description << "\nConfiguration keys (INI [section] key, or --section.key value):\n"
                << dts::ParamDocsHelp(vectors::VectorsSchema().Docs());
      return 0;
    }
    if (options.out.empty()) throw dts::UsageError("--out FILE.vec is required");
    options.config = vectors::LoadVectorsConfig(config_path, overrides);
    options.texts = texts;
    options.text_format = vectors::ParseTextFormat(text_format);
    for (const auto& source : vocab_from)
      options.vocab_from.push_back(vectors::ParseVocabSource(source, options.config.data.format));
    int reported = 0;
    if (!vm["quiet"].as<bool>()) {
      options.progress = [&reported](double progress) {
        const int tenth = static_cast<int>(progress * 10);
        if (tenth > reported && tenth < 10) {
          reported = tenth;
          std::cerr << "dts-vectors: training " << tenth * 10 << "%" << std::endl;
        }
      };
    }
    const vectors::VectorsSummary summary = vectors::TrainVectors(options);
    std::cout << vectors::FormatSummary(summary, options.config.vectors);
    return 0;
  });
}
