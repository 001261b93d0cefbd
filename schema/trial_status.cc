#include "schema/trial_status.h"

#include <utility>

#include "common/error.h"

namespace dts::schema {

namespace {

constexpr std::pair<TrialStatus, const char*> kStatusNames[] = {
    {TrialStatus::kPlanned, "planned"},     {TrialStatus::kRunning, "running"},
    {TrialStatus::kCompleted, "completed"}, {TrialStatus::kPromoted, "promoted"},
    {TrialStatus::kDiverged, "diverged"},   {TrialStatus::kBadConfig, "bad_config"},
    {TrialStatus::kFailed, "failed"},       {TrialStatus::kInterrupted, "interrupted"},
};

constexpr std::pair<FailureClass, const char*> kFailureNames[] = {
    {FailureClass::kNone, ""},
    {FailureClass::kBadConfig, "bad_config"},
    {FailureClass::kDiverged, "diverged"},
    {FailureClass::kCrashed, "crashed"},
    {FailureClass::kInterrupted, "interrupted"},
    {FailureClass::kInfrastructure, "infrastructure"},
};

}  // namespace

const char* Name(TrialStatus status) {
  for (const auto& [value, name] : kStatusNames)
    if (value == status) return name;
  return "?";
}

const char* Name(FailureClass failure) {
  for (const auto& [value, name] : kFailureNames)
    if (value == failure) return name;
  return "?";
}

TrialStatus ParseTrialStatus(const std::string& name) {
  for (const auto& [value, text] : kStatusNames)
    if (name == text) return value;
  throw Error("unknown trial status '" + name + "'");
}

FailureClass ParseFailureClass(const std::string& name) {
  for (const auto& [value, text] : kFailureNames)
    if (name == text) return value;
  if (name == "io") return FailureClass::kInfrastructure;
  throw Error("unknown failure class '" + name + "'");
}

bool HasResult(TrialStatus status) {
  return status == TrialStatus::kCompleted || status == TrialStatus::kPromoted ||
         status == TrialStatus::kDiverged;
}

bool IsTerminal(TrialStatus status) {
  return HasResult(status) || status == TrialStatus::kBadConfig || status == TrialStatus::kFailed;
}

}  // namespace dts::schema
