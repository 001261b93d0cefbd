// Coordinator overhead: runs `mpirun -np N dts-sweep` over synthetic 1-second trials (no training) for N in
// 2..64 oversubscribed ranks and prints, per N: the one-off planning CPU of the coordinator's main thread
// (search points, ids, manifest rows: plan_ms), then its CPU ms per trial dispatched after planning
// (receive, classify, dispatch: what a free worker waits on), of which waiting for messages (wait_ms), and
// the manifest writer thread's (HDF5 + fsync, off the dispatch path), worker utilization (trial seconds / the
// workers' seconds from their hello to the end of the sweep: MPI start-up of 64 ranks on a small machine is
// not scheduling overhead) and the coordinator process's CPU share over its run. Prints figures, asserts
// nothing.
//
//   sweep_overhead [--ranks 2,4,8,16,32,64] [--trial-seconds 1] [--trials-per-worker 20]
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<int> ranks{2, 4, 8, 16, 32, 64};
  double trial_seconds = 1;
  int per_worker = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--ranks") {
      ranks.clear();
      std::stringstream list(argv[i + 1]);
      std::string item;
      while (std::getline(list, item, ',')) ranks.push_back(std::stoi(item));
    } else if (a == "--trial-seconds") {
      trial_seconds = std::stod(argv[i + 1]);
    } else if (a == "--trials-per-worker") {
      per_worker = std::stoi(argv[i + 1]);
    }
  }
  const fs::path dir = fs::temp_directory_path() / ("dts-sweep-bench-" + std::to_string(getpid()));
  std::printf("trial %.2f s, %d trials per worker, launcher %s\n", trial_seconds, per_worker, DTS_MPIEXEC);
  std::printf("%6s %7s %8s %8s %17s %13s %15s %13s %7s %12s\n", "ranks", "trials", "wall_s", "plan_ms",
              "dispatch_ms/trial", "wait_ms/trial", "writer_ms/trial", "utilization", "writes",
              "coord_cpu_%");
  for (int n : ranks) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    const int trials = per_worker * (n - 1);
    // One configuration per trial (model.hidden only changes the synthetic trial's parameter count), one
    // epoch each: the trial's own cost is its sleep, DTS_SYNTHETIC_SECONDS, inherited through mpirun.
    std::ofstream(dir / "sweep.ini") << "[sweep]\nstages = search\nprogress_every_s = 3600\n"
                                     << "trial_command = " << DTS_SYNTHETIC_TRIAL
                                     << "\n[space]\nmodel.hidden = int(1, " << trials
                                     << ")\n[base]\ntrain.max_epochs = 1\n";
    setenv("DTS_SYNTHETIC_SECONDS", std::to_string(trial_seconds).c_str(), 1);
    const std::string events = (dir / "events.jsonl").string();
    std::ostringstream command;
    command << DTS_MPIEXEC << " -np " << n << " " << DTS_MPI_PREFLAGS << " " << DTS_SWEEP << " --config "
            << (dir / "sweep.ini").string() << " --out " << (dir / "out").string() << " --json > " << events
            << " 2> " << (dir / "stderr.log").string();
    if (std::system(command.str().c_str()) != 0) {
      std::printf("%6d failed: see %s\n", n, (dir / "stderr.log").c_str());
      continue;
    }
    double busy = 0, cpu = 0, dispatch_cpu = 0, plan_cpu = 0, wait_cpu = 0, writer_cpu = 0, wall = 0,
           ready_sum = 0;
    int done = 0, writes = 0;
    std::ifstream in(events);
    std::string line;
    while (std::getline(in, line)) {
      const auto event = nlohmann::json::parse(line);
      if (event["event"] == "trial" && event["outcome"] == "completed") {
        busy += event["seconds"].get<double>();
        ++done;
      }
      if (event["event"] == "hello") ready_sum += event["t"].get<double>();
      if (event["event"] == "sweep") {
        cpu = event["process_cpu_s"].get<double>();
        dispatch_cpu = event["dispatch_cpu_s"].get<double>();
        plan_cpu = event["plan_cpu_s"].get<double>();
        wait_cpu = event["wait_cpu_s"].get<double>();
        writer_cpu = event["manifest_write_cpu_s"].get<double>();
        writes = event["manifest_writes"].get<int>();
        wall = event["wall_s"].get<double>();
      }
    }
    const int per = std::max(1, done);
    std::printf("%6d %7d %8.2f %8.1f %17.3f %13.3f %15.3f %12.1f%% %7d %11.2f%%\n", n, done, wall,
                1000 * plan_cpu, 1000 * (dispatch_cpu - plan_cpu) / per, 1000 * wait_cpu / per,
                1000 * writer_cpu / per, 100 * busy / ((n - 1) * wall - ready_sum), writes, 100 * cpu / wall);
    std::fflush(stdout);
  }
  fs::remove_all(dir);
  return 0;
}
