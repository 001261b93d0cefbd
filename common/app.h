// The one place where errors are caught: prints "<tool>: <message>" on one line and maps the error's type to
// an exit code from common/exit_codes.h. Executables are thin: parse options, call a library, return.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace dts {

using AppMain = std::function<int(std::vector<std::string>& args)>;

// Runs `body` with argv[1..]; returns the process exit code.
int RunApp(const std::string& tool, int argc, char** argv, const AppMain& body);

// Maps the exception currently being handled to an exit code and a one-line message. Used by RunApp, and by
// tools (the sweep coordinator) that must tear down MPI before exiting.
int ExitCodeForCurrentException(std::string& message);

}  // namespace dts
