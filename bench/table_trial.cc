// table_trial: a drop-in for dts-train (the trial contract of schema/trial_contract.h: command line, exit
// codes, trial file) that trains nothing and answers from the tabular benchmark instead
// (bench/data/ade-tabular.csv, docs/benchmarks.md): a trial of configuration C on fold k asked for E epochs
// gets the table's dev score of (C, k) after each epoch up to E, its best epoch as dts-train selects it (the
// best dev score so far), and the table's test scores of (C, k). So a real dts-sweep run with
// `--trial-command table_trial` makes every scheduling decision with the product's own code (coordinator,
// ASHA, racing, final stage) on the scores the real trainings produced, in seconds, and `search_replay
// --check` can hold it against the replay.
//
//   DTS_TABLE_TRIAL_CSV=bench/data/ade-tabular.csv dts-sweep --config SWEEP.ini --out DIR
//       --local-ranks 2 --trial-command build/bench/table_trial       (one command line)
//
// The configuration is found by the values of the table's searched columns (as the trial schema prints them)
// and data.fold. A configuration or fold the table lacks is a bad configuration (exit 2). --resume continues
// a trial asked for more epochs (an ASHA promotion) from its last epoch; one that has them answers again at
// once. Each trained run appends "<trial file> completed epochs=FROM..TO" to table-executions.log in the
// sweep directory, like dts-synthetic-trial, so runs can be counted.
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/host.h"
#include "common/ini.h"
#include "common/version.h"
#include "config/identity.h"
#include "config/train_config.h"
#include "schema/trial_contract.h"
#include "schema/trial_file.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

// The environment variable that names the table (the trial contract has no option for it).
constexpr char kTableVariable[] = "DTS_TABLE_TRIAL_CSV";

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// The rows of one configuration and fold: dev score per epoch, test macro F1 of the trial.
struct TableRun {
  std::map<int, double> dev_score;  // epoch -> dev score at that epoch
  double test_ner = 0, test_re = 0;
};

TableRun Lookup(const std::string& path, const dts::config::TrainConfig& config) {
  std::ifstream in(path);
  if (!in) throw dts::InputError(path, 0, std::string("cannot read the table named by ") + kTableVariable);
  std::string line;
  std::getline(in, line);
  const auto header = Fields(line);
  auto column = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw dts::InputError(path, 1, "no column '" + name + "'");
  };
  // The searched keys are the columns between config_id and fold (search_replay --export writes them so).
  const size_t c_fold = column("fold"), c_epoch = column("epoch"), c_dev = column("dev_score"),
               c_ner = column("test_ner_f1_macro"), c_re = column("test_re_f1_macro");
  std::vector<std::string> wanted(header.size());
  for (size_t c = column("config_id") + 1; c < c_fold; ++c)
    wanted[c] = dts::config::TrainSchema().Get(config, header[c]);
  TableRun run;
  for (long number = 2; std::getline(in, line); ++number) {
    const auto fields = Fields(line);
    if (fields.size() != header.size()) throw dts::InputError(path, number, "wrong number of fields");
    bool match = fields[c_fold] == std::to_string(config.data.fold);
    for (size_t c = column("config_id") + 1; match && c < c_fold; ++c) match = fields[c] == wanted[c];
    if (!match) continue;
    run.dev_score[std::stoi(fields[c_epoch])] = std::stod(fields[c_dev]);
    run.test_ner = fields[c_ner].empty() ? 0 : std::stod(fields[c_ner]);
    run.test_re = fields[c_re].empty() ? 0 : std::stod(fields[c_re]);
  }
  if (run.dev_score.empty()) {
    std::string what;
    for (size_t c = column("config_id") + 1; c < c_fold; ++c) what += " " + header[c] + "=" + wanted[c];
    throw dts::ConfigError("", "data.fold",
                           path + " has no run of" + what + " on fold " + std::to_string(config.data.fold));
  }
  return run;
}

struct Options {
  std::string config_path, out_path, trial_id, config_id, count_path, device;
  bool resume = false;
};

int Run(const Options& options, const std::vector<dts::IniEntry>& overrides) {
  const dts::config::TrainConfig config = dts::config::LoadTrainConfig(options.config_path, overrides);
  if (!options.count_path.empty()) {
    // Only the ablation stage asks; the table has no models, so a count by layers keeps the contract.
    dts::schema::WriteParameterCount(
        options.count_path,
        1000LL * (config.model.shared_layers + config.model.ner_layers + config.model.re_layers));
    return dts::kExitOk;
  }
  if (options.out_path.empty())
    throw dts::UsageError("--out TRIAL.h5 is required (or --count-parameters FILE)");
  const char* table = std::getenv(kTableVariable);
  if (table == nullptr || *table == '\0')
    throw dts::UsageError(std::string(kTableVariable) + " must name the table (bench/data/ade-tabular.csv)");
  const TableRun run = Lookup(table, config);
  const int epochs = std::min(config.train.max_epochs, run.dev_score.rbegin()->first);

  dts::schema::TrialFile trial;
  std::error_code ec;
  if (options.resume && fs::exists(options.out_path, ec)) {
    trial = dts::schema::ReadTrialFile(options.out_path);
    if (trial.status == dts::schema::TrialStatus::kCompleted && trial.epochs_run >= epochs)
      return dts::kExitOk;
  } else {
    trial.start_time = dts::IsoUtcNow();
  }
  const fs::path identity_base = fs::absolute(options.out_path).parent_path();
  const std::string identity = dts::config::IdentityText(config, identity_base);
  const std::string fingerprint = dts::config::DataFingerprint(config.data.path);
  trial.trial_id = !options.trial_id.empty()
                       ? options.trial_id
                       : dts::config::TrialId(identity, config.data.fold,
                                              static_cast<std::uint64_t>(config.train.seed), fingerprint);
  trial.config_id = !options.config_id.empty() ? options.config_id : dts::config::ConfigId(identity);
  trial.config_ini = dts::config::TrainSchema().CanonicalIni(config);
  trial.stage = config.trial.stage;
  trial.variant = config.trial.variant;
  trial.dataset = "ade-tabular";
  trial.fold = config.data.fold;
  trial.seed = static_cast<std::uint64_t>(config.train.seed);
  trial.data_fingerprint = fingerprint;
  trial.trainable_parameters =
      1000LL * (config.model.shared_layers + config.model.ner_layers + config.model.re_layers);
  trial.dts_version = dts::Version();
  trial.host = dts::HostName();
  trial.failure_class = dts::schema::FailureClass::kNone;
  trial.failure_message.clear();
  trial.attempts.push_back(dts::schema::StartAttemptRow(trial.attempts));
  trial.attempts.back().device = options.device;
  const int start_epoch = trial.epochs_run;
  double best = -1;
  for (const auto& e : trial.epochs)
    if (e.dev_score > best) best = e.dev_score;
  for (int epoch = start_epoch + 1; epoch <= epochs; ++epoch) {
    const auto it = run.dev_score.find(epoch);
    if (it == run.dev_score.end())
      throw dts::InputError(table, 0,
                            "no epoch " + std::to_string(epoch) + " for fold " +
                                std::to_string(config.data.fold) + " of this configuration");
    dts::schema::EpochRow row;
    row.epoch = epoch;
    row.dev_score = it->second;
    trial.epochs.push_back(row);
    // dts-train's selection: the best dev score so far (the first of a tie).
    if (row.dev_score > best) {
      best = row.dev_score;
      trial.best_epoch = epoch;
    }
    trial.epochs_run = epoch;
  }
  // The table holds the test scores of the full-budget run: a shorter run reports those too.
  dts::schema::SplitMetrics test;
  test.ner.scores.f1_macro = run.test_ner;
  test.re.scores.f1_macro = run.test_re;
  trial.test = test;
  trial.dev = test;
  trial.status = dts::schema::TrialStatus::kCompleted;
  trial.end_time = dts::IsoUtcNow();
  dts::schema::EndAttemptRow(trial.attempts.back(), dts::schema::TrialStatus::kCompleted);
  dts::schema::WriteTrialFile(options.out_path, trial);
  std::ofstream(fs::path(options.out_path).parent_path().parent_path() / "table-executions.log",
                std::ios::app)
      << fs::path(options.out_path).filename().string() << " completed epochs=" << start_epoch << ".."
      << epochs << "\n"
      << std::flush;
  return dts::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return dts::RunApp("table_trial", argc, argv, [](std::vector<std::string>& args) {
    namespace option = dts::schema::trial_option;
    const auto overrides = dts::ExtractOverrides(args);
    Options options;
    int threads = 1;
    po::options_description description("table_trial (bench/table_trial.cc)");
    description.add_options()(option::kConfig, po::value(&options.config_path)->required(), "trial INI")(
        option::kOut, po::value(&options.out_path), "trial file")(
        option::kResume, po::bool_switch(&options.resume), "continue the trial file")(
        option::kTrialId, po::value(&options.trial_id), "id to record")(
        option::kConfigId, po::value(&options.config_id), "id to record")(
        option::kThreads, po::value(&threads), "ignored")(option::kDevice, po::value(&options.device),
                                                          "recorded only")(
        option::kCountParameters, po::value(&options.count_path), "write a parameter count and exit");
    dts::ParseCommandLine(args, description);
    return Run(options, overrides);
  });
}
