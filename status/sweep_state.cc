#include "status/sweep_state.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/ini.h"
#include "status/summary.h"

namespace dts::status {

namespace fs = std::filesystem;

namespace {

// A torn read lasts as long as one rename: a few short retries are enough, and a file that still fails
// after them is damaged, which is worth saying rather than waiting on.
constexpr int kReadTries = 8;
constexpr auto kRetryPause = std::chrono::milliseconds(30);
// The tail of a log that is read: the last attempt's header and output line are near the end, and a trial's
// log can grow to megabytes (one line per epoch over many attempts).
constexpr std::streamoff kLogTailBytes = std::streamoff{64} * 1024;

bool StatFile(const std::string& path, double& mtime, long long& size) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  mtime = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec * 1e-9;
  size = static_cast<long long>(st.st_size);
  return true;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

LockInfo ReadLock(const std::string& path, double now) {
  LockInfo lock;
  std::ifstream in(path);
  if (!in) return lock;
  double mtime = 0;
  long long size = 0;
  if (!StatFile(path, mtime, size)) return lock;
  lock.present = true;
  lock.age_s = std::max(0.0, now - mtime);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) lock.fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const auto lease = lock.fields.find("lease_s");
  if (lease != lock.fields.end()) {
    try {
      lock.lease_s = std::stod(lease->second);
    } catch (const std::exception&) {
      lock.lease_s = 0;
    }
  }
  return lock;
}

LogInfo ReadLog(const std::string& path) {
  LogInfo info;
  long long size = 0;
  if (!StatFile(path, info.mtime, size)) return info;
  std::ifstream in(path, std::ios::binary);
  if (!in) return info;
  const std::streamoff start = std::max<std::streamoff>(0, size - kLogTailBytes);
  in.seekg(start);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (start > 0) {
    const auto newline = text.find('\n');  // drop the partial first line
    text = newline == std::string::npos ? std::string() : text.substr(newline + 1);
  }
  const double mtime = info.mtime;
  info = ParseLogTail(text);
  info.present = true;
  info.mtime = mtime;
  return info;
}

TrialInfo ReadTrial(const std::string& path) {
  TrialInfo info;
  for (int attempt = 0; attempt < kReadTries; ++attempt) {
    if (!StatFile(path, info.mtime, info.size)) {
      info.present = false;
      return info;
    }
    info.present = true;
    try {
      info.file = schema::ReadTrialFile(path, /*with_checkpoints=*/false);
      // Only progress is shown: the predictions would only cost memory over thousands of trials.
      info.file.predictions.clear();
      info.file.predictions.shrink_to_fit();
      info.file.theta_curve.clear();
      info.readable = true;
      info.error.clear();
      return info;
    } catch (const Error& e) {
      info.error = e.what();
    }
    std::this_thread::sleep_for(kRetryPause);
  }
  return info;
}

int CountSpaceValues(const std::string& value) {
  const std::string text = Trim(value);
  if (text.rfind("real(", 0) == 0 || text.rfind("logreal(", 0) == 0) return 0;  // random only
  if (text.rfind("int(", 0) == 0) {
    const auto comma = text.find(',');
    const auto close = text.find(')');
    if (comma == std::string::npos || close == std::string::npos) return 0;
    try {
      const long long lo = std::stoll(text.substr(4, comma - 4));
      const long long hi = std::stoll(text.substr(comma + 1, close - comma - 1));
      return hi >= lo ? static_cast<int>(hi - lo + 1) : 0;
    } catch (const std::exception&) {
      return 0;
    }
  }
  int count = 1;
  for (char c : text) count += c == ',';
  return count;
}

}  // namespace

double ParseIsoUtc(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return 0;
  return static_cast<double>(timegm(&tm));
}

std::string FormatIsoUtc(double seconds) {
  const std::time_t t = static_cast<std::time_t>(std::llround(seconds));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

LogInfo ParseLogTail(const std::string& text) {
  LogInfo info;
  std::istringstream lines(text);
  std::string line;
  static const std::string kHeader = "=== attempt ";
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(kHeader, 0) == 0) {
      // "=== attempt N at <UTC> on host H, rank R, pid P: <command line>"
      LogInfo header;
      std::istringstream in(line.substr(kHeader.size()));
      std::string at, on, host_word, rank_word, pid_word, pid_text;
      in >> header.attempt >> at >> header.start_time >> on >> host_word >> header.host >> rank_word >>
          header.rank;
      in.ignore(1);  // the comma after the rank
      in >> pid_word >> pid_text;
      if (!header.host.empty() && header.host.back() == ',') header.host.pop_back();
      try {
        header.pid = std::stol(pid_text);  // "4242:" or "none:"
      } catch (const std::exception&) {
        header.pid = 0;
      }
      info = header;
      continue;
    }
    // A sweep that set a stale earlier output aside writes "=== <note>": not the trial's own output.
    if (line.rfind("=== ", 0) == 0) continue;
    if (!Trim(line).empty()) info.last_line = Trim(line);
  }
  return info;
}

void ParseSweepText(const std::string& text, config::SweepSettings& settings, SpaceInfo& space,
                    std::vector<std::string>& notes) {
  std::vector<IniEntry> entries;
  try {
    entries = ParseIniText(text, "sweep.h5 sweep_ini");
  } catch (const Error& e) {
    notes.push_back(std::string("the stored sweep file does not parse (") + e.what() +
                    "): the [sweep] defaults are assumed");
    return;
  }
  config::SweepConfig holder;
  for (const auto& entry : entries) {
    if (entry.key.rfind("sweep.", 0) == 0) {
      try {
        config::SweepSchema().Set(holder, entry.key, entry.value, entry.source);
      } catch (const Error& e) {
        notes.push_back(std::string("skipped: ") + e.what());
      }
    } else if (entry.key.rfind("space.", 0) == 0) {
      space.grid_points *= CountSpaceValues(entry.value);
    } else if (entry.key.rfind("constraints.", 0) == 0) {
      space.has_constraints = true;
    }
  }
  settings = holder.sweep;
}

schema::SweepManifest ReadManifestWithRetry(const std::string& path, int tries, int& retries) {
  for (int attempt = 1;; ++attempt) {
    try {
      return schema::ReadSweepManifest(path);
    } catch (const IoError&) {
      ++retries;
      if (attempt >= tries) throw;
    }
    std::this_thread::sleep_for(kRetryPause);
  }
}

const TrialInfo& TrialCache::Get(const std::string& path, int& read) {
  double mtime = 0;
  long long size = 0;
  auto it = files_.find(path);
  const bool exists = StatFile(path, mtime, size);
  if (it != files_.end() && exists && it->second.readable && it->second.mtime == mtime &&
      it->second.size == size)
    return it->second;
  if (!exists) {
    files_[path] = TrialInfo{};
    return files_[path];
  }
  ++read;
  files_[path] = ReadTrial(path);
  return files_[path];
}

SweepState ReadSweepState(const std::string& dir, TrialCache& cache) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError(dir + " is not a directory (give a sweep's --out DIR)");
  SweepState state;
  state.dir = dir;
  const std::string lock_path = (fs::path(dir) / "sweep.lock").string();
  const std::string manifest_path = (fs::path(dir) / "sweep.h5").string();
  // The lock first, then the manifest: a sweep that ends in between writes its final manifest before it
  // removes its lock, so "no lock, manifest running" is then seen only after a crash (checked again below).
  for (int look = 0; look < 2; ++look) {
    state.now = Now();
    state.lock = ReadLock(lock_path, state.now);
    long long size = 0;
    state.has_manifest = StatFile(manifest_path, state.manifest_mtime, size);
    if (state.has_manifest) {
      try {
        state.manifest = ReadManifestWithRetry(manifest_path, kReadTries, state.manifest_retries);
        state.manifest_error.clear();
      } catch (const Error& e) {
        state.manifest_error = e.what();
      }
    }
    const bool looks_crashed = state.has_manifest && state.manifest_error.empty() && !state.lock.present &&
                               state.manifest.status == schema::TrialStatus::kRunning;
    if (!looks_crashed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!state.has_manifest || !state.manifest_error.empty()) return state;
  ParseSweepText(state.manifest.sweep_ini, state.settings, state.space, state.settings_notes);

  // Which trials have something to show: running ones (progress, host), those whose attempts failed (the last
  // line of their log), and finished ones for the ETA's time per epoch: the newest kSampledPerClass of each
  // size class, newest first (the latest rows ran under the current load), so that a snapshot of a sweep of
  // thousands of trials reads a few hundred files at most.
  std::set<std::string> with_file, with_log;
  std::map<std::string, std::string> class_of;  // config_id -> size class
  std::map<std::string, int> sampled;           // size class -> files chosen
  for (auto it = state.manifest.trials.rbegin(); it != state.manifest.trials.rend(); ++it) {
    const auto& row = *it;
    if (row.status == schema::TrialStatus::kRunning) {
      with_file.insert(row.trial_id);
      with_log.insert(row.trial_id);
    } else if (schema::HasResult(row.status)) {
      auto known = class_of.find(row.config_id);
      if (known == class_of.end())
        known = class_of.emplace(row.config_id, FactsOfIni(row.config_ini).SizeClass()).first;
      if (sampled[known->second] < kSampledPerClass && with_file.insert(row.trial_id).second)
        ++sampled[known->second];
    } else if (row.status == schema::TrialStatus::kFailed || row.status == schema::TrialStatus::kBadConfig) {
      with_log.insert(row.trial_id);
    }
  }
  for (const auto& attempt : state.manifest.attempts)
    if (attempt.outcome != "completed" && attempt.outcome != "interrupted") with_log.insert(attempt.trial_id);
  const fs::path trials_dir = fs::path(dir) / "trials";
  for (const auto& id : with_file) {
    const TrialInfo& info = cache.Get((trials_dir / (id + ".h5")).string(), state.trial_files_read);
    if (info.present) state.trials[id] = info;
  }
  for (const auto& id : with_log) {
    LogInfo log = ReadLog((trials_dir / (id + ".log")).string());
    if (log.present) state.logs[id] = log;
  }
  return state;
}

}  // namespace dts::status
