// INI reader that remembers where each value came from, so every config error can name file:line.
// (Boost.Program_options parses INI too, but reports no line numbers.)
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dts {

struct IniEntry {
  std::string key;     // "section.name"
  std::string value;   // trimmed; inline comments (" #", " ;", or '#'/';' starting the value) removed
  std::string source;  // "path:line"
};

// Reads `path`. Blank lines and lines starting with '#' or ';' are ignored. Section names are letters,
// digits,
// '_' and '-'; keys may also hold dots. A malformed section header or key, a key outside any section, a line
// without '=' or a duplicate key throws ConfigError (exit 3) naming file:line; a missing or unreadable file
// throws InputError (exit 4).
std::vector<IniEntry> ReadIniFile(const std::string& path);
std::vector<IniEntry> ParseIniText(const std::string& text, const std::string& name);

// The one INI writer: "section.key" -> value pairs, in the order given, as "[section]\nkey = value\n" with a
// blank line between sections (a section repeats if its keys are not adjacent). Every INI text dts writes
// (--dump-config, trial files, the sweep manifest, trial identities) comes from here; ParseIniText reads it.
std::string WriteIniText(const std::vector<std::pair<std::string, std::string>>& entries);

// Applies entries to a config through its schema (ConfigSchema<R>::Set), in order.
template <class Schema, class R>
void ApplyIni(const Schema& schema, R& root, const std::vector<IniEntry>& entries) {
  for (const auto& e : entries) schema.Set(root, e.key, e.value, e.source);
}

// Command-line overrides of the form --section.key value or --section.key=value. Consumes them from args
// and returns them as entries with source "command line"; other arguments are left in place. Any option whose
// name contains a dot is an override: an unknown one is refused later by the schema, naming the key.
std::vector<IniEntry> ExtractOverrides(std::vector<std::string>& args);

}  // namespace dts
