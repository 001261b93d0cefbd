// dts-synthetic-trial: a stand-in for dts-train with the same command line, output lines and exit codes but no
// training, so that the orchestrator can be tested and benchmarked in milliseconds and without LibTorch.
//
//   --config FILE --out FILE [--resume] [--threads N] [--device D] [--trial-id ID] [--config-id ID] [--quiet]
//   [--dump-config] [--dry-run]
//   [--section.key value ...]   overrides of the INI, like dts-train's (an ASHA rung's --train.max_epochs N)
//
// --dump-config prints this stand-in's canonical text: every key it reads, defaults included and values
// normalised (an explicit default prints like an omitted one), then any other key as given, sorted by key.
// --resume with a larger train.max_epochs continues a finished run from its last epoch (an ASHA promotion).
//
// Keys read (any others are carried along): synthetic.seconds (total sleep, default 0.05), train.max_epochs
// (default 1; a checkpoint after each), synthetic.fail_attempts (crash with SIGSEGV on the first N attempts),
// synthetic.hidden (for the parameter count), debug.fault none|crash|abort|nan|hang at debug.fault_epoch, and
// model.shared_layers [1,3] / model.ner_layers [0,3] / model.re_layers [0,3], range-checked like dts-train.
// The output file is a small text file (status, epoch, dev_score), replaced atomically. Each run that finishes
// training appends "<out file name> completed" to synthetic-executions.log next to the output's directory, so
// tests can count executions.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/hash.h"
#include "common/ini.h"
#include "common/params.h"
#include "common/stop.h"

namespace fs = std::filesystem;

namespace {

struct Args {
  std::string config, out;
  bool resume = false, dump_config = false, dry_run = false;
};

Args ParseArgs(const std::vector<std::string>& args) {
  Args parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw dts::UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--config") parsed.config = value();
    else if (a == "--out") parsed.out = value();
    else if (a == "--resume") parsed.resume = true;
    else if (a == "--dump-config") parsed.dump_config = true;
    else if (a == "--dry-run") parsed.dry_run = true;
    else if (a == "--quiet") {
    } else if (a == "--threads" || a == "--device" || a == "--trial-id" || a == "--config-id") value();
    else throw dts::UsageError("unknown option " + a);
  }
  if (parsed.config.empty()) throw dts::UsageError("--config is required");
  return parsed;
}

void WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) throw dts::IoError(tmp, "cannot write");
  }
  fs::rename(tmp, path);
}

std::map<std::string, std::string> ReadKeyValues(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

int Run(const Args& args, const std::vector<dts::IniEntry>& overrides) {
  std::map<std::string, std::string> config, sources;
  for (const auto& e : dts::ReadIniFile(args.config)) {
    config[e.key] = e.value;
    sources[e.key] = e.source;
  }
  for (const auto& e : overrides) {
    config[e.key] = e.value;
    sources[e.key] = e.source;
  }
  auto get = [&](const std::string& key, const std::string& fallback) {
    auto it = config.find(key);
    return it == config.end() ? fallback : it->second;
  };
  auto get_int = [&](const std::string& key, long long fallback, long long lo, long long hi) {
    auto it = config.find(key);
    if (it == config.end()) return fallback;
    const long long v = dts::ParseInteger(it->second, key, sources[key]);
    if (v < lo || v > hi)
      throw dts::ConfigError(sources[key], key, key + " = " + it->second + " is out of range [" + std::to_string(lo) +
                                                    ", " + std::to_string(hi) + "]");
    return v;
  };
  const long long shared = get_int("model.shared_layers", 1, 1, 3);
  const long long ner = get_int("model.ner_layers", 0, 0, 3);
  const long long re = get_int("model.re_layers", 0, 0, 3);
  const long long hidden = get_int("synthetic.hidden", 32, 1, 4096);
  const long long epochs = get_int("train.max_epochs", 1, 1, 100000);
  const long long fail_attempts = get_int("synthetic.fail_attempts", 0, 0, 1000);
  const long long fault_epoch = get_int("debug.fault_epoch", 0, 0, 100000);
  const double seconds = dts::ParseReal(get("synthetic.seconds", "0.05"), "synthetic.seconds", sources["synthetic.seconds"]);
  const std::string fault = get("debug.fault", "none");
  if (fault != "none" && fault != "crash" && fault != "abort" && fault != "nan" && fault != "hang")
    throw dts::ConfigError(sources["debug.fault"], "debug.fault", "debug.fault = '" + fault + "' is not one of none|crash|abort|nan|hang");

  // The resolved configuration: the keys read here with their parsed values (defaults included), the rest as
  // given. `canonical` (what --dump-config prints) keeps everything; the score hashes it without the labels and
  // without train.max_epochs, so that a configuration keeps its rank across ASHA rungs.
  std::map<std::string, std::string> resolved = config;
  resolved["model.shared_layers"] = std::to_string(shared);
  resolved["model.ner_layers"] = std::to_string(ner);
  resolved["model.re_layers"] = std::to_string(re);
  resolved["synthetic.hidden"] = std::to_string(hidden);
  resolved["train.max_epochs"] = std::to_string(epochs);
  resolved["synthetic.fail_attempts"] = std::to_string(fail_attempts);
  resolved["debug.fault_epoch"] = std::to_string(fault_epoch);
  {
    std::ostringstream text;
    text << std::setprecision(17) << seconds;
    resolved["synthetic.seconds"] = text.str();
  }
  resolved["debug.fault"] = fault;
  std::string canonical, scored, section;
  for (const auto& [key, value] : resolved) {
    const auto dot = key.find('.');
    const std::string this_section = key.substr(0, dot);
    if (this_section != section) {
      canonical += (canonical.empty() ? "" : "\n") + std::string("[") + this_section + "]\n";
      section = this_section;
    }
    canonical += key.substr(dot + 1) + " = " + value + "\n";
    if (key.rfind("trial.", 0) != 0 && key != "train.max_epochs") scored += key + "=" + value + "\n";
  }
  if (args.dump_config) {
    std::cout << canonical;
    return dts::kExitOk;
  }
  // Like a BiRNN stack: a layer of width h over an input of width h costs 8h(2h+1) weights per direction pair.
  const long long per_layer = 8 * hidden * (2 * hidden + 1);
  const long long params = 1000 + per_layer * (shared + ner + re) + 50 * hidden;
  if (args.dry_run) {
    std::cout << "trainable parameters: " << params << std::endl;
    return dts::kExitOk;
  }
  if (args.out.empty()) throw dts::UsageError("--out is required");
  const double unit = static_cast<double>(dts::Hasher().Add(scored).Value() >> 11) * 0x1.0p-53;
  // Better with more epochs, the order of configurations the same at every budget.
  const double dev_score = 40 + 50 * unit - 10.0 / static_cast<double>(epochs);
  std::ostringstream final_line;
  final_line << "final test ner_f1_micro=" << dev_score << " ner_f1_macro=" << dev_score
             << " re_f1_micro=" << dev_score / 2 << " re_f1_macro=" << dev_score / 2;

  long long start_epoch = 0;
  if (args.resume && fs::exists(args.out)) {
    auto saved = ReadKeyValues(args.out);
    start_epoch = std::stoll(saved["epoch"]);
    // Finished this budget before the sweep could record it: report, do no work. A finished run asked for more
    // epochs (an ASHA promotion) goes on from its last epoch.
    if (saved["status"] == "completed" && start_epoch >= epochs) {
      std::cout << "dev_score=" << saved["dev_score"] << "\n" << final_line.str() << std::endl;
      return dts::kExitOk;
    }
  }
  long long attempt = 1;
  const std::string attempts_path = args.out + ".attempts";
  if (fs::exists(attempts_path)) attempt = std::stoll(ReadKeyValues(attempts_path)["attempts"]) + 1;
  WriteAtomically(attempts_path, "attempts=" + std::to_string(attempt) + "\n");
  if (attempt <= fail_attempts) {
    std::cerr << "synthetic: crashing on purpose (attempt " << attempt << " of " << fail_attempts << ")" << std::endl;
    std::raise(SIGSEGV);
  }
  dts::InstallStopHandlers();
  const auto epoch_time = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds / static_cast<double>(epochs)));
  for (long long epoch = start_epoch; epoch < epochs; ++epoch) {
    if (fault != "none" && epoch == fault_epoch) {
      std::cerr << "synthetic: injected fault '" << fault << "' at epoch " << epoch << std::endl;
      if (fault == "crash") std::raise(SIGSEGV);
      if (fault == "abort") std::abort();
      if (fault == "nan") throw dts::DivergedError(static_cast<int>(epoch), 0, "injected NaN loss");
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // hang: ignores SIGTERM's flag
    }
    const auto end = std::chrono::steady_clock::now() + epoch_time;
    while (std::chrono::steady_clock::now() < end) {
      if (dts::StopRequested()) {
        WriteAtomically(args.out, "status=running\nepoch=" + std::to_string(epoch) + "\n");
        std::cerr << "synthetic: stopped by signal " << dts::StopSignal() << " at epoch " << epoch << std::endl;
        return dts::kExitResumeMe;
      }
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(20), end - std::chrono::steady_clock::now()));
    }
    WriteAtomically(args.out, "status=running\nepoch=" + std::to_string(epoch + 1) + "\n");
  }
  std::ostringstream result;
  result << "status=completed\nepoch=" << epochs << "\ndev_score=" << dev_score << "\n";
  WriteAtomically(args.out, result.str());
  {
    std::ofstream log(fs::path(args.out).parent_path().parent_path() / "synthetic-executions.log", std::ios::app);
    log << fs::path(args.out).filename().string() << " completed epochs=" << start_epoch << ".." << epochs << "\n"
        << std::flush;
  }
  std::cout << "dev_score=" << dev_score << "\n" << final_line.str() << std::endl;
  return dts::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return dts::RunApp("dts-synthetic-trial", argc, argv,
                     [](std::vector<std::string>& args) {
                       const auto overrides = dts::ExtractOverrides(args);
                       return Run(ParseArgs(args), overrides);
                     });
}
