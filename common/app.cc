#include "common/app.h"

#include <exception>
#include <iostream>
#include <new>

#include "common/error.h"
#include "common/exit_codes.h"

namespace dts {

int ExitCodeForCurrentException(std::string& message) {
  try {
    throw;
  } catch (const ConfigError& e) {
    message = e.what();
    return kExitBadConfig;
  } catch (const InputError& e) {
    message = e.what();
    return kExitBadInput;
  } catch (const IoError& e) {
    message = e.what();
    return kExitIo;
  } catch (const DivergedError& e) {
    message = e.what();
    return kExitDiverged;
  } catch (const UsageError& e) {
    message = e.what();
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return kExitFailure;
  } catch (const std::exception& e) {
    message = e.what();
    return kExitFailure;
  } catch (...) {
    message = "unknown error";
    return kExitFailure;
  }
}

int RunApp(const std::string& tool, int argc, char** argv, const AppMain& body) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return body(args);
  } catch (...) {
    std::string message;
    const int code = ExitCodeForCurrentException(message);
    // Only the first line: LibTorch messages carry a C++ backtrace after it.
    const auto newline = message.find('\n');
    if (newline != std::string::npos) message = message.substr(0, newline);
    std::cerr << tool << ": " << message << std::endl;
    return code;
  }
}

}  // namespace dts
