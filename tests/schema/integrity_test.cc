// Damaged raw data and failed writes (issue 15): HDF5 checksums its metadata but not raw data unless a
// dataset has the Fletcher32 filter, so these tests damage the bytes of a dataset's chunks (found through
// HDF5's own chunk index, or the contiguous data offset of files written before the filter) and expect an
// IoError naming the file and the dataset. A write that fails half-way (a full disk, here RLIMIT_FSIZE) must
// throw IoError, keep the previous file and leave HDF5 able to shut down cleanly at exit.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/exit_codes.h"
#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"
#include "schema/trial_schema.h"
#include "tests/schema/temp_dir_test.h"

namespace dts::schema {
namespace {

namespace fs = std::filesystem;

using IntegrityTest = TempDirTest;

// Distinctive values, found in the raw data by their bytes.
constexpr std::int64_t kTp = 0x0123456789abcdefLL;
constexpr std::uint64_t kSeed = 0x1122334455667788ULL;

TrialFile MakeTrial() {
  TrialFile t;
  t.trial_id = "0123456789abcdef";
  t.status = TrialStatus::kCompleted;
  t.config_ini = "[model]\ncell = gru\n";
  t.dataset = "ade";
  t.fold = 3;
  t.seed = 42;
  t.best_epoch = 2;
  t.epochs_run = 3;
  for (int e = 1; e <= 3; ++e) t.epochs.push_back({e, 1.0 / e, 0.5, 0.5, 50, 49, 30, 29, 40.0 + e, 60, 300});
  for (int i = 1; i <= 19; ++i) {
    const double f = i;
    t.theta_curve.push_back({i * 0.05, {f, f + 1, f + 2, f + 3, f + 4, f + 5}});
  }
  SplitMetrics split;
  split.ner.scores = {1, 2, 3, 4, 5, 6};
  split.re.scores = {7, 8, 9, 10, 11, 12};
  split.re.per_type = {{"Adverse-Effect", kTp, 5, 6, 44.4, 40.0, 42.1}};
  t.dev = split;
  t.test = split;
  t.predictions = {R"({"id":"s1"})"};
  std::string model(64 * 1024, '\0');
  for (std::size_t i = 0; i < model.size(); ++i) model[i] = static_cast<char>(i * 7 % 251);
  t.best_model = model;
  std::string resume(3 * 1024 * 1024 + 5, '\0');
  for (std::size_t i = 0; i < resume.size(); ++i) resume[i] = static_cast<char>(i * 13 % 253);
  t.resume = resume;
  return t;
}

// The file offset and length of the raw data of `dataset`'s first chunk, or of its contiguous data.
struct RawData {
  haddr_t offset = HADDR_UNDEF;
  hsize_t size = 0;
};
RawData FindRawData(const std::string& path, const std::string& dataset) {
  RawData raw;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  const hid_t dset = H5Dopen2(file, dataset.c_str(), H5P_DEFAULT);
  EXPECT_GE(dset, 0) << dataset;
  const hid_t dcpl = H5Dget_create_plist(dset);
  if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
    hsize_t chunks = 0;
    const hid_t space = H5Dget_space(dset);
    EXPECT_GE(H5Dget_num_chunks(dset, space, &chunks), 0);
    EXPECT_GT(chunks, 0u) << dataset;
    hsize_t chunk_offset[1] = {0};
    unsigned filter_mask = 0;
    EXPECT_GE(H5Dget_chunk_info(dset, space, 0, chunk_offset, &filter_mask, &raw.offset, &raw.size), 0);
    H5Sclose(space);
  } else {
    raw.offset = H5Dget_offset(dset);
    raw.size = H5Dget_storage_size(dset);
  }
  H5Pclose(dcpl);
  H5Dclose(dset);
  H5Fclose(file);
  EXPECT_NE(raw.offset, HADDR_UNDEF) << dataset;
  return raw;
}

// Where `pattern` (a value the test wrote) starts in the raw data of `dataset`'s first chunk.
hsize_t FindInRawData(const std::string& path, const std::string& dataset, const std::string& pattern) {
  const RawData raw = FindRawData(path, dataset);
  std::ifstream f(path, std::ios::binary);
  std::string bytes(raw.size, '\0');
  f.seekg(static_cast<std::streamoff>(raw.offset));
  f.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const auto at = bytes.find(pattern);
  EXPECT_NE(at, std::string::npos) << dataset;
  return at == std::string::npos ? 0 : at;
}

template <class T>
std::string BytesOf(T value) {
  return std::string(reinterpret_cast<const char*>(&value), sizeof(value));  // little-endian, as on disk
}

// Inverts up to `count` bytes of `dataset`'s raw data, starting `skip` bytes in (as a bad disk block or a
// stray write would).
void DamageRawData(const std::string& path, const std::string& dataset, hsize_t skip = 0,
                   hsize_t count = 32) {
  const RawData raw = FindRawData(path, dataset);
  ASSERT_GT(raw.size, skip) << dataset;
  const hsize_t n = std::min<hsize_t>(count, raw.size - skip);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << path;
  std::vector<char> bytes(n);
  f.seekg(static_cast<std::streamoff>(raw.offset + skip));
  f.read(bytes.data(), static_cast<std::streamsize>(n));
  for (char& b : bytes) b = static_cast<char>(~b);
  f.seekp(static_cast<std::streamoff>(raw.offset + skip));
  f.write(bytes.data(), static_cast<std::streamsize>(n));
  ASSERT_TRUE(f) << path;
}

// The message of the IoError that `read` must throw, naming `path` and `dataset`.
template <class F>
std::string DamageErrorOf(const std::string& path, const std::string& dataset, F&& read) {
  try {
    read();
  } catch (const IoError& e) {
    EXPECT_EQ(e.path(), path);
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(dataset), std::string::npos) << what;
    EXPECT_NE(what.find("damaged data"), std::string::npos) << what;
    return what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << dataset << ": expected IoError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << dataset << ": damaged raw data was read without an error";
  return "";
}

TEST_F(IntegrityTest, DamagedRawDataOfEveryDatasetIsAnIoErrorNamingIt) {
  const struct {
    std::string dataset;
    bool checkpoints;  // only a read with checkpoints reads the blobs
  } cases[] = {
      {std::string("/") + kCheckpointGroup + "/" + kResumeDataset, true},
      {std::string("/") + kCheckpointGroup + "/" + kBestModelDataset, true},
      {std::string("/") + kThetaCurveDataset, false},
      {std::string("/") + kEpochsDataset, false},
      {std::string("/") + kMetricsGroup + "/" + kTestGroup + "/" + kRePerTypeDataset, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dataset);
    const std::string path = Path("trial.h5");
    WriteTrialFile(path, MakeTrial());
    // In a per-type row, its counts (not its string's heap reference, whose damage HDF5 notices anyway).
    const bool per_type = c.dataset.find(kRePerTypeDataset) != std::string::npos;
    DamageRawData(path, c.dataset, per_type ? FindInRawData(path, c.dataset, BytesOf(kTp)) : 8, 24);
    DamageErrorOf(path, c.dataset, [&] { ReadTrialFile(path, c.checkpoints); });
  }
}

TEST_F(IntegrityTest, DamagedManifestRowsAreAnIoErrorNamingTheDataset) {
  SweepManifest manifest;
  manifest.sweep_name = "s";
  manifest.dts_version = "v";
  for (int i = 0; i < 5; ++i) {
    manifest.trials.push_back({"t" + std::to_string(i), "final", "c", "", i, kSeed, TrialStatus::kCompleted,
                               "", 1, 2.5, 80, "[a]\n"});
  }
  const std::string path = Path("sweep.h5");
  WriteSweepManifest(path, manifest);
  // Row 0's seed (not its strings' heap references, whose damage HDF5 notices anyway).
  const std::string trials = std::string("/") + kTrialsDataset;
  DamageRawData(path, trials, FindInRawData(path, trials, BytesOf(kSeed)), sizeof(kSeed));
  DamageErrorOf(path, trials, [&] { ReadSweepManifest(path); });
}

// Rewrites `name` as dts wrote it before the checksum filter: contiguous (blobs) or chunked without a filter.
void RewriteWithoutChecksums(const std::string& path, const std::string& name, bool contiguous) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t dset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  ASSERT_GE(dset, 0) << name;
  const hid_t type = H5Dget_type(dset);
  const hid_t space = H5Dget_space(dset);
  const hsize_t n = static_cast<hsize_t>(H5Sget_simple_extent_npoints(space));
  std::vector<unsigned char> data(n * H5Tget_size(type));
  ASSERT_GE(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0);
  H5Dclose(dset);
  ASSERT_GE(H5Ldelete(file, name.c_str(), H5P_DEFAULT), 0);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t new_space = -1;
  if (contiguous) {
    new_space = H5Screate_simple(1, &n, nullptr);
  } else {
    const hsize_t max = H5S_UNLIMITED;
    const hsize_t chunk = 64;
    new_space = H5Screate_simple(1, &n, &max);
    H5Pset_chunk(dcpl, 1, &chunk);
  }
  const hid_t out = H5Dcreate2(file, name.c_str(), type, new_space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ASSERT_GE(out, 0) << name;
  ASSERT_GE(H5Dwrite(out, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0);
  H5Dclose(out);
  H5Sclose(new_space);
  H5Sclose(space);
  H5Pclose(dcpl);
  H5Tclose(type);
  H5Fclose(file);
}

TEST_F(IntegrityTest, FilesWrittenWithoutChecksumsStillRead) {
  const std::string path = Path("old.h5");
  const TrialFile in = MakeTrial();
  WriteTrialFile(path, in);
  RewriteWithoutChecksums(path, std::string("/") + kCheckpointGroup + "/" + kResumeDataset, true);
  RewriteWithoutChecksums(path, std::string("/") + kCheckpointGroup + "/" + kBestModelDataset, true);
  RewriteWithoutChecksums(path, std::string("/") + kEpochsDataset, false);
  RewriteWithoutChecksums(path, std::string("/") + kThetaCurveDataset, false);
  const TrialFile out = ReadTrialFile(path, true);
  EXPECT_EQ(out.resume, in.resume);
  EXPECT_EQ(out.best_model, in.best_model);
  ASSERT_EQ(out.epochs.size(), in.epochs.size());
  EXPECT_EQ(out.epochs.back().dev_score, in.epochs.back().dev_score);
  ASSERT_EQ(out.theta_curve.size(), in.theta_curve.size());
  EXPECT_EQ(out.theta_curve.back().re.f1_macro, in.theta_curve.back().re.f1_macro);
}

TEST_F(IntegrityTest, EveryDatasetIsChunkedWithFletcher32) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTrial());
  const std::string sweep = Path("sweep.h5");
  SweepManifest empty;
  empty.sweep_name = "s";
  empty.dts_version = "v";
  WriteSweepManifest(sweep, empty);
  for (const auto& [file_path, names] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {path,
            {"/epochs", "/theta_curve", "/metrics/dev/ner_per_type", "/metrics/test/re_per_type",
             "/checkpoint/best_model", "/checkpoint/resume", "/text_checksums"}},
           {sweep, {"/trials", "/text_checksums"}}}) {
    const hid_t file = H5Fopen(file_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    for (const auto& name : names) {
      const hid_t dset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
      ASSERT_GE(dset, 0) << name;
      const hid_t dcpl = H5Dget_create_plist(dset);
      EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED) << name;
      unsigned flags = 0;
      size_t cd_nelmts = 0;
      EXPECT_GE(
          H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &cd_nelmts, nullptr, 0, nullptr, nullptr),
          0)
          << name << " has no Fletcher32 filter";
      H5Pclose(dcpl);
      H5Dclose(dset);
    }
    H5Fclose(file);
  }
  // Checkpoint chunks are sized to the blob: a small model does not take a whole chunk of disk.
  TrialFile small = MakeTrial();
  small.best_model = std::string("tiny");
  small.resume.reset();
  WriteTrialFile(path, small);
  EXPECT_LT(fs::file_size(path), 200u * 1024);
}

// Issue 28: text (variable-length strings) lives in HDF5's global heap, which no filter checksums. These
// tests change one byte of a stored text, found by its bytes in the file, as a bad block or a stray write
// would, and expect an IoError naming the file and where the text is.

// The offset of the `occurrence`-th (0-based) `pattern` in the file's bytes.
std::size_t FindInFile(const std::string& path, const std::string& pattern, int occurrence = 0) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t at = bytes.find(pattern);
  for (int i = 0; i < occurrence && at != std::string::npos; ++i) at = bytes.find(pattern, at + 1);
  EXPECT_NE(at, std::string::npos) << "'" << pattern << "' not in " << path;
  return at;
}

void SetByte(const std::string& path, std::size_t offset, char value) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << path;
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(value);
  ASSERT_TRUE(f) << path;
}

// A trial whose every kind of text is distinctive: root attributes, /config, a table's string column, the
// attempt history and the predictions.
TrialFile MakeTextTrial() {
  TrialFile t = MakeTrial();
  t.config_ini = "[data]\npath = corpora/ade-7q\n\n[model]\ncell = gru\n";
  t.predictions = {R"({"id":"s1","entities":[{"type":"Drug","start":3,"end":4}]})", R"({"id":"s2"})"};
  AttemptRow attempt;
  attempt.attempt = 1;
  attempt.host = "node-zz9";
  attempt.outcome = TrialStatus::kCompleted;
  t.attempts = {attempt};
  return t;
}

TEST_F(IntegrityTest, DamagedTextOfEveryKindIsAnIoErrorNamingWhereItIs) {
  const struct {
    std::string pattern;  // stored text, found by its bytes
    int occurrence;
    std::string where;  // what the error must name
  } cases[] = {
      {R"("start":3)", 0, "/predictions"},
      {"path = corpora/ade-7q", 0, "attribute 'config_ini' on /"},
      // The /config value of data.path: its own heap object, after config_ini's copy of the text.
      {"corpora/ade-7q", 1, "attribute 'data.path' on /config"},
      {"Adverse-Effect", 0, "re_per_type (column 'type')"},
      {"node-zz9", 0, "/attempts (column 'host')"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.where);
    const std::string path = Path("trial.h5");
    WriteTrialFile(path, MakeTextTrial());
    ASSERT_TRUE(ReadTrialFile(path).text_verified);
    SetByte(path, FindInFile(path, c.pattern, c.occurrence) + c.pattern.size() - 1, '8');  // one character
    const std::string what = DamageErrorOf(path, c.where, [&] { ReadTrialFile(path); });
    EXPECT_NE(what.find("text_checksums"), std::string::npos) << what;
  }
}

TEST_F(IntegrityTest, DamagedManifestTextIsAnIoErrorNamingWhereItIs) {
  SweepManifest manifest;
  manifest.sweep_name = "s";
  manifest.sweep_ini = "[sweep]\nname = s-4k\n";
  manifest.dts_version = "v";
  for (int i = 0; i < 3; ++i) {
    manifest.trials.push_back({"t" + std::to_string(i), "final", "c", "", i, kSeed, TrialStatus::kCompleted,
                               "", 1, 2.5, 80, "[model]\nhidden = 6" + std::to_string(i) + "\n"});
  }
  const struct {
    std::string pattern;
    std::string where;
  } cases[] = {{"name = s-4k", "attribute 'sweep_ini' on /"},
               {"hidden = 61", "/trials (column 'config_ini')"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.where);
    const std::string path = Path("sweep.h5");
    WriteSweepManifest(path, manifest);
    ASSERT_TRUE(ReadSweepManifest(path).text_verified);
    SetByte(path, FindInFile(path, c.pattern) + c.pattern.size() - 1, '9');
    DamageErrorOf(path, c.where, [&] { ReadSweepManifest(path); });
  }
}

// Files written before the checksums (no /text_checksums) read as before, and say that their text is
// unverified; damage to it then goes unnoticed, as it always did.
TEST_F(IntegrityTest, FilesWrittenBeforeTextChecksumsReadUnverified) {
  const std::string path = Path("old.h5");
  const TrialFile in = MakeTextTrial();
  WriteTrialFile(path, in);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  ASSERT_GE(H5Ldelete(file, kTextChecksumsDataset, H5P_DEFAULT), 0);
  H5Fclose(file);
  const TrialFile out = ReadTrialFile(path, true);
  EXPECT_FALSE(out.text_verified);
  EXPECT_EQ(out.predictions, in.predictions);
  EXPECT_EQ(out.config_ini, in.config_ini);
  EXPECT_EQ(out.attempts.front().host, "node-zz9");
  SetByte(path, FindInFile(path, R"("start":3)") + 8, '8');
  EXPECT_NE(ReadTrialFile(path).predictions.front().find(R"("start":8)"), std::string::npos);
  // Rewritten by this version (a --resume), the file is checksummed again.
  UpdateTrialFile(path, [](TrialFile&) {});
  EXPECT_TRUE(ReadTrialFile(path).text_verified);
}

#ifdef DTS_INSPECT_BIN
// Runs dts-inspect with `arguments`; returns its exit code and fills `output` (stdout and stderr).
int RunInspect(const std::string& arguments, std::string& output) {
  const std::string command = std::string(DTS_INSPECT_BIN) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  for (std::size_t n = 0; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(IntegrityTest, DtsInspectRefusesDamagedPredictions) {
  const std::string path = Path("trial.h5");
  WriteTrialFile(path, MakeTextTrial());
  std::string output;
  ASSERT_EQ(RunInspect(path + " --predictions", output), 0) << output;
  EXPECT_NE(output.find(R"("start":3)"), std::string::npos) << output;
  SetByte(path, FindInFile(path, R"("start":3)") + 8, '8');
  output.clear();
  EXPECT_EQ(RunInspect(path + " --predictions", output), kExitIo) << output;
  EXPECT_NE(output.find(path), std::string::npos) << output;
  EXPECT_NE(output.find("damaged data in /predictions"), std::string::npos) << output;
  EXPECT_EQ(output.find(R"("start":8)"), std::string::npos) << output;  // the altered text is not printed
}

TEST_F(IntegrityTest, DtsInspectFailsOnDamagedDataNamingTheDataset) {
  for (const std::string& dataset :
       {std::string("/") + kEpochsDataset, std::string("/") + kCheckpointGroup + "/" + kResumeDataset}) {
    SCOPED_TRACE(dataset);
    const std::string path = Path("trial.h5");
    WriteTrialFile(path, MakeTrial());
    DamageRawData(path, dataset, 8);
    const std::string command = std::string(DTS_INSPECT_BIN) + " " + path + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    for (std::size_t n = 0; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
    const int status = ::pclose(pipe);
    ASSERT_TRUE(WIFEXITED(status)) << output;
    EXPECT_EQ(WEXITSTATUS(status), kExitIo) << output;  // an IoError, not garbage rows
    EXPECT_NE(output.find(path), std::string::npos) << output;
    EXPECT_NE(output.find(dataset), std::string::npos) << output;
    EXPECT_EQ(output.find("epoch   loss"), std::string::npos) << output;
  }
}
#endif

// Runs `body` in a forked child and returns its wait status: the child exits through std::exit, so HDF5's
// atexit handler (H5close) runs as it does at the end of dts-train.
template <class F>
int InChild(F&& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) std::exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST_F(IntegrityTest, FailedWriteOnAFullDiskIsAnIoErrorAndKeepsTheOldFile) {
  const std::string path = Path("trial.h5");
  const TrialFile old_trial = MakeTrial();
  WriteTrialFile(path, old_trial);
  const std::string report = Path("child.txt");
  const int status = InChild([&]() -> int {
    std::ofstream out(report);
    // A disk that fills up after 256 KiB of a file: writes past it fail with EFBIG, as with ENOSPC.
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = 256 * 1024;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 20;
    TrialFile bigger = old_trial;
    bigger.status = TrialStatus::kFailed;
    bigger.resume = std::string(4 * 1024 * 1024, 'x');
    int code = 0;
    try {
      WriteTrialFile(path, bigger);
      out << "no error\n";
      code = 21;
    } catch (const IoError& e) {
      out << e.what() << "\n";
      if (e.path() != path) code = 22;
    } catch (const std::exception& e) {
      out << "not an IoError: " << e.what() << "\n";
      code = 23;
    }
    try {
      const TrialFile back = ReadTrialFile(path, true);
      if (back.status != TrialStatus::kCompleted || back.resume != old_trial.resume) code = 24;
    } catch (const std::exception& e) {
      out << "old file unreadable: " << e.what() << "\n";
      code = 25;
    }
    if (fs::exists(path + ".tmp")) code = 26;
    return code;  // std::exit: runs HDF5's H5close, which must not crash on a half-written file
  });
  std::ifstream in(report);
  const std::string message((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                                 << "; it said: " << message;
  EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;  // strerror(EFBIG)
  // And in this process too, the old file is intact.
  EXPECT_EQ(ReadTrialFile(path, true).resume, old_trial.resume);
}

}  // namespace
}  // namespace dts::schema
