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
    std::string input;
    std::string write_json;
    std::string split_out;
    // The format and the split's settings are [data]'s keys (config/data_config.h): their defaults, ranges
    // and choices are declared once there and applied to these options' text by the same table.
    config::DataConfig split;
    const auto& table = config::DataParams();
    const auto text_of = [&](const char* key) { return table.Find(key)->get(split); };
    std::string format, dev_fraction = text_of("dev_fraction"), folds = text_of("folds"),
                        seed = text_of("split_seed");
    po::options_description options("dts-prepare --format " + dts::ChoicesText(table, "format") +
                                    " --input PATH [options]");
    options.add_options()("help,h", "print this help")(
        "format", po::value(&format)->required(),
        ("corpus format: " + dts::ChoicesText(table, "format")).c_str())(
        "input", po::value(&input)->required(),
        "corpus file (cross-validated) or directory with train/dev/test files (fixed split)")(
        "json", po::bool_switch(), "print the statistics as JSON")(
        "write-json", po::value(&write_json),
        "export in the common JSON format: a file, or for a fixed split a directory of train/dev/test.json")(
        "split-out", po::value(&split_out),
        "write the split (sentence ids per part, seed, corpus fingerprint)")(
        "dev-fraction", po::value(&dev_fraction)->default_value(dev_fraction),
        "held-out dev fraction (single file), like data.dev_fraction")(
        "folds", po::value(&folds)->default_value(folds),
        "cross-validation folds (single file), like data.folds")(
        "seed", po::value(&seed)->default_value(seed), "split seed (single file), like data.split_seed");
    const po::variables_map vm = dts::ParseCommandLine(args, options);
    if (vm.count("help")) {
      std::cout << options;
      return 0;
    }
    dts::SetFromOption(table, "format", "--format", format, split);
    dts::SetFromOption(table, "dev_fraction", "--dev-fraction", dev_fraction, split);
    dts::SetFromOption(table, "folds", "--folds", folds, split);
    dts::SetFromOption(table, "split_seed", "--seed", seed, split);

    const data::CorpusParts parts = data::ReadCorpusParts(split.format, input);

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
      const data::Split made = data::MakeSplit(parts, split.dev_fraction, split.folds, split.split_seed);
      data::WriteSplit(made, split_out);
      std::string sizes;
      for (const auto& fold : made.folds) sizes += (sizes.empty() ? "" : " ") + std::to_string(fold.size());
      const std::string summary = made.kind == data::SplitKind::kFixed
                                      ? "fixed split train " + std::to_string(made.train.size()) + ", dev " +
                                            std::to_string(made.dev.size()) + ", test " +
                                            std::to_string(made.test.size())
                                      : "seed " + std::to_string(split.split_seed) + ", dev " +
                                            std::to_string(made.dev.size()) + ", folds " + sizes;
      report["split"] = {
          {"file", split_out}, {"summary", summary}, {"corpus_fingerprint", made.corpus_fingerprint}};
      if (!vm["json"].as<bool>()) {
        std::cout << "split written to " << split_out << ": " << summary << " (corpus "
                  << made.corpus_fingerprint << ")\n";
      }
    }
    if (vm["json"].as<bool>()) std::cout << report.dump(2) << '\n';
    return 0;
  });
}
