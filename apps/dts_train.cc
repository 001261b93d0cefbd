// dts-train: train one trial (configuration, fold, seed) into an HDF5 trial file. Option parsing only; the
// work is in worker/ (training) and model/ (--dry-run, --count-parameters). The options the sweep passes are
// the contract's (schema/trial_contract.h); the sweep reads the answers from files, never from stdout.
#include <torch/torch.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/ini.h"
#include "common/stop.h"
#include "config/train_config.h"
#include "model/allocator.h"
#include "model/device.h"
#include "model/setup.h"
#include "schema/trial_contract.h"
#include "vectors/trial_vectors.h"
#include "worker/numerics.h"
#include "worker/trainer.h"

namespace po = boost::program_options;
namespace config = dts::config;
namespace model = dts::model;
namespace trial_option = dts::schema::trial_option;

namespace {

struct Options {
  std::string config_path;
  std::string out_path;
  std::string device = "auto";
  int threads = 0;
  std::string trial_id, config_id;
  std::string count_parameters_path;
  bool resume = false, quiet = false, json = false;
  bool dry_run = false, dump_config = false, config_reference = false;
};

po::options_description Describe(Options& o) {
  po::options_description options("dts-train --config FILE [--section.key value ...] [options]\n\nOptions");
  options.add_options()("help,h", "print this help and every configuration key")(
      trial_option::kConfig, po::value(&o.config_path), "INI configuration file (keys: docs/config.md)")(
      trial_option::kDevice, po::value(&o.device)->default_value(o.device), "auto, cpu or cuda:N")(
      trial_option::kOut, po::value(&o.out_path),
      "trial file to write (HDF5); not needed with --dry-run, --count-parameters or --dump-config")(
      trial_option::kResume, po::bool_switch(&o.resume),
      "continue the trial file's resumable checkpoint (a completed trial: no-op)")(
      trial_option::kThreads, po::value(&o.threads)->default_value(o.threads),
      "CPU threads (0: train.threads)")("quiet", po::bool_switch(&o.quiet), "no progress lines on stderr")(
      "json", po::bool_switch(&o.json), "progress as JSON lines on stderr")(
      trial_option::kTrialId, po::value(&o.trial_id),
      "id to record in the trial file (default: derived like the sweep's, from the configuration, fold, seed "
      "and "
      "corpus)")(trial_option::kConfigId, po::value(&o.config_id),
                 "configuration id to record in the trial file (default: derived like the sweep's)")(
      trial_option::kCountParameters, po::value(&o.count_parameters_path),
      "build the model, write {\"trainable_parameters\": N} to this JSON file and exit")(
      "dry-run", po::bool_switch(&o.dry_run),
      "load the data, build vocabularies and the model, print a summary, exit")(
      "dump-config", po::bool_switch(&o.dump_config),
      "print the resolved configuration (every key) and exit")(
      "config-reference", po::bool_switch(&o.config_reference),
      "print the configuration reference (docs/config.md) and exit");
  return options;
}

void SetThreads(const Options& o, const config::TrainConfig& config) {
  dts::worker::SetTrialThreads(o.threads > 0 ? o.threads : config.train.threads);
}

int Train(const Options& o, const config::TrainConfig& config) {
  if (o.out_path.empty()) throw dts::UsageError("--out TRIAL.h5 is required (or --dry-run)");
  dts::InstallStopHandlers();
  dts::worker::TrialOptions trial;
  trial.config = config;
  trial.out_path = o.out_path;
  trial.resume = o.resume;
  trial.device = o.device;
  trial.threads = o.threads;
  trial.trial_id = o.trial_id;
  trial.config_id = o.config_id;
  trial.progress = o.quiet  ? dts::worker::ProgressMode::kQuiet
                   : o.json ? dts::worker::ProgressMode::kJson
                            : dts::worker::ProgressMode::kText;
  const auto result = dts::worker::RunTrial(trial);
  // For people; the sweep reads the trial file.
  if (result.exit_code == dts::kExitOk) std::cout << dts::worker::FinalLine(result.trial) << std::endl;
  return result.exit_code;
}

// --dry-run and --count-parameters ask about the model, not its weights: the trial's own vectors
// (data.vectors_text) enter with their words only, found without training them (null when none are set).
std::unique_ptr<dts::data::WordVectors> VectorWordsOnly(const config::TrainConfig& config) {
  if (config.data.vectors_text.empty()) return nullptr;
  return std::make_unique<dts::data::WordVectors>(
      dts::vectors::VectorWordsWithoutTraining(dts::vectors::TrialVectorsOptions(config)));
}

int DryRun(const Options& o, const config::TrainConfig& config) {
  const torch::Device device = model::ResolveDevice(o.device);
  SetThreads(o, config);
  const auto words = VectorWordsOnly(config);
  const auto setup = model::SetUpModel(config, device, words.get());
  std::cout << config::TrainSchema().CanonicalIni(config) << "\n"
            << "device: " << device.str() << "\n"
            << model::DescribeSetup(setup);
  return 0;
}

int CountParameters(const Options& o, const config::TrainConfig& config) {
  SetThreads(o, config);
  // The count is the same on every device; the CPU leaves the GPUs to the trials running beside the sweep.
  const auto words = VectorWordsOnly(config);
  const auto setup = model::SetUpModel(config, torch::kCPU, words.get());
  dts::schema::WriteParameterCount(o.count_parameters_path, setup.model->TrainableParameterCount());
  return 0;
}

// An input file that is not there is an error naming the key that names it and where that was set, as
// dts-sweep's check says it: "configs/x.ini:4: data.path = corpus.json: no such file or directory". The
// reader further down would name only the path, resolved against the config file's directory, which is not
// what the user typed.
void CheckInputFiles(const config::TrainConfig& config, const std::string& config_path,
                     const std::vector<dts::IniEntry>& overrides) {
  const auto& schema = config::TrainSchema();
  for (const auto& key : schema.Keys()) {
    if (!config::IsPathKey(key)) continue;
    const std::string value = schema.Get(config, key);
    std::error_code ec;
    if (value.empty() || std::filesystem::exists(value, ec)) continue;
    std::string source = config_path;  // the last setting wins: an override, else the file
    for (const auto& entry : overrides)
      if (entry.key == key) source = entry.source;
    if (source == config_path && !config_path.empty()) {
      for (const auto& entry : dts::ReadIniFile(config_path))
        if (entry.key == key) source = entry.source;
    }
    throw dts::InputError(source.empty() ? "dts-train" : source, 0,
                          key + " = " + value + ": no such file or directory");
  }
}

int Main(std::vector<std::string>& args) {
  // --section.key value overrides go to the schema, which names any unknown key.
  const auto overrides = dts::ExtractOverrides(args);
  Options o;
  const po::options_description options = Describe(o);
  const po::variables_map vm = dts::ParseCommandLine(args, options);
  if (vm.count("help")) {
    std::cout << options << "\nConfiguration keys (INI [section] key, or --section.key value):\n"
              << dts::ParamDocsHelp(config::TrainSchema().Docs());
    return 0;
  }
  if (o.config_reference) {
    std::cout << config::ConfigReferenceMarkdown();
    return 0;
  }
  const config::TrainConfig config = config::LoadTrainConfig(o.config_path, overrides);
  if (o.dump_config) {
    std::cout << config::TrainSchema().CanonicalIni(config);
    return 0;
  }
  CheckInputFiles(config, o.config_path, overrides);
  if (!o.count_parameters_path.empty()) return CountParameters(o, config);
  if (o.dry_run) return DryRun(o, config);
  return Train(o, config);
}

}  // namespace

int main(int argc, char** argv) {
  dts::model::KeepFreedMemoryForReuse();
  return dts::RunApp("dts-train", argc, argv, Main);
}
