// The machinery behind "every hyperparameter is declared once".
//
// A component declares its INI section as a ParamTable over its config struct; each Param names a member,
// its key, its allowed range or choices, and its help text. The default is the struct's member initializer.
// A ConfigSchema joins the section tables of a root config (e.g. TrainConfig) and is the one thing the INI
// reader, command-line overrides, validation, --help, --dump-config and docs/config.md are derived from.
#pragma once

#include <algorithm>
#include <any>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/ini.h"

namespace dts {

// Shortest representation that reads back to the same double.
std::string FormatDouble(double value);
// Parse helpers: throw ConfigError(source, key, ...) naming the key and the offending text.
long long ParseInteger(const std::string& text, const std::string& key, const std::string& source);
double ParseReal(const std::string& text, const std::string& key, const std::string& source);
bool ParseBool(const std::string& text, const std::string& key, const std::string& source);
// "did you mean" helper: the candidate closest to `key` by edit distance, or "" if none is close.
std::string ClosestKey(const std::string& key, const std::vector<std::string>& candidates);

// Type-erased description of one parameter of config struct C.
template <class C>
struct ParamSpec {
  std::string name;       // key inside its section
  std::string type_name;  // "int", "real", "bool", "string", "path", or "choice"
  std::string range;      // "[1, 3]", "lstm|gru", "" when unconstrained
  std::string help;
  std::vector<std::string> choices;  // for choice parameters
  std::function<void(C&, const std::string& value, const std::string& key, const std::string& source)> set;
  std::function<std::string(const C&)> get;
  std::any member;  // the V C::* it was declared over, so ConfigSchema::Key can find a key by member
  bool out_of_ids_at_default = false;  // Param::OutOfIdsAtDefault
};

// Builder returned by Param(): chain .Range(), .Choices(), .Help(); converts to ParamSpec<C>.
template <class C, class V>
class Param {
 public:
  Param(V C::*member, std::string name) : member_(member), name_(std::move(name)) {}

  Param& Help(std::string help) {
    help_ = std::move(help);
    return *this;
  }
  Param& Range(double lo, double hi) {
    lo_ = lo;
    hi_ = hi;
    has_range_ = true;
    return *this;
  }
  // Open lower bound, e.g. a learning rate must be > 0.
  Param& Above(double lo, double hi = std::numeric_limits<double>::infinity()) {
    Range(lo, hi);
    lo_open_ = true;
    return *this;
  }
  Param& Choices(std::vector<std::pair<std::string, V>> choices) {
    choices_ = std::move(choices);
    return *this;
  }
  Param& IsPath() {
    is_path_ = true;
    return *this;
  }
  // For a key added after sweeps were planned: while it holds its default it is left out of the identity
  // text (config/identity.h), so the trials planned before it existed keep their ids and a resumed sweep does
  // not run them again.
  Param& OutOfIdsAtDefault() {
    out_of_ids_at_default_ = true;
    return *this;
  }

  operator ParamSpec<C>() const {  // NOLINT(google-explicit-constructor): the builder is meant to convert
    ParamSpec<C> spec;
    spec.name = name_;
    spec.help = help_;
    spec.member = member_;
    spec.out_of_ids_at_default = out_of_ids_at_default_;
    const auto member = member_;
    if (std::is_enum_v<V> || !choices_.empty()) {
      spec.type_name = "choice";
      const auto choices = choices_;
      std::string joined;
      for (const auto& [text, value] : choices) {
        spec.choices.push_back(text);
        joined += (joined.empty() ? "" : "|") + text;
      }
      spec.range = joined;
      spec.set = [member, choices, joined](C& config, const std::string& value, const std::string& key,
                                           const std::string& source) {
        for (const auto& [text, choice] : choices) {
          if (text == value) {
            config.*member = choice;
            return;
          }
        }
        throw ConfigError(source, key, key + " = '" + value + "' is not one of " + joined);
      };
      spec.get = [member, choices](const C& config) {
        for (const auto& [text, choice] : choices) {
          if (config.*member == choice) return text;
        }
        return std::string("?");
      };
      return spec;
    }
    if constexpr (!std::is_enum_v<V>) FillTyped(spec);
    return spec;
  }

 private:
  void FillTyped(ParamSpec<C>& spec) const {
    const auto member = member_;
    const bool has_range = has_range_;
    const double lo = lo_, hi = hi_;
    const bool lo_open = lo_open_;
    if (has_range) {
      // An integer key's bounds read as integers ("[0, 1000000000]", not "[0, 1e+09]").
      auto bound = [](double v) {
        if constexpr (std::is_integral_v<V>) return std::to_string(static_cast<long long>(v));
        return FormatDouble(v);
      };
      std::ostringstream range;
      range << (lo_open ? "(" : "[") << bound(lo) << ", " << (std::isinf(hi) ? std::string("inf") : bound(hi))
            << (std::isinf(hi) ? ")" : "]");
      spec.range = range.str();
    }
    const std::string range_text = spec.range;
    auto check = [=](double v, const std::string& key, const std::string& source, const std::string& text) {
      if (!has_range) return;
      const bool below = lo_open ? !(v > lo) : !(v >= lo);
      if (below || v > hi)
        throw ConfigError(source, key, key + " = " + text + " is out of range " + range_text);
    };
    if constexpr (std::is_same_v<V, bool>) {
      spec.type_name = "bool";
      spec.set = [member](C& config, const std::string& value, const std::string& key,
                          const std::string& source) { config.*member = ParseBool(value, key, source); };
      spec.get = [member](const C& config) { return std::string(config.*member ? "true" : "false"); };
    } else if constexpr (std::is_integral_v<V>) {
      spec.type_name = "int";
      spec.set = [member, check](C& config, const std::string& value, const std::string& key,
                                 const std::string& source) {
        const long long parsed = ParseInteger(value, key, source);
        check(static_cast<double>(parsed), key, source, value);
        if (parsed < static_cast<long long>(std::numeric_limits<V>::min()) ||
            parsed > static_cast<long long>(std::numeric_limits<V>::max()))
          throw ConfigError(source, key, key + " = " + value + " does not fit its type");
        config.*member = static_cast<V>(parsed);
      };
      spec.get = [member](const C& config) { return std::to_string(config.*member); };
    } else if constexpr (std::is_floating_point_v<V>) {
      spec.type_name = "real";
      spec.set = [member, check](C& config, const std::string& value, const std::string& key,
                                 const std::string& source) {
        const double parsed = ParseReal(value, key, source);
        check(parsed, key, source, value);
        config.*member = static_cast<V>(parsed);
      };
      spec.get = [member](const C& config) { return FormatDouble(config.*member); };
    } else {
      static_assert(std::is_same_v<V, std::string>,
                    "Param supports bool, integers, reals, strings and choices");
      spec.type_name = is_path_ ? "path" : "string";
      spec.set = [member](C& config, const std::string& value, const std::string&, const std::string&) {
        config.*member = value;
      };
      spec.get = [member](const C& config) { return config.*member; };
    }
  }

  V C::*member_;
  std::string name_;
  std::string help_;
  double lo_ = 0, hi_ = 0;
  bool has_range_ = false;
  bool lo_open_ = false;
  bool is_path_ = false;
  bool out_of_ids_at_default_ = false;
  std::vector<std::pair<std::string, V>> choices_;
};

// All parameters of one INI section, over config struct C.
template <class C>
class ParamTable {
 public:
  ParamTable(std::string section, std::vector<ParamSpec<C>> params)
      : section_(std::move(section)), params_(std::move(params)) {}
  const std::string& section() const { return section_; }
  const std::vector<ParamSpec<C>>& params() const { return params_; }
  const ParamSpec<C>* Find(const std::string& name) const {
    for (const auto& p : params_)
      if (p.name == name) return &p;
    return nullptr;
  }

 private:
  std::string section_;
  std::vector<ParamSpec<C>> params_;
};

// One row of the documentation / --help listing.
struct ParamDoc {
  std::string key;  // "section.name"
  std::string type_name;
  std::string default_value;
  std::string range;
  std::string help;
};

// The union of section tables for a root config struct R.
template <class R>
class ConfigSchema {
 public:
  template <class S>
  ConfigSchema& Add(S R::*member, const ParamTable<S>& table) {
    for (const auto& spec : table.params()) {
      Entry entry;
      entry.doc =
          ParamDoc{table.section() + "." + spec.name, spec.type_name, spec.get(S{}), spec.range, spec.help};
      auto set = spec.set;
      auto get = spec.get;
      entry.set = [member, set](R& root, const std::string& value, const std::string& key,
                                const std::string& source) { set(root.*member, value, key, source); };
      entry.get = [member, get](const R& root) { return get(root.*member); };
      entry.choices = spec.choices;
      entry.out_of_ids_at_default = spec.out_of_ids_at_default;
      entry.section = member;
      entry.member = spec.member;
      order_.push_back(entry.doc.key);
      entries_.emplace(entry.doc.key, std::move(entry));
    }
    return *this;
  }

  bool Has(const std::string& key) const { return entries_.count(key) > 0; }
  std::vector<std::string> Keys() const { return order_; }

  // Sets `key` ("section.name") from text; unknown keys, bad types and out-of-range values throw ConfigError.
  void Set(R& root, const std::string& key, const std::string& value, const std::string& source) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      const std::string close = ClosestKey(key, order_);
      throw ConfigError(
          source, key,
          "unknown key '" + key + "'" + (close.empty() ? "" : " (did you mean '" + close + "'?)"));
    }
    it->second.set(root, value, key, source);
  }
  std::string Get(const R& root, const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) throw ConfigError("", key, "unknown key '" + key + "'");
    return it->second.get(root);
  }
  const ParamDoc& Doc(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) throw ConfigError("", key, "unknown key '" + key + "'");
    return it->second.doc;
  }
  std::vector<ParamDoc> Docs() const {
    std::vector<ParamDoc> docs;
    for (const auto& key : order_) docs.push_back(entries_.at(key).doc);
    return docs;
  }
  const std::vector<std::string>& Choices(const std::string& key) const { return entries_.at(key).choices; }
  // True when `key` is declared OutOfIdsAtDefault and `root` holds its default.
  bool OutOfIds(const R& root, const std::string& key) const {
    const Entry& entry = entries_.at(key);
    return entry.out_of_ids_at_default && entry.get(root) == entry.doc.default_value;
  }

  // The key ("model.shared_layers") declared over a member, so code that names a key by its text can name it
  // by the struct member instead and never spell it a second time: Key(&TrainConfig::model,
  // &ModelConfig::shared_layers). Throws std::logic_error for a member no table declares (a programming
  // error).
  template <class S, class V>
  std::string Key(S R::*section, V S::*member) const {
    for (const auto& name : order_) {
      const Entry& entry = entries_.at(name);
      const auto* s = std::any_cast<S R::*>(&entry.section);
      const auto* m = std::any_cast<V S::*>(&entry.member);
      if (s && m && *s == section && *m == member) return name;
    }
    throw std::logic_error("ConfigSchema::Key: the member is not declared by any parameter table");
  }

  // Every key, grouped by section in declaration order, defaults included: the canonical text of a config.
  // It is what --dump-config prints, what trial files and the sweep manifest store and, without the keys
  // `keep` refuses, what trial ids hash (config/identity.h).
  std::string CanonicalIni(const R& root,
                           const std::function<bool(const std::string& key)>& keep = {}) const {
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& key : order_)
      if (!keep || keep(key)) entries.emplace_back(key, entries_.at(key).get(root));
    return WriteIniText(entries);
  }

 private:
  struct Entry {
    ParamDoc doc;
    std::vector<std::string> choices;
    bool out_of_ids_at_default = false;
    std::function<void(R&, const std::string&, const std::string&, const std::string&)> set;
    std::function<std::string(const R&)> get;
    std::any section, member;  // S R::* and V S::*, for Key()
  };
  std::map<std::string, Entry> entries_;
  std::vector<std::string> order_;
};

// Markdown table of a schema's parameters (docs/config.md) and a plain-text --help listing.
std::string ParamDocsMarkdown(const std::vector<ParamDoc>& docs);
std::string ParamDocsHelp(const std::vector<ParamDoc>& docs);

}  // namespace dts
