// dts-prepare: read a corpus, print its statistics, optionally export it as JSON and write its split.
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/app.h"
#include "common/error.h"
#include "common/params.h"
#include "config/data_config.h"
#include "data/dataset.h"
#include "data/readers.h"
#include "data/stats.h"

namespace po = boost::program_options;
namespace config = dts::config;
namespace data = dts::data;

int main(int argc, char** argv) {
  return dts::RunApp("dts-prepare", argc, argv, [](std::vector<std::string>& args) {
    std::string format;
    std::string input;
    std::string write_json;
    std::string split_out;
    // The split's defaults are [data]'s (config/data_config.h), declared once there.
    const config::DataConfig defaults;
    double dev_fraction = defaults.dev_fraction;
    int folds = defaults.folds;
    int seed = defaults.split_seed;
    po::options_description options("dts-prepare --format ade|conll04|json --input PATH [options]");
    options.add_options()("help,h", "print this help")("format", po::value(&format)->required(),
                                                       "corpus format: ade, conll04 or json")(
        "input", po::value(&input)->required(),
        "corpus file (cross-validated) or directory with train/dev/test files (fixed split)")(
        "json", po::bool_switch(), "print the statistics as JSON")(
        "write-json", po::value(&write_json),
        "export in the common JSON format: a file, or for a fixed split a directory of train/dev/test.json")(
        "split-out", po::value(&split_out),
        "write the split (sentence ids per part, seed, corpus fingerprint)")(
        "dev-fraction",
        po::value(&dev_fraction)->default_value(dev_fraction, dts::FormatDouble(dev_fraction)),
        "held-out dev fraction (single file)")("folds", po::value(&folds)->default_value(folds),
                                               "cross-validation folds (single file)")(
        "seed", po::value(&seed)->default_value(seed), "split seed (single file)");
    po::variables_map vm;
    try {
      po::store(po::command_line_parser(args).options(options).run(), vm);
      if (vm.count("help")) {
        std::cout << options;
        return 0;
      }
      po::notify(vm);
    } catch (const po::error& e) {
      throw dts::UsageError(e.what());
    }
    if (!(dev_fraction > 0.0 && dev_fraction < 0.5))
      throw dts::UsageError("--dev-fraction must be in (0, 0.5)");
    if (folds < 2) throw dts::UsageError("--folds must be at least 2");

    const config::CorpusFormat corpus_format = data::ParseFormat(format);
    const data::CorpusParts parts = data::ReadCorpusParts(corpus_format, input);

    nlohmann::json report{{"format", format}, {"input", input}, {"parts", nlohmann::json::object()}};
    for (const auto& [name, corpus] : parts.parts) {
      const data::CorpusStats stats = data::ComputeStats(corpus);
      if (vm["json"].as<bool>()) {
        report["parts"][name] = data::StatsToJson(stats);
      } else {
        std::cout << "[" << name << "] " << data::FormatStats(stats);
      }
    }
    if (!write_json.empty()) {
      if (parts.fixed_split) {
        std::error_code error;
        std::filesystem::create_directories(write_json, error);
        if (error) throw dts::IoError(write_json, "cannot create the directory: " + error.message());
        for (const auto& [name, corpus] : parts.parts) {
          data::WriteJson(corpus, (std::filesystem::path(write_json) / (name + ".json")).string());
        }
      } else {
        data::WriteJson(parts.parts.front().second, write_json);
      }
    }
    if (!split_out.empty()) {
      const data::Split split = data::MakeSplit(parts, dev_fraction, folds, seed);
      data::WriteSplit(split, split_out);
      std::string sizes;
      for (const auto& fold : split.folds) sizes += (sizes.empty() ? "" : " ") + std::to_string(fold.size());
      const std::string summary = split.kind == data::SplitKind::kFixed
                                      ? "fixed split train " + std::to_string(split.train.size()) + ", dev " +
                                            std::to_string(split.dev.size()) + ", test " +
                                            std::to_string(split.test.size())
                                      : "seed " + std::to_string(seed) + ", dev " +
                                            std::to_string(split.dev.size()) + ", folds " + sizes;
      report["split"] = {
          {"file", split_out}, {"summary", summary}, {"corpus_fingerprint", split.corpus_fingerprint}};
      if (!vm["json"].as<bool>()) {
        std::cout << "split written to " << split_out << ": " << summary << " (corpus "
                  << split.corpus_fingerprint << ")\n";
      }
    }
    if (vm["json"].as<bool>()) std::cout << report.dump(2) << '\n';
    return 0;
  });
}
