#include "config/identity.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
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

// Absolute, then symlinks resolved as far as the path exists (a file not written yet still has an identity).
fs::path Canonical(const fs::path& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (ec) return path.lexically_normal();
  const fs::path canonical = fs::weakly_canonical(absolute, ec);
  return ec ? absolute.lexically_normal() : canonical;
}

// The canonical INI without the per-run keys, each non-empty path value replaced by `respell(value)` where
// that gives one.
template <class Respell>
std::string WithPathValues(const TrainConfig& config, bool without_max_epochs, const Respell& respell) {
  TrainConfig respelled = config;
  for (const auto& key : TrainSchema().Keys()) {
    if (!IsPathKey(key)) continue;
    const std::string value = TrainSchema().Get(config, key);
    if (value.empty()) continue;  // an unset optional file (no word vectors) has no place to be relative to
    if (const std::optional<fs::path> text = respell(fs::path(value)))
      TrainSchema().Set(respelled, key, text->string(), "identity");
  }
  return TrainSchema().CanonicalIni(respelled, [&config, without_max_epochs](const std::string& key) {
    return !IsPerRunKey(key) && !(without_max_epochs && key == MaxEpochsKey()) &&
           !TrainSchema().OutOfIds(config, key);
  });
}

}  // namespace

bool IsPerRunKey(const std::string& key) {
  return key == FoldKey() || key == SeedKey() || key.rfind(TrialParams().section() + ".", 0) == 0;
}

std::string IdentityText(const TrainConfig& config, const fs::path& paths_relative_to,
                         bool without_max_epochs) {
  // Canonical on both sides: a sweep started as /mnt/proj/out and resumed as /home/u/proj/out (one mount, two
  // spellings) sees the same relative text. A value outside the base enters with "..", which stays the same
  // as long as base and data keep their places relative to each other.
  const fs::path base = Canonical(paths_relative_to);
  return WithPathValues(config, without_max_epochs,
                        [&base](const fs::path& value) -> std::optional<fs::path> {
                          const fs::path relative = Canonical(value).lexically_relative(base);
                          if (relative.empty())
                            return std::nullopt;  // no relative spelling (another root): stays absolute
                          return relative;
                        });
}

std::string LegacyIdentityText(const TrainConfig& config, const fs::path& working_dir,
                               bool without_max_epochs) {
  // Exactly the old rule, with the working directory of that time in place of fs::current_path(): a single
  // resolved symlink or normalised relative value would change the ids it is meant to reproduce.
  return WithPathValues(config, without_max_epochs,
                        [&working_dir](const fs::path& value) -> std::optional<fs::path> {
                          if (!value.is_absolute()) return std::nullopt;
                          const fs::path relative = value.lexically_normal().lexically_relative(working_dir);
                          if (relative.empty()) return std::nullopt;
                          return relative;
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
