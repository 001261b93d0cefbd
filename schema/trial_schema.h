// Every HDF5 name dts writes or reads: trial files (DIR/trials/<id>.h5) and the sweep manifest
// (DIR/sweep.h5). The writers, the readers and docs/hdf5-schema.md all follow this header;
// tests/schema/docs_test.cc fails when a name declared here is missing from the document.
//
// Units: every precision / recall / F1 / dev score is a percentage in [0, 100]; times are seconds; timestamps
// are ISO 8601 UTC strings ("2020-05-01T12:34:56Z").
#pragma once

#include <vector>

namespace dts::schema {

// Bump when a name is removed or its meaning changes; readers refuse any other version (naming the file), so
// a report never silently misreads an old sweep. Adding a name that readers treat as optional needs no bump.
inline constexpr int kTrialSchemaVersion = 1;

// The root attribute `format` tells a trial file from a manifest (or from a foreign HDF5 file).
inline constexpr char kFormatAttr[] = "format";
inline constexpr char kTrialFormat[] = "dts-trial";
inline constexpr char kSweepFormat[] = "dts-sweep";
inline constexpr char kSchemaVersionAttr[] = "schema_version";

// ---- Trial file: root attributes ----
namespace trial_attr {
inline constexpr char kTrialId[] = "trial_id";
inline constexpr char kStatus[] = "status";
inline constexpr char kFailureClass[] = "failure_class";
inline constexpr char kFailureMessage[] = "failure_message";
inline constexpr char kConfigIni[] = "config_ini";
inline constexpr char kStage[] = "stage";
inline constexpr char kVariant[] = "variant";
inline constexpr char kConfigId[] = "config_id";
inline constexpr char kDataset[] = "dataset";
inline constexpr char kFold[] = "fold";
inline constexpr char kSeed[] = "seed";
inline constexpr char kDataFingerprint[] = "data_fingerprint";
inline constexpr char kTrainableParameters[] = "trainable_parameters";
inline constexpr char kDtsVersion[] = "dts_version";
inline constexpr char kHost[] = "host";
inline constexpr char kStartTime[] = "start_time";
inline constexpr char kEndTime[] = "end_time";
inline constexpr char kBestEpoch[] = "best_epoch";
inline constexpr char kEpochsRun[] = "epochs_run";
inline constexpr char kThetaR[] = "theta_r";
}  // namespace trial_attr

// The values of trial_attr::kStatus and trial_attr::kFailureClass: schema/trial_status.h.

// ---- Trial file: groups and datasets ----
inline constexpr char kConfigGroup[] =
    "config";  // one string attribute per config key ("model.shared_layers")
inline constexpr char kEpochsDataset[] = "epochs";
inline constexpr char kThetaCurveDataset[] = "theta_curve";
inline constexpr char kMetricsGroup[] = "metrics";
inline constexpr char kDevGroup[] = "dev";    // metrics/dev
inline constexpr char kTestGroup[] = "test";  // metrics/test
inline constexpr char kNerPerTypeDataset[] = "ner_per_type";
inline constexpr char kRePerTypeDataset[] = "re_per_type";
inline constexpr char kPredictionsDataset[] = "predictions";
inline constexpr char kCheckpointGroup[] = "checkpoint";
inline constexpr char kBestModelDataset[] = "best_model";  // checkpoint/best_model
inline constexpr char kResumeDataset[] = "resume";         // checkpoint/resume
// One row per attempt (run of dts-train) on the file: where it ran and with which numerics. Absent in files
// written before it was added, which read as having no attempts.
inline constexpr char kAttemptsDataset[] = "attempts";

// Both kinds of file: the checksum of every variable-length text (string attributes, string datasets, string
// columns of tables), which HDF5 keeps in its unchecksummed global heap; one row per text, keyed by where it
// is ("/config@model.cell", "/predictions", "/attempts#host"). Absent in files written before it: their text
// reads unverified.
inline constexpr char kTextChecksumsDataset[] = "text_checksums";
namespace text_checksum_field {
inline constexpr char kObject[] = "object";      // fixed-length string: the key above
inline constexpr char kChecksum[] = "checksum";  // uint64, FNV-1a (common/hash.h)
}  // namespace text_checksum_field

// Members of the /epochs compound rows.
namespace epoch_field {
inline constexpr char kEpoch[] = "epoch";
inline constexpr char kTrainLoss[] = "train_loss";
inline constexpr char kNerLoss[] = "ner_loss";
inline constexpr char kReLoss[] = "re_loss";
inline constexpr char kDevNerF1Micro[] = "dev_ner_f1_micro";
inline constexpr char kDevNerF1Macro[] = "dev_ner_f1_macro";
inline constexpr char kDevReF1Micro[] = "dev_re_f1_micro";
inline constexpr char kDevReF1Macro[] = "dev_re_f1_macro";
inline constexpr char kDevScore[] = "dev_score";
inline constexpr char kSeconds[] = "seconds";
inline constexpr char kSentencesPerSecond[] = "sentences_per_second";
}  // namespace epoch_field

// Members of the /theta_curve compound rows, and the summary attributes of metrics/dev and metrics/test
// (prefixed "ner_" or "re_" there: "re_f1_macro").
namespace score_field {
inline constexpr char kTheta[] = "theta";
inline constexpr char kPrecisionMicro[] = "precision_micro";
inline constexpr char kRecallMicro[] = "recall_micro";
inline constexpr char kF1Micro[] = "f1_micro";
inline constexpr char kPrecisionMacro[] = "precision_macro";
inline constexpr char kRecallMacro[] = "recall_macro";
inline constexpr char kF1Macro[] = "f1_macro";
inline constexpr char kNerPrefix[] = "ner_";
inline constexpr char kRePrefix[] = "re_";
}  // namespace score_field

// Members of the per-type compound rows (metrics/{dev,test}/{ner,re}_per_type).
namespace type_field {
inline constexpr char kType[] = "type";
inline constexpr char kTp[] = "tp";
inline constexpr char kFp[] = "fp";
inline constexpr char kFn[] = "fn";
inline constexpr char kPrecision[] = "precision";
inline constexpr char kRecall[] = "recall";
inline constexpr char kF1[] = "f1";
}  // namespace type_field

// Members of the /attempts compound rows.
namespace attempt_field {
inline constexpr char kAttempt[] = "attempt";
inline constexpr char kRank[] = "rank";
inline constexpr char kHost[] = "host";
inline constexpr char kPid[] = "pid";
inline constexpr char kStartTime[] = "start_time";
inline constexpr char kEndTime[] = "end_time";
inline constexpr char kOutcome[] = "outcome";
inline constexpr char kIntraOpThreads[] = "intra_op_threads";
inline constexpr char kInterOpThreads[] = "inter_op_threads";
inline constexpr char kBlas[] = "blas";
inline constexpr char kBlasCore[] = "blas_core";
inline constexpr char kNumericsEnv[] = "numerics_env";
inline constexpr char kDevice[] = "device";
inline constexpr char kDtsVersion[] = "dts_version";
}  // namespace attempt_field

// ---- Sweep manifest (DIR/sweep.h5) ----
namespace sweep_attr {
inline constexpr char kSweepName[] = "sweep_name";
inline constexpr char kSweepIni[] = "sweep_ini";
inline constexpr char kStatus[] = "status";
inline constexpr char kDtsVersion[] = "dts_version";
// What the trial ids take path values relative to (orchestrator/identity_base.h): "" the sweep directory,
// else the working directory of a sweep planned before that rule. Absent in manifests written before it.
inline constexpr char kIdentityBase[] = "identity_base";
// The worker ranks of the run that wrote the manifest; absent in manifests written before it.
inline constexpr char kWorkers[] = "workers";
}  // namespace sweep_attr
inline constexpr char kTrialsDataset[] = "trials";
// Racing eliminations of a search_on = folds search (absent in manifests of sweeps without racing).
inline constexpr char kEliminationsDataset[] = "eliminations";
namespace elimination_field {
inline constexpr char kConfigId[] = "config_id";
inline constexpr char kIncumbentId[] = "incumbent_id";
inline constexpr char kFolds[] = "folds";
inline constexpr char kAfterFold[] = "after_fold";
inline constexpr char kMeanGap[] = "mean_gap";
inline constexpr char kPValue[] = "p_value";
}  // namespace elimination_field
// DIR/sweep.h5 /attempts (kAttemptsDataset, absent in manifests written before it): one row per attempt the
// coordinator heard of, with plan_field's trial_id, stage, variant and seconds, attempt_field's attempt,
// rank, host, pid, start_time and outcome, and this message.
namespace sweep_attempt_field {
inline constexpr char kMessage[] = "message";
}  // namespace sweep_attempt_field
// Members of the DIR/sweep.h5 /trials compound rows.
namespace plan_field {
inline constexpr char kTrialId[] = "trial_id";
inline constexpr char kStage[] = "stage";
inline constexpr char kConfigId[] = "config_id";
inline constexpr char kVariant[] = "variant";
inline constexpr char kFold[] = "fold";
inline constexpr char kSeed[] = "seed";
inline constexpr char kStatus[] = "status";
inline constexpr char kFailure[] = "failure";
inline constexpr char kAttempts[] = "attempts";
inline constexpr char kSeconds[] = "seconds";
inline constexpr char kDevScore[] = "dev_score";
inline constexpr char kConfigIni[] = "config_ini";
}  // namespace plan_field

// Every name above, for the documentation test.
std::vector<const char*> AllSchemaNames();

}  // namespace dts::schema
