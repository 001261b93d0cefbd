// The whole coordinator/worker wire in one file: the tags, one struct per message with Encode/Decode, and the
// protocol version checked in the handshake. A protocol change is one diff here (and protocol_test.cc).
//
//   worker -> coordinator  kHello   once at start: version, host, local rank, GPUs seen
//   coordinator -> worker  kAssign  run one trial (a free worker gets the next trial at once)
//   worker -> coordinator  kResult  the trial's outcome; the worker is free again
//   coordinator -> worker  kStop    no more work: the worker returns (and its rank finalizes)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dts::orchestrator {

inline constexpr int kProtocolVersion = 3;  // 2: Assign.max_epochs; 3: Assign.config_id

enum class Tag : int { kHello = 1, kAssign = 2, kResult = 3, kStop = 4 };

// How one attempt of a trial ended, read from the child's wait status (see ClassifyExit in trial_runner.h).
enum class TrialOutcome {
  kCompleted,       // exit 0: a result
  kDiverged,        // exit 6: non-finite loss; a result (worst score), never retried
  kBadConfig,       // exit 2/3/4: the config or its input is wrong; retrying cannot help
  kInterrupted,     // exit 75: checkpointed after SIGTERM/SIGUSR1; resumed with --resume, no retry spent
  kCrashed,         // killed by a signal (segfault, abort, OOM killer) or exit 1: retried up to max_retries
  kInfrastructure,  // exit 5 (I/O), or the child could not be started: retried up to max_retries
};
std::string OutcomeName(TrialOutcome outcome);  // "completed", "diverged", ... (also the manifest's words)
TrialOutcome ParseOutcome(const std::string& name);

struct Hello {
  int version = kProtocolVersion;
  std::string host;
  int local_rank = 0;
  int device_count = 0;  // CUDA devices visible to this rank (0: CPU only)
  std::string Encode() const;
  static Hello Decode(const std::string& payload);
};

struct Assign {
  std::string trial_id;
  std::string config_id;    // the manifest's, recorded in the trial file so that both name the trial alike
  std::string command;      // the trial executable (dts-train or a drop-in such as dts-synthetic-trial)
  std::string config_ini;   // the resolved trial config; the worker writes it to config_path
  std::string config_path;  // DIR/trials/<id>.ini
  std::string trial_path;   // DIR/trials/<id>.h5
  std::string log_path;     // DIR/trials/<id>.log: the child's stdout and stderr, appended per attempt
  bool resume = false;      // pass --resume (the trial file or its checkpoint exists)
  int threads = 1;          // --threads, on CPU
  bool use_gpu = false;     // pass --device cuda:(local_rank % device_count)
  int attempt = 1;
  double timeout_s = 0;     // kill the child (SIGKILL) after this many seconds; 0: no limit
  int max_epochs = 0;       // > 0: pass --train.max_epochs N (an ASHA rung's budget); 0: the INI's value
  std::string Encode() const;
  static Assign Decode(const std::string& payload);
};

struct Result {
  std::string trial_id;
  TrialOutcome outcome = TrialOutcome::kCrashed;
  int exit_code = -1;      // -1 when killed by a signal
  int term_signal = 0;     // the signal that killed the child, 0 if it exited
  double seconds = 0;      // wall time of the attempt
  double dev_score = -1;   // parsed from the child's "dev_score=<x>" line, -1 if absent
  std::string final_line;  // the child's "final test ..." line, "" if absent
  std::string message;     // why it failed: the child's last stderr/stdout line, or the signal name
  std::string Encode() const;
  static Result Decode(const std::string& payload);
};

struct Stop {
  std::string reason;  // "done", "interrupted", "failed"
  std::string Encode() const;
  static Stop Decode(const std::string& payload);
};

}  // namespace dts::orchestrator
