// dts-train: train one trial (configuration, fold, seed) into an HDF5 trial file. Option parsing only; the
// work is in worker/ (training) and model/ (--dry-run).
#include <iostream>

#include <boost/program_options.hpp>
#include <torch/torch.h>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/ini.h"
#include "common/stop.h"
#include "model/allocator.h"
#include "model/device.h"
#include "model/setup.h"
#include "model/train_config.h"
#include "worker/trainer.h"

namespace po = boost::program_options;
namespace model = dts::model;

int main(int argc, char** argv) {
  dts::model::KeepFreedMemoryForReuse();
  return dts::RunApp("dts-train", argc, argv, [](std::vector<std::string>& args) {
    // --section.key value overrides go to the schema, which names any unknown key.
    const auto overrides = dts::ExtractOverrides(args);
    std::string config_path;
    std::string device_spec = "auto";
    std::string out_path, trial_id, config_id;
    int threads = 0;
    po::options_description options(
        "dts-train --config FILE [--section.key value ...] [options]\n\nOptions");
    options.add_options()("help,h", "print this help and every configuration key")(
        "config", po::value(&config_path), "INI configuration file (keys: docs/config.md)")(
        "device", po::value(&device_spec)->default_value("auto"), "auto, cpu or cuda:N")(
        "out", po::value(&out_path), "trial file to write (HDF5); required unless --dry-run")(
        "resume", po::bool_switch(), "continue the trial file's resumable checkpoint (a completed trial: no-op)")(
        "threads", po::value(&threads)->default_value(0), "CPU threads (0: train.threads)")(
        "quiet", po::bool_switch(), "no progress lines on stderr")(
        "json", po::bool_switch(), "progress as JSON lines on stderr")(
        "trial-id", po::value(&trial_id), "id to record in the trial file (the sweep passes its own)")(
        "config-id", po::value(&config_id), "configuration id to record in the trial file (the sweep passes its own)")(
        "dry-run", po::bool_switch(), "load the data, build vocabularies and the model, print a summary, exit")(
        "dump-config", po::bool_switch(), "print the resolved configuration (every key) and exit")(
        "config-reference", po::bool_switch(), "print the configuration reference (docs/config.md) and exit");
    po::variables_map vm;
    try {
      po::store(po::command_line_parser(args).options(options).run(), vm);
      po::notify(vm);
    } catch (const po::error& e) {
      throw dts::UsageError(e.what());
    }
    if (vm.count("help")) {
      std::cout << options << "\nConfiguration keys (INI [section] key, or --section.key value):\n"
                << dts::ParamDocsHelp(model::TrainSchema().Docs());
      return 0;
    }
    if (vm["config-reference"].as<bool>()) {
      std::cout << model::ConfigReferenceMarkdown();
      return 0;
    }
    const model::TrainConfig config = model::LoadTrainConfig(config_path, overrides);
    if (vm["dump-config"].as<bool>()) {
      std::cout << model::TrainSchema().CanonicalIni(config);
      return 0;
    }
    if (!vm["dry-run"].as<bool>()) {
      if (out_path.empty()) throw dts::UsageError("--out TRIAL.h5 is required (or --dry-run)");
      dts::InstallStopHandlers();
      dts::worker::TrialOptions trial;
      trial.config = config;
      trial.out_path = out_path;
      trial.resume = vm["resume"].as<bool>();
      trial.device = device_spec;
      trial.threads = threads;
      trial.trial_id = trial_id;
      trial.config_id = config_id;
      trial.progress = vm["quiet"].as<bool>()  ? dts::worker::ProgressMode::kQuiet
                       : vm["json"].as<bool>() ? dts::worker::ProgressMode::kJson
                                               : dts::worker::ProgressMode::kText;
      const auto outcome = dts::worker::RunTrial(trial);
      if (outcome.exit_code == dts::kExitOk) {
        // The dev score of the selected (best) epoch: what the sweep ranks configurations by.
        double dev_score = -1;
        for (const auto& e : outcome.trial.epochs)
          if (e.epoch == outcome.trial.best_epoch) dev_score = e.dev_score;
        std::cout << "dev_score=" << dev_score << "\n" << dts::worker::FinalLine(outcome.trial) << std::endl;
      }
      return outcome.exit_code;
    }
    const torch::Device device = model::ResolveDevice(device_spec);
    if (config.train.threads > 0) torch::set_num_threads(config.train.threads);
    const auto setup = model::SetUpModel(config, device);
    std::cout << model::TrainSchema().CanonicalIni(config) << "\n"
              << "device: " << device.str() << "\n"
              << model::DescribeSetup(setup);
    return 0;
  });
}
