#include "schema/sweep_manifest.h"

#include <cctype>
#include <cstddef>

#include "common/error.h"
#include "schema/internal/h5.h"
#include "schema/trial_schema.h"

namespace dts::schema {
namespace {

using internal::CompoundType;
using internal::File;

// PlannedTrial with C strings, as HDF5 reads and writes variable-length members.
struct PlanRow {
  char* trial_id;
  char* stage;
  char* config_id;
  char* variant;
  std::int32_t fold;
  std::uint64_t seed;
  char* status;
  char* failure;
  std::int32_t attempts;
  double seconds;
  double dev_score;
  char* config_ini;
};

CompoundType PlanType() {
  namespace f = plan_field;
  CompoundType t(sizeof(PlanRow));
  t.String(f::kTrialId, offsetof(PlanRow, trial_id))
      .String(f::kStage, offsetof(PlanRow, stage))
      .String(f::kConfigId, offsetof(PlanRow, config_id))
      .String(f::kVariant, offsetof(PlanRow, variant))
      .Int32(f::kFold, offsetof(PlanRow, fold))
      .UInt64(f::kSeed, offsetof(PlanRow, seed))
      .String(f::kStatus, offsetof(PlanRow, status))
      .String(f::kFailure, offsetof(PlanRow, failure))
      .Int32(f::kAttempts, offsetof(PlanRow, attempts))
      .Double(f::kSeconds, offsetof(PlanRow, seconds))
      .Double(f::kDevScore, offsetof(PlanRow, dev_score))
      .String(f::kConfigIni, offsetof(PlanRow, config_ini));
  return t;
}

struct EliminationRow {
  char* config_id;
  char* incumbent_id;
  std::int32_t folds;
  std::int32_t after_fold;
  double mean_gap;
  double p_value;
};

CompoundType EliminationType() {
  namespace f = elimination_field;
  CompoundType t(sizeof(EliminationRow));
  t.String(f::kConfigId, offsetof(EliminationRow, config_id))
      .String(f::kIncumbentId, offsetof(EliminationRow, incumbent_id))
      .Int32(f::kFolds, offsetof(EliminationRow, folds))
      .Int32(f::kAfterFold, offsetof(EliminationRow, after_fold))
      .Double(f::kMeanGap, offsetof(EliminationRow, mean_gap))
      .Double(f::kPValue, offsetof(EliminationRow, p_value));
  return t;
}

struct AttemptRow {
  char* trial_id;
  char* stage;
  char* variant;
  std::int32_t attempt;
  std::int32_t rank;
  char* host;
  std::int64_t pid;
  char* start_time;
  double seconds;
  char* outcome;
  char* message;
};

CompoundType AttemptType() {
  CompoundType t(sizeof(AttemptRow));
  t.String(plan_field::kTrialId, offsetof(AttemptRow, trial_id))
      .String(plan_field::kStage, offsetof(AttemptRow, stage))
      .String(plan_field::kVariant, offsetof(AttemptRow, variant))
      .Int32(attempt_field::kAttempt, offsetof(AttemptRow, attempt))
      .Int32(attempt_field::kRank, offsetof(AttemptRow, rank))
      .String(attempt_field::kHost, offsetof(AttemptRow, host))
      .Int64(attempt_field::kPid, offsetof(AttemptRow, pid))
      .String(attempt_field::kStartTime, offsetof(AttemptRow, start_time))
      .Double(plan_field::kSeconds, offsetof(AttemptRow, seconds))
      .String(attempt_field::kOutcome, offsetof(AttemptRow, outcome))
      .String(sweep_attempt_field::kMessage, offsetof(AttemptRow, message));
  return t;
}

char* Mutable(const std::string& s) { return const_cast<char*>(s.c_str()); }  // HDF5 only reads it
std::string Text(const char* s) { return s != nullptr ? s : ""; }

TrialStatus ParseStatus(File& file, const std::string& name) {
  try {
    return ParseTrialStatus(name);
  } catch (const Error& e) {
    file.Fail(e.what());
  }
  return TrialStatus::kFailed;  // not reached: Fail throws
}

}  // namespace

void WriteSweepManifest(const std::string& path, const SweepManifest& manifest) {
  std::vector<PlanRow> rows;
  rows.reserve(manifest.trials.size());
  std::vector<std::string> statuses;  // the rows point into these
  statuses.reserve(manifest.trials.size());
  for (const auto& t : manifest.trials) statuses.emplace_back(Name(t.status));
  for (const auto& t : manifest.trials) {
    rows.push_back({Mutable(t.trial_id), Mutable(t.stage), Mutable(t.config_id), Mutable(t.variant), t.fold,
                    t.seed, Mutable(statuses[rows.size()]), Mutable(t.failure), t.attempts, t.seconds,
                    t.dev_score, Mutable(t.config_ini)});
  }
  std::vector<EliminationRow> eliminations;
  for (const auto& e : manifest.eliminations)
    eliminations.push_back(
        {Mutable(e.config_id), Mutable(e.incumbent_id), e.folds, e.after_fold, e.mean_gap, e.p_value});
  std::vector<AttemptRow> attempts;
  for (const auto& a : manifest.attempts)
    attempts.push_back({Mutable(a.trial_id), Mutable(a.stage), Mutable(a.variant), a.attempt, a.rank,
                        Mutable(a.host), a.pid, Mutable(a.start_time), a.seconds, Mutable(a.outcome),
                        Mutable(a.message)});
  internal::WriteAtomically(path, kSweepFormat, kSweepSchemaVersion, [&](File& file) {
    namespace a = sweep_attr;
    file.WriteString(file.root(), a::kSweepName, manifest.sweep_name);
    file.WriteString(file.root(), a::kSweepIni, manifest.sweep_ini);
    file.WriteString(file.root(), a::kStatus, Name(manifest.status));
    file.WriteString(file.root(), a::kDtsVersion, manifest.dts_version);
    if (manifest.identity_base) file.WriteString(file.root(), a::kIdentityBase, *manifest.identity_base);
    if (manifest.workers > 0) file.WriteInt64(file.root(), a::kWorkers, manifest.workers);
    const CompoundType type = PlanType();
    file.WriteTable(file.root(), kTrialsDataset, type.get(), rows.data(), rows.size());
    // Only a racing sweep has the table, so manifests of other sweeps stay as they were.
    if (!eliminations.empty()) {
      const CompoundType elimination_type = EliminationType();
      file.WriteTable(file.root(), kEliminationsDataset, elimination_type.get(), eliminations.data(),
                      eliminations.size());
    }
    if (!attempts.empty()) {
      const CompoundType attempt_type = AttemptType();
      file.WriteTable(file.root(), kAttemptsDataset, attempt_type.get(), attempts.data(), attempts.size());
    }
  });
}

SweepManifest ReadSweepManifest(const std::string& path) {
  File file = File::OpenChecked(path, kSweepFormat, kSweepSchemaVersion);
  namespace a = sweep_attr;
  SweepManifest manifest;
  manifest.text_verified = file.TextVerified();
  manifest.sweep_name = file.ReadString(file.root(), a::kSweepName, "/");
  manifest.sweep_ini = file.ReadString(file.root(), a::kSweepIni, "/");
  manifest.status = ParseStatus(file, file.ReadString(file.root(), a::kStatus, "/"));
  manifest.dts_version = file.ReadString(file.root(), a::kDtsVersion, "/");
  if (file.Exists(file.root(), a::kIdentityBase))
    manifest.identity_base = file.ReadString(file.root(), a::kIdentityBase, "/");
  if (file.Exists(file.root(), a::kWorkers))
    manifest.workers = static_cast<int>(file.ReadInt64(file.root(), a::kWorkers, "/"));
  const CompoundType type = PlanType();
  std::vector<unsigned char> buffer;
  const std::size_t n = file.ReadTable(file.root(), kTrialsDataset, std::string("/") + kTrialsDataset,
                                       type.get(), buffer, sizeof(PlanRow));
  const auto* rows = reinterpret_cast<const PlanRow*>(buffer.data());
  manifest.trials.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const PlanRow& r = rows[i];
    manifest.trials.push_back({Text(r.trial_id), Text(r.stage), Text(r.config_id), Text(r.variant), r.fold,
                               r.seed, ParseStatus(file, Text(r.status)), Text(r.failure), r.attempts,
                               r.seconds, r.dev_score, Text(r.config_ini)});
  }
  file.ReclaimStrings(type.get(), buffer, n);
  if (file.Exists(file.root(), kEliminationsDataset)) {
    const CompoundType elimination_type = EliminationType();
    std::vector<unsigned char> elimination_buffer;
    const std::size_t m =
        file.ReadTable(file.root(), kEliminationsDataset, std::string("/") + kEliminationsDataset,
                       elimination_type.get(), elimination_buffer, sizeof(EliminationRow));
    const auto* eliminations = reinterpret_cast<const EliminationRow*>(elimination_buffer.data());
    for (std::size_t i = 0; i < m; ++i) {
      const EliminationRow& e = eliminations[i];
      manifest.eliminations.push_back(
          {Text(e.config_id), Text(e.incumbent_id), e.folds, e.after_fold, e.mean_gap, e.p_value});
    }
    file.ReclaimStrings(elimination_type.get(), elimination_buffer, m);
  }
  if (file.Exists(file.root(), kAttemptsDataset)) {
    const CompoundType attempt_type = AttemptType();
    std::vector<unsigned char> attempt_buffer;
    const std::size_t m = file.ReadTable(file.root(), kAttemptsDataset, std::string("/") + kAttemptsDataset,
                                         attempt_type.get(), attempt_buffer, sizeof(AttemptRow));
    const auto* attempts = reinterpret_cast<const AttemptRow*>(attempt_buffer.data());
    for (std::size_t i = 0; i < m; ++i) {
      const AttemptRow& a = attempts[i];
      manifest.attempts.push_back({Text(a.trial_id), Text(a.stage), Text(a.variant), a.attempt, a.rank,
                                   Text(a.host), static_cast<long>(a.pid), Text(a.start_time), a.seconds,
                                   Text(a.outcome), Text(a.message)});
    }
    file.ReclaimStrings(attempt_type.get(), attempt_buffer, m);
  }
  file.Close();
  return manifest;
}

int AshaRung(const PlannedTrial& row) {
  const std::string& v = row.variant;
  if (v.rfind("rung", 0) != 0 || v.size() == 4 || v.size() > 9) return -1;
  for (size_t i = 4; i < v.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return -1;
  return std::stoi(v.substr(4));
}

std::string AshaRungName(int rung) { return "rung" + std::to_string(rung); }

}  // namespace dts::schema
