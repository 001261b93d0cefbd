#include "common/app.h"

#include <exception>
#include <iostream>
#include <new>

#include "common/error.h"
#include "common/exit_codes.h"

namespace dts {

namespace po = boost::program_options;

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

po::variables_map ParseCommandLine(const std::vector<std::string>& args,
                                   const po::options_description& options,
                                   const po::positional_options_description* positional,
                                   std::initializer_list<const char*> answered_first) {
  po::variables_map vm;
  try {
    // First without the positional description, to see every word that no option takes: Boost's own
    // complaint about too many of them does not say which word it was.
    const po::parsed_options parsed = po::command_line_parser(args).options(options).run();
    std::vector<std::string> words;
    for (const po::option& option : parsed.options) {
      if (option.position_key != -1 && !option.original_tokens.empty())
        words.push_back(option.original_tokens[0]);
    }
    const unsigned allowed = positional ? positional->max_total_count() : 0;
    if (words.size() > allowed) throw UsageError("unexpected argument '" + words[allowed] + "'");
    if (positional) {
      po::store(po::command_line_parser(args).options(options).positional(*positional).run(), vm);
    } else {
      po::store(parsed, vm);
    }
    for (const char* name : answered_first) {
      if (vm.count(name)) return vm;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return vm;
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
