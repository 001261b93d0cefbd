#include "config/sweep_config.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/numerics.h"
#include "config/identity.h"
#include "config/stages.h"

namespace dts::config {

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
              .Choices({{"grid", Strategy::kGrid},
                        {"random", Strategy::kRandom},
                        {"asha", Strategy::kAsha},
                        {"tpe", Strategy::kTpe}})
              .Help(
                  "search strategy: every grid point, `budget` seeded random draws, asynchronous successive "
                  "halving over `budget` random draws with epochs as the resource, or `budget` proposals of "
                  "a tree-structured Parzen estimator fitted to the results so far"),
          Param(&SweepSettings::budget, "budget")
              .Range(1, 100000)
              .Help("configurations drawn by random, asha and tpe"),
          Param(&SweepSettings::tpe_startup, "tpe_startup")
              .Range(1, 100000)
              .Help("tpe and asha_sampler = tpe: proposals drawn at random before the model proposes"),
          Param(&SweepSettings::asha_sampler, "asha_sampler")
              .Choices({{"random", AshaSampler::kRandom}, {"tpe", AshaSampler::kTpe}})
              .Help("asha: rung 0's `budget` configurations drawn at random before the first result, or "
                    "proposed "
                    "one at a time by tpe, fitted to the scores of the highest rung with enough results"),
          Param(&SweepSettings::min_epochs, "min_epochs")
              .Range(1, 100000)
              .Help("asha: epochs of rung 0 (r); rung k trains to r * reduction_factor^k epochs"),
          Param(&SweepSettings::reduction_factor, "reduction_factor")
              .Range(2, 100)
              .Help("asha: eta; the top 1/eta of each rung is promoted to the next"),
          Param(&SweepSettings::max_epochs, "max_epochs")
              .Range(1, 100000)
              .Help(
                  "asha: R; the last rung is the largest r * eta^k <= R; final-stage trials train R epochs"),
          Param(&SweepSettings::seed, "seed")
              .Range(0, 2147483647)
              .Help("seeds the random draws; training seeds are seed, seed+1, ..."),
          Param(&SweepSettings::search_seeds, "search_seeds")
              .Range(1, 100)
              .Help("seeds per search configuration"),
          Param(&SweepSettings::search_on, "search_on")
              .Choices({{"dev", SearchOn::kDev}, {"folds", SearchOn::kFolds}})
              .Help("dev: score each search configuration on fold 0's dev set; folds (cross-validated "
                    "corpora): "
                    "train it on every fold in order and score it by the mean dev score over folds (with "
                    "strategy = asha: successive halving on fold 0, then the top rung's configurations on "
                    "the other folds)"),
          Param(&SweepSettings::racing, "racing")
              .Choices({{"off", RacingTest::kOff},
                        {"t_test", RacingTest::kTTest},
                        {"wilcoxon", RacingTest::kWilcoxon}})
              .Help(
                  "search_on = folds: eliminate a configuration whose paired fold scores are worse than the "
                  "incumbent's by this one-sided test (paired t-test or Wilcoxon signed-rank); its remaining "
                  "folds are never trained"),
          Param(&SweepSettings::racing_level, "racing_level")
              .Range(1e-6, 0.5)
              .Help("racing: eliminate when the one-sided p-value is below this"),
          Param(&SweepSettings::racing_min_folds, "racing_min_folds")
              .Range(2, 1000)
              .Help("racing: paired folds needed before a test (Wilcoxon cannot go below 2^-n: 5 folds for "
                    "0.05)"),
          Param(&SweepSettings::final_top_k, "final_top_k")
              .Range(1, 1000)
              .Help("configurations (best mean dev score) taken to the final stage"),
          Param(&SweepSettings::final_seeds, "final_seeds")
              .Range(1, 100)
              .Help(
                  "final-stage seeds on a fixed-split corpus (a cross-validated corpus runs each fold once)"),
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
              .Help(
                  "trial executable: dts-train, or a drop-in with its command line (dts-synthetic-trial); a "
                  "bare name is looked up next to dts-sweep, then on PATH"),
          Param(&SweepSettings::corpus, "corpus")
              .Choices({{"auto", CorpusKind::kAuto},
                        {"cross_validated", CorpusKind::kCrossValidated},
                        {"fixed_split", CorpusKind::kFixedSplit}})
              .Help(
                  "auto: data.format ade or a single file is cross-validated, a directory is a fixed split"),
          Param(&SweepSettings::device, "device")
              .Choices({{"auto", DeviceChoice::kAuto}, {"cpu", DeviceChoice::kCpu}})
              .Help("auto: a host's workers use its visible CUDA devices (see trials_per_gpu), else the CPU"),
          Param(&SweepSettings::trials_per_gpu, "trials_per_gpu")
              .Range(1, 64)
              .Help("device = auto: how many workers of a host share each of its visible GPUs; a host's "
                    "worker k (counted among that host's workers) trains on cuda:(k % GPUs) while k < GPUs x "
                    "trials_per_gpu, further workers on the CPU"),
          Param(&SweepSettings::max_shared_layers, "max_shared_layers")
              .Range(1, 16)
              .Help("ablation variants add shared layers up to this many (model.shared_layers' upper bound)"),
          Param(&SweepSettings::progress_every_s, "progress_every_s")
              .Range(0, 86400)
              .Help("seconds between progress lines (0: after every trial)"),
          Param(&SweepSettings::environment, "environment")
              .Help(
                  "numerics environment of every trial, `NAME=VALUE, ...` (OMP_*, OPENBLAS_*, GOTO*, MKL_*, "
                  "KMP_*, GOMP_* names): workers unset every other such variable, so a trial computes the "
                  "same on every host whatever shell or node started it"),
          Param(&SweepSettings::lock_lease_s, "lock_lease_s")
              .Range(0.2, 86400)
              .Help(
                  "DIR/sweep.lock and each running trial's lease are renewed every lease / 4 seconds; a lock "
                  "not renewed for this long is stale and taken over from any host"),
          Param(&SweepSettings::silent_rank_s, "silent_rank_s")
              .Range(1, 86400)
              .Help("a rank not heard from for this long (workers send a heartbeat every tenth of it) is "
                    "reported lost with its host and trial; the sweep then ends resumable (exit 69)"),
          Param(&SweepSettings::quarantine_after, "quarantine_after")
              .Range(1, 1000)
              .Help("infrastructure failures in a row (the trial could not start, I/O errors) after which a "
                    "rank gets no more trials; a trial is never retried on the rank where it just failed so"),
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

// The keys the planner sets on every trial: searching or fixing them in a sweep would be overwritten.
bool IsPlannerKey(const std::string& key) {
  return IsPerRunKey(key) || key == TrainSchema().Key(&TrainConfig::data, &DataConfig::protocol);
}

Dimension ParseDimension(const IniEntry& entry) {
  Dimension dim;
  dim.key = entry.key.substr(std::string("space.").size());
  dim.source = entry.source;
  const std::string& v = entry.value;
  auto fail = [&](const std::string& what) {
    throw ConfigError(entry.source, dim.key, "[space] " + dim.key + ": " + what);
  };
  if (dim.key.rfind(std::string("sweep."), 0) == 0) fail("[sweep] settings cannot be searched");
  if (!TrainSchema().Has(dim.key)) {
    const std::string close = ClosestKey(dim.key, TrainSchema().Keys());
    fail("unknown key" + (close.empty() ? std::string() : " (did you mean '" + close + "'?)"));
  }
  if (IsPlannerKey(dim.key)) fail("set by the planner for every trial; it cannot be searched");
  const std::string type = TrainSchema().Doc(dim.key).type_name;
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
      if (type != "int" && type != "real") fail("int() needs a numeric key; it is a " + type);
      dim.kind = Dimension::Kind::kInt;
    } else if (type != "real") {
      fail(head + "() needs a real key; it is a " + type + " (use int() or a list)");
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
std::vector<Constraint::Term> ParseLinear(const std::string& text,
                                          const std::function<void(const std::string&)>& fail) {
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
      while (j < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' || text[j] == '.'))
        ++j;
      if (j == i) fail("unexpected '" + std::string(1, c) + "'");
      const std::string token = text.substr(i, j - i);
      Constraint::Term term;
      term.sign = sign;
      double number = 0;
      if (IsNumber(token, number)) {
        term.number = number;
      } else {
        if (token.find('.') == std::string::npos)
          fail("'" + token + "' is neither a number nor a section.key");
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
  const std::vector<std::string> kOrder(std::begin(kStages), std::end(kStages));
  std::vector<std::string> stages;
  size_t last = 0;
  for (const auto& stage : SplitList(text)) {
    size_t pos = 0;
    while (pos < kOrder.size() && kOrder[pos] != stage) ++pos;
    if (pos == kOrder.size())
      throw ConfigError(source, "sweep.stages",
                        "sweep.stages: unknown stage '" + stage + "' (search, final, ablation)");
    if (!stages.empty() && pos <= last)
      throw ConfigError(source, "sweep.stages",
                        "sweep.stages: stages must be listed once, in the order search, final, ablation");
    stages.push_back(stage);
    last = pos;
  }
  if (stages.empty() || stages.front() != kStageSearch)
    throw ConfigError(source, "sweep.stages",
                      "sweep.stages must start with search (final and ablation use its scores)");
  return stages;
}

}  // namespace

const ConfigSchema<SweepConfig>& SweepSchema() {
  static const ConfigSchema<SweepConfig> schema = [] {
    ConfigSchema<SweepConfig> s;
    s.Add(&SweepConfig::sweep, SweepParams());
    return s;
  }();
  return schema;
}

std::string SweepSettingsMarkdown() { return ParamDocsMarkdown(SweepSchema().Docs()); }

SweepConfig ReadSweepConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open sweep file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseSweepConfig(text.str(), path);
}

SweepConfig ParseSweepConfig(const std::string& text, const std::string& path) {
  SweepConfig config;
  config.path = path;
  config.text = text;
  const ConfigSchema<SweepConfig>& schema = SweepSchema();
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
      throw ConfigError(
          entry.source, entry.key,
          "unknown section [" + section + "] (sweep files have [sweep], [space], [constraints], [base])");
    }
  }
  config.stages = ParseStages(config.sweep.stages, stages_source);
  if (config.sweep.strategy == Strategy::kAsha) {
    if (config.sweep.max_epochs < config.sweep.min_epochs)
      throw ConfigError(
          setting_sources.count("sweep.max_epochs") ? setting_sources["sweep.max_epochs"] : path,
          "sweep.max_epochs",
          "sweep.max_epochs = " + std::to_string(config.sweep.max_epochs) +
              " is below sweep.min_epochs = " + std::to_string(config.sweep.min_epochs));
    if (config.sweep.search_seeds != 1)
      throw ConfigError(
          setting_sources.count("sweep.search_seeds") ? setting_sources["sweep.search_seeds"] : path,
          "sweep.search_seeds",
          "sweep.search_seeds must be 1 with strategy = asha (one trial per "
          "configuration is promoted through the rungs)");
  } else {
    for (const char* key : {"sweep.min_epochs", "sweep.reduction_factor", "sweep.max_epochs"})
      if (setting_sources.count(key))
        throw ConfigError(setting_sources[key], key, std::string(key) + " is only used by strategy = asha");
  }
  auto source_of = [&](const char* key) { return setting_sources.count(key) ? setting_sources[key] : path; };
  const bool asha_tpe =
      config.sweep.strategy == Strategy::kAsha && config.sweep.asha_sampler == AshaSampler::kTpe;
  if (config.sweep.strategy != Strategy::kAsha && setting_sources.count("sweep.asha_sampler"))
    throw ConfigError(source_of("sweep.asha_sampler"), "sweep.asha_sampler",
                      "sweep.asha_sampler is only used by strategy = asha");
  if (config.sweep.strategy != Strategy::kTpe && !asha_tpe && setting_sources.count("sweep.tpe_startup"))
    throw ConfigError(source_of("sweep.tpe_startup"), "sweep.tpe_startup",
                      "sweep.tpe_startup is only used by strategy = tpe and asha_sampler = tpe");
  if (config.sweep.search_on == SearchOn::kFolds) {
    if (config.sweep.search_seeds != 1)
      throw ConfigError(source_of("sweep.search_seeds"), "sweep.search_seeds",
                        "sweep.search_seeds must be 1 with search_on = folds (each fold is one run)");
  } else {
    if (config.sweep.racing != RacingTest::kOff)
      throw ConfigError(source_of("sweep.racing"), "sweep.racing",
                        "sweep.racing needs sweep.search_on = folds (it races configurations over folds)");
  }
  if (config.sweep.racing == RacingTest::kOff)
    for (const char* key : {"sweep.racing_level", "sweep.racing_min_folds"})
      if (setting_sources.count(key))
        throw ConfigError(setting_sources[key], key, std::string(key) + " is only used with sweep.racing on");
  // Relative paths are relative to the file that names them: the base file's entries to the base file's
  // directory, [base] and [space] values to the sweep file's (docs/orchestrator.md, "Paths").
  const std::string sweep_dir = fs::path(path).parent_path().string();
  std::map<std::string, std::string> path_sources;  // path key -> where its value was written
  if (!config.sweep.base.empty()) {
    fs::path base = config.sweep.base;
    if (base.is_relative()) base = fs::path(path).parent_path() / base;
    if (!fs::exists(base))
      throw ConfigError(base_source, "sweep.base", "sweep.base: " + base.string() + " does not exist");
    std::vector<IniEntry> entries = ReadIniFile(base.string());
    ResolveRelativePaths(entries, base.parent_path().string());
    for (const auto& entry : entries)
      if (IsPathKey(entry.key)) path_sources[entry.key] = entry.source;
    ApplyIni(TrainSchema(), config.base, entries);
  }
  for (IniEntry entry : base_overrides) {
    entry.key = entry.key.substr(std::string("base.").size());
    if (IsPathKey(entry.key)) {
      std::vector<IniEntry> one{entry};
      ResolveRelativePaths(one, sweep_dir);
      entry = one.front();
      path_sources[entry.key] = entry.source;
    }
    TrainSchema().Set(config.base, entry.key, entry.value, entry.source);
  }
  for (auto& dim : config.space) {
    if (dim.kind != Dimension::Kind::kList || !IsPathKey(dim.key)) continue;
    std::vector<IniEntry> values;
    for (const auto& value : dim.values) values.push_back({dim.key, value, dim.source});
    ResolveRelativePaths(values, sweep_dir);
    for (size_t i = 0; i < values.size(); ++i) dim.values[i] = values[i].value;
  }
  // Every input file must exist before any trial is dispatched: a missing corpus would otherwise fail every
  // trial as bad_config, one by one.
  for (const auto& key : TrainSchema().Keys()) {
    if (!IsPathKey(key)) continue;
    const std::string value = TrainSchema().Get(config.base, key);
    std::error_code ec;
    if (!value.empty() && !fs::exists(value, ec))
      throw InputError(path_sources.count(key) ? path_sources[key] : path, 0,
                       key + " = " + value + ": no such file or directory");
  }
  for (const auto& dim : config.space) {
    if (dim.kind != Dimension::Kind::kList || !IsPathKey(dim.key)) continue;
    for (const auto& value : dim.values) {
      std::error_code ec;
      if (!value.empty() && !fs::exists(value, ec))
        throw InputError(dim.source, 0, "[space] " + dim.key + " = " + value + ": no such file or directory");
    }
  }
  try {
    Validate(config.base);
  } catch (const ConfigError& e) {
    throw ConfigError(path, e.key(), std::string("the base configuration: ") + e.what());
  }
  // A race that needs more paired folds than there are would never eliminate anything: refuse it.
  if (config.sweep.racing != RacingTest::kOff && config.sweep.racing_min_folds > config.base.data.folds)
    throw ConfigError(source_of("sweep.racing_min_folds"), "sweep.racing_min_folds",
                      "sweep.racing_min_folds = " + std::to_string(config.sweep.racing_min_folds) +
                          " exceeds data.folds = " + std::to_string(config.base.data.folds) +
                          ": racing could never eliminate a configuration");
  try {
    ParseNumericsSettings(config.sweep.environment);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(source_of("sweep.environment"), "sweep.environment",
                      std::string("sweep.environment: ") + e.what());
  }
  std::set<std::string> searched;
  const std::string max_epochs_key = TrainSchema().Key(&TrainConfig::train, &OptimConfig::max_epochs);
  for (const auto& dim : config.space) {
    if (!searched.insert(dim.key).second)
      throw ConfigError(dim.source, dim.key, dim.key + " is searched twice");
    if (config.sweep.strategy == Strategy::kAsha && dim.key == max_epochs_key)
      throw ConfigError(dim.source, dim.key,
                        "[space] " + dim.key +
                            " cannot be searched with strategy = asha: epochs are its resource "
                            "(set sweep.min_epochs, sweep.reduction_factor, sweep.max_epochs)");
    if (config.sweep.strategy == Strategy::kGrid &&
        (dim.kind == Dimension::Kind::kReal || dim.kind == Dimension::Kind::kLogReal))
      throw ConfigError(
          dim.source, dim.key,
          "[space] " + dim.key + ": a grid needs a list or int() range, not a continuous range");
    // Every value a list names, or both ends of a range, must be one the trial accepts on the base config.
    std::vector<std::string> values = dim.values;
    if (dim.kind == Dimension::Kind::kInt) {
      values = {std::to_string(static_cast<long long>(dim.lo)),
                std::to_string(static_cast<long long>(dim.hi))};
    } else if (dim.kind != Dimension::Kind::kList) {
      values = {FormatDouble(dim.lo), FormatDouble(dim.hi)};
    }
    for (const auto& value : values) {
      TrainConfig probe = config.base;
      SetSearched(probe, dim, value);
      try {
        Validate(probe);
      } catch (const ConfigError& e) {
        throw ConfigError(dim.source, dim.key, "[space] " + dim.key + " = " + value + ": " + e.what());
      }
    }
  }
  // A grid is enumerated in memory: count it first (as a double: the product may overflow any integer).
  if (config.sweep.strategy == Strategy::kGrid) {
    const double points = GridSize(config);
    if (points > kMaxGridPoints) {
      std::ostringstream count;
      count << std::setprecision(3) << points;
      throw ConfigError(path, "space",
                        "[space] spans a grid of " + count.str() +
                            " points (before [constraints]), above the "
                            "limit of " +
                            FormatDouble(kMaxGridPoints) +
                            ": search fewer values, or use strategy = random or asha with a budget");
    }
  }
  // Constraint keys must be numeric keys of the trial schema.
  for (const auto& c : config.constraints) {
    for (const auto* side : {&c.left, &c.right}) {
      for (const auto& term : *side) {
        if (term.key.empty()) continue;
        if (!TrainSchema().Has(term.key))
          throw ConfigError(c.source, term.key,
                            "[constraints] " + c.label + ": unknown key '" + term.key + "'");
        const std::string type = TrainSchema().Doc(term.key).type_name;
        if (type != "int" && type != "real")
          throw ConfigError(
              c.source, term.key,
              "[constraints] " + c.label + ": '" + term.key + "' is a " + type + ", not a number");
      }
    }
  }
  return config;
}

double GridSize(const SweepConfig& sweep) {
  double points = 1;
  for (const auto& dim : sweep.space)
    points *= dim.kind == Dimension::Kind::kList ? static_cast<double>(dim.values.size())
                                                 : std::floor(dim.hi) - std::ceil(dim.lo) + 1;
  return points;
}

std::vector<int> AshaRungEpochs(const SweepSettings& sweep) {
  std::vector<int> rungs;
  for (long long epochs = sweep.min_epochs; epochs <= sweep.max_epochs; epochs *= sweep.reduction_factor)
    rungs.push_back(static_cast<int>(epochs));
  return rungs;
}

void SetSearched(TrainConfig& config, const Dimension& dim, const std::string& value) {
  TrainSchema().Set(config, dim.key, value, dim.source);
}

bool SatisfiesConstraints(const SweepConfig& sweep, const TrainConfig& config) {
  for (const auto& c : sweep.constraints) {
    auto sum = [&](const std::vector<Constraint::Term>& terms) {
      double total = 0;
      for (const auto& term : terms) {
        double value = term.number;
        if (!term.key.empty()) {
          const std::string text = TrainSchema().Get(config, term.key);
          if (!IsNumber(text, value))
            throw ConfigError(
                c.source, term.key,
                "[constraints] " + c.label + ": '" + term.key + "' = '" + text + "' is not numeric");
        }
        total += term.sign * value;
      }
      return total;
    };
    const double l = sum(c.left), r = sum(c.right);
    const bool ok = c.op == "<="   ? l <= r
                    : c.op == "<"  ? l < r
                    : c.op == ">=" ? l >= r
                    : c.op == ">"  ? l > r
                    : c.op == "==" ? l == r
                                   : l != r;
    if (!ok) return false;
  }
  return true;
}

}  // namespace dts::config
