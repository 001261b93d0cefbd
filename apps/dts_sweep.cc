// dts-sweep: runs a whole sweep (search, final, ablation) over MPI ranks, or over in-process ranks with
// --local-ranks N. Option parsing and one library call (orchestrator/sweep.h).
#include <unistd.h>

#include <boost/program_options.hpp>
#include <exception>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/stop.h"
#include "config/sweep_config.h"
#include "orchestrator/comm.h"
#include "orchestrator/mpi_comm.h"
#include "orchestrator/sweep.h"

namespace po = boost::program_options;

namespace {

int Main(int argc, char** argv, std::vector<std::string>& args) {
  dts::orchestrator::SweepOptions options;
  int local_ranks = 0;
  po::options_description desc(
      "Usage: scripts/dts-mpirun -np N dts-sweep --config SWEEP.ini --out DIR [options]\n"
      "  (dts-mpirun takes mpirun's options and turns a SIGTERM or Ctrl-C of it into the stop that exits 75; "
      "SIGTERM to a plain mpirun makes Open MPI abort the job with exit 1: send it SIGUSR1 instead)\n"
      "Exit codes: 0 done, 7 done but trials failed (the log names them and their hosts), 75 stopped by "
      "SIGTERM/SIGUSR1 (run the same command again), 69 ranks lost or quarantined with work left (run the "
      "same "
      "command again, on healthy nodes), 2 usage (DIR in use, holding another sweep, or not seen by every "
      "host), 3 bad config, 4 missing input file, 5 I/O error");
  desc.add_options()("help", "this text")("config-reference",
                                          "print the [sweep] settings table (docs/orchestrator.md) and exit")(
      "config", po::value(&options.sweep_path)->required(), "sweep file (INI)")(
      "out", po::value(&options.out_dir),
      "sweep directory: sweep.h5 and trials/ (required unless --dry-run)")(
      "dry-run", po::bool_switch(&options.dry_run), "print the plan and the cost estimate; run nothing")(
      "json", po::bool_switch(&options.json), "also print one JSON line per event on stdout")(
      "trial-command", po::value(&options.trial_command), "override [sweep] trial_command")(
      "threads-per-rank", po::value(&options.threads_per_rank),
      "override [sweep] threads_per_rank: --threads of every trial (dts-submit passes --cpus-per-task)")(
      "adopt", po::bool_switch(&options.adopt),
      "run even though DIR/sweep.h5 holds another sweep (another name or sweep file text): keep its "
      "finished trials that this plan shares")(
      "break-lock", po::bool_switch(&options.break_lock),
      "remove DIR/sweep.lock first, whoever holds it (only when that run is known to be gone)")(
      "local-ranks", po::value(&local_ranks),
      "run N ranks as threads of this process instead of MPI (1 coordinator + N-1 workers)");
  const po::variables_map vm = dts::ParseCommandLine(args, desc, nullptr, {"help", "config-reference"});
  if (vm.count("help")) {
    std::cout << desc << std::endl;
    return dts::kExitOk;
  }
  if (vm.count("config-reference")) {
    std::cout << dts::config::SweepSettingsMarkdown();
    return dts::kExitOk;
  }
  if (vm.count("threads-per-rank") && (options.threads_per_rank < 1 || options.threads_per_rank > 1024))
    throw dts::UsageError("--threads-per-rank must be in [1, 1024] (like sweep.threads_per_rank)");
  // A dry run writes nothing, in DIR or elsewhere but a private scratch directory (orchestrator/sweep.cc);
  // without --out it prints the config ids a sweep in a temporary directory would get (only the spelling
  // counts: the directory is never created).
  if (options.out_dir.empty()) {
    if (!options.dry_run) throw dts::UsageError("--out DIR is required");
    options.out_dir =
        (std::filesystem::temp_directory_path() / ("dts-sweep-dry-run-" + std::to_string(::getpid())))
            .string();
  }
  dts::InstallStopHandlers();
  if (local_ranks > 0) {
    if (local_ranks < 2) throw dts::UsageError("--local-ranks needs at least 2 (1 coordinator + workers)");
    auto group = dts::orchestrator::MakeInProcessGroup(local_ranks);
    dts::SetProcessLog({0, local_ranks, "", "local"});  // the ranks are threads of this one process
    std::vector<std::thread> workers;
    for (int rank = 1; rank < local_ranks; ++rank) {
      workers.emplace_back([&, rank] {
        try {
          dts::orchestrator::RunSweep(options, *group[rank]);
        } catch (...) {
          std::string message;
          const int code = dts::ExitCodeForCurrentException(message);
          dts::ProcessLog().Say("error: " + message);
          std::_Exit(code);
        }
      });
    }
    int rc = dts::kExitOk;
    try {
      rc = dts::orchestrator::RunSweep(options, *group[0]);
    } catch (...) {
      // RunSweep told the workers to stop; join them before the error leaves (a joinable thread terminates).
      for (auto& worker : workers) worker.join();
      throw;
    }
    for (auto& worker : workers) worker.join();
    return rc;
  }
  dts::orchestrator::MpiSession mpi(&argc, &argv);
  const int rank = mpi.World().Rank();
  dts::SetProcessLog({rank, mpi.World().Size(), "", rank == 0 ? "coord" : "worker"});
  int rc = dts::kExitOk;
  try {
    rc = dts::orchestrator::RunSweep(options, mpi.World());
  } catch (...) {
    std::string message;
    const int code = dts::ExitCodeForCurrentException(message);
    dts::ProcessLog().Say("error: " + message);
    // Rank 0 told the workers to stop before rethrowing, so everyone can finalize; a worker that fails leaves
    // the coordinator waiting for its result, so it aborts the job.
    if (rank != 0) dts::orchestrator::MpiSession::Abort(code);
    mpi.Finalize();
    return code;
  }
  if (rank == 0 && rc == dts::kExitRanksLost) {
    // MPI_Finalize waits for every rank, and a frozen one never comes: the manifest is written and the lock
    // released, so end the job here (mpirun exits with this code).
    dts::ProcessLog().Say("ending the MPI job without the lost ranks (exit " + std::to_string(rc) + ")");
    dts::orchestrator::MpiSession::Abort(rc);
  }
  mpi.Finalize();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  return dts::RunApp("dts-sweep", argc, argv,
                     [&](std::vector<std::string>& args) { return Main(argc, argv, args); });
}
