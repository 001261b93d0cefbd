// Helpers for the data tests: scratch files and the location of the real corpora.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "common/error.h"

namespace dts::data::testing {

// A fresh directory per test, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ =
        std::filesystem::temp_directory_path() / ("dts-data-test-" + std::string(info->test_suite_name()) +
                                                  "-" + info->name() + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }
  std::string Path(const std::string& name = "") const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ../shared/data relative to the repository root (the tests' working directory), or $DTS_SHARED_DATA.
inline std::string SharedData() {
  const char* env = std::getenv("DTS_SHARED_DATA");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("../shared/data");
}

// The message of the exception of type E that `f` throws; fails the test when it throws nothing or another
// type.
template <class E, class F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected another exception type, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected an exception, nothing thrown";
  return "";
}

// The message of the InputError `f` throws.
template <class F>
std::string InputErrorOf(F&& f) {
  return ErrorOf<InputError>(std::forward<F>(f));
}

}  // namespace dts::data::testing
