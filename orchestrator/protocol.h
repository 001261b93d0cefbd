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

#include "schema/trial_status.h"

namespace dts::orchestrator {

// 2: Assign.max_epochs; 3: Assign.config_id; 4: Result.failure replaces outcome, no final_line
inline constexpr int kProtocolVersion = 4;

enum class Tag : int { kHello = 1, kAssign = 2, kResult = 3, kStop = 4 };

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
  double timeout_s = 0;  // kill the child (SIGKILL) after this many seconds; 0: no limit
  int max_epochs = 0;    // > 0: pass --train.max_epochs N (an ASHA rung's budget); 0: the INI's value
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
  std::string Encode() const;
  static Result Decode(const std::string& payload);
};

struct Stop {
  std::string reason;  // "done", "interrupted", "failed"
  std::string Encode() const;
  static Stop Decode(const std::string& payload);
};

}  // namespace dts::orchestrator
