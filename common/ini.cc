#include "common/ini.h"

#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"

namespace dts {

namespace {
std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

// Inline comments need whitespace before the marker so values like "a#b" stay intact. A marker that starts
// the (trimmed) value also starts a comment, so "k =#x" reads like "k = #x" (an empty value): the value
// WriteIniText writes after "k = " then always reads back as itself.
std::string StripInlineComment(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if ((s[i] == '#' || s[i] == ';') && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
      return s.substr(0, i);
  }
  return s;
}
// Section names are words (letters, digits, '_', '-'); keys may add dots ("model.shared_layers" in a sweep's
// [space]). So "section.key" splits at its first dot, which is how WriteIniText writes it back.
bool IsName(const std::string& s, bool dots) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || (dots && c == '.');
    if (!word) return false;
  }
  return true;
}
}  // namespace

std::vector<IniEntry> ParseIniText(const std::string& text, const std::string& name) {
  std::vector<IniEntry> entries;
  std::set<std::string> seen;
  std::istringstream in(text);
  std::string line, section;
  long number = 0;
  // A malformed config file is a bad configuration (exit 3), located at file:line like every other config
  // error.
  const auto error = [&](const std::string& key, const std::string& what) {
    return ConfigError(name + ":" + std::to_string(number), key, what);
  };
  while (std::getline(in, line)) {
    ++number;
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') continue;
    if (trimmed.front() == '[') {
      if (trimmed.back() != ']' || trimmed.size() < 2)
        throw error("", "malformed section header '" + trimmed + "'");
      section = Trim(trimmed.substr(1, trimmed.size() - 2));
      if (!IsName(section, false))
        throw error("", "malformed section header '" + trimmed +
                            "' (a section name is letters, digits, '_' and '-')");
      continue;
    }
    const auto eq = trimmed.find('=');
    if (eq == std::string::npos) throw error("", "expected 'key = value', got '" + trimmed + "'");
    const std::string key = Trim(trimmed.substr(0, eq));
    if (key.empty()) throw error("", "empty key");
    if (section.empty()) throw error(key, "key '" + key + "' is outside any [section]");
    if (!IsName(key, true))
      throw error(key, "malformed key '" + key + "' (letters, digits, '_', '-' and '.')");
    const std::string full_key = section + "." + key;
    if (!seen.insert(full_key).second) throw error(full_key, "duplicate key '" + full_key + "'");
    entries.push_back({full_key, Trim(StripInlineComment(Trim(trimmed.substr(eq + 1)))),
                       name + ":" + std::to_string(number)});
  }
  return entries;
}

std::string WriteIniText(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, section;
  for (const auto& [key, value] : entries) {
    const auto dot = key.find('.');
    const std::string this_section = key.substr(0, dot);
    if (this_section != section || out.empty()) {
      out += (out.empty() ? "" : "\n") + std::string("[") + this_section + "]\n";
      section = this_section;
    }
    out += key.substr(dot + 1) + " = " + value + "\n";
  }
  return out;
}

std::vector<IniEntry> ReadIniFile(const std::string& path) {
  std::ifstream in(path);
  // A missing or unreadable config file is bad input (exit 4, never retried by a sweep), not an I/O fault.
  if (!in) throw InputError(path, 0, "cannot open config file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseIniText(buffer.str(), path);
}

std::vector<IniEntry> ExtractOverrides(std::vector<std::string>& args) {
  std::vector<IniEntry> overrides;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      rest.push_back(arg);
      continue;
    }
    const std::string body = arg.substr(2);
    const auto eq = body.find('=');
    const std::string name = body.substr(0, eq);
    if (name.find('.') == std::string::npos) {
      rest.push_back(arg);
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
    } else {
      if (i + 1 >= args.size()) throw ConfigError("command line", name, "--" + name + " needs a value");
      value = args[++i];
    }
    overrides.push_back({name, value, "command line"});
  }
  args = rest;
  return overrides;
}

}  // namespace dts
