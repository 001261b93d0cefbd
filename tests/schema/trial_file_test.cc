#include "schema/trial_file.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_contract.h"
#include "schema/trial_schema.h"
#include "tests/schema/temp_dir_test.h"

namespace dts::schema {
namespace {

namespace fs = std::filesystem;

using TrialFileTest = TempDirTest;

Scores MakeScores(double base) {
  return {base + 0.1, base + 0.2, base + 0.3, base + 0.4, base + 0.5, base + 0.6};
}

SplitMetrics MakeSplit(double base) {
  SplitMetrics split;
  split.ner.scores = MakeScores(base);
  split.ner.per_type = {{"Drug", 10, 2, 3, 83.3, 76.9, 80.0}, {"Adverse-Effect", 7, 1, 0, 87.5, 100, 93.3}};
  split.re.scores = MakeScores(base + 10);
  split.re.per_type = {{"Adverse-Effect", 4, 5, 6, 44.4, 40.0, 42.1}};
  return split;
}

// Every field set to a distinct, non-default value, so a field the writer or reader drops shows up.
TrialFile MakeTrial() {
  TrialFile t;
  t.trial_id = "7f3a00112233aabb";
  t.status = TrialStatus::kCompleted;
  t.failure_class = FailureClass::kCrashed;
  t.failure_message = "signal 11 on attempt 1 (retried)";
  t.config_ini = "[model]\ncell = gru\nshared_layers = 2\n\n[optim]\nlr = 0.001\n";
  t.stage = "final";
  t.variant = "no_ner_specific";
  t.config_id = "c0ffee";
  t.dataset = "conll04";
  t.fold = 7;
  t.seed = 18446744073709551557ULL;  // above INT64_MAX: must survive as unsigned
  t.data_fingerprint = "fp-0123";
  t.trainable_parameters = 6123456789LL;
  t.dts_version = "0.1.0-abc";
  t.host = "node17";
  t.start_time = "2020-05-01T12:00:00Z";
  t.end_time = "2020-05-01T13:30:00Z";
  t.best_epoch = 12;
  t.epochs_run = 17;
  t.theta_r = 0.35;
  for (int e = 1; e <= 70; ++e) {  // more rows than one chunk
    t.epochs.push_back({e, 1.0 / e, 0.5 / e, 0.25 / e, 50.0 + e * 0.1, 49.0 + e * 0.1, 30.0 + e * 0.2,
                        29.0 + e * 0.2, 40.0 + e * 0.15, 61.5 + e, 300.0 + e});
  }
  for (int i = 1; i <= 19; ++i) t.theta_curve.push_back({i * 0.05, MakeScores(i)});
  t.dev = MakeSplit(60);
  t.test = MakeSplit(70);
  t.predictions = {R"({"id":"s1","tokens":["Edgar","lives","in","Boston"],"entities":[],"relations":[]})", "",
                   R"({"id":"s3","tokens":["ünïcödé"]})"};
  t.best_model = std::string("\x00\x01\xff model", 9);
  t.resume = std::string(3 * 1024 * 1024, '\x5a');
  // A first attempt interrupted on one host, a second one still running on another.
  t.attempts = {
      {3, 5, "node03", 4242, "2020-05-01T12:00:00Z", "2020-05-01T12:40:00Z", TrialStatus::kInterrupted, 2, 1,
       "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64", "Haswell",
       "OMP_NUM_THREADS=2;OPENBLAS_NUM_THREADS=2", "cpu", "0.1.0-abc"},
      {4, 2, "node17", 77, "2020-05-01T12:50:00Z", "", TrialStatus::kRunning, 1, 1,
       "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3", "", "", "cuda:1", "0.1.0-def"}};
  return t;
}

void ExpectAttemptEq(const AttemptRow& a, const AttemptRow& b) {
  EXPECT_EQ(a.attempt, b.attempt);
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.start_time, b.start_time);
  EXPECT_EQ(a.end_time, b.end_time);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.intra_op_threads, b.intra_op_threads);
  EXPECT_EQ(a.inter_op_threads, b.inter_op_threads);
  EXPECT_EQ(a.blas, b.blas);
  EXPECT_EQ(a.blas_core, b.blas_core);
  EXPECT_EQ(a.numerics_env, b.numerics_env);
  EXPECT_EQ(a.device, b.device);
  EXPECT_EQ(a.dts_version, b.dts_version);
}

void ExpectScoresEq(const Scores& a, const Scores& b) {
  EXPECT_EQ(a.precision_micro, b.precision_micro);
  EXPECT_EQ(a.recall_micro, b.recall_micro);
  EXPECT_EQ(a.f1_micro, b.f1_micro);
  EXPECT_EQ(a.precision_macro, b.precision_macro);
  EXPECT_EQ(a.recall_macro, b.recall_macro);
  EXPECT_EQ(a.f1_macro, b.f1_macro);
}

void ExpectTaskEq(const TaskMetrics& a, const TaskMetrics& b) {
  ExpectScoresEq(a.scores, b.scores);
  ASSERT_EQ(a.per_type.size(), b.per_type.size());
  for (std::size_t i = 0; i < a.per_type.size(); ++i) {
    EXPECT_EQ(a.per_type[i].type, b.per_type[i].type);
    EXPECT_EQ(a.per_type[i].tp, b.per_type[i].tp);
    EXPECT_EQ(a.per_type[i].fp, b.per_type[i].fp);
    EXPECT_EQ(a.per_type[i].fn, b.per_type[i].fn);
    EXPECT_EQ(a.per_type[i].precision, b.per_type[i].precision);
    EXPECT_EQ(a.per_type[i].recall, b.per_type[i].recall);
    EXPECT_EQ(a.per_type[i].f1, b.per_type[i].f1);
  }
}

void ExpectEpochEq(const EpochRow& a, const EpochRow& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.train_loss, b.train_loss);
  EXPECT_EQ(a.ner_loss, b.ner_loss);
  EXPECT_EQ(a.re_loss, b.re_loss);
  EXPECT_EQ(a.dev_ner_f1_micro, b.dev_ner_f1_micro);
  EXPECT_EQ(a.dev_ner_f1_macro, b.dev_ner_f1_macro);
  EXPECT_EQ(a.dev_re_f1_micro, b.dev_re_f1_micro);
  EXPECT_EQ(a.dev_re_f1_macro, b.dev_re_f1_macro);
  EXPECT_EQ(a.dev_score, b.dev_score);
  EXPECT_EQ(a.seconds, b.seconds);
  EXPECT_EQ(a.sentences_per_second, b.sentences_per_second);
}

// Returns the error message of `f`, which must throw IoError naming `path`.
template <class F>
std::string IoErrorOf(const std::string& path, F&& f) {
  try {
    f();
  } catch (const IoError& e) {
    EXPECT_EQ(e.path(), path);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected IoError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected IoError for " << path << ", nothing thrown";
  return "";
}

TEST_F(TrialFileTest, RoundTripsEveryField) {
  const TrialFile in = MakeTrial();
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, in);
  const TrialFile out = ReadTrialFile(path, /*with_checkpoints=*/true);

  EXPECT_EQ(out.schema_version, kTrialSchemaVersion);
  EXPECT_EQ(out.trial_id, in.trial_id);
  EXPECT_EQ(out.status, in.status);
  EXPECT_EQ(out.failure_class, in.failure_class);
  EXPECT_EQ(out.failure_message, in.failure_message);
  EXPECT_EQ(out.config_ini, in.config_ini);
  const std::map<std::string, std::string> expected_config{
      {"model.cell", "gru"}, {"model.shared_layers", "2"}, {"optim.lr", "0.001"}};
  EXPECT_EQ(out.config, expected_config);
  EXPECT_EQ(out.stage, in.stage);
  EXPECT_EQ(out.variant, in.variant);
  EXPECT_EQ(out.config_id, in.config_id);
  EXPECT_EQ(out.dataset, in.dataset);
  EXPECT_EQ(out.fold, in.fold);
  EXPECT_EQ(out.seed, in.seed);
  EXPECT_EQ(out.data_fingerprint, in.data_fingerprint);
  EXPECT_EQ(out.trainable_parameters, in.trainable_parameters);
  EXPECT_EQ(out.dts_version, in.dts_version);
  EXPECT_EQ(out.host, in.host);
  EXPECT_EQ(out.start_time, in.start_time);
  EXPECT_EQ(out.end_time, in.end_time);
  EXPECT_EQ(out.best_epoch, in.best_epoch);
  EXPECT_EQ(out.epochs_run, in.epochs_run);
  EXPECT_EQ(out.theta_r, in.theta_r);

  ASSERT_EQ(out.epochs.size(), in.epochs.size());
  for (std::size_t i = 0; i < in.epochs.size(); ++i) ExpectEpochEq(out.epochs[i], in.epochs[i]);
  ASSERT_EQ(out.theta_curve.size(), in.theta_curve.size());
  for (std::size_t i = 0; i < in.theta_curve.size(); ++i) {
    EXPECT_EQ(out.theta_curve[i].theta, in.theta_curve[i].theta);
    ExpectScoresEq(out.theta_curve[i].re, in.theta_curve[i].re);
  }
  ASSERT_TRUE(out.dev.has_value());
  ASSERT_TRUE(out.test.has_value());
  ExpectTaskEq(out.dev->ner, in.dev->ner);
  ExpectTaskEq(out.dev->re, in.dev->re);
  ExpectTaskEq(out.test->ner, in.test->ner);
  ExpectTaskEq(out.test->re, in.test->re);
  EXPECT_EQ(out.predictions, in.predictions);
  EXPECT_EQ(out.best_model, in.best_model);
  EXPECT_EQ(out.resume, in.resume);
  EXPECT_EQ(out.best_model_bytes, in.best_model->size());
  EXPECT_EQ(out.resume_bytes, in.resume->size());
  ASSERT_EQ(out.attempts.size(), in.attempts.size());
  for (std::size_t i = 0; i < in.attempts.size(); ++i) ExpectAttemptEq(out.attempts[i], in.attempts[i]);
}

TEST_F(TrialFileTest, AttemptHistoryGrowsByARowPerAttemptAndKeepsEarlierRows) {
  const std::string path = Path("trial.h5");
  TrialFile trial = MakeTrial();
  trial.attempts.clear();
  for (int attempt = 1; attempt <= 70; ++attempt) {  // more rows than one chunk
    AttemptRow row;
    row.attempt = attempt;
    row.rank = attempt % 4;
    row.host = "node" + std::to_string(attempt);
    row.start_time = "2020-05-01T12:00:00Z";
    row.outcome = attempt % 2 == 0 ? TrialStatus::kFailed : TrialStatus::kDiverged;
    trial.attempts.push_back(row);
    WriteTrialFile(path, trial);
    trial = ReadTrialFile(path, /*with_checkpoints=*/true);
    ASSERT_EQ(trial.attempts.size(), static_cast<std::size_t>(attempt));
  }
  for (int attempt = 1; attempt <= 70; ++attempt) {
    const AttemptRow& row = trial.attempts[attempt - 1];
    EXPECT_EQ(row.attempt, attempt);
    EXPECT_EQ(row.host, "node" + std::to_string(attempt));
    EXPECT_EQ(row.outcome, attempt % 2 == 0 ? TrialStatus::kFailed : TrialStatus::kDiverged);
  }
}

TEST_F(TrialFileTest, AnOutcomeATrialFileCannotCarryIsRefused) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTrial());
  TrialFile bad = MakeTrial();
  bad.attempts.back().outcome = TrialStatus::kPromoted;  // the manifest's word only
  EXPECT_NE(IoErrorOf(path, [&] { WriteTrialFile(path, bad); }).find("promoted"), std::string::npos);
  EXPECT_EQ(ReadTrialFile(path).attempts.size(), 2u);
}

// Removes `name` from an existing file, as files written before it existed lack it.
void RemoveObject(const std::string& path, const char* name) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0) << path;
  EXPECT_GE(H5Ldelete(file, name, H5P_DEFAULT), 0) << name;
  H5Fclose(file);
}

TEST_F(TrialFileTest, FilesWrittenBeforeTheAttemptHistoryReadWithoutAttempts) {
  const std::string path = Path("trial.h5");
  const TrialFile in = MakeTrial();
  WriteTrialFile(path, in);
  RemoveObject(path, kAttemptsDataset);
  const TrialFile old = ReadTrialFile(path, /*with_checkpoints=*/true);
  EXPECT_TRUE(old.attempts.empty());
  EXPECT_EQ(old.host, in.host);
  EXPECT_EQ(old.epochs.size(), in.epochs.size());
  EXPECT_EQ(old.resume, in.resume);
  // A resumed old trial writes the table from then on.
  UpdateTrialFile(path, [&](TrialFile& t) { t.attempts.push_back(in.attempts.front()); });
  const TrialFile updated = ReadTrialFile(path);
  ASSERT_EQ(updated.attempts.size(), 1u);
  ExpectAttemptEq(updated.attempts.front(), in.attempts.front());
}

// Sets or unsets an environment variable for one test's scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value != nullptr)
      ::setenv(name_.c_str(), value, 1);
    else
      ::unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(StartAttemptRowTest, NumbersFromTheSweepOrAfterTheLastRow) {
  const std::vector<AttemptRow> earlier = MakeTrial().attempts;  // the last one is attempt 4
  {
    const ScopedEnv attempt(trial_env::kAttempt, nullptr), rank(trial_env::kRank, nullptr);
    const AttemptRow by_hand = StartAttemptRow(earlier);
    EXPECT_EQ(by_hand.attempt, 5);
    EXPECT_EQ(by_hand.rank, -1);
    EXPECT_EQ(StartAttemptRow({}).attempt, 1);
    EXPECT_EQ(by_hand.pid, static_cast<std::int64_t>(::getpid()));
    EXPECT_FALSE(by_hand.host.empty());
    EXPECT_EQ(by_hand.start_time.size(), std::string("2020-05-01T12:00:00Z").size()) << by_hand.start_time;
    EXPECT_TRUE(by_hand.end_time.empty());
    EXPECT_EQ(by_hand.outcome, TrialStatus::kRunning);
    EXPECT_FALSE(by_hand.blas.empty());
    EXPECT_FALSE(by_hand.dts_version.empty());
  }
  {
    const ScopedEnv attempt(trial_env::kAttempt, "7"), rank(trial_env::kRank, "3");
    const AttemptRow in_sweep = StartAttemptRow(earlier);
    EXPECT_EQ(in_sweep.attempt, 7);
    EXPECT_EQ(in_sweep.rank, 3);
  }
  {
    const ScopedEnv attempt(trial_env::kAttempt, "seven");
    EXPECT_THROW(StartAttemptRow(earlier), ConfigError);
  }
}

TEST(StartAttemptRowTest, RecordsTheNumericsEnvironmentSortedByName) {
  // Whatever the test runner's environment holds of these prefixes, cleared for the test.
  std::vector<std::string> inherited;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string setting = *entry;
    for (const char* prefix : {"OMP_", "OPENBLAS_", "GOTO", "MKL_", "KMP_", "GOMP_"})
      if (setting.rfind(prefix, 0) == 0) inherited.push_back(setting.substr(0, setting.find('=')));
  }
  std::vector<std::unique_ptr<ScopedEnv>> cleared;
  for (const auto& name : inherited) cleared.push_back(std::make_unique<ScopedEnv>(name, nullptr));
  EXPECT_EQ(StartAttemptRow({}).numerics_env, "");

  const ScopedEnv omp("OMP_NUM_THREADS", "2"), blas("OPENBLAS_NUM_THREADS", "3"), gomp("GOMP_SPINCOUNT", "0"),
      goto_blas("GOTO_NUM_THREADS", "4"), kmp("KMP_AFFINITY", "compact"), mkl("MKL_CBWR", "COMPATIBLE"),
      other("DTS_NOT_NUMERICS", "1"), suffix_only("MY_OMP_NUM_THREADS", "9");
  EXPECT_EQ(StartAttemptRow({}).numerics_env,
            "GOMP_SPINCOUNT=0;GOTO_NUM_THREADS=4;KMP_AFFINITY=compact;MKL_CBWR=COMPATIBLE;OMP_NUM_THREADS=2;"
            "OPENBLAS_NUM_THREADS=3");
}

TEST_F(TrialFileTest, SkipsCheckpointsUnlessAskedButReportsTheirSizes) {
  const TrialFile in = MakeTrial();
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, in);
  const TrialFile out = ReadTrialFile(path);
  EXPECT_FALSE(out.best_model.has_value());
  EXPECT_FALSE(out.resume.has_value());
  EXPECT_EQ(out.best_model_bytes, 9u);
  EXPECT_EQ(out.resume_bytes, 3u * 1024 * 1024);
}

TEST_F(TrialFileTest, RunningTrialHasNoMetricsOrCheckpoints) {
  TrialFile in;
  in.trial_id = "t";
  in.status = TrialStatus::kRunning;
  const std::string path = Path("running.h5");
  WriteTrialFile(path, in);
  const TrialFile out = ReadTrialFile(path, true);
  EXPECT_EQ(out.status, TrialStatus::kRunning);
  EXPECT_FALSE(out.dev.has_value());
  EXPECT_FALSE(out.test.has_value());
  EXPECT_FALSE(out.best_model.has_value());
  EXPECT_FALSE(out.resume.has_value());
  EXPECT_TRUE(out.epochs.empty());
  EXPECT_TRUE(out.predictions.empty());
  EXPECT_TRUE(out.config.empty());
}

TEST_F(TrialFileTest, UpdateReplacesCheckpointAndKeepsTheRest) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTrial());
  UpdateTrialFile(path, [](TrialFile& t) {
    t.epochs.push_back({71, 0.01, 0, 0, 0, 0, 0, 0, 99.0, 1, 1});
    t.resume = std::string("new state");
  });
  const TrialFile out = ReadTrialFile(path, true);
  ASSERT_EQ(out.epochs.size(), 71u);
  EXPECT_EQ(out.epochs.back().dev_score, 99.0);
  EXPECT_EQ(out.resume, std::string("new state"));
  EXPECT_EQ(out.best_model, MakeTrial().best_model);
  // The rewrite must not grow the file by the old checkpoint's size.
  EXPECT_LT(fs::file_size(path), 1024u * 1024u);
}

// Bytes that differ from position to position, so that a misplaced piece shows.
std::string PatternBytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
  return bytes;
}

// A producer that hands `bytes` to the sink in uneven pieces (chunk boundaries fall inside them).
BlobSource ProducedInPieces(const std::string& bytes) {
  return BlobSource::Produced(bytes.size(), [&bytes](const BlobSource::Sink& sink) {
    std::size_t at = 0;
    for (std::size_t piece = 1; at < bytes.size(); piece = piece * 3 + 7) {
      const std::size_t n = std::min(piece, bytes.size() - at);
      sink(bytes.data() + at, n);
      at += n;
    }
  });
}

TEST_F(TrialFileTest, ProducedBlobsReadBackAsWritten) {
  const std::string path = Path("trial.h5");
  TrialFile trial = MakeTrial();
  trial.best_model.reset();
  trial.resume.reset();
  const std::string model = PatternBytes(5), resume = PatternBytes(2 * 1024 * 1024 + 12345);
  WriteTrialFile(path, trial, ProducedInPieces(model), ProducedInPieces(resume));
  const TrialFile out = ReadTrialFile(path, true);
  EXPECT_EQ(out.best_model, model);
  EXPECT_EQ(out.resume, resume);
  EXPECT_EQ(ReadCheckpointBlob(path, kResumeDataset), resume);
  EXPECT_EQ(ReadCheckpointBlob(path, kBestModelDataset), model);
}

TEST_F(TrialFileTest, ProducerThatBreaksItsWordFailsAndKeepsTheOldFile) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTrial());
  const std::string bytes = PatternBytes(3000);
  for (const std::uint64_t announced : {std::uint64_t{2999}, std::uint64_t{3001}}) {
    const BlobSource wrong = BlobSource::Produced(
        announced, [&bytes](const BlobSource::Sink& sink) { sink(bytes.data(), bytes.size()); });
    try {
      WriteTrialFile(path, MakeTrial(), BlobSource::None(), wrong);
      ADD_FAILURE() << "a producer of " << bytes.size() << " bytes announced as " << announced;
    } catch (const IoError& e) {
      EXPECT_EQ(e.path(), path);
      EXPECT_NE(std::string(e.what()).find("3000 bytes produced"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(ReadTrialFile(path, true).resume, MakeTrial().resume);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST_F(TrialFileTest, PreviousBlobsAreCarriedOverFromTheFileBeingReplaced) {
  const std::string path = Path("trial.h5");
  // No file yet: nothing to carry over.
  TrialFile trial = MakeTrial();
  trial.best_model.reset();
  trial.resume.reset();
  WriteTrialFile(path, trial, BlobSource::Previous(), BlobSource::Previous());
  EXPECT_FALSE(ReadCheckpointBlob(path, kBestModelDataset).has_value());
  EXPECT_FALSE(ReadCheckpointBlob(path, kResumeDataset).has_value());

  WriteTrialFile(path, MakeTrial());
  trial.epochs_run = 72;
  const std::string new_resume = PatternBytes(1500);
  WriteTrialFile(path, trial, BlobSource::Previous(), BlobSource::Bytes(new_resume));
  TrialFile out = ReadTrialFile(path, true);
  EXPECT_EQ(out.epochs_run, 72);
  EXPECT_EQ(out.best_model, MakeTrial().best_model);
  EXPECT_EQ(out.resume, new_resume);

  // Carried over twice, and with the other blob dropped.
  WriteTrialFile(path, trial, BlobSource::Previous(), BlobSource::None());
  WriteTrialFile(path, trial, BlobSource::Previous(), BlobSource::Previous());
  out = ReadTrialFile(path, true);
  EXPECT_EQ(out.best_model, MakeTrial().best_model);
  EXPECT_FALSE(out.resume.has_value());
}

TEST_F(TrialFileTest, StaleTemporaryDoesNotAffectReadingOrWriting) {
  const std::string path = Path("trial.h5");
  const TrialFile in = MakeTrial();
  WriteTrialFile(path, in);
  // What a writer killed mid-write leaves behind: a half-written PATH.tmp.
  {
    std::ofstream tmp(path + ".tmp", std::ios::binary);
    tmp << "\x89HDF\r\n\x1a\n half a file";
  }
  EXPECT_EQ(ReadTrialFile(path).trial_id, in.trial_id);
  TrialFile changed = in;
  changed.status = TrialStatus::kDiverged;
  WriteTrialFile(path, changed);
  EXPECT_EQ(ReadTrialFile(path).status, TrialStatus::kDiverged);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST_F(TrialFileTest, FailedWriteLeavesOldFileIntact) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTrial());
  TrialFile bad = MakeTrial();
  bad.status = TrialStatus::kPlanned;  // the manifest's word: never in a trial file
  IoErrorOf(path, [&] { WriteTrialFile(path, bad); });
  TrialFile bad_ini = MakeTrial();
  bad_ini.config_ini = "[model]\nno equals sign here\n";
  const std::string message = IoErrorOf(path, [&] { WriteTrialFile(path, bad_ini); });
  EXPECT_NE(message.find("config_ini:2:"), std::string::npos) << message;  // names the line
  EXPECT_EQ(ReadTrialFile(path).status, TrialStatus::kCompleted);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

// Replaces a root string attribute of an existing file, as an older dts version (or a foreign writer) might
// have written it: without text checksums, or the new text would read as damaged.
void SetRootString(const std::string& path, const char* name, const std::string& value) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0) << path;
  if (H5Lexists(file, kTextChecksumsDataset, H5P_DEFAULT) > 0)
    ASSERT_GE(H5Ldelete(file, kTextChecksumsDataset, H5P_DEFAULT), 0);
  ASSERT_GE(H5Adelete(file, name), 0) << name;
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* text = value.c_str();
  EXPECT_GE(H5Awrite(attr, type, &text), 0) << name;
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(file);
}

TEST_F(TrialFileTest, StatusWordsAreCheckedOnRead) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTrial());
  // Trial files of older dts versions call kInfrastructure "io".
  SetRootString(path, trial_attr::kFailureClass, "io");
  EXPECT_EQ(ReadTrialFile(path).failure_class, FailureClass::kInfrastructure);
  SetRootString(path, trial_attr::kStatus, "exploded");
  EXPECT_NE(IoErrorOf(path, [&] { ReadTrialFile(path); }).find("exploded"), std::string::npos);
  SetRootString(path, trial_attr::kStatus, Name(TrialStatus::kPlanned));  // the manifest's word only
  EXPECT_NE(IoErrorOf(path, [&] { ReadTrialFile(path); }).find("planned"), std::string::npos);
}

TEST_F(TrialFileTest, TruncatedFileIsAnIoErrorNamingIt) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTrial());
  fs::resize_file(path, fs::file_size(path) / 2);
  const std::string message = IoErrorOf(path, [&] { ReadTrialFile(path); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST_F(TrialFileTest, TruncatedSmallFileIsAnIoError) {
  // Without big checkpoints, half the file cuts into metadata rather than raw data.
  TrialFile t = MakeTrial();
  t.resume.reset();
  t.best_model.reset();
  const std::string path = Path("small.h5");
  WriteTrialFile(path, t);
  for (const double fraction : {0.9, 0.5, 0.1}) {
    WriteTrialFile(path, t);
    fs::resize_file(path, static_cast<std::uintmax_t>(fs::file_size(path) * fraction));
    IoErrorOf(path, [&] { ReadTrialFile(path, true); });
  }
}

TEST_F(TrialFileTest, GarbageEmptyMissingAndForeignFilesAreIoErrors) {
  const std::string garbage = Path("garbage.h5");
  {
    std::ofstream out(garbage, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 131) % 251));
  }
  EXPECT_NE(IoErrorOf(garbage, [&] { ReadTrialFile(garbage); }).find("not an HDF5 file"), std::string::npos);

  const std::string empty = Path("empty.h5");
  std::ofstream{empty};
  IoErrorOf(empty, [&] { ReadTrialFile(empty); });

  const std::string missing = Path("missing.h5");
  EXPECT_NE(IoErrorOf(missing, [&] { ReadTrialFile(missing); }).find("no such file"), std::string::npos);

  // A valid HDF5 file of the other dts kind: the manifest is not a trial file.
  const std::string manifest = Path("sweep.h5");
  WriteSweepManifest(manifest, SweepManifest{"s", "", TrialStatus::kRunning, "v", {}, {}});
  EXPECT_NE(IoErrorOf(manifest, [&] { ReadTrialFile(manifest); }).find("dts-sweep"), std::string::npos);
  IoErrorOf(Path("trial.h5"), [&] { ReadSweepManifest(Path("trial.h5")); });
}

TEST_F(TrialFileTest, CorruptedBytesAreAnIoErrorNotACrash) {
  TrialFile t = MakeTrial();
  t.resume.reset();
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, t);
  const auto size = fs::file_size(path);
  // Overwrite the metadata near the start (after the superblock): checksums must catch it.
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(std::min<std::uintmax_t>(200, size / 4)));
  for (int i = 0; i < 512; ++i) f.put('\x42');
  f.close();
  IoErrorOf(path, [&] { ReadTrialFile(path, true); });
}

TEST(ParseConfigIniTest, FlattensSectionsAndSkipsComments) {
  const auto values = ParseConfigIni("# c\n[a]\nx = 1\n; c\n[b]\n  y=two words \n", "t");
  const std::map<std::string, std::string> expected{{"a.x", "1"}, {"b.y", "two words"}};
  EXPECT_EQ(values, expected);
  EXPECT_THROW(ParseConfigIni("x = 1\n", "t"), Error);
  EXPECT_THROW(ParseConfigIni("[a\n", "t"), Error);
}

}  // namespace
}  // namespace dts::schema
