// A trial file (DIR/trials/<trial_id>.h5) as plain structs, with an atomic writer and a validating reader.
// Layout and names: schema/trial_schema.h and docs/hdf5-schema.md. Scores are percentages in [0, 100].
//
// The trainer (worker/) fills a TrialFile and calls WriteTrialFile after each epoch and at the end; the
// report (reports/) calls ReadTrialFile. Nothing here knows about LibTorch: checkpoints are opaque bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schema/trial_schema.h"
#include "schema/trial_status.h"

namespace dts::schema {

struct EpochRow {
  int epoch = 0;  // 1-based
  double train_loss = 0;
  double ner_loss = 0;
  double re_loss = 0;
  double dev_ner_f1_micro = 0;
  double dev_ner_f1_macro = 0;
  double dev_re_f1_micro = 0;
  double dev_re_f1_macro = 0;
  double dev_score = 0;  // the early-stopping score
  double seconds = 0;    // wall time of this epoch, dev evaluation included
  double sentences_per_second = 0;
};

// Micro and macro precision / recall / F1 (macro = mean of the per-type scores).
struct Scores {
  double precision_micro = 0;
  double recall_micro = 0;
  double f1_micro = 0;
  double precision_macro = 0;
  double recall_macro = 0;
  double f1_macro = 0;
};

// RE scores on dev when relations are predicted for sigmoid outputs >= theta.
struct ThetaPoint {
  double theta = 0;
  Scores re;
};

struct TypeScore {
  std::string type;  // entity or relation type
  std::int64_t tp = 0;
  std::int64_t fp = 0;
  std::int64_t fn = 0;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

struct TaskMetrics {
  Scores scores;
  std::vector<TypeScore> per_type;
};

struct SplitMetrics {
  TaskMetrics ner;
  TaskMetrics re;
};

// One attempt: a run of dts-train (or of a drop-in such as the tests' synthetic trial) on this trial file,
// with what its floating-point results depend on besides the configuration, so that a result that differs by
// host can be traced to the host, its threads or its BLAS.
struct AttemptRow {
  int attempt = 0;  // 1-based: the sweep's count (schema::trial_env::kAttempt), else the last row's + 1
  int rank = -1;    // the sweep rank that ran it (schema::trial_env::kRank); -1 outside a sweep
  std::string host;
  std::int64_t pid = 0;
  std::string start_time;  // ISO 8601
  std::string end_time;    // ISO 8601; "" while it runs, and forever for an attempt killed without a word
  // How it ended: completed, interrupted, failed or diverged; kRunning (stored as "") while it runs.
  TrialStatus outcome = TrialStatus::kRunning;
  int intra_op_threads = 0;  // LibTorch's; 0 in a process without LibTorch (the synthetic trial)
  int inter_op_threads = 0;
  std::string blas;       // openblas_get_config(), or the path of the library holding the BLAS, or "unknown"
  std::string blas_core;  // openblas_get_corename() (the kernels in use), "" for another BLAS
  std::string
      numerics_env;    // "KEY=VALUE;..." of the OMP_, OPENBLAS_, GOTO, MKL_, KMP_, GOMP_ variables, sorted
  std::string device;  // "cpu", "cuda:0"
  std::string dts_version;
};

// The stored word of an attempt's outcome: "" for kRunning, else the status' word (schema/trial_status.h).
std::string OutcomeWord(TrialStatus outcome);

struct TrialFile {
  int schema_version = 0;  // set by ReadTrialFile; WriteTrialFile always writes kTrialSchemaVersion
  // Set by ReadTrialFile: the file has text checksums (/text_checksums) and every text read matched them. A
  // file written before they existed reads with false: its text (predictions, configuration) is unverified.
  bool text_verified = false;
  std::string trial_id;
  TrialStatus status = TrialStatus::kRunning;  // running, completed, failed, diverged or interrupted
  FailureClass failure_class = FailureClass::kNone;
  std::string failure_message;  // one line, "" if none
  std::string
      config_ini;  // CanonicalIni text of the resolved configuration: every key, in the schema's order
  // key ("model.shared_layers") -> value text. Derived from config_ini by WriteTrialFile and stored as the
  // /config group's attributes; ReadTrialFile fills it back, so readers need no INI parser.
  std::map<std::string, std::string> config;
  std::string stage;      // "search", "final", "ablation" (or "" for a stand-alone dts-train run)
  std::string variant;    // ablation variant ("baseline", "no_ner_specific", ...) or ""
  std::string config_id;  // the sweep's hash of the config without fold and seed, "" outside a sweep
  std::string dataset;    // corpus name, e.g. "ade", "conll04"
  int fold = 0;
  std::uint64_t seed = 0;
  std::string data_fingerprint;
  std::int64_t trainable_parameters = 0;
  std::string dts_version;
  std::string host;
  std::string start_time;  // ISO 8601
  std::string end_time;    // ISO 8601, "" while running
  int best_epoch = 0;      // 0: none yet
  int epochs_run = 0;
  double theta_r = 0;  // the RE threshold used for the test metrics and predictions

  std::vector<EpochRow> epochs;
  std::vector<ThetaPoint> theta_curve;
  std::optional<SplitMetrics> dev;   // absent until evaluated
  std::optional<SplitMetrics> test;  // absent until the trial completes
  // Test-set predictions, one JSON object per sentence in the common format:
  // {"id":..,"tokens":[..],"entities":[{"type","start","end","score"}],"relations":[{"type","head","tail","score"}]}
  std::vector<std::string> predictions;
  // Opaque blobs (torch::save output). With ReadTrialFile(path, false) they stay nullopt even when present;
  // the *_bytes fields then still give their sizes (0 when absent).
  std::optional<std::string> best_model;
  std::optional<std::string> resume;
  std::uint64_t best_model_bytes = 0;
  std::uint64_t resume_bytes = 0;
  // Every attempt on this file, oldest first; the last one is the current or most recent. Empty for files
  // written before the table existed.
  std::vector<AttemptRow> attempts;
};

// Writes the whole file to PATH.tmp, fsyncs it, renames it over PATH and fsyncs the directory: a reader sees
// the old file or the new one, never half of either; a killed writer leaves at most a stale PATH.tmp, which
// the next write replaces. Throws IoError naming the path on any failure, including an unknown status or
// failure class and a malformed config_ini line: such a file would not read back.
void WriteTrialFile(const std::string& path, const TrialFile& trial);

// Where WriteTrialFile takes a checkpoint blob from when the caller does not hold it in memory: a model with
// its optimizer state is tens of MB, and the trainer keeps neither blob between its saves (each save already
// stores them in the file).
class BlobSource {
 public:
  using Sink = std::function<void(const char* data, std::size_t size)>;
  using Producer = std::function<void(const Sink& sink)>;

  static BlobSource None() { return BlobSource(Kind::kNone); }
  // `bytes` must outlive the write.
  static BlobSource Bytes(const std::string& bytes);
  // The blob of the trial file being replaced at the written path, copied over as stored; none when that
  // file does not exist or has no such blob.
  static BlobSource Previous() { return BlobSource(Kind::kPrevious); }
  // `size` bytes that `produce` hands to its sink, in order and in pieces of any size, while the blob is
  // written: it is never in memory whole. Producing another number of bytes fails the write.
  static BlobSource Produced(std::uint64_t size, Producer produce);

  enum class Kind { kNone, kBytes, kPrevious, kProduced };
  Kind kind() const { return kind_; }
  const std::string& bytes() const { return *bytes_; }
  std::uint64_t size() const { return size_; }
  const Producer& producer() const { return produce_; }

 private:
  explicit BlobSource(Kind kind) : kind_(kind) {}
  Kind kind_;
  const std::string* bytes_ = nullptr;
  std::uint64_t size_ = 0;
  Producer produce_;
};

// As above, with the checkpoint blobs taken from `best_model` and `resume`; trial.best_model and trial.resume
// are not used.
void WriteTrialFile(const std::string& path, const TrialFile& trial, const BlobSource& best_model,
                    const BlobSource& resume);

// Throws IoError naming the path for a missing, truncated, corrupt or foreign file, or another
// schema_version. with_checkpoints=false skips reading the (possibly large) checkpoint blobs.
TrialFile ReadTrialFile(const std::string& path, bool with_checkpoints = false);

// One checkpoint blob (kBestModelDataset or kResumeDataset) of the trial file at `path`, without reading
// the rest; nullopt when the file has none. Throws like ReadTrialFile.
std::optional<std::string> ReadCheckpointBlob(const std::string& path, const char* dataset);

// Read (with checkpoints), let `update` change the struct, write atomically. For per-epoch saves: the file is
// rewritten in full, which costs one copy of the checkpoints (tens of MB: well under a second).
template <class Update>
void UpdateTrialFile(const std::string& path, Update&& update) {
  TrialFile trial = ReadTrialFile(path, /*with_checkpoints=*/true);
  update(trial);
  WriteTrialFile(path, trial);
}

// "section.key" -> value for every key of a canonical INI text ("[model]\nshared_layers = 2"). Blank lines
// and lines starting with '#' or ';' are skipped. Throws dts::Error naming `name` and the line for a key
// outside a section or a line without '='.
std::map<std::string, std::string> ParseConfigIni(const std::string& text, const std::string& name);

// True for a status that trial files may carry (planned, promoted and bad_config are the manifest's).
bool IsTrialFileStatus(TrialStatus status);

}  // namespace dts::schema
