// One format for every line a sweep writes, whatever rank or host it comes from:
//
//   2026-12-07T09:43:44.123Z r02/8 node07 worker: trial 1f0c...: ... is held by another process: waiting
//
// UTC to the millisecond, the rank and the job's size, the host, the role (coord or worker), the text. With
// --json the same events also go out as JSON lines carrying the same time, rank, host and role: one call
// writes an event to both sinks (EventLog::Emit), so the two never disagree. spdlog does the formatting.
#pragma once

#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace spdlog {
class logger;
}

namespace dts {

struct LogIdentity {
  int rank = 0;
  int size = 1;
  std::string host;  // empty: HostName()
  std::string role;  // "coord", "worker"
};

class EventLog {
 public:
  // `json`: where JSON events go (one object per line), nullptr for none. Both streams are flushed per line.
  EventLog(const LogIdentity& who, std::ostream& text, std::ostream* json = nullptr);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // A line for people only.
  void Say(const std::string& text) const;
  // An event: `fields` (without "event") as JSON when there is a JSON sink, and `text` as a line when it is
  // not empty (some events, a trial's every result, are too many for people).
  void Emit(const std::string& event, const nlohmann::json& fields, const std::string& text) const;

 private:
  std::shared_ptr<spdlog::logger> text_, json_;
};

// This process' log on stderr (the worker side of dts-sweep; rank 0 before its coordinator starts). Until
// SetProcessLog is called it says rank 0 of 1, role "dts".
void SetProcessLog(const LogIdentity& who);
const EventLog& ProcessLog();

}  // namespace dts
