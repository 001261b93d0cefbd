#include "orchestrator/sweep.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/hash.h"
#include "orchestrator/coordinator.h"
#include "orchestrator/trial_keys.h"
#include "orchestrator/trial_runner.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

namespace {

std::string WriteScratchConfig(const std::string& scratch_dir, const TrialConfig& config) {
  fs::create_directories(scratch_dir);
  const std::string text = CanonicalText(config);
  const fs::path path = fs::path(scratch_dir) / ("check-" + Hasher().Add(text).Hex() + ".ini");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw IoError(path.string(), "cannot write");
  return path.string();
}

// The keys the planner sets on every trial, with representative values, so that validation also proves the
// trainer knows them.
TrialConfig WithStageKeys(TrialConfig config, const SweepConfig& sweep) {
  config[keys::kFold] = "0";
  config[keys::kSeed] = std::to_string(sweep.sweep.seed);
  config[keys::kProtocol] = "dev";
  config[keys::kStage] = "search";
  config[keys::kVariant] = "none";
  return config;
}

}  // namespace

ParamCounter MakeChildParamCounter(const std::string& command, const std::string& scratch_dir) {
  auto cache = std::make_shared<std::map<std::string, long long>>();
  return [command, scratch_dir, cache](const TrialConfig& config) {
    const std::string text = CanonicalText(config, /*labels=*/false);
    auto it = cache->find(text);
    if (it != cache->end()) return it->second;
    const std::string path = WriteScratchConfig(scratch_dir, config);
    const std::string output = CaptureOutput({command, "--config", path, "--dry-run"});
    std::stringstream lines(output);
    std::string line;
    const std::string marker = "trainable parameters: ";
    while (std::getline(lines, line)) {
      const auto at = line.find(marker);
      if (at == std::string::npos) continue;
      const long long count = std::stoll(line.substr(at + marker.size()));
      (*cache)[text] = count;
      fs::remove(path);
      return count;
    }
    throw Error("'" + command + " --config " + path + " --dry-run' printed no 'trainable parameters: N' line");
  };
}

void ValidateWithTrialCommand(const SweepConfig& sweep, const std::string& command, const std::string& scratch_dir) {
  auto check = [&](const TrialConfig& config, const std::string& source, const std::string& key,
                   const std::string& what) {
    const std::string path = WriteScratchConfig(scratch_dir, config);
    try {
      CaptureOutput({command, "--config", path, "--dump-config"});
    } catch (const Error& e) {
      throw ConfigError(source, key, what + " is rejected by " + command + " (its message is above): " + e.what());
    }
    fs::remove(path);
  };
  const TrialConfig base = WithStageKeys(sweep.base, sweep);
  check(base, sweep.path, "sweep.base", "the base config");
  for (const auto& dim : sweep.space) {
    std::vector<std::string> values = dim.values;
    if (dim.kind != Dimension::Kind::kList) {
      std::ostringstream lo, hi;
      if (dim.kind == Dimension::Kind::kInt) {
        lo << static_cast<long long>(dim.lo);
        hi << static_cast<long long>(dim.hi);
      } else {
        lo << std::setprecision(17) << dim.lo;
        hi << std::setprecision(17) << dim.hi;
      }
      values = {lo.str(), hi.str()};
    }
    for (const auto& value : values) {
      TrialConfig config = base;
      config[dim.key] = value;
      check(config, dim.source, dim.key, "[space] " + dim.key + " = " + value);
    }
  }
}

void PrintPlan(const SweepConfig& sweep, const ParamCounter& counter, const ConfigResolver& resolver,
               std::ostream& out) {
  const auto points = SearchPoints(sweep);
  const bool asha = sweep.sweep.strategy == Strategy::kAsha;
  std::vector<TrialConfig> inputs;
  for (const auto& point : points) {
    TrialConfig config = WithStageKeys(point, sweep);
    if (asha) config[keys::kMaxEpochs] = std::to_string(sweep.sweep.max_epochs);
    inputs.push_back(ResolutionInput(config));
  }
  const std::vector<std::string> resolved = resolver(inputs);
  const bool cross_validated = IsCrossValidated(sweep);
  auto epochs_of = [](const TrialConfig& config) {
    auto it = config.find(keys::kMaxEpochs);
    return it == config.end() ? 1.0 : std::stod(it->second);
  };
  out << "sweep '" << sweep.sweep.name << "' (" << sweep.path << "): strategy "
      << (sweep.sweep.strategy == Strategy::kGrid ? "grid" : asha ? "asha" : "random") << ", corpus "
      << (cross_validated ? "cross-validated" : "fixed split") << "\n";
  out << "search: " << points.size() << " configurations x " << sweep.sweep.search_seeds << " seeds = "
      << points.size() * sweep.sweep.search_seeds << " trials\n";
  double search_cost = 0, mean_cost = 0;
  // ASHA: at most every configuration at rung 0, 1/eta of them at rung 1, ...: the epochs of a worst case.
  double asha_epochs = 0;
  if (asha) {
    const auto rungs = AshaRungEpochs(sweep.sweep);
    double share = 1;
    for (size_t k = 0; k < rungs.size(); ++k) {
      asha_epochs += share * (rungs[k] - (k ? rungs[k - 1] : 0));  // a promoted trial resumes: only the increment
      share /= sweep.sweep.reduction_factor;
    }
    std::string list;
    for (int epochs : rungs) list += (list.empty() ? "" : ", ") + std::to_string(epochs);
    out << "asha: rungs of " << list << " epochs, top 1/" << sweep.sweep.reduction_factor
        << " promoted (resumed); about " << std::setprecision(3) << asha_epochs
        << " epochs per configuration on average\n";
  }
  out << "  config_id     parameters  searched values\n";
  for (size_t i = 0; i < points.size(); ++i) {
    const TrialConfig& point = points[i];
    TrialConfig config = WithStageKeys(point, sweep);
    if (asha) config[keys::kMaxEpochs] = std::to_string(sweep.sweep.max_epochs);
    const long long params = counter(config);
    const double cost = static_cast<double>(params) * (asha ? asha_epochs : epochs_of(config));
    search_cost += cost * sweep.sweep.search_seeds;
    mean_cost += static_cast<double>(params) * epochs_of(config) / points.size();
    out << "  " << MakeConfigId(IdentityText(resolved[i], asha)) << "  " << std::setw(10) << params << " ";
    for (const auto& dim : sweep.space) out << " " << dim.key << "=" << point.at(dim.key);
    out << "\n";
  }
  int folds = 10;
  if (auto it = sweep.base.find(keys::kFolds); it != sweep.base.end()) folds = std::stoi(it->second);
  const size_t top_k = std::min<size_t>(points.size(), sweep.sweep.final_top_k);
  const size_t final_trials = top_k * (cross_validated ? folds : sweep.sweep.final_seeds);
  const bool has_final = std::count(sweep.stages.begin(), sweep.stages.end(), "final") > 0;
  const bool has_ablation = std::count(sweep.stages.begin(), sweep.stages.end(), "ablation") > 0;
  if (has_final)
    out << "final: top " << top_k << " configurations x "
        << (cross_validated ? std::to_string(folds) + " folds" : std::to_string(sweep.sweep.final_seeds) + " seeds")
        << " = " << final_trials << " trials (data.protocol = final)\n";
  // The baseline runs its own seeds (seed + 1000, ...: planner.cc), so it repeats no final-stage run.
  const int ablation_folds =
      sweep.sweep.ablation_folds == AblationFolds::kAll && cross_validated ? folds : 1;
  const size_t ablation_trials =
      has_ablation ? static_cast<size_t>(4 * sweep.sweep.ablation_seeds * ablation_folds) : 0;
  if (has_ablation)
    out << "ablation: best configuration and its no_ner_specific, no_re_specific, no_task_specific variants (+ "
           "shared layers matching the parameter count, at most sweep.max_shared_layers = "
        << sweep.sweep.max_shared_layers << ") x " << sweep.sweep.ablation_seeds << " seeds x " << ablation_folds
        << (ablation_folds == 1 ? " fold" : " folds") << " = at most " << ablation_trials << " trials\n";
  const double total = search_cost + mean_cost * static_cast<double>((has_final ? final_trials : 0) + ablation_trials);
  out << "cost estimate: " << std::setprecision(3) << total / 1e9
      << " G parameter-epochs (search exact; final and ablation at the mean search configuration)\n";
}

int RunSweep(const SweepOptions& options, Communicator& comm) {
  if (comm.Rank() != 0) {
    const int devices = VisibleCudaDevices();
    RunWorker(comm, [&](const Assign& assign) { return RunChildTrial(assign, comm.LocalRank(), devices); }, devices);
    return kExitOk;
  }
  try {
    const SweepConfig sweep = ReadSweepConfig(options.sweep_path);
    const std::string command =
        ResolveExecutable(options.trial_command.empty() ? sweep.sweep.trial_command : options.trial_command);
    const std::string scratch = (fs::path(options.out_dir) / "plan").string();
    if (sweep.sweep.validate_with_trial) ValidateWithTrialCommand(sweep, command, scratch);
    const ParamCounter counter = MakeChildParamCounter(command, scratch);
    // Trial ids hash the trial command's own canonical text; resolutions run several at a time on rank 0.
    const int parallel = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
    const ConfigResolver resolver = MakeChildConfigResolver(command, scratch, parallel);
    int rc = kExitOk;
    if (options.dry_run) {
      PrintPlan(sweep, counter, resolver, std::cout);
    } else {
      CoordinatorOptions coordinator_options;
      coordinator_options.out_dir = options.out_dir;
      coordinator_options.trial_command = command;
      coordinator_options.json = options.json;
      rc = Coordinator(sweep, comm, coordinator_options, counter, resolver).Run();
    }
    if (options.dry_run) {
      for (int rank = 1; rank < comm.Size(); ++rank) comm.Send(rank, Tag::kStop, Stop{"done"}.Encode());
    }
    return rc;
  } catch (...) {
    // Let the workers return (and finalize) instead of waiting forever for work.
    for (int rank = 1; rank < comm.Size(); ++rank) comm.Send(rank, Tag::kStop, Stop{"failed"}.Encode());
    throw;
  }
}

}  // namespace dts::orchestrator
