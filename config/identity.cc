#include "config/identity.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/hash.h"

namespace dts::config {

namespace fs = std::filesystem;

namespace {

const std::string& FoldKey() {
  static const std::string key = TrainSchema().Key(&TrainConfig::data, &DataConfig::fold);
  return key;
}
const std::string& SeedKey() {
  static const std::string key = TrainSchema().Key(&TrainConfig::train, &OptimConfig::seed);
  return key;
}
const std::string& MaxEpochsKey() {
  static const std::string key = TrainSchema().Key(&TrainConfig::train, &OptimConfig::max_epochs);
  return key;
}

void HashFile(Hasher& hasher, const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path.string(), "cannot read corpus file for its fingerprint");
  std::stringstream bytes;
  bytes << in.rdbuf();
  hasher.Add(bytes.str());
}

}  // namespace

bool IsPerRunKey(const std::string& key) {
  return key == FoldKey() || key == SeedKey() || key.rfind(TrialParams().section() + ".", 0) == 0;
}

std::string IdentityText(const TrainConfig& config, bool without_max_epochs) {
  // A resolved configuration holds absolute paths (a relative one is resolved against the file that names
  // it). They enter the identity relative to the working directory, so that moving the whole tree changes no
  // id, and so that sweeps planned before paths were resolved, which hashed the text as written relative to
  // the working directory, keep their ids.
  TrainConfig relative = config;
  const fs::path here = fs::current_path();
  for (const auto& key : TrainSchema().Keys()) {
    if (!IsPathKey(key)) continue;
    const fs::path value = TrainSchema().Get(config, key);
    if (!value.is_absolute()) continue;
    const fs::path from_here = value.lexically_normal().lexically_relative(here);
    if (!from_here.empty()) TrainSchema().Set(relative, key, from_here.string(), "identity");
  }
  return TrainSchema().CanonicalIni(relative, [without_max_epochs](const std::string& key) {
    return !IsPerRunKey(key) && !(without_max_epochs && key == MaxEpochsKey());
  });
}

std::string ConfigId(const std::string& identity_text) {
  return Hasher().Add(identity_text).Hex().substr(0, 12);
}

std::string TrialId(const std::string& identity_text, int fold, std::uint64_t seed,
                    const std::string& data_fingerprint) {
  return Hasher().Add(identity_text).Add(std::to_string(fold)).Add(seed).Add(data_fingerprint).Hex();
}

std::string DataFingerprint(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !fs::exists(path, ec)) return "none";
  Hasher hasher;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(path))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      hasher.Add(fs::relative(file, path).string());
      HashFile(hasher, file);
    }
  } else {
    HashFile(hasher, path);
  }
  return hasher.Hex();
}

}  // namespace dts::config
