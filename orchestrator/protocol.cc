#include "orchestrator/protocol.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace dts::orchestrator {

namespace {

using Json = nlohmann::json;

Json Parse(const std::string& payload, const char* what) {
  try {
    return Json::parse(payload);
  } catch (const std::exception& e) {
    throw Error(std::string("protocol: malformed ") + what + " message: " + e.what());
  }
}

template <class T>
void Get(const Json& json, const char* key, T& value, const char* what) {
  auto it = json.find(key);
  if (it == json.end()) throw Error(std::string("protocol: ") + what + " message lacks '" + key + "'");
  try {
    value = it->get<T>();
  } catch (const std::exception& e) {
    throw Error(std::string("protocol: ") + what + "." + key + ": " + e.what());
  }
}

}  // namespace

std::string Hello::Encode() const {
  return Json{{"version", version},
              {"host", host},
              {"pid", pid},
              {"local_rank", local_rank},
              {"device_count", device_count}}
      .dump();
}
Hello Hello::Decode(const std::string& payload) {
  const Json json = Parse(payload, "hello");
  Hello m;
  Get(json, "version", m.version, "hello");
  // Checked first: a worker of another build may lack the later fields, and the version says why.
  if (m.version != kProtocolVersion) return m;
  Get(json, "host", m.host, "hello");
  Get(json, "pid", m.pid, "hello");
  Get(json, "local_rank", m.local_rank, "hello");
  Get(json, "device_count", m.device_count, "hello");
  return m;
}

std::string Assign::Encode() const {
  return Json{{"trial_id", trial_id},
              {"config_id", config_id},
              {"command", command},
              {"config_ini", config_ini},
              {"config_path", config_path},
              {"trial_path", trial_path},
              {"log_path", log_path},
              {"resume", resume},
              {"threads", threads},
              {"use_gpu", use_gpu},
              {"attempt", attempt},
              {"timeout_s", timeout_s},
              {"max_epochs", max_epochs},
              {"environment", environment},
              {"rank", rank},
              {"lease_s", lease_s},
              {"trials_per_gpu", trials_per_gpu}}
      .dump();
}
Assign Assign::Decode(const std::string& payload) {
  const Json json = Parse(payload, "assign");
  Assign m;
  Get(json, "trial_id", m.trial_id, "assign");
  Get(json, "config_id", m.config_id, "assign");
  Get(json, "command", m.command, "assign");
  Get(json, "config_ini", m.config_ini, "assign");
  Get(json, "config_path", m.config_path, "assign");
  Get(json, "trial_path", m.trial_path, "assign");
  Get(json, "log_path", m.log_path, "assign");
  Get(json, "resume", m.resume, "assign");
  Get(json, "threads", m.threads, "assign");
  Get(json, "use_gpu", m.use_gpu, "assign");
  Get(json, "attempt", m.attempt, "assign");
  Get(json, "timeout_s", m.timeout_s, "assign");
  Get(json, "max_epochs", m.max_epochs, "assign");
  Get(json, "environment", m.environment, "assign");
  Get(json, "rank", m.rank, "assign");
  Get(json, "lease_s", m.lease_s, "assign");
  Get(json, "trials_per_gpu", m.trials_per_gpu, "assign");
  return m;
}

std::string Result::Encode() const {
  return Json{{"trial_id", trial_id},
              {"failure", schema::Name(failure)},
              {"exit_code", exit_code},
              {"term_signal", term_signal},
              {"seconds", seconds},
              {"dev_score", dev_score},
              {"message", message},
              {"host", host},
              {"pid", pid},
              {"started", started}}
      .dump();
}
Result Result::Decode(const std::string& payload) {
  const Json json = Parse(payload, "result");
  Result m;
  std::string failure;
  Get(json, "trial_id", m.trial_id, "result");
  Get(json, "failure", failure, "result");
  try {
    m.failure = schema::ParseFailureClass(failure);
  } catch (const Error& e) {
    throw Error(std::string("protocol: result.failure: ") + e.what());
  }
  Get(json, "exit_code", m.exit_code, "result");
  Get(json, "term_signal", m.term_signal, "result");
  Get(json, "seconds", m.seconds, "result");
  Get(json, "dev_score", m.dev_score, "result");
  Get(json, "message", m.message, "result");
  Get(json, "host", m.host, "result");
  Get(json, "pid", m.pid, "result");
  Get(json, "started", m.started, "result");
  return m;
}

std::string Welcome::Encode() const {
  return Json{
      {"out_dir", out_dir}, {"probe_path", probe_path}, {"token", token}, {"heartbeat_s", heartbeat_s}}
      .dump();
}
Welcome Welcome::Decode(const std::string& payload) {
  const Json json = Parse(payload, "welcome");
  Welcome m;
  Get(json, "out_dir", m.out_dir, "welcome");
  Get(json, "probe_path", m.probe_path, "welcome");
  Get(json, "token", m.token, "welcome");
  Get(json, "heartbeat_s", m.heartbeat_s, "welcome");
  return m;
}

std::string Seen::Encode() const { return Json{{"ok", ok}, {"message", message}}.dump(); }
Seen Seen::Decode(const std::string& payload) {
  const Json json = Parse(payload, "seen");
  Seen m;
  Get(json, "ok", m.ok, "seen");
  Get(json, "message", m.message, "seen");
  return m;
}

std::string Heartbeat::Encode() const { return Json{{"trial_id", trial_id}}.dump(); }
Heartbeat Heartbeat::Decode(const std::string& payload) {
  const Json json = Parse(payload, "heartbeat");
  Heartbeat m;
  Get(json, "trial_id", m.trial_id, "heartbeat");
  return m;
}

std::string Stop::Encode() const { return Json{{"reason", reason}}.dump(); }
Stop Stop::Decode(const std::string& payload) {
  const Json json = Parse(payload, "stop");
  Stop m;
  Get(json, "reason", m.reason, "stop");
  return m;
}

}  // namespace dts::orchestrator
