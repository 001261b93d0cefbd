// dts-synthetic-trial: a stand-in for dts-train that keeps its contract (schema/trial_contract.h: command
// line, exit codes, trial file) but trains nothing, so that the orchestrator can be tested and benchmarked in
// milliseconds and without LibTorch. It reads the real trial schema (config/), so a sweep validated for
// dts-train is valid for it, and it writes a real, small trial file that dts-report can read.
//
// Behaviour, from the configuration:
//   - train.max_epochs epochs, DTS_SYNTHETIC_SECONDS seconds in all (environment; default 0.05), a trial-file
//     save after each; SIGTERM / SIGUSR1 between epochs: status interrupted, exit 75.
//   - dev score of epoch e: 40 + 50 u - 10 / e, u in [0, 1) hashed from the identity text without
//     train.max_epochs: better with more epochs, the same order of configurations at every budget.
//   - parameter count like a BiRNN stack of model.hidden: 1000 + 8h(2h+1) (shared + ner + re layers) + 50h.
//   - debug.fault at the start of epoch debug.fault_epoch: crash (SIGSEGV), abort, nan (diverged, exit 6),
//     hang (ignores SIGTERM).
//   - --resume continues the trial file: a completed trial asked for more epochs (an ASHA promotion) goes on
//     from its last epoch; one that already has them answers again without work.
// Each run that writes the trial file adds its row to /attempts, as dts-train does (schema::StartAttemptRow:
// attempt and rank from the sweep's environment, host, BLAS, numerics environment), with LibTorch's thread
// counts 0 (it has no LibTorch) and the --device it was given.
// Each run that finishes training appends "<trial file name> completed epochs=FROM..TO" to
// synthetic-executions.log beside the trial file's directory, so tests can count executions.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/hash.h"
#include "common/host.h"
#include "common/ini.h"
#include "common/params.h"
#include "common/stop.h"
#include "common/version.h"
#include "config/identity.h"
#include "config/train_config.h"
#include "schema/trial_contract.h"
#include "schema/trial_file.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace dts {
namespace {

using schema::FailureClass;
using schema::TrialStatus;

double TotalSeconds() {
  const char* text = std::getenv("DTS_SYNTHETIC_SECONDS");
  return text ? ParseReal(text, "DTS_SYNTHETIC_SECONDS", "environment") : 0.05;
}

long long ParameterCount(const config::TrainConfig& config) {
  const long long h = config.model.hidden;
  const long long layers = config.model.shared_layers + config.model.ner_layers + config.model.re_layers;
  return 1000 + 8 * h * (2 * h + 1) * layers + 50 * h;
}

// `identity_base`: as for the ids, the directory of the trial file, so a score does not depend on the
// working directory either.
double DevScore(const config::TrainConfig& config, const fs::path& identity_base, int epoch) {
  const std::string identity = config::IdentityText(config, identity_base, /*without_max_epochs=*/true);
  const double unit = static_cast<double>(Hasher().Add(identity).Value() >> 11) * 0x1.0p-53;
  return 40 + 50 * unit - 10.0 / epoch;
}

void InjectFault(config::Fault fault, int epoch) {
  std::cerr << "synthetic: injected fault at epoch " << epoch << std::endl;
  switch (fault) {
    case config::Fault::kNone:
      return;
    case config::Fault::kCrash:
      std::raise(SIGSEGV);
      return;
    case config::Fault::kAbort:
      std::abort();
    case config::Fault::kNan:
      throw DivergedError(epoch, 0, "injected NaN loss");
    case config::Fault::kHang:
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // ignores SIGTERM's flag
  }
}

void Complete(schema::TrialFile& trial) {
  const double score = trial.epochs.empty() ? 0 : trial.epochs.back().dev_score;
  schema::SplitMetrics test;
  test.ner.scores.f1_micro = test.ner.scores.f1_macro = score;
  test.re.scores.f1_micro = test.re.scores.f1_macro = score / 2;
  trial.dev = test;
  trial.test = test;
  trial.status = TrialStatus::kCompleted;
  trial.end_time = IsoUtcNow();
  schema::EndAttemptRow(trial.attempts.back(), TrialStatus::kCompleted);
}

struct Options {
  std::string config_path, out_path, trial_id, config_id, count_path;
  std::string device;  // recorded in the attempt's row, as given: nothing here runs on it
  bool resume = false;
};

int Run(const Options& options, const std::vector<IniEntry>& overrides) {
  const config::TrainConfig config = config::LoadTrainConfig(options.config_path, overrides);
  if (!options.count_path.empty()) {
    schema::WriteParameterCount(options.count_path, ParameterCount(config));
    return kExitOk;
  }
  if (options.out_path.empty()) throw UsageError("--out TRIAL.h5 is required (or --count-parameters FILE)");
  const int epochs = config.train.max_epochs;
  // Like dts-train run by hand: paths relative to the trial file's directory (config/identity.h).
  const fs::path identity_base = fs::absolute(options.out_path).parent_path();
  const std::string identity = config::IdentityText(config, identity_base);
  const std::string fingerprint = config::DataFingerprint(config.data.path);

  schema::TrialFile trial;
  std::error_code ec;
  if (options.resume && fs::exists(options.out_path, ec)) {
    trial = schema::ReadTrialFile(options.out_path);
    if (trial.status == TrialStatus::kCompleted && trial.epochs_run >= epochs)
      return kExitOk;  // answered already
  } else {
    trial.start_time = IsoUtcNow();
  }
  trial.trial_id = !options.trial_id.empty()
                       ? options.trial_id
                       : config::TrialId(identity, config.data.fold,
                                         static_cast<std::uint64_t>(config.train.seed), fingerprint);
  trial.config_id = !options.config_id.empty() ? options.config_id : config::ConfigId(identity);
  trial.config_ini = config::TrainSchema().CanonicalIni(config);
  trial.stage = config.trial.stage;
  trial.variant = config.trial.variant;
  trial.dataset = "synthetic";
  trial.fold = config.data.fold;
  trial.seed = static_cast<std::uint64_t>(config.train.seed);
  trial.data_fingerprint = fingerprint;
  trial.trainable_parameters = ParameterCount(config);
  trial.dts_version = Version();
  trial.host = HostName();
  trial.status = TrialStatus::kRunning;
  trial.failure_class = FailureClass::kNone;
  trial.failure_message.clear();
  trial.end_time.clear();
  const int start_epoch = trial.epochs_run;
  // The attempt's row as dts-train writes it, but with no LibTorch and so no LibTorch thread counts (0).
  trial.attempts.push_back(schema::StartAttemptRow(trial.attempts));
  trial.attempts.back().device = options.device;

  InstallStopHandlers();
  try {
    const auto epoch_time = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(TotalSeconds() / epochs));
    for (int epoch = start_epoch + 1; epoch <= epochs; ++epoch) {
      if (config.debug.fault != config::Fault::kNone && epoch == config.debug.fault_epoch)
        InjectFault(config.debug.fault, epoch);
      const auto end = std::chrono::steady_clock::now() + epoch_time;
      while (std::chrono::steady_clock::now() < end) {
        if (StopRequested()) {
          trial.status = TrialStatus::kInterrupted;
          trial.failure_class = FailureClass::kInterrupted;
          trial.failure_message =
              "stopped by signal " + std::to_string(StopSignal()) + " in epoch " + std::to_string(epoch);
          schema::EndAttemptRow(trial.attempts.back(), trial.status);
          schema::WriteTrialFile(options.out_path, trial);
          std::cerr << "synthetic: " << trial.failure_message << std::endl;
          return kExitResumeMe;
        }
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(20), end - std::chrono::steady_clock::now()));
      }
      schema::EpochRow row;
      row.epoch = epoch;
      row.dev_score = DevScore(config, identity_base, epoch);
      trial.epochs.push_back(row);
      trial.best_epoch = epoch;  // the score grows with the epoch
      trial.epochs_run = epoch;
      schema::WriteTrialFile(options.out_path, trial);
    }
  } catch (...) {
    std::string message;
    trial.failure_class = schema::FailureClassOfExit(ExitCodeForCurrentException(message), 0);
    trial.status =
        trial.failure_class == FailureClass::kDiverged ? TrialStatus::kDiverged : TrialStatus::kFailed;
    trial.failure_message = message;
    schema::EndAttemptRow(trial.attempts.back(), trial.status);
    schema::WriteTrialFile(options.out_path, trial);
    throw;
  }
  Complete(trial);
  schema::WriteTrialFile(options.out_path, trial);
  std::ofstream(fs::path(options.out_path).parent_path().parent_path() / "synthetic-executions.log",
                std::ios::app)
      << fs::path(options.out_path).filename().string() << " completed epochs=" << start_epoch << ".."
      << epochs << "\n"
      << std::flush;
  return kExitOk;
}

}  // namespace
}  // namespace dts

int main(int argc, char** argv) {
  return dts::RunApp("dts-synthetic-trial", argc, argv, [](std::vector<std::string>& args) {
    namespace option = dts::schema::trial_option;
    const auto overrides = dts::ExtractOverrides(args);
    dts::Options options;
    int threads = 1;
    po::options_description description("dts-synthetic-trial (tests/orchestrator/synthetic_trial.cc)");
    description.add_options()(option::kConfig, po::value(&options.config_path)->required(), "trial INI")(
        option::kOut, po::value(&options.out_path), "trial file")(
        option::kResume, po::bool_switch(&options.resume), "continue the trial file")(
        option::kTrialId, po::value(&options.trial_id), "id to record")(
        option::kConfigId, po::value(&options.config_id), "id to record")(
        option::kThreads, po::value(&threads), "ignored")(option::kDevice, po::value(&options.device),
                                                          "recorded only")(
        option::kCountParameters, po::value(&options.count_path), "write the parameter count and exit");
    dts::ParseCommandLine(args, description, nullptr, {});
    return Run(options, overrides);
  });
}
