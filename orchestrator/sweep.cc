#include "orchestrator/sweep.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/host.h"
#include "common/log.h"
#include "config/identity.h"
#include "orchestrator/coordinator.h"
#include "orchestrator/sweep_lock.h"
#include "orchestrator/trial_runner.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

namespace {

// The configuration of a search point as the search stage plans it (fold 0, the first seed, data.protocol =
// dev; ASHA: the full budget), for parameter counts and the printed config ids.
config::TrainConfig AsSearched(config::TrainConfig config, const config::SweepConfig& sweep) {
  config.data.protocol = config::Protocol::kDev;
  config.train.seed = sweep.sweep.seed;
  if (sweep.sweep.strategy == config::Strategy::kAsha) config.train.max_epochs = sweep.sweep.max_epochs;
  return config;
}

// A dry run's scratch (the parameter-count files): a fresh private directory (mkdtemp, mode 0700), removed
// when the dry run ends. Never DIR/plan: a dry run holds no lock on DIR, where a sweep may be running.
class DryRunScratch {
 public:
  DryRunScratch() {
    std::string pattern = (fs::temp_directory_path() / "dts-sweep-dry-run-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw IoError(pattern, "cannot create a temporary directory");
    path_ = pattern;
  }
  ~DryRunScratch() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  DryRunScratch(const DryRunScratch&) = delete;
  DryRunScratch& operator=(const DryRunScratch&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

ParamCounter MakeChildParamCounter(const std::string& command, const std::string& scratch_dir,
                                   const IdentityBase& identity_base) {
  auto cache = std::make_shared<std::map<std::string, long long>>();
  return [command, scratch_dir, identity_base, cache](const config::TrainConfig& config) {
    // Labels, fold and seed change no parameter count: one question per configuration.
    const std::string identity = identity_base.Text(config);
    auto it = cache->find(identity);
    if (it != cache->end()) return it->second;
    fs::create_directories(scratch_dir);
    const std::string stem = (fs::path(scratch_dir) / ("count-" + config::ConfigId(identity))).string();
    {
      std::ofstream out(stem + ".ini", std::ios::binary | std::ios::trunc);
      out << config::TrainSchema().CanonicalIni(config);
      if (!out.flush()) throw IoError(stem + ".ini", "cannot write");
    }
    RunToCompletion(schema::CountParametersArgv(command, stem + ".ini", stem + ".json"));
    const long long count = schema::ReadParameterCount(stem + ".json");
    fs::remove(stem + ".ini");
    fs::remove(stem + ".json");
    (*cache)[identity] = count;
    return count;
  };
}

void PrintPlan(const config::SweepConfig& sweep, const ParamCounter& counter,
               const IdentityBase& identity_base, std::ostream& out) {
  const auto points = SearchPoints(sweep);
  const bool asha = sweep.sweep.strategy == config::Strategy::kAsha;
  const bool cross_validated = IsCrossValidated(sweep);
  const bool tpe = sweep.sweep.strategy == config::Strategy::kTpe || ProposesAshaRungZero(sweep);
  const bool search_on_folds = sweep.sweep.search_on == config::SearchOn::kFolds;
  const int runs = search_on_folds ? sweep.base.data.folds : sweep.sweep.search_seeds;
  out << "sweep '" << sweep.sweep.name << "' (" << sweep.path << "): strategy "
      << config::SweepSchema().Get(sweep, "sweep.strategy") << ", search_on "
      << config::SweepSchema().Get(sweep, "sweep.search_on") << ", racing "
      << config::SweepSchema().Get(sweep, "sweep.racing") << ", corpus "
      << (cross_validated ? "cross-validated" : "fixed split") << "\n";
  out << "search: " << points.size() << " configurations x " << runs
      << (search_on_folds ? " folds" : " seeds") << " = "
      << (search_on_folds && sweep.sweep.racing != config::RacingTest::kOff ? "at most " : "")
      << points.size() * static_cast<size_t>(runs) << " trials"
      << (tpe ? " (tpe proposes its configurations as results come in: the ones below are the random draws "
                "that stand in for them in the cost estimate)"
              : "")
      << "\n";
  double search_cost = 0, mean_cost = 0;
  // ASHA: at most every configuration at rung 0, 1/eta of them at rung 1, ...: the epochs of a worst case.
  double asha_epochs = 0;
  if (asha) {
    const auto rungs = config::AshaRungEpochs(sweep.sweep);
    double share = 1;
    for (size_t k = 0; k < rungs.size(); ++k) {
      asha_epochs +=
          share * (rungs[k] - (k ? rungs[k - 1] : 0));  // a promoted trial resumes: only the increment
      share /= sweep.sweep.reduction_factor;
    }
    std::string list;
    for (int epochs : rungs) list += (list.empty() ? "" : ", ") + std::to_string(epochs);
    out << "asha: rungs of " << list << " epochs, top 1/" << sweep.sweep.reduction_factor
        << " promoted (resumed); about " << std::setprecision(3) << asha_epochs
        << " epochs per configuration on average\n";
  }
  out << "  config_id     parameters  searched values\n";
  for (const auto& point : points) {
    const config::TrainConfig config = AsSearched(point, sweep);
    const long long params = counter(config);
    const double epochs = config.train.max_epochs;
    const double cost = static_cast<double>(params) * (asha ? asha_epochs : epochs);
    search_cost += cost * runs;
    mean_cost += static_cast<double>(params) * epochs / points.size();
    out << "  " << config::ConfigId(identity_base.Text(config, asha)) << "  " << std::setw(10) << params
        << " ";
    for (const auto& dim : sweep.space)
      out << " " << dim.key << "=" << config::TrainSchema().Get(point, dim.key);
    out << "\n";
  }
  const int folds = sweep.base.data.folds;
  const size_t top_k = std::min<size_t>(points.size(), sweep.sweep.final_top_k);
  const size_t final_trials = top_k * (cross_validated ? folds : sweep.sweep.final_seeds);
  const bool has_final = std::count(sweep.stages.begin(), sweep.stages.end(), "final") > 0;
  const bool has_ablation = std::count(sweep.stages.begin(), sweep.stages.end(), "ablation") > 0;
  if (has_final)
    out << "final: top " << top_k << " configurations x "
        << (cross_validated ? std::to_string(folds) + " folds"
                            : std::to_string(sweep.sweep.final_seeds) + " seeds")
        << " = " << final_trials << " trials (data.protocol = final)\n";
  // The baseline runs its own seeds (seed + 1000, ...: planner.cc), so it repeats no final-stage run.
  const int ablation_folds =
      sweep.sweep.ablation_folds == config::AblationFolds::kAll && cross_validated ? folds : 1;
  const size_t ablation_trials =
      has_ablation ? static_cast<size_t>(4 * sweep.sweep.ablation_seeds * ablation_folds) : 0;
  if (has_ablation)
    out << "ablation: best configuration and its no_ner_specific, no_re_specific, no_task_specific variants "
           "(+ "
           "shared layers matching the parameter count, at most sweep.max_shared_layers = "
        << sweep.sweep.max_shared_layers << ") x " << sweep.sweep.ablation_seeds << " seeds x "
        << ablation_folds << (ablation_folds == 1 ? " fold" : " folds") << " = at most " << ablation_trials
        << " trials\n";
  const double total =
      search_cost + mean_cost * static_cast<double>((has_final ? final_trials : 0) + ablation_trials);
  out << "cost estimate: " << std::setprecision(3) << total / 1e9
      << " G parameter-epochs (search exact; final and ablation at the mean search configuration)\n";
}

std::string LaunchDirectoryUnknown() {
  // Open MPI gives each rank the name of its host's daemon and of mpirun's ("jobfamily.vpid;uri..."): equal
  // on mpirun's own host.
  const char* hnp = std::getenv("OMPI_MCA_orte_hnp_uri");
  const char* daemon = std::getenv("OMPI_MCA_orte_local_daemon_uri");
  const char* home = std::getenv("HOME");
  if (!hnp || !daemon || !home) return "";
  auto name = [](const std::string& uri) { return uri.substr(0, uri.find(';')); };
  if (name(hnp) == name(daemon)) return "";
  std::error_code ec;
  if (fs::weakly_canonical(fs::current_path(ec), ec) != fs::weakly_canonical(home, ec)) return "";
  return "this coordinator runs on host " + HostName() + " (not mpirun's) in $HOME (" + home +
         "), where Open MPI starts a rank whose launch directory does not exist on its host, without a word";
}

int RunSweep(const SweepOptions& options, Communicator& comm) {
  if (comm.Rank() != 0) {
    const int devices = VisibleCudaDevices();
    RunWorker(
        comm, [&](const Assign& assign) { return RunChildTrial(assign, comm.LocalRank(), devices); },
        devices);
    return kExitOk;
  }
  try {
    // A relative path means relative to where mpirun was started, which this rank may not know (above).
    for (const auto& [option, path] :
         {std::pair<const char*, std::string>{"--out", options.out_dir}, {"--config", options.sweep_path}}) {
      if (path.empty() || fs::path(path).is_absolute()) continue;
      const std::string unknown = LaunchDirectoryUnknown();
      if (!unknown.empty())
        throw UsageError(std::string(option) + " " + path + " is relative, but " + unknown +
                         ": pass an absolute path, or start mpirun from a directory every host sees");
    }
    // Everything about the sweep file (keys, values, input files, the grid's size) is checked before DIR is
    // touched, so a refused sweep leaves nothing behind.
    const config::SweepConfig sweep = config::ReadSweepConfig(options.sweep_path);
    if (sweep.space.empty())
      ProcessLog().Say(sweep.path + " has no [space]: the search stage runs the base configuration alone");
    const std::string command =
        ResolveExecutable(options.trial_command.empty() ? sweep.sweep.trial_command : options.trial_command);
    // Absolute from here on: workers on other hosts may start in another working directory (Open MPI starts
    // a remote rank in $HOME when the launch directory does not exist there).
    const std::string out_dir = fs::absolute(options.out_dir).lexically_normal().string();
    std::optional<DryRunScratch> dry_run_scratch;
    if (options.dry_run) dry_run_scratch.emplace();
    const std::string scratch =
        options.dry_run ? dry_run_scratch->path() : (fs::path(out_dir) / "plan").string();
    // A dry run prints the config ids a new sweep in DIR would get (DIR need not exist: only its spelling
    // counts).
    const IdentityBase identity_base = SweepDirectoryBase(out_dir);
    const ParamCounter counter = MakeChildParamCounter(command, scratch, identity_base);
    int rc = kExitOk;
    if (options.dry_run) {
      PrintPlan(sweep, counter, identity_base, std::cout);
    } else {
      // One directory, one sweep: held until the coordinator has written its last manifest.
      SweepLock lock(out_dir, options.break_lock, sweep.sweep.lock_lease_s, ProcessLog());
      try {
        CheckSameSweep(out_dir, sweep, options.adopt, ProcessLog());
      } catch (...) {
        lock.Abandon();
        throw;
      }
      CoordinatorOptions coordinator_options;
      coordinator_options.out_dir = out_dir;
      coordinator_options.lock_lost = [&lock] { return lock.Lost(); };
      coordinator_options.trial_command = command;
      coordinator_options.json = options.json;
      coordinator_options.threads_per_rank = options.threads_per_rank;
      try {
        rc = Coordinator(sweep, comm, coordinator_options, counter).Run();
      } catch (const UsageError&) {
        lock.Abandon();  // refused before it wrote anything (a worker cannot see DIR): leave no trace
        throw;
      }
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
