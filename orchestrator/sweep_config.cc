#include "orchestrator/sweep_config.h"

#include <cctype>
#include <cmath>
#include <functional>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "orchestrator/trial_keys.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

const ParamTable<SweepSettings>& SweepParams() {
  static const ParamTable<SweepSettings> table{
      "sweep",
      {
          Param(&SweepSettings::name, "name").Help("sweep name, stored in DIR/sweep.h5"),
          Param(&SweepSettings::base, "base")
              .IsPath()
              .Help("base trial config (INI), relative to the sweep file; [base] entries override it"),
          Param(&SweepSettings::strategy, "strategy")
              .Choices({{"grid", Strategy::kGrid}, {"random", Strategy::kRandom}, {"asha", Strategy::kAsha}})
              .Help("search strategy: every grid point, `budget` seeded random draws, or asynchronous successive "
                    "halving over `budget` random draws with epochs as the resource"),
          Param(&SweepSettings::budget, "budget").Range(1, 100000).Help("configurations drawn by random and asha"),
          Param(&SweepSettings::min_epochs, "min_epochs")
              .Range(1, 100000)
              .Help("asha: epochs of rung 0 (r); rung k trains to r * reduction_factor^k epochs"),
          Param(&SweepSettings::reduction_factor, "reduction_factor")
              .Range(2, 100)
              .Help("asha: eta; the top 1/eta of each rung is promoted to the next"),
          Param(&SweepSettings::max_epochs, "max_epochs")
              .Range(1, 100000)
              .Help("asha: R; the last rung is the largest r * eta^k <= R; final-stage trials train R epochs"),
          Param(&SweepSettings::seed, "seed")
              .Range(0, 2147483647)
              .Help("seeds the random draws; training seeds are seed, seed+1, ..."),
          Param(&SweepSettings::search_seeds, "search_seeds").Range(1, 100).Help("seeds per search configuration"),
          Param(&SweepSettings::final_top_k, "final_top_k")
              .Range(1, 1000)
              .Help("configurations (best mean dev score) taken to the final stage"),
          Param(&SweepSettings::final_seeds, "final_seeds")
              .Range(1, 100)
              .Help("final-stage seeds on a fixed-split corpus (a cross-validated corpus runs each fold once)"),
          Param(&SweepSettings::ablation_seeds, "ablation_seeds")
              .Range(1, 100)
              .Help("seeds per ablation variant (on each of its folds)"),
          Param(&SweepSettings::ablation_folds, "ablation_folds")
              .Choices({{"first", AblationFolds::kFirst}, {"all", AblationFolds::kAll}})
              .Help("first: each ablation variant on fold 0; all: on every fold of a cross-validated corpus "
                    "(a fixed-split corpus has only fold 0)"),
          Param(&SweepSettings::stages, "stages")
              .Help("comma-separated subset of search,final,ablation, in that order (final and ablation need "
                    "search)"),
          Param(&SweepSettings::max_retries, "max_retries")
              .Range(0, 100)
              .Help("extra attempts for a crashed or infrastructure-failed trial"),
          Param(&SweepSettings::threads_per_rank, "threads_per_rank")
              .Range(1, 1024)
              .Help("--threads passed to each trial"),
          Param(&SweepSettings::trial_timeout_s, "trial_timeout_s")
              .Range(0, 1e7)
              .Help("kill a trial attempt (class crashed, retried) after this many seconds; 0: no limit"),
          Param(&SweepSettings::trial_command, "trial_command")
              .Help("trial executable: dts-train, or a drop-in with its command line (dts-synthetic-trial); a "
                    "bare name is looked up next to dts-sweep, then on PATH"),
          Param(&SweepSettings::corpus, "corpus")
              .Choices({{"auto", CorpusKind::kAuto},
                        {"cross_validated", CorpusKind::kCrossValidated},
                        {"fixed_split", CorpusKind::kFixedSplit}})
              .Help("auto: data.format ade or a single file is cross-validated, a directory is a fixed split"),
          Param(&SweepSettings::device, "device")
              .Choices({{"auto", DeviceChoice::kAuto}, {"cpu", DeviceChoice::kCpu}})
              .Help("auto: each worker uses GPU local_rank % devices when it sees CUDA devices, else the CPU"),
          Param(&SweepSettings::max_shared_layers, "max_shared_layers")
              .Range(1, 16)
              .Help("ablation variants add shared layers up to this many (model.shared_layers' upper bound)"),
          Param(&SweepSettings::validate_with_trial, "validate_with_trial")
              .Help("check every searched value with `trial_command --dump-config` before any work starts"),
          Param(&SweepSettings::progress_every_s, "progress_every_s")
              .Range(0, 86400)
              .Help("seconds between progress lines (0: after every trial)"),
      }};
  return table;
}

namespace {

std::string Trim(const std::string& text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) items.push_back(Trim(item));
  return items;
}

bool IsNumber(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end && *end == '\0' && std::isfinite(value);
}

Dimension ParseDimension(const IniEntry& entry) {
  Dimension dim;
  dim.key = entry.key.substr(std::string("space.").size());
  dim.source = entry.source;
  const std::string& v = entry.value;
  auto fail = [&](const std::string& what) { throw ConfigError(entry.source, dim.key, "[space] " + dim.key + ": " + what); };
  if (dim.key.find('.') == std::string::npos) fail("a searched key must be 'section.name'");
  if (dim.key.rfind(std::string("sweep."), 0) == 0) fail("[sweep] settings cannot be searched");
  const auto open = v.find('(');
  const std::string head = Trim(v.substr(0, open));
  if (open != std::string::npos && (head == "int" || head == "real" || head == "logreal")) {
    if (v.back() != ')') fail("expected " + head + "(lo, hi), got '" + v + "'");
    const auto bounds = SplitList(v.substr(open + 1, v.size() - open - 2));
    double lo = 0, hi = 0;
    if (bounds.size() != 2 || !IsNumber(bounds[0], lo) || !IsNumber(bounds[1], hi))
      fail("expected " + head + "(lo, hi) with two numbers, got '" + v + "'");
    if (!(lo <= hi)) fail("empty range " + v);
    dim.lo = lo;
    dim.hi = hi;
    if (head == "int") {
      if (lo != std::floor(lo) || hi != std::floor(hi)) fail("int() bounds must be integers: " + v);
      dim.kind = Dimension::Kind::kInt;
    } else if (head == "real") {
      dim.kind = Dimension::Kind::kReal;
    } else {
      if (!(lo > 0)) fail("logreal() needs a positive lower bound: " + v);
      dim.kind = Dimension::Kind::kLogReal;
    }
    return dim;
  }
  dim.kind = Dimension::Kind::kList;
  dim.values = SplitList(v);
  std::set<std::string> seen;
  for (const auto& item : dim.values) {
    if (item.empty()) fail("empty value in list '" + v + "'");
    if (!seen.insert(item).second) fail("value '" + item + "' listed twice");
  }
  return dim;
}

// term := [+-] (number | key); expr := term (('+'|'-') term)*
std::vector<Constraint::Term> ParseLinear(const std::string& text, const std::function<void(const std::string&)>& fail) {
  std::vector<Constraint::Term> terms;
  size_t i = 0;
  double sign = 1;
  bool expect_term = true;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '+' || c == '-') {
      if (!expect_term) {
        expect_term = true;
        sign = c == '-' ? -1 : 1;
      } else {
        sign *= c == '-' ? -1 : 1;
      }
      ++i;
    } else {
      if (!expect_term) fail("expected + or - before '" + text.substr(i) + "'");
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' ||
                                 text[j] == '.'))
        ++j;
      if (j == i) fail("unexpected '" + std::string(1, c) + "'");
      const std::string token = text.substr(i, j - i);
      Constraint::Term term;
      term.sign = sign;
      double number = 0;
      if (IsNumber(token, number)) {
        term.number = number;
      } else {
        if (token.find('.') == std::string::npos) fail("'" + token + "' is neither a number nor a section.key");
        term.key = token;
      }
      terms.push_back(term);
      sign = 1;
      expect_term = false;
      i = j;
    }
  }
  if (terms.empty() || expect_term) fail("incomplete expression '" + text + "'");
  return terms;
}

Constraint ParseConstraint(const IniEntry& entry) {
  Constraint c;
  c.label = entry.key.substr(std::string("constraints.").size());
  c.source = entry.source;
  c.text = entry.value;
  auto fail = [&](const std::string& what) {
    throw ConfigError(entry.source, entry.key, "[constraints] " + c.label + ": " + what);
  };
  static const char* kOps[] = {"<=", ">=", "==", "!=", "<", ">"};
  size_t at = std::string::npos;
  for (const char* op : kOps) {
    at = entry.value.find(op);
    if (at != std::string::npos) {
      c.op = op;
      break;
    }
  }
  if (c.op.empty()) fail("expected a comparison (<=, <, >=, >, ==, !=) in '" + entry.value + "'");
  c.left = ParseLinear(entry.value.substr(0, at), fail);
  c.right = ParseLinear(entry.value.substr(at + c.op.size()), fail);
  return c;
}

std::vector<std::string> ParseStages(const std::string& text, const std::string& source) {
  static const std::vector<std::string> kOrder{"search", "final", "ablation"};
  std::vector<std::string> stages;
  size_t last = 0;
  for (const auto& stage : SplitList(text)) {
    size_t pos = 0;
    while (pos < kOrder.size() && kOrder[pos] != stage) ++pos;
    if (pos == kOrder.size())
      throw ConfigError(source, "sweep.stages", "sweep.stages: unknown stage '" + stage + "' (search, final, ablation)");
    if (!stages.empty() && pos <= last)
      throw ConfigError(source, "sweep.stages", "sweep.stages: stages must be listed once, in the order search, final, ablation");
    stages.push_back(stage);
    last = pos;
  }
  if (stages.empty() || stages.front() != "search")
    throw ConfigError(source, "sweep.stages", "sweep.stages must start with search (final and ablation use its scores)");
  return stages;
}

}  // namespace

SweepConfig ReadSweepConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open sweep file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseSweepConfig(text.str(), path);
}

SweepConfig ParseSweepConfig(const std::string& text, const std::string& path) {
  SweepConfig config;
  config.path = path;
  config.text = text;
  ConfigSchema<SweepConfig> schema;
  schema.Add(&SweepConfig::sweep, SweepParams());
  std::string stages_source = path, base_source = path;
  std::vector<IniEntry> base_overrides;
  std::map<std::string, std::string> setting_sources;  // [sweep] key -> file:line, for cross-key errors
  for (const auto& entry : ParseIniText(text, path)) {
    const std::string section = entry.key.substr(0, entry.key.find('.'));
    if (section == "sweep") {
      schema.Set(config, entry.key, entry.value, entry.source);
      setting_sources[entry.key] = entry.source;
      if (entry.key == "sweep.stages") stages_source = entry.source;
      if (entry.key == "sweep.base") base_source = entry.source;
    } else if (section == "space") {
      config.space.push_back(ParseDimension(entry));
    } else if (section == "constraints") {
      config.constraints.push_back(ParseConstraint(entry));
    } else if (section == "base") {
      base_overrides.push_back(entry);
    } else {
      throw ConfigError(entry.source, entry.key,
                        "unknown section [" + section + "] (sweep files have [sweep], [space], [constraints], [base])");
    }
  }
  config.stages = ParseStages(config.sweep.stages, stages_source);
  if (config.sweep.strategy == Strategy::kAsha) {
    if (config.sweep.max_epochs < config.sweep.min_epochs)
      throw ConfigError(setting_sources.count("sweep.max_epochs") ? setting_sources["sweep.max_epochs"] : path,
                        "sweep.max_epochs",
                        "sweep.max_epochs = " + std::to_string(config.sweep.max_epochs) + " is below sweep.min_epochs = " +
                            std::to_string(config.sweep.min_epochs));
    if (config.sweep.search_seeds != 1)
      throw ConfigError(setting_sources.count("sweep.search_seeds") ? setting_sources["sweep.search_seeds"] : path,
                        "sweep.search_seeds", "sweep.search_seeds must be 1 with strategy = asha (one trial per "
                        "configuration is promoted through the rungs)");
  } else {
    for (const char* key : {"sweep.min_epochs", "sweep.reduction_factor", "sweep.max_epochs"})
      if (setting_sources.count(key))
        throw ConfigError(setting_sources[key], key, std::string(key) + " is only used by strategy = asha");
  }
  if (!config.sweep.base.empty()) {
    fs::path base = config.sweep.base;
    if (base.is_relative()) base = fs::path(path).parent_path() / base;
    if (!fs::exists(base)) throw ConfigError(base_source, "sweep.base", "sweep.base: " + base.string() + " does not exist");
    for (const auto& entry : ReadIniFile(base.string())) {
      config.base[entry.key] = entry.value;
      config.base_sources[entry.key] = entry.source;
    }
  }
  for (const auto& entry : base_overrides) {
    const std::string key = entry.key.substr(std::string("base.").size());
    if (key.find('.') == std::string::npos)
      throw ConfigError(entry.source, key, "[base] keys must be 'section.name', got '" + key + "'");
    config.base[key] = entry.value;
    config.base_sources[key] = entry.source;
  }
  std::set<std::string> searched;
  for (const auto& dim : config.space) {
    if (!searched.insert(dim.key).second) throw ConfigError(dim.source, dim.key, dim.key + " is searched twice");
    if (config.sweep.strategy == Strategy::kAsha && dim.key == keys::kMaxEpochs)
      throw ConfigError(dim.source, dim.key,
                        "[space] " + dim.key + " cannot be searched with strategy = asha: epochs are its resource "
                        "(set sweep.min_epochs, sweep.reduction_factor, sweep.max_epochs)");
    if (config.sweep.strategy == Strategy::kGrid && (dim.kind == Dimension::Kind::kReal ||
                                                     dim.kind == Dimension::Kind::kLogReal))
      throw ConfigError(dim.source, dim.key,
                        "[space] " + dim.key + ": a grid needs a list or int() range, not a continuous range");
  }
  // Constraint keys must exist (searched or set) and be numeric where set.
  for (const auto& c : config.constraints) {
    for (const auto* side : {&c.left, &c.right}) {
      for (const auto& term : *side) {
        if (term.key.empty() || searched.count(term.key)) continue;
        auto it = config.base.find(term.key);
        double number = 0;
        if (it == config.base.end())
          throw ConfigError(c.source, term.key, "[constraints] " + c.label + ": '" + term.key +
                                                    "' is neither searched nor set in the base config");
        if (!IsNumber(it->second, number))
          throw ConfigError(c.source, term.key, "[constraints] " + c.label + ": '" + term.key + "' = '" +
                                                    it->second + "' is not numeric");
      }
    }
  }
  return config;
}

std::vector<int> AshaRungEpochs(const SweepSettings& sweep) {
  std::vector<int> rungs;
  for (long long epochs = sweep.min_epochs; epochs <= sweep.max_epochs; epochs *= sweep.reduction_factor)
    rungs.push_back(static_cast<int>(epochs));
  return rungs;
}

bool SatisfiesConstraints(const SweepConfig& sweep, const TrialConfig& config) {
  for (const auto& c : sweep.constraints) {
    auto sum = [&](const std::vector<Constraint::Term>& terms) {
      double total = 0;
      for (const auto& term : terms) {
        double value = term.number;
        if (!term.key.empty()) {
          auto it = config.find(term.key);
          if (it == config.end() || !IsNumber(it->second, value))
            throw ConfigError(c.source, term.key, "[constraints] " + c.label + ": '" + term.key +
                                                      "' has no numeric value");
        }
        total += term.sign * value;
      }
      return total;
    };
    const double l = sum(c.left), r = sum(c.right);
    const bool ok = c.op == "<=" ? l <= r : c.op == "<" ? l < r : c.op == ">=" ? l >= r : c.op == ">" ? l > r
                  : c.op == "==" ? l == r : l != r;
    if (!ok) return false;
  }
  return true;
}

std::string CanonicalText(const TrialConfig& config, bool labels) {
  std::string out, section;
  for (const auto& [key, value] : config) {  // std::map: sorted by "section.name"
    if (!labels && key.rfind(keys::kLabelSection, 0) == 0) continue;
    const auto dot = key.find('.');
    const std::string this_section = key.substr(0, dot);
    if (this_section != section) {
      out += (out.empty() ? "" : "\n") + std::string("[") + this_section + "]\n";
      section = this_section;
    }
    out += key.substr(dot + 1) + " = " + value + "\n";
  }
  return out;
}

TrialConfig ParseTrialConfig(const std::string& canonical_text) {
  TrialConfig config;
  for (const auto& entry : ParseIniText(canonical_text, "trial config")) config[entry.key] = entry.value;
  return config;
}

}  // namespace dts::orchestrator
