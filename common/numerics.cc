#include "common/numerics.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace dts {

namespace {

// A C function of the running process by name, nullptr when no loaded library defines it.
template <class Function>
Function* FindFunction(const char* name) {
  return reinterpret_cast<Function*>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

void SetNativeThreadCounts(int threads) {
  if (auto* omp_set_num_threads = FindFunction<void(int)>("omp_set_num_threads"))
    omp_set_num_threads(threads);
  if (auto* openblas_set_num_threads = FindFunction<void(int)>("openblas_set_num_threads"))
    openblas_set_num_threads(threads);
}

BlasInForce CurrentBlas() {
  if (auto* get_config = FindFunction<char*()>("openblas_get_config")) {
    BlasInForce blas{get_config(), ""};
    if (auto* get_corename = FindFunction<char*()>("openblas_get_corename")) blas.core = get_corename();
    return blas;
  }
  // Another BLAS (the reference one, BLIS, MKL, ...): at least which library file provides it.
  for (const char* symbol : {"cblas_dgemm", "dgemm_"}) {
    Dl_info info{};
    if (void* address = dlsym(RTLD_DEFAULT, symbol);
        address != nullptr && dladdr(address, &info) != 0 && info.dli_fname != nullptr)
      return {info.dli_fname, ""};
  }
  return {"unknown", ""};
}

bool IsNumericsVariable(std::string_view name) {
  constexpr std::array<std::string_view, 6> kPrefixes{"OMP_", "OPENBLAS_", "GOTO", "MKL_", "KMP_", "GOMP_"};
  return std::any_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; });
}

std::string NumericsEnvironment() {
  std::vector<std::string> settings;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view setting(*entry);
    if (IsNumericsVariable(setting.substr(0, setting.find('=')))) settings.emplace_back(setting);
  }
  // By name: comparing whole "KEY=VALUE" texts would put "A1=x" before "A=y".
  const auto name = [](const std::string& setting) {
    return std::string_view(setting).substr(0, setting.find('='));
  };
  std::sort(settings.begin(), settings.end(),
            [&](const std::string& a, const std::string& b) { return name(a) < name(b); });
  std::string joined;
  for (const auto& setting : settings) joined += (joined.empty() ? "" : ";") + setting;
  return joined;
}

std::vector<std::pair<std::string, std::string>> ParseNumericsSettings(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> settings;
  std::string item;
  std::istringstream items(text);
  while (std::getline(items, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") + 1 - first);
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("'" + item + "' is not NAME=VALUE");
    std::string name = item.substr(0, eq);
    if (!IsNumericsVariable(name))
      throw Error("'" + name +
                  "' is not a numerics variable (OMP_*, OPENBLAS_*, GOTO*, MKL_*, KMP_*, GOMP_*)");
    for (const auto& setting : settings)
      if (setting.first == name) throw Error("'" + name + "' is given twice");
    settings.emplace_back(std::move(name), item.substr(eq + 1));
  }
  return settings;
}

}  // namespace dts
