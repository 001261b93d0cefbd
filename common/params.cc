#include "common/params.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace dts {

std::string FormatDouble(double value) {
  char buffer[64];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

long long ParseInteger(const std::string& text, const std::string& key, const std::string& source) {
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
    throw ConfigError(source, key, key + " = '" + text + "' is not an integer");
  return value;
}

double ParseReal(const std::string& text, const std::string& key, const std::string& source) {
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value))
    throw ConfigError(source, key, key + " = '" + text + "' is not a finite real number");
  return value;
}

bool ParseBool(const std::string& text, const std::string& key, const std::string& source) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  throw ConfigError(source, key, key + " = '" + text + "' is not a boolean (true|false)");
}

namespace {
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string ClosestKey(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(3, key.size() / 4) + 1;
  for (const auto& candidate : candidates) {
    const size_t d = EditDistance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

namespace {
std::string EscapePipes(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}
}  // namespace

std::string ParamDocsMarkdown(const std::vector<ParamDoc>& docs) {
  std::string out = "| key | type | default | allowed | description |\n|---|---|---|---|---|\n";
  for (const auto& d : docs) {
    out += "| `" + d.key + "` | " + d.type_name + " | `" + (d.default_value.empty() ? " " : d.default_value) +
           "` | " + EscapePipes(d.range) + " | " + EscapePipes(d.help) + " |\n";
  }
  return out;
}

std::string ParamDocsHelp(const std::vector<ParamDoc>& docs) {
  std::string out;
  for (const auto& d : docs) {
    out += "  --" + d.key + " " + d.type_name;
    if (!d.range.empty()) out += " " + d.range;
    out += " (default: " + (d.default_value.empty() ? std::string("\"\"") : d.default_value) + ")\n      " +
           d.help + "\n";
  }
  return out;
}

}  // namespace dts
