#include "common/log.h"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdio>
#include <iostream>
#include <mutex>

#include "common/host.h"

namespace dts {

namespace {

constexpr char kTime[] = "%Y-%m-%dT%H:%M:%S.%eZ";

// spdlog patterns treat '%' as a flag: anything of ours inside one is doubled.
std::string Literal(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name, std::ostream& out,
                                           const std::string& pattern) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true);
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  return logger;
}

std::mutex g_process_mutex;
std::unique_ptr<EventLog> g_process_log;

}  // namespace

EventLog::EventLog(const LogIdentity& who, std::ostream& text, std::ostream* json) {
  const std::string host = who.host.empty() ? HostName() : who.host;
  char rank[32];
  std::snprintf(rank, sizeof rank, "r%02d/%d", who.rank, who.size);
  text_ = MakeLogger(
      "text", text, std::string(kTime) + " " + rank + " " + Literal(host) + " " + Literal(who.role) + ": %v");
  if (json) {
    // The event's own members follow these (%v is the rest of the object, written by Emit).
    const nlohmann::json head{{"rank", who.rank}, {"host", host}, {"role", who.role}};
    const std::string members = head.dump();
    json_ = MakeLogger("json", *json,
                       std::string("{\"time\":\"") + kTime + "\"," +
                           Literal(members.substr(1, members.size() - 2)) + ",%v}");
  }
}

EventLog::~EventLog() = default;

void EventLog::Say(const std::string& text) const { text_->info(text); }

void EventLog::Emit(const std::string& event, const nlohmann::json& fields, const std::string& text) const {
  if (json_) {
    nlohmann::json members = fields;
    members["event"] = event;
    const std::string object = members.dump();
    json_->info(object.substr(1, object.size() - 2));
  }
  if (!text.empty()) text_->info(text);
}

void SetProcessLog(const LogIdentity& who) {
  std::lock_guard<std::mutex> lock(g_process_mutex);
  g_process_log = std::make_unique<EventLog>(who, std::cerr);
}

const EventLog& ProcessLog() {
  std::lock_guard<std::mutex> lock(g_process_mutex);
  if (!g_process_log) g_process_log = std::make_unique<EventLog>(LogIdentity{0, 1, "", "dts"}, std::cerr);
  return *g_process_log;
}

}  // namespace dts
