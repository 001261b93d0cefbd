// The whole coordinator/worker wire in one file: the tags, one struct per message with Encode/Decode, and the
// protocol version checked in the handshake. A protocol change is one diff here (and protocol_test.cc).
//
//   worker -> coordinator  kHello      once at start: version, host, pid, local rank, GPUs seen
//   coordinator -> worker  kWelcome    the sweep directory to prove it sees, and the heartbeat period
//   worker -> coordinator  kSeen       whether it wrote the probe file in that directory
//   coordinator -> worker  kAssign     run one trial (a free worker gets the next trial at once)
//   worker -> coordinator  kHeartbeat  every heartbeat period, busy or idle: "this rank lives"
//   worker -> coordinator  kResult     the trial's outcome; the worker is free again
//   coordinator -> worker  kStop       no more work: the worker returns (and its rank finalizes)
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "schema/trial_status.h"

namespace dts::orchestrator {

// 2: Assign.max_epochs; 3: Assign.config_id; 4: Result.failure replaces outcome, no final_line;
// 5: kWelcome/kSeen/kHeartbeat, Hello.pid, Assign.environment/rank/lease_s, Result.host/pid/started
inline constexpr int kProtocolVersion = 5;

enum class Tag : int {
  kHello = 1,
  kAssign = 2,
  kResult = 3,
  kStop = 4,
  kWelcome = 5,
  kSeen = 6,
  kHeartbeat = 7
};

struct Hello {
  int version = kProtocolVersion;
  std::string host;
  long pid = 0;
  int local_rank = 0;    // index among the worker ranks of its host (picks its GPU)
  int device_count = 0;  // CUDA devices visible to this rank (0: CPU only)
  std::string Encode() const;
  static Hello Decode(const std::string& payload);
};

// Every worker must see the coordinator's sweep directory (one shared file system): it writes `probe_path`
// holding `token` there, and the coordinator reads it back.
struct Welcome {
  std::string out_dir;     // absolute
  std::string probe_path;  // DIR/.probe-<rank>-<token>
  std::string token;
  double heartbeat_s = 10;  // send kHeartbeat this often
  std::string Encode() const;
  static Welcome Decode(const std::string& payload);
};

struct Seen {
  bool ok = false;
  std::string message;  // why not: "no such directory here", the write error
  std::string Encode() const;
  static Seen Decode(const std::string& payload);
};

struct Heartbeat {
  std::string trial_id;  // the trial it runs, "" when idle
  std::string Encode() const;
  static Heartbeat Decode(const std::string& payload);
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
  bool use_gpu = false;     // device = auto: the worker may use a GPU (DeviceFor)
  int trials_per_gpu = 1;   // workers of a host per GPU (DeviceFor)
  int attempt = 1;
  double timeout_s = 0;  // kill the child (SIGKILL) after this many seconds; 0: no limit
  int max_epochs = 0;    // > 0: pass --train.max_epochs N (an ASHA rung's budget); 0: the INI's value
  // The numerics environment of the trial ([sweep] environment): the worker unsets every other numerics
  // variable (common/numerics.h) of its own environment, so no host or shell decides them.
  std::vector<std::pair<std::string, std::string>> environment;
  int rank = -1;        // the worker's rank, recorded by the trial (schema/trial_contract.h trial_env)
  double lease_s = 60;  // the trial's lease (DIR/trials/<id>.lease) is renewed every lease_s / 4
  std::string Encode() const;
  static Assign Decode(const std::string& payload);
};

struct Result {
  std::string trial_id;
  // How the attempt ended (schema/trial_contract.h: FailureClassOfExit); kNone: completed, with a result.
  schema::FailureClass failure = schema::FailureClass::kCrashed;
  int exit_code = -1;     // -1 when killed by a signal
  int term_signal = 0;    // the signal that killed the child, 0 if it exited
  double seconds = 0;     // wall time of the attempt
  double dev_score = -1;  // the trial file's selected dev score (SelectedDevScore), -1 if none
  std::string message;    // why it failed: the trial file's failure message, else the child's last log line
  std::string host;       // where the attempt ran
  long pid = 0;           // the trial child's pid, 0 if it never started
  std::string started;    // ISO 8601 UTC start of the attempt
  std::string Encode() const;
  static Result Decode(const std::string& payload);
};

struct Stop {
  std::string reason;  // "done", "interrupted", "failed"
  std::string Encode() const;
  static Stop Decode(const std::string& payload);
};

}  // namespace dts::orchestrator
