// The one place where errors are caught: prints "<tool>: <message>" on one line and maps the error's type to
// an exit code from common/exit_codes.h. Executables are thin: parse options, call a library, return.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/params.h"

namespace dts {

using AppMain = std::function<int(std::vector<std::string>& args)>;

// Runs `body` with argv[1..]; returns the process exit code.
int RunApp(const std::string& tool, int argc, char** argv, const AppMain& body);

// Maps the exception currently being handled to an exit code and a one-line message. Used by RunApp, and by
// tools (the sweep coordinator) that must tear down MPI before exiting.
int ExitCodeForCurrentException(std::string& message);

// Parses a tool's command line the one way every tool does. Boost's errors (unknown option, missing value,
// bad number, missing required option) become UsageError (exit 2), and so does a word that no option takes
// ("unexpected argument 'WORD'"), unless `positional` says where such words go: a stray word is usually a
// value whose option was mistyped, and ignoring it runs something other than what was asked. When one of
// `answered_first` is given (e.g. --help), required options are not enforced: the tool answers it and exits.
boost::program_options::variables_map ParseCommandLine(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description* positional = nullptr,
    std::initializer_list<const char*> answered_first = {"help"});

// Sets parameter `name` of `config` from a command-line option's text through the parameter's table, so an
// option that stands for a configuration key (dts-prepare --dev-fraction, dts-predict --format) has the key's
// type, range and choices, declared once. A bad value is a UsageError naming the option.
template <class C>
void SetFromOption(const ParamTable<C>& table, const std::string& name, const std::string& option,
                   const std::string& text, C& config) {
  const ParamSpec<C>* spec = table.Find(name);
  if (!spec) throw std::logic_error("SetFromOption: [" + table.section() + "] declares no '" + name + "'");
  try {
    spec->set(config, text, option, "");
  } catch (const ConfigError& e) {
    // The setter names the option as its key ("--dev-fraction = 0.7 is out of range (0, 0.5]"); point at the
    // key it stands for, where the rule is documented.
    throw UsageError(e.what() + std::string(" (like ") + table.section() + "." + name + ")");
  }
}

// "a|b|c": a choice parameter's choices, for an option's help text.
template <class C>
std::string ChoicesText(const ParamTable<C>& table, const std::string& name) {
  const ParamSpec<C>* spec = table.Find(name);
  if (!spec) throw std::logic_error("ChoicesText: [" + table.section() + "] declares no '" + name + "'");
  return spec->range;
}

}  // namespace dts
