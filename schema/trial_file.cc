#include "schema/trial_file.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <optional>
#include <sstream>

#include "common/error.h"
#include "common/ini.h"
#include "schema/internal/h5.h"
#include "schema/trial_schema.h"

namespace dts::schema {
namespace {

using internal::CompoundType;
using internal::File;
using internal::Handle;

CompoundType EpochType() {
  namespace f = epoch_field;
  CompoundType t(sizeof(EpochRow));
  t.Int32(f::kEpoch, offsetof(EpochRow, epoch))
      .Double(f::kTrainLoss, offsetof(EpochRow, train_loss))
      .Double(f::kNerLoss, offsetof(EpochRow, ner_loss))
      .Double(f::kReLoss, offsetof(EpochRow, re_loss))
      .Double(f::kDevNerF1Micro, offsetof(EpochRow, dev_ner_f1_micro))
      .Double(f::kDevNerF1Macro, offsetof(EpochRow, dev_ner_f1_macro))
      .Double(f::kDevReF1Micro, offsetof(EpochRow, dev_re_f1_micro))
      .Double(f::kDevReF1Macro, offsetof(EpochRow, dev_re_f1_macro))
      .Double(f::kDevScore, offsetof(EpochRow, dev_score))
      .Double(f::kSeconds, offsetof(EpochRow, seconds))
      .Double(f::kSentencesPerSecond, offsetof(EpochRow, sentences_per_second));
  return t;
}

CompoundType ThetaType() {
  namespace f = score_field;
  const std::size_t re = offsetof(ThetaPoint, re);
  CompoundType t(sizeof(ThetaPoint));
  t.Double(f::kTheta, offsetof(ThetaPoint, theta))
      .Double(f::kPrecisionMicro, re + offsetof(Scores, precision_micro))
      .Double(f::kRecallMicro, re + offsetof(Scores, recall_micro))
      .Double(f::kF1Micro, re + offsetof(Scores, f1_micro))
      .Double(f::kPrecisionMacro, re + offsetof(Scores, precision_macro))
      .Double(f::kRecallMacro, re + offsetof(Scores, recall_macro))
      .Double(f::kF1Macro, re + offsetof(Scores, f1_macro));
  return t;
}

// TypeScore with a C string, as HDF5 reads and writes variable-length members.
struct TypeRow {
  char* type;
  std::int64_t tp, fp, fn;
  double precision, recall, f1;
};

CompoundType TypeRowType() {
  namespace f = type_field;
  CompoundType t(sizeof(TypeRow));
  t.String(f::kType, offsetof(TypeRow, type))
      .Int64(f::kTp, offsetof(TypeRow, tp))
      .Int64(f::kFp, offsetof(TypeRow, fp))
      .Int64(f::kFn, offsetof(TypeRow, fn))
      .Double(f::kPrecision, offsetof(TypeRow, precision))
      .Double(f::kRecall, offsetof(TypeRow, recall))
      .Double(f::kF1, offsetof(TypeRow, f1));
  return t;
}

// (name suffix, member) pairs of Scores, in the order of the schema.
struct ScoreMember {
  const char* name;
  double Scores::*member;
};
constexpr ScoreMember kScoreMembers[] = {
    {score_field::kPrecisionMicro, &Scores::precision_micro},
    {score_field::kRecallMicro, &Scores::recall_micro},
    {score_field::kF1Micro, &Scores::f1_micro},
    {score_field::kPrecisionMacro, &Scores::precision_macro},
    {score_field::kRecallMacro, &Scores::recall_macro},
    {score_field::kF1Macro, &Scores::f1_macro},
};

void WriteTask(const File& file, hid_t group, const char* prefix, const char* per_type_name,
               const TaskMetrics& task) {
  for (const auto& m : kScoreMembers) {
    file.WriteDouble(group, (std::string(prefix) + m.name).c_str(), task.scores.*m.member);
  }
  std::vector<TypeRow> rows;
  rows.reserve(task.per_type.size());
  for (const auto& t : task.per_type) {
    rows.push_back({const_cast<char*>(t.type.c_str()), t.tp, t.fp, t.fn, t.precision, t.recall, t.f1});
  }
  const CompoundType type = TypeRowType();
  file.WriteTable(group, per_type_name, type.get(), rows.data(), rows.size());
}

TaskMetrics ReadTask(const File& file, hid_t group, const std::string& where, const char* prefix,
                     const char* per_type_name) {
  TaskMetrics task;
  for (const auto& m : kScoreMembers) {
    task.scores.*m.member = file.ReadDouble(group, (std::string(prefix) + m.name).c_str(), where);
  }
  const CompoundType type = TypeRowType();
  std::vector<unsigned char> buffer;
  const std::size_t n =
      file.ReadTable(group, per_type_name, where + "/" + per_type_name, type.get(), buffer, sizeof(TypeRow));
  const auto* rows = reinterpret_cast<const TypeRow*>(buffer.data());
  for (std::size_t i = 0; i < n; ++i) {
    const TypeRow& r = rows[i];
    task.per_type.push_back({r.type != nullptr ? r.type : "", r.tp, r.fp, r.fn, r.precision, r.recall, r.f1});
  }
  file.ReclaimStrings(type.get(), buffer, n);
  return task;
}

void WriteSplit(const File& file, hid_t metrics, const char* name, const SplitMetrics& split) {
  Handle group = file.CreateGroup(metrics, name);
  WriteTask(file, group, score_field::kNerPrefix, kNerPerTypeDataset, split.ner);
  WriteTask(file, group, score_field::kRePrefix, kRePerTypeDataset, split.re);
}

std::optional<SplitMetrics> ReadSplit(const File& file, hid_t metrics, const char* name) {
  if (!file.Exists(metrics, name)) return std::nullopt;
  const std::string where = std::string("/") + kMetricsGroup + "/" + name;
  Handle group = file.OpenGroup(metrics, name, where);
  SplitMetrics split;
  split.ner = ReadTask(file, group, where, score_field::kNerPrefix, kNerPerTypeDataset);
  split.re = ReadTask(file, group, where, score_field::kRePrefix, kRePerTypeDataset);
  return split;
}

// AttemptRow with C strings, as HDF5 reads and writes variable-length members.
struct AttemptRecord {
  std::int32_t attempt, rank;
  char* host;
  std::int64_t pid;
  char *start_time, *end_time, *outcome;
  std::int32_t intra_op_threads, inter_op_threads;
  char *blas, *blas_core, *numerics_env, *device, *dts_version;
};

CompoundType AttemptRecordType() {
  namespace f = attempt_field;
  CompoundType t(sizeof(AttemptRecord));
  t.Int32(f::kAttempt, offsetof(AttemptRecord, attempt))
      .Int32(f::kRank, offsetof(AttemptRecord, rank))
      .String(f::kHost, offsetof(AttemptRecord, host))
      .Int64(f::kPid, offsetof(AttemptRecord, pid))
      .String(f::kStartTime, offsetof(AttemptRecord, start_time))
      .String(f::kEndTime, offsetof(AttemptRecord, end_time))
      .String(f::kOutcome, offsetof(AttemptRecord, outcome))
      .Int32(f::kIntraOpThreads, offsetof(AttemptRecord, intra_op_threads))
      .Int32(f::kInterOpThreads, offsetof(AttemptRecord, inter_op_threads))
      .String(f::kBlas, offsetof(AttemptRecord, blas))
      .String(f::kBlasCore, offsetof(AttemptRecord, blas_core))
      .String(f::kNumericsEnv, offsetof(AttemptRecord, numerics_env))
      .String(f::kDevice, offsetof(AttemptRecord, device))
      .String(f::kDtsVersion, offsetof(AttemptRecord, dts_version));
  return t;
}

// nullopt for a word that is no outcome a trial file may carry.
std::optional<TrialStatus> ParseOutcome(const std::string& word) {
  if (word.empty()) return TrialStatus::kRunning;
  try {
    const TrialStatus status = ParseTrialStatus(word);
    if (IsTrialFileStatus(status)) return status;
  } catch (const Error&) {
  }
  return std::nullopt;
}

void WriteAttempts(const File& file, const std::vector<AttemptRow>& attempts) {
  // The outcome words must outlive the write: the records point into them.
  std::vector<std::string> outcomes;
  outcomes.reserve(attempts.size());
  for (const auto& a : attempts) outcomes.push_back(OutcomeWord(a.outcome));
  const auto text = [](const std::string& value) { return const_cast<char*>(value.c_str()); };
  std::vector<AttemptRecord> records;
  records.reserve(attempts.size());
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    const AttemptRow& a = attempts[i];
    records.push_back({a.attempt, a.rank, text(a.host), a.pid, text(a.start_time), text(a.end_time),
                       text(outcomes[i]), a.intra_op_threads, a.inter_op_threads, text(a.blas),
                       text(a.blas_core), text(a.numerics_env), text(a.device), text(a.dts_version)});
  }
  const CompoundType type = AttemptRecordType();
  file.WriteTable(file.root(), kAttemptsDataset, type.get(), records.data(), records.size());
}

std::vector<AttemptRow> ReadAttempts(const File& file) {
  std::vector<AttemptRow> attempts;
  // Files written before the table existed read as having no attempts (the schema version is unchanged).
  if (!file.Exists(file.root(), kAttemptsDataset)) return attempts;
  const std::string where = std::string("/") + kAttemptsDataset;
  const CompoundType type = AttemptRecordType();
  std::vector<unsigned char> buffer;
  const std::size_t n =
      file.ReadTable(file.root(), kAttemptsDataset, where, type.get(), buffer, sizeof(AttemptRecord));
  const auto* records = reinterpret_cast<const AttemptRecord*>(buffer.data());
  const auto text = [](const char* value) { return std::string(value != nullptr ? value : ""); };
  std::string bad_outcome;  // the first one; refused once HDF5's strings are reclaimed
  for (std::size_t i = 0; i < n; ++i) {
    const AttemptRecord& r = records[i];
    const std::string word = text(r.outcome);
    const std::optional<TrialStatus> outcome = ParseOutcome(word);
    if (!outcome && bad_outcome.empty())
      bad_outcome = "outcome '" + word + "' of attempt " + std::to_string(r.attempt) + " in " + where;
    attempts.push_back({r.attempt, r.rank, text(r.host), r.pid, text(r.start_time), text(r.end_time),
                        outcome.value_or(TrialStatus::kRunning), r.intra_op_threads, r.inter_op_threads,
                        text(r.blas), text(r.blas_core), text(r.numerics_env), text(r.device),
                        text(r.dts_version)});
  }
  file.ReclaimStrings(type.get(), buffer, n);
  if (!bad_outcome.empty()) file.Fail(bad_outcome);
  return attempts;
}

void CheckWritable(const std::string& path, const TrialFile& trial) {
  if (!IsTrialFileStatus(trial.status))
    throw IoError(path,
                  std::string("refusing to write status '") + Name(trial.status) + "' into a trial file");
  for (const auto& attempt : trial.attempts) {
    if (!IsTrialFileStatus(attempt.outcome))
      throw IoError(path, std::string("refusing to write outcome '") + Name(attempt.outcome) +
                              "' of attempt " + std::to_string(attempt.attempt) + " into a trial file");
  }
}

}  // namespace

std::string OutcomeWord(TrialStatus outcome) { return outcome == TrialStatus::kRunning ? "" : Name(outcome); }

bool IsTrialFileStatus(TrialStatus status) {
  return status == TrialStatus::kRunning || status == TrialStatus::kCompleted ||
         status == TrialStatus::kFailed || status == TrialStatus::kDiverged ||
         status == TrialStatus::kInterrupted;
}

std::map<std::string, std::string> ParseConfigIni(const std::string& text, const std::string& name) {
  std::map<std::string, std::string> values;
  for (const auto& entry : ParseIniText(text, name + ": config_ini")) values[entry.key] = entry.value;
  return values;
}

BlobSource BlobSource::Bytes(const std::string& bytes) {
  BlobSource source(Kind::kBytes);
  source.bytes_ = &bytes;
  return source;
}

BlobSource BlobSource::Produced(std::uint64_t size, Producer produce) {
  BlobSource source(Kind::kProduced);
  source.size_ = size;
  source.produce_ = std::move(produce);
  return source;
}

void WriteTrialFile(const std::string& path, const TrialFile& trial) {
  const auto held = [](const std::optional<std::string>& blob) {
    return blob ? BlobSource::Bytes(*blob) : BlobSource::None();
  };
  WriteTrialFile(path, trial, held(trial.best_model), held(trial.resume));
}

void WriteTrialFile(const std::string& path, const TrialFile& trial, const BlobSource& best_model,
                    const BlobSource& resume) {
  CheckWritable(path, trial);
  std::map<std::string, std::string> config;
  try {
    config = ParseConfigIni(trial.config_ini, "trial " + trial.trial_id);
  } catch (const Error& e) {
    throw IoError(path, e.what());
  }
  internal::WriteAtomically(path, kTrialFormat, kTrialSchemaVersion, [&](File& file) {
    namespace a = trial_attr;
    const hid_t root = file.root();
    file.WriteString(root, a::kTrialId, trial.trial_id);
    file.WriteString(root, a::kStatus, Name(trial.status));
    file.WriteString(root, a::kFailureClass, Name(trial.failure_class));
    file.WriteString(root, a::kFailureMessage, trial.failure_message);
    file.WriteString(root, a::kConfigIni, trial.config_ini);
    file.WriteString(root, a::kStage, trial.stage);
    file.WriteString(root, a::kVariant, trial.variant);
    file.WriteString(root, a::kConfigId, trial.config_id);
    file.WriteString(root, a::kDataset, trial.dataset);
    file.WriteInt64(root, a::kFold, trial.fold);
    file.WriteUInt64(root, a::kSeed, trial.seed);
    file.WriteString(root, a::kDataFingerprint, trial.data_fingerprint);
    file.WriteInt64(root, a::kTrainableParameters, trial.trainable_parameters);
    file.WriteString(root, a::kDtsVersion, trial.dts_version);
    file.WriteString(root, a::kHost, trial.host);
    file.WriteString(root, a::kStartTime, trial.start_time);
    file.WriteString(root, a::kEndTime, trial.end_time);
    file.WriteInt64(root, a::kBestEpoch, trial.best_epoch);
    file.WriteInt64(root, a::kEpochsRun, trial.epochs_run);
    file.WriteDouble(root, a::kThetaR, trial.theta_r);

    Handle config_group = file.CreateGroup(root, kConfigGroup);
    for (const auto& [key, value] : config) file.WriteString(config_group, key.c_str(), value);

    const CompoundType epoch_type = EpochType();
    file.WriteTable(root, kEpochsDataset, epoch_type.get(), trial.epochs.data(), trial.epochs.size());
    const CompoundType theta_type = ThetaType();
    file.WriteTable(root, kThetaCurveDataset, theta_type.get(), trial.theta_curve.data(),
                    trial.theta_curve.size());

    Handle metrics = file.CreateGroup(root, kMetricsGroup);
    if (trial.dev) WriteSplit(file, metrics, kDevGroup, *trial.dev);
    if (trial.test) WriteSplit(file, metrics, kTestGroup, *trial.test);

    file.WriteStrings(root, kPredictionsDataset, trial.predictions);
    WriteAttempts(file, trial.attempts);

    Handle checkpoint = file.CreateGroup(root, kCheckpointGroup);
    // The file being replaced, when a blob is carried over from it; open (read-only) until it is copied.
    std::optional<File> previous;
    Handle previous_checkpoint;
    const bool carries_over =
        best_model.kind() == BlobSource::Kind::kPrevious || resume.kind() == BlobSource::Kind::kPrevious;
    if (carries_over && std::filesystem::exists(path)) {
      previous = File::OpenChecked(path, kTrialFormat, kTrialSchemaVersion);
      previous_checkpoint =
          previous->OpenGroup(previous->root(), kCheckpointGroup, std::string("/") + kCheckpointGroup);
    }
    const auto write_blob = [&](const char* name, const BlobSource& source) {
      switch (source.kind()) {
        case BlobSource::Kind::kNone:
          break;
        case BlobSource::Kind::kBytes:
          file.WriteBytes(checkpoint, name, source.bytes());
          break;
        case BlobSource::Kind::kPrevious:
          if (previous && previous->Exists(previous_checkpoint, name))
            file.CopyObject(previous_checkpoint, name, checkpoint);
          break;
        case BlobSource::Kind::kProduced:
          file.WriteProducedBytes(checkpoint, name, source.size(), source.producer());
          break;
      }
    };
    write_blob(kBestModelDataset, best_model);
    write_blob(kResumeDataset, resume);
  });
}

std::optional<std::string> ReadCheckpointBlob(const std::string& path, const char* dataset) {
  File file = File::OpenChecked(path, kTrialFormat, kTrialSchemaVersion);
  const std::string group_where = std::string("/") + kCheckpointGroup;
  Handle checkpoint = file.OpenGroup(file.root(), kCheckpointGroup, group_where);
  std::optional<std::string> bytes;
  if (file.Exists(checkpoint, dataset))
    bytes = file.ReadBytes(checkpoint, dataset, group_where + "/" + dataset);
  checkpoint.Close();
  file.Close();
  return bytes;
}

TrialFile ReadTrialFile(const std::string& path, bool with_checkpoints) {
  File file = File::OpenChecked(path, kTrialFormat, kTrialSchemaVersion);
  namespace a = trial_attr;
  const hid_t root = file.root();
  const std::string where = "/";
  TrialFile trial;
  trial.schema_version = kTrialSchemaVersion;
  trial.text_verified = file.TextVerified();  // a mismatch is an IoError from the read of that text
  trial.trial_id = file.ReadString(root, a::kTrialId, where);
  try {
    trial.status = ParseTrialStatus(file.ReadString(root, a::kStatus, where));
    if (!IsTrialFileStatus(trial.status))
      file.Fail(std::string("status '") + Name(trial.status) + "' in a trial file");
    trial.failure_class = ParseFailureClass(file.ReadString(root, a::kFailureClass, where));
  } catch (const IoError&) {
    throw;
  } catch (const Error& e) {
    file.Fail(e.what());
  }
  trial.failure_message = file.ReadString(root, a::kFailureMessage, where);
  trial.config_ini = file.ReadString(root, a::kConfigIni, where);
  trial.stage = file.ReadString(root, a::kStage, where);
  trial.variant = file.ReadString(root, a::kVariant, where);
  trial.config_id = file.ReadString(root, a::kConfigId, where);
  trial.dataset = file.ReadString(root, a::kDataset, where);
  trial.fold = static_cast<int>(file.ReadInt64(root, a::kFold, where));
  trial.seed = file.ReadUInt64(root, a::kSeed, where);
  trial.data_fingerprint = file.ReadString(root, a::kDataFingerprint, where);
  trial.trainable_parameters = file.ReadInt64(root, a::kTrainableParameters, where);
  trial.dts_version = file.ReadString(root, a::kDtsVersion, where);
  trial.host = file.ReadString(root, a::kHost, where);
  trial.start_time = file.ReadString(root, a::kStartTime, where);
  trial.end_time = file.ReadString(root, a::kEndTime, where);
  trial.best_epoch = static_cast<int>(file.ReadInt64(root, a::kBestEpoch, where));
  trial.epochs_run = static_cast<int>(file.ReadInt64(root, a::kEpochsRun, where));
  trial.theta_r = file.ReadDouble(root, a::kThetaR, where);

  {
    const std::string config_where = std::string("/") + kConfigGroup;
    Handle config = file.OpenGroup(root, kConfigGroup, config_where);
    for (const auto& key : file.AttributeNames(config, config_where)) {
      trial.config[key] = file.ReadString(config, key.c_str(), config_where);
    }
  }

  std::vector<unsigned char> buffer;
  {
    const CompoundType type = EpochType();
    const std::size_t n = file.ReadTable(root, kEpochsDataset, std::string("/") + kEpochsDataset, type.get(),
                                         buffer, sizeof(EpochRow));
    const auto* rows = reinterpret_cast<const EpochRow*>(buffer.data());
    trial.epochs.assign(rows, rows + n);
  }
  {
    const CompoundType type = ThetaType();
    const std::size_t n = file.ReadTable(root, kThetaCurveDataset, std::string("/") + kThetaCurveDataset,
                                         type.get(), buffer, sizeof(ThetaPoint));
    const auto* rows = reinterpret_cast<const ThetaPoint*>(buffer.data());
    trial.theta_curve.assign(rows, rows + n);
  }
  {
    Handle metrics = file.OpenGroup(root, kMetricsGroup, std::string("/") + kMetricsGroup);
    trial.dev = ReadSplit(file, metrics, kDevGroup);
    trial.test = ReadSplit(file, metrics, kTestGroup);
  }
  trial.predictions = file.ReadStrings(root, kPredictionsDataset, std::string("/") + kPredictionsDataset);
  trial.attempts = ReadAttempts(file);
  {
    const std::string group_where = std::string("/") + kCheckpointGroup;
    Handle checkpoint = file.OpenGroup(root, kCheckpointGroup, group_where);
    const auto blob = [&](const char* name, std::optional<std::string>& bytes, std::uint64_t& size) {
      if (!file.Exists(checkpoint, name)) return;
      const std::string blob_where = group_where + "/" + name;
      size = file.BytesSize(checkpoint, name, blob_where);
      if (with_checkpoints) bytes = file.ReadBytes(checkpoint, name, blob_where);
    };
    blob(kBestModelDataset, trial.best_model, trial.best_model_bytes);
    blob(kResumeDataset, trial.resume, trial.resume_bytes);
  }
  file.Close();
  return trial;
}

}  // namespace dts::schema
