#include "orchestrator/trial_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/host.h"
#include "common/log.h"
#include "common/numerics.h"
#include "common/stop.h"
#include "config/train_config.h"
#include "orchestrator/lease_file.h"
#include "schema/trial_file.h"

extern char** environ;

namespace dts::orchestrator {

namespace fs = std::filesystem;

schema::TrialInvocation InvocationOf(const Assign& assign, int local_rank, int device_count) {
  schema::TrialInvocation invocation;
  invocation.config_path = assign.config_path;
  invocation.out_path = assign.trial_path;
  invocation.resume = assign.resume;
  invocation.trial_id = assign.trial_id;
  invocation.config_id = assign.config_id;
  if (assign.max_epochs > 0) {
    static const std::string key =
        config::TrainSchema().Key(&config::TrainConfig::train, &config::OptimConfig::max_epochs);
    invocation.overrides.emplace_back(key, std::to_string(assign.max_epochs));
  }
  invocation.threads = assign.threads;
  invocation.device = assign.use_gpu ? DeviceFor(local_rank, device_count, assign.trials_per_gpu) : "cpu";
  return invocation;
}

std::string DeviceFor(int worker_index, int device_count, int trials_per_gpu) {
  if (device_count <= 0 || worker_index >= device_count * std::max(1, trials_per_gpu)) return "cpu";
  return "cuda:" + std::to_string(worker_index % device_count);
}

int VisibleCudaDevices() {
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    const std::string text = visible;
    if (text.empty() || text == "-1" || text == "NoDevFiles") return 0;
    int count = 1;
    for (char c : text) count += c == ',';
    return count;
  }
  // Slurm sets CUDA_VISIBLE_DEVICES for a job given GPUs; a job given none sees the node's /dev/nvidia*
  // nodes all the same, but may not use them.
  if (std::getenv("SLURM_JOB_ID")) return 0;
  int count = 0;
  std::error_code ec;
  for (int i = 0; i < 64; ++i)
    if (fs::exists("/dev/nvidia" + std::to_string(i), ec)) ++count;
  return count;
}

std::string ResolveExecutable(const std::string& command) {
  // Absolute, since workers on other hosts may run in another working directory.
  if (command.find('/') != std::string::npos) return fs::absolute(command).lexically_normal().string();
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && fs::exists(self.parent_path() / command, ec)) return (self.parent_path() / command).string();
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && access((fs::path(dir) / command).c_str(), X_OK) == 0)
        return (fs::path(dir) / command).string();
    }
  }
  return command;  // exec fails later and the attempt is classified kInfrastructure
}

namespace {

void WriteFileAtomically(const std::string& path, const std::string& text) {
  // A name of this host and pid: two hosts whose locks do not see each other (node-local flock) never write
  // the same temporary file.
  const std::string tmp = path + ".tmp-" + HostName() + "-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw IoError(tmp, "cannot write");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IoError(path, "cannot rename from " + tmp + ": " + ec.message());
}

std::vector<char*> CArgs(std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& arg : argv) out.push_back(arg.data());
  out.push_back(nullptr);
  return out;
}

// Spawns argv with stdout (and stderr) into a pipe; returns the pid (or -errno) and the read end.
// fork + exec rather than posix_spawn for one reason: PR_SET_PDEATHSIG. If this rank dies (kill -9 of the
// whole job), the trial gets SIGTERM, checkpoints and exits instead of running on as an orphan that a
// restarted sweep would race with.
//
// `inherit_fd` (>= 0): an O_CLOEXEC descriptor the child keeps open across exec (the trial's flock, so that
// the lock lives as long as the child, even when this rank dies first).
//
// `environment` (non-null): the child's whole environment instead of this process'.
pid_t Spawn(std::vector<std::string> argv, int& read_fd, bool merge_stderr, int inherit_fd = -1,
            std::vector<std::string>* environment = nullptr) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -errno;
  auto cargs = CArgs(argv);
  std::vector<char*> cenv;
  if (environment) cenv = CArgs(*environment);
  char** envp = environment ? cenv.data() : environ;
  const bool has_slash = argv[0].find('/') != std::string::npos;
  const pid_t parent = getpid();
  int error_pipe[2];  // reports an exec failure to the parent (closed by exec on success)
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    close(fds[0]);
    close(fds[1]);
    return -errno;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    // Child: async-signal-safe calls only until exec (the parent may have other threads).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(kExitResumeMe);
    // A process group of its own: mpirun relays SIGUSR1/SIGTERM to each rank's whole process group, and a
    // child that is not dts-train's training loop (a --dump-config or --dry-run probe) would die of it. The
    // worker forwards stop signals to its trial child itself.
    setpgid(0, 0);
    dup2(fds[1], STDOUT_FILENO);
    if (merge_stderr) dup2(fds[1], STDERR_FILENO);
    if (inherit_fd >= 0) fcntl(inherit_fd, F_SETFD, 0);  // this process' table only
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int s : {SIGTERM, SIGUSR1, SIGINT, SIGPIPE}) sigaction(s, &action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (has_slash)
      execve(cargs[0], cargs.data(), envp);
    else
      execvpe(cargs[0], cargs.data(), envp);
    const int error = errno;
    (void)!write(error_pipe[1], &error, sizeof error);
    _exit(127);
  }
  close(fds[1]);
  close(error_pipe[1]);
  if (pid < 0) {
    const int error = errno;
    close(fds[0]);
    close(error_pipe[0]);
    return -error;
  }
  int exec_error = 0;
  ssize_t n;
  while ((n = read(error_pipe[0], &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
  }
  close(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_error)) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(fds[0]);
    return -exec_error;
  }
  read_fd = fds[0];
  return pid;
}

std::string LastLineOf(const std::string& text) {
  std::string last;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace

std::string TrialLockPath(const std::string& trial_path) {
  fs::path path = trial_path;
  path.replace_extension(".lock");
  return path.string();
}

std::string TrialLeasePath(const std::string& trial_path) {
  fs::path path = trial_path;
  path.replace_extension(".lease");
  return path.string();
}

std::vector<std::string> TrialEnvironment(const Assign& assign, char** base) {
  std::vector<std::string> environment;
  for (char** entry = base; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string setting = *entry;
    const std::string name = setting.substr(0, setting.find('='));
    if (IsNumericsVariable(name) || name == schema::trial_env::kAttempt || name == schema::trial_env::kRank)
      continue;
    environment.push_back(setting);
  }
  for (const auto& [name, value] : assign.environment) environment.push_back(name + "=" + value);
  environment.push_back(std::string(schema::trial_env::kAttempt) + "=" + std::to_string(assign.attempt));
  environment.push_back(std::string(schema::trial_env::kRank) + "=" + std::to_string(assign.rank));
  return environment;
}

namespace {

bool FlockUnsupported(int error) { return error == ENOLCK || error == ENOSYS || error == EOPNOTSUPP; }

// The dev score a run to `max_epochs` epochs selected: the best early-stopping score among those epochs (the
// trainer keeps the best epoch so far). -1 without one.
double BestDevScoreUpTo(const std::string& trial_path, int max_epochs) {
  double best = -1;
  for (const auto& epoch : schema::ReadTrialFile(trial_path, /*with_checkpoints=*/false).epochs)
    if (epoch.epoch <= max_epochs) best = std::max(best, epoch.dev_score);
  return best;
}

// A line of this worker's log (common/log.h), written with stream insertions.
void Say(const std::function<void(std::ostream&)>& write) {
  std::ostringstream line;
  write(line);
  ProcessLog().Say(line.str());
}

}  // namespace

Result RunChildTrial(const Assign& given, int local_rank, int device_count) {
  using schema::FailureClass;
  Assign assign = given;
  Result result;
  result.trial_id = assign.trial_id;
  result.host = HostName();
  result.started = IsoUtcNow();
  // The attempt's time and its timeout start at the spawn: waiting for another writer's lock is not the
  // trial's time.
  auto start = std::chrono::steady_clock::now();
  auto finish = [&](FailureClass failure, std::string message) {
    result.failure = failure;
    result.message = std::move(message);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  };
  try {
    fs::create_directories(fs::path(assign.config_path).parent_path());
    fs::create_directories(fs::path(assign.trial_path).parent_path());
  } catch (const std::exception& e) {
    return finish(FailureClass::kInfrastructure, e.what());
  }
  // One writer per trial file, in two layers (docs/orchestrator.md, "One writer per trial file"):
  //  - an flock on <id>.lock, held from before <id>.ini is written until the child has exited, and inherited
  //    by the child, so that a trial orphaned by a dead rank keeps it until it has checkpointed and exited
  //    (on this host: flock does not reach other nodes on every cluster file system);
  //  - a lease file <id>.lease (lease_file.h) that any host can judge, renewed while the child runs.
  // A second runner for the same trial (a restarted sweep) waits for both, then resumes from whatever the
  // first one wrote.
  const std::string lock_path = TrialLockPath(assign.trial_path);
  const int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return finish(FailureClass::kInfrastructure, lock_path + ": " + std::strerror(errno));
  struct CloseOnExit {
    int fd;
    ~CloseOnExit() { close(fd); }  // releases the flock (unless the child still holds it)
  } lock_guard{lock_fd};
  bool waited = false;
  while (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (FlockUnsupported(errno)) {
      // NFSv3 without statd (ENOLCK), Lustre mounted noflock (ENOSYS): the lease below still keeps one
      // writer per trial.
      static bool noted = false;
      if (!noted)
        Say([&](std::ostream& out) {
          out << "trial " << assign.trial_id << ": flock on " << lock_path << ": " << std::strerror(errno)
              << ": this file system has no flock; trials are kept to one writer by lease files only";
        });
      noted = true;
      break;
    }
    if (errno != EWOULDBLOCK && errno != EINTR)
      return finish(FailureClass::kInfrastructure, lock_path + ": flock: " + std::strerror(errno));
    if (!waited) {
      Say([&](std::ostream& out) {
        out << "trial " << assign.trial_id << ": " << lock_path
            << " is held by another process (an orphaned earlier attempt?): waiting for it";
      });
      waited = true;
    }
    // Not an attempt: the trial goes on in the next run, from what the other writer leaves.
    if (StopRequested())
      return finish(FailureClass::kInterrupted, "another process still writes " + assign.trial_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const std::string lease_path = TrialLeasePath(assign.trial_path);
  const std::string lease_text = LockText(assign.lease_s, {{"trial_id", assign.trial_id}});
  std::unique_ptr<LeaseRenewer> lease;
  for (bool waited_lease = false; !lease;) {
    std::string held;
    try {
      if (CreateLockFile(lease_path, lease_text)) {
        lease = std::make_unique<LeaseRenewer>(lease_path, lease_text, assign.lease_s);
        break;
      }
    } catch (const Error& e) {
      return finish(FailureClass::kInfrastructure, e.what());
    }
    if (!ReadLockFile(lease_path, held)) continue;
    const LockVerdict verdict = JudgeLock(
        lease_path, held, [](const std::string&) {}, [] { return StopRequested(); });
    if (verdict.changed) continue;
    if (verdict.stale) {
      if (RemoveStaleLock(lease_path, held))
        Say([&](std::ostream& out) {
          out << "trial " << assign.trial_id << ": took over the stale lease " << lease_path << " of "
              << DescribeHolder(ParseLockText(held)) << " (" << verdict.reason << ")";
        });
      continue;
    }
    if (StopRequested())
      return finish(FailureClass::kInterrupted, "another process still writes " + assign.trial_path);
    if (!waited_lease) {
      Say([&](std::ostream& out) {
        out << "trial " << assign.trial_id << ": " << lease_path << " is held by "
            << DescribeHolder(ParseLockText(held)) << " (" << verdict.reason << "): waiting for it";
      });
      waited_lease = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::error_code exists_error;
  if (fs::exists(assign.trial_path, exists_error)) assign.resume = true;  // the other writer checkpointed
  // A trial file that does not read back (damaged data fails its checksums, a truncated file, a foreign one)
  // cannot be resumed: the trial command would refuse it on every retry. Keep it aside for inspection and
  // start the trial over.
  std::string set_aside;
  if (assign.resume) {
    try {
      schema::ReadTrialFile(assign.trial_path, /*with_checkpoints=*/true);
    } catch (const Error& e) {
      const std::string aside = assign.trial_path + ".damaged";
      std::error_code rename_error;
      fs::rename(assign.trial_path, aside, rename_error);
      if (rename_error)
        return finish(FailureClass::kInfrastructure,
                      std::string(e.what()) + "; cannot set it aside: " + rename_error.message());
      set_aside = std::string(e.what()) + ": set aside as " + aside + "; the trial starts over";
      Say([&](std::ostream& out) { out << "trial " << assign.trial_id << ": " << set_aside; });
      assign.resume = false;
    }
  }
  try {
    WriteFileAtomically(assign.config_path, assign.config_ini);
  } catch (const std::exception& e) {
    return finish(FailureClass::kInfrastructure, e.what());
  }
  const auto argv = schema::TrialArgv(assign.command, InvocationOf(assign, local_rank, device_count));
  const int log_fd = open(assign.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return finish(FailureClass::kInfrastructure, assign.log_path + ": " + std::strerror(errno));
  // A stop that came while this runner waited for the locks: nothing started, nothing to checkpoint.
  if (StopRequested()) {
    close(log_fd);
    return finish(FailureClass::kInterrupted, "stopped before it started");
  }
  std::vector<std::string> environment = TrialEnvironment(assign, environ);
  result.started = IsoUtcNow();
  start = std::chrono::steady_clock::now();
  int read_fd = -1;
  const pid_t pid = Spawn(argv, read_fd, /*merge_stderr=*/true, lock_fd, &environment);
  {
    std::string header = set_aside.empty() ? std::string() : "=== " + set_aside + "\n";
    header += "=== attempt " + std::to_string(assign.attempt) + " at " + result.started + " on host " +
              result.host + ", rank " + std::to_string(assign.rank) + ", pid " +
              (pid > 0 ? std::to_string(pid) : std::string("none")) + ":";
    for (const auto& arg : argv) header += " " + arg;
    header += "\n";
    (void)!write(log_fd, header.data(), header.size());
  }
  if (pid < 0) {
    close(log_fd);
    result.exit_code = 127;
    return finish(FailureClass::kInfrastructure, "cannot start " + argv[0] + ": " + std::strerror(-pid));
  }
  result.pid = pid;
  // Read the child's output until it closes it, waking at least every 200 ms (and at once on a signal, which
  // interrupts poll) to pass a stop request on. No busy-waiting: poll sleeps in the kernel.
  std::string output;
  bool forwarded = false, timed_out = false;
  char buffer[4096];
  for (;;) {
    if (assign.timeout_s > 0 && !timed_out &&
        std::chrono::steady_clock::now() - start > std::chrono::duration<double>(assign.timeout_s)) {
      kill(pid, SIGKILL);  // a hung trial may ignore SIGTERM; its checkpoint is whatever it last wrote
      timed_out = true;
    }
    if (StopRequested() && !forwarded) {
      const int signal = StopSignal() == SIGUSR1 ? SIGUSR1 : SIGTERM;
      kill(pid, signal);
      forwarded = true;
    }
    pollfd pfd{read_fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, 200);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = read(read_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
    (void)!write(log_fd, buffer, static_cast<size_t>(n));
    // Keep memory bounded for chatty trials: only the tail matters for parsing and messages.
    if (output.size() > (1u << 20)) output.erase(0, output.size() - (1u << 19));
  }
  close(read_fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      close(log_fd);
      return finish(FailureClass::kInfrastructure, std::string("waitpid: ") + std::strerror(errno));
    }
    if (StopRequested() && !forwarded) {
      kill(pid, SIGTERM);
      forwarded = true;
    }
  }
  close(log_fd);
  if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  const FailureClass failure = schema::FailureClassOfExit(result.exit_code, result.term_signal);
  // The answer is the trial file; the output is only a log, good for a failure message when there is no file.
  std::optional<schema::TrialAnswer> answer;
  std::string unreadable;
  try {
    answer = schema::ReadTrialAnswer(assign.trial_path);
  } catch (const Error& e) {
    unreadable = e.what();
  }
  if (failure == FailureClass::kNone) {
    if (!answer)
      return finish(FailureClass::kInfrastructure,
                    "exited 0 but its trial file is unreadable: " + unreadable);
    if (answer->status != schema::TrialStatus::kCompleted)
      return finish(FailureClass::kInfrastructure,
                    std::string("exited 0 but its trial file says ") + schema::Name(answer->status));
    result.dev_score = answer->dev_score;
    // An ASHA rung's run whose trial file went past the rung: the coordinator was killed before it recorded
    // this result, and a promotion it had decided (and lost) trained on. The rung's result is what the run
    // answered then, its best epoch within the rung's budget, not the file's best at the larger one.
    if (assign.max_epochs > 0 && answer->epochs_run > assign.max_epochs)
      result.dev_score = BestDevScoreUpTo(assign.trial_path, assign.max_epochs);
    return finish(FailureClass::kNone, "");
  }
  std::string message = result.term_signal
                            ? std::string("killed by signal ") + std::to_string(result.term_signal) + " (" +
                                  strsignal(result.term_signal) + ")"
                            : "exit code " + std::to_string(result.exit_code);
  if (timed_out) {
    message = "timed out after " + std::to_string(static_cast<long>(assign.timeout_s)) + " s";
  } else if (answer && answer->failure == failure &&
             !answer->failure_message.empty()) {  // this attempt's record
    message += ": " + answer->failure_message;
  } else if (const std::string last = LastLineOf(output); !last.empty()) {
    message += ": " + last;
  }
  return finish(failure, message);
}

namespace {

// Reads a started child's stdout to the end and waits for it; "" in `error` when it exited 0.
std::string Collect(const std::vector<std::string>& argv, pid_t pid, int read_fd, std::string& error) {
  std::string output;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(read_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  close(read_fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string command;
  for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
  if (WIFSIGNALED(status))
    error = "'" + command + "' was killed by signal " + std::to_string(WTERMSIG(status));
  else if (WEXITSTATUS(status) != 0)
    error = "'" + command + "' failed with exit code " + std::to_string(WEXITSTATUS(status));
  return output;
}

}  // namespace

void RunToCompletion(const std::vector<std::string>& argv) {
  int read_fd = -1;
  const pid_t pid = Spawn(argv, read_fd, /*merge_stderr=*/true);
  if (pid < 0) throw Error("cannot start " + argv[0] + ": " + std::strerror(-pid));
  std::string error;
  std::cerr << Collect(argv, pid, read_fd, error) << std::flush;
  if (!error.empty()) throw Error(error);
}

}  // namespace dts::orchestrator
