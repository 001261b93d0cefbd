// Typed errors thrown by the libraries and caught once, in RunApp (common/app.h).
// Every message is one line that names where the problem is: a config key, a file and line, a path.
#pragma once

#include <stdexcept>
#include <string>

namespace dts {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A configuration key is unknown, has the wrong type, or is out of range.
// `source` is where the value came from ("configs/ade.ini:14", "command line", "sweep space").
class ConfigError : public Error {
 public:
  ConfigError(const std::string& source, const std::string& key, const std::string& what)
      : Error((source.empty() ? std::string() : source + ": ") + what), key_(key) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Malformed input data. `line` is 1-based; 0 means the whole file (or `element` names a JSON element).
class InputError : public Error {
 public:
  InputError(const std::string& file, long line, const std::string& what)
      : Error(Format(file, line, what)), file_(file), line_(line) {}
  const std::string& file() const { return file_; }
  long line() const { return line_; }

 private:
  static std::string Format(const std::string& file, long line, const std::string& what) {
    return file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + what;
  }
  std::string file_;
  long line_;
};

// A file could not be opened, read, written or renamed, or is not what it claims to be (corrupt HDF5).
class IoError : public Error {
 public:
  IoError(const std::string& path, const std::string& what) : Error(path + ": " + what), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Training produced a non-finite loss.
class DivergedError : public Error {
 public:
  DivergedError(int epoch, long batch, const std::string& what)
      : Error("diverged at epoch " + std::to_string(epoch) + " batch " + std::to_string(batch) + ": " + what),
        epoch_(epoch),
        batch_(batch) {}
  int epoch() const { return epoch_; }
  long batch() const { return batch_; }

 private:
  int epoch_;
  long batch_;
};

// The command line itself is wrong (missing option, conflicting flags).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what) {}
};

}  // namespace dts
