#include "schema/trial_contract.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "common/host.h"
#include "common/numerics.h"
#include "common/params.h"
#include "common/version.h"

namespace dts::schema {

namespace {

std::string Option(const char* name) { return std::string("--") + name; }

}  // namespace

std::vector<std::string> TrialArgv(const std::string& command, const TrialInvocation& invocation) {
  std::vector<std::string> argv{command, Option(trial_option::kConfig), invocation.config_path,
                                Option(trial_option::kOut), invocation.out_path};
  if (invocation.resume) argv.push_back(Option(trial_option::kResume));
  if (!invocation.trial_id.empty())
    argv.insert(argv.end(), {Option(trial_option::kTrialId), invocation.trial_id});
  if (!invocation.config_id.empty())
    argv.insert(argv.end(), {Option(trial_option::kConfigId), invocation.config_id});
  for (const auto& [key, value] : invocation.overrides) argv.insert(argv.end(), {"--" + key, value});
  argv.insert(argv.end(), {Option(trial_option::kThreads), std::to_string(invocation.threads)});
  argv.insert(argv.end(), {Option(trial_option::kDevice), invocation.device});
  return argv;
}

AttemptRow StartAttemptRow(const std::vector<AttemptRow>& earlier) {
  const auto from_environment = [](const char* name, int otherwise) {
    const char* text = std::getenv(name);
    return text != nullptr ? static_cast<int>(ParseInteger(text, name, "environment")) : otherwise;
  };
  AttemptRow row;
  // The sweep's number when it is ahead (an attempt that failed before writing this file), else the next one
  // after this file's own rows: a coordinator that died never heard of the attempt it lost, and would hand
  // out its number again.
  const int next = earlier.empty() ? 1 : earlier.back().attempt + 1;
  row.attempt = std::max(next, from_environment(trial_env::kAttempt, next));
  row.rank = from_environment(trial_env::kRank, -1);
  row.host = HostName();
  row.pid = static_cast<std::int64_t>(getpid());
  row.start_time = IsoUtcNow();
  const BlasInForce blas = CurrentBlas();
  row.blas = blas.library;
  row.blas_core = blas.core;
  row.numerics_env = NumericsEnvironment();
  row.dts_version = Version();
  return row;
}

void EndAttemptRow(AttemptRow& row, TrialStatus outcome) {
  row.end_time = IsoUtcNow();
  row.outcome = outcome;
}

std::vector<std::string> CountParametersArgv(const std::string& command, const std::string& config_path,
                                             const std::string& out_path) {
  return {command, Option(trial_option::kConfig), config_path, Option(trial_option::kCountParameters),
          out_path};
}

namespace {
constexpr char kTrainableParameters[] = "trainable_parameters";
}  // namespace

void WriteParameterCount(const std::string& path, std::int64_t trainable_parameters) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << nlohmann::json{{kTrainableParameters, trainable_parameters}}.dump() << "\n";
    if (!out.flush()) throw IoError(tmp, "cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw IoError(path, "cannot rename from " + tmp);
}

std::int64_t ReadParameterCount(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot read the parameter count (the trial command wrote none)");
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains(kTrainableParameters) ||
      !json[kTrainableParameters].is_number_integer())
    throw IoError(path, std::string("expected {\"") + kTrainableParameters + "\": N}");
  return json[kTrainableParameters].get<std::int64_t>();
}

FailureClass FailureClassOfExit(int exit_code, int term_signal) {
  if (term_signal == SIGTERM || term_signal == SIGUSR1) return FailureClass::kInterrupted;
  if (term_signal != 0) return FailureClass::kCrashed;
  for (const auto& meaning : kTrialExits)
    if (meaning.exit_code == exit_code) return meaning.failure;
  return FailureClass::kCrashed;
}

double SelectedDevScore(const TrialFile& trial) {
  for (const auto& epoch : trial.epochs)
    if (epoch.epoch == trial.best_epoch) return epoch.dev_score;
  return -1;
}

TrialAnswer ReadTrialAnswer(const std::string& trial_path) {
  const TrialFile trial = ReadTrialFile(trial_path, /*with_checkpoints=*/false);
  TrialAnswer answer;
  answer.status = trial.status;
  answer.failure = trial.failure_class;
  answer.failure_message = trial.failure_message;
  answer.dev_score = SelectedDevScore(trial);
  answer.epochs_run = trial.epochs_run;
  answer.test = trial.test;
  return answer;
}

}  // namespace dts::schema
