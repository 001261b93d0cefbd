#include "orchestrator/config_resolver.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "common/error.h"
#include "common/hash.h"
#include "common/ini.h"
#include "orchestrator/trial_keys.h"
#include "orchestrator/trial_runner.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

namespace {

bool IsRunKey(const std::string& key) {
  return key == keys::kFold || key == keys::kSeed || key.rfind(keys::kLabelSection, 0) == 0;
}

void WriteAtomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw IoError(tmp.string(), "cannot write");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IoError(path.string(), "cannot rename from " + tmp.string() + ": " + ec.message());
}

}  // namespace

TrialConfig ResolutionInput(const TrialConfig& config) {
  TrialConfig input;
  for (const auto& [key, value] : config)
    if (!IsRunKey(key)) input.emplace(key, value);
  return input;
}

std::string IdentityText(const std::string& resolved, bool without_max_epochs) {
  std::string out, section;
  for (const auto& entry : ParseIniText(resolved, "canonical config")) {
    if (IsRunKey(entry.key) || (without_max_epochs && entry.key == keys::kMaxEpochs)) continue;
    const auto dot = entry.key.find('.');
    const std::string this_section = entry.key.substr(0, dot);
    if (this_section != section) {
      out += (out.empty() ? "" : "\n") + std::string("[") + this_section + "]\n";
      section = this_section;
    }
    out += entry.key.substr(dot + 1) + " = " + entry.value + "\n";
  }
  return out;
}

ConfigResolver MakeChildConfigResolver(const std::string& command, const std::string& cache_dir, int parallel) {
  struct Cache {
    std::mutex mutex;
    std::map<std::string, std::string> texts;  // cache key -> canonical text
  };
  auto cache = std::make_shared<Cache>();
  parallel = std::max(1, parallel);
  return [command, cache_dir, cache, parallel](const std::vector<TrialConfig>& configs) {
    std::vector<std::string> out(configs.size()), cache_keys(configs.size());
    std::vector<size_t> missing;  // first index of each key not cached
    std::map<std::string, size_t> first;
    {
      std::lock_guard<std::mutex> lock(cache->mutex);
      for (size_t i = 0; i < configs.size(); ++i) {
        cache_keys[i] = Hasher().Add(command).Add(CanonicalText(configs[i])).Hex();
        if (cache->texts.count(cache_keys[i])) continue;
        const fs::path file = fs::path(cache_dir) / "resolved" / (cache_keys[i] + ".ini");
        std::ifstream in(file, std::ios::binary);
        if (in) {
          std::stringstream text;
          text << in.rdbuf();
          cache->texts[cache_keys[i]] = text.str();
          continue;
        }
        if (first.emplace(cache_keys[i], i).second) missing.push_back(i);
      }
    }
    if (!missing.empty()) {
      fs::create_directories(fs::path(cache_dir) / "resolved");
      std::vector<std::vector<std::string>> argvs;
      std::vector<fs::path> inputs;
      for (size_t i : missing) {
        const fs::path input = fs::path(cache_dir) / "resolved" / (cache_keys[i] + ".input.ini");
        WriteAtomically(input, CanonicalText(configs[i]));
        inputs.push_back(input);
        argvs.push_back({command, "--config", input.string(), "--dump-config"});
      }
      const std::vector<std::string> texts = CaptureOutputs(argvs, parallel);
      std::lock_guard<std::mutex> lock(cache->mutex);
      for (size_t j = 0; j < missing.size(); ++j) {
        const std::string& key = cache_keys[missing[j]];
        try {
          IdentityText(texts[j], false);  // the answer must be INI text
        } catch (const Error& e) {
          throw Error("'" + argvs[j][0] + " --config " + argvs[j][2] + " --dump-config' printed no INI text: " +
                      e.what());
        }
        WriteAtomically(fs::path(cache_dir) / "resolved" / (key + ".ini"), texts[j]);
        fs::remove(inputs[j]);
        cache->texts[key] = texts[j];
      }
    }
    std::lock_guard<std::mutex> lock(cache->mutex);
    for (size_t i = 0; i < configs.size(); ++i) out[i] = cache->texts.at(cache_keys[i]);
    return out;
  };
}

}  // namespace dts::orchestrator
