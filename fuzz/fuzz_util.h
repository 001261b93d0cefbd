// Shared by the fuzz targets: the rule for what counts as a finding, and a per-process temporary file for the
// readers that only take a path. See docs/fuzzing.md.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <typeinfo>

#include "common/error.h"

namespace dts::fuzz {

// Stops the run as a finding: libFuzzer saves the input when the process aborts.
[[noreturn]] inline void Finding(const std::string& what) {
  std::fprintf(stderr, "==dts-fuzz== FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs `body` on one input. A typed dts::Error (ConfigError, InputError, IoError, ...) is the expected way to
// refuse malformed input; any other exception (nlohmann::json::type_error, std::out_of_range, H5::Exception,
// std::bad_alloc, ...) is a finding, as is a crash or a sanitizer report.
template <class Body>
int ExpectOnlyTypedErrors(Body&& body) {
  try {
    body();
  } catch (const dts::Error&) {
    // expected
  } catch (const std::exception& e) {
    Finding(std::string("exception that is not a dts::Error: ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    Finding("exception that is not a std::exception");
  }
  return 0;
}

// A file in a private temporary directory, rewritten with each input; removed at exit.
class TempInput {
 public:
  explicit TempInput(const std::string& file_name) {
    std::string pattern = (std::filesystem::temp_directory_path() / "dts-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) Finding("cannot create a temporary directory");
    dir_ = pattern;
    path_ = (std::filesystem::path(dir_) / file_name).string();
  }
  ~TempInput() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempInput(const TempInput&) = delete;
  TempInput& operator=(const TempInput&) = delete;

  // Writes the bytes and returns the path.
  const std::string& Write(const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) Finding("cannot write " + path_);
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace dts::fuzz
