#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/stages.h"
#include "reports/internal/report_sections.h"
#include "reports/internal/schema_keys.h"
#include "reports/output.h"

namespace dts::reports {

// Keys whose value differs between the search stage's configurations of one dataset (all its stages when
// there is no search). Per dataset: a sweep over two corpora differs in data.path without searching it.
std::vector<std::string> SearchedKeys(const SweepData& data, const std::string& dataset) {
  bool has_search = false;
  for (const auto& r : data.trials)
    has_search = has_search || (r.dataset == dataset && r.plan.stage == config::kStageSearch);
  std::map<std::string, std::set<std::string>> values;
  for (const auto& r : data.trials) {
    if (r.dataset != dataset || (has_search && r.plan.stage != config::kStageSearch)) continue;
    for (const auto& [k, v] : r.config) values[k].insert(v);
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : values) {
    if (v.size() > 1 && !IsPerRunKey(k)) keys.push_back(k);
  }
  return keys;
}

namespace {

// A configuration's parameter counts by value, with the runs each comes from. The count depends on the
// vocabulary, so on each fold's training data: one run's count is not the configuration's.
struct ParameterCounts {
  std::map<std::int64_t, std::vector<const TrialRecord*>> by_count;
  std::vector<const TrialRecord*> without;  // runs that gave no count (no readable trial file)
};

ParameterCounts CountsOf(const Group& g) {
  ParameterCounts counts;
  for (const auto* r : g.records) {
    if (r->file && r->file->trainable_parameters > 0)
      counts.by_count[r->file->trainable_parameters].push_back(r);
    else
      counts.without.push_back(r);
  }
  return counts;
}

// "folds 1, 3" for cross-validated runs, "seeds 2, 5" for seeds on one split.
std::string RunList(const std::vector<const TrialRecord*>& runs, bool cross_validated) {
  std::set<std::uint64_t> labels;
  for (const auto* r : runs)
    labels.insert(cross_validated ? static_cast<std::uint64_t>(r->plan.fold) : r->plan.seed);
  std::string text = std::string(cross_validated ? "fold" : "seed") + (labels.size() > 1 ? "s " : " ");
  bool first = true;
  for (const auto label : labels) {
    text += (first ? "" : ", ") + std::to_string(label);
    first = false;
  }
  return text;
}

std::string WhyNoCount(const TrialRecord& r) {
  if (r.file_unreadable) return "trial file unreadable";
  if (r.file_missing) return "trial file missing";
  if (!r.file) return "no trial file yet";
  return "no count recorded";
}

// Says which runs the shown count comes from, whenever it is not every run's one count.
std::optional<std::string> ParameterNote(const std::string& dataset, const Group& g,
                                         const ParameterCounts& c) {
  if (c.by_count.size() <= 1 && c.without.empty()) return std::nullopt;
  const bool cv = g.CrossValidated();
  std::string note = "Trainable parameters, " + dataset + ":";
  bool first = true;
  for (const auto& [count, runs] : c.by_count) {
    note += (first ? " " : ", ") + std::to_string(count) + " (" + RunList(runs, cv) + ")";
    first = false;
  }
  if (c.by_count.empty()) note += " unknown";
  for (const auto* r : c.without) {
    note += std::string(first ? " " : "; ") + "none from " + RunList({r}, cv) + " (trial " +
            ShortId(r->plan.trial_id) + ": " + WhyNoCount(*r) + ")";
    first = false;
  }
  if (c.by_count.size() > 1) note += ". The count depends on each fold's vocabulary";
  return note + ".";
}

}  // namespace

ReportTable HyperparameterTable(const std::vector<DatasetSelection>& selections,
                                const std::vector<std::string>& searched) {
  ReportTable t;
  t.display.name = t.values.name = "hyperparameters";
  t.display.title = t.values.title = "Final configuration per dataset (* = varied by the search)";
  t.display.columns = {"Hyperparameter"};
  t.values.columns = {"key", "searched"};
  std::vector<const Group*> groups;
  std::vector<std::string> group_datasets;
  for (const auto& sel : selections) {
    if (sel.final_group == nullptr) continue;
    groups.push_back(sel.final_group);
    group_datasets.push_back(sel.dataset);
    t.display.columns.push_back(sel.dataset);
    t.values.columns.push_back(sel.dataset);
  }
  std::vector<std::string> rows = searched;
  std::set<std::string> main_keys;
  for (const Group* g : groups) {
    for (const auto& [k, v] : g->Config()) {
      if (IsMainKey(k) && !IsPerRunKey(k)) main_keys.insert(k);
    }
  }
  for (const auto& k : main_keys) {
    if (std::find(rows.begin(), rows.end(), k) == rows.end()) rows.push_back(k);
  }
  for (const auto& key : rows) {
    const bool is_searched = std::find(searched.begin(), searched.end(), key) != searched.end();
    std::vector<std::string> display = {key + (is_searched ? " *" : "")};
    std::vector<std::string> values = {key, is_searched ? "1" : "0"};
    for (const Group* g : groups) {
      const auto it = g->Config().find(key);
      const std::string v = it == g->Config().end() ? "" : it->second;
      display.push_back(v.empty() ? "–" : v);
      values.push_back(v);
    }
    t.display.rows.push_back(display);
    t.values.rows.push_back(values);
  }
  std::vector<std::string> params_display = {"trainable parameters"};
  std::vector<std::string> params_values = {"trainable_parameters", "0"};
  std::vector<std::string> id_display = {"config id"};
  std::vector<std::string> id_values = {"config_id", "0"};
  std::vector<std::string> dev_display = {"mean dev score"};
  std::vector<std::string> dev_values = {"mean_dev_score", "0"};
  std::vector<std::string> parameter_notes;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const Group* g = groups[i];
    // Never one run's count for all: the range when the runs differ, and a note naming the runs.
    const ParameterCounts counts = CountsOf(*g);
    if (counts.by_count.empty()) {
      params_display.push_back("–");
      params_values.push_back("");
    } else {
      const std::string low = std::to_string(counts.by_count.begin()->first);
      const std::string high = std::to_string(counts.by_count.rbegin()->first);
      params_display.push_back(counts.by_count.size() == 1 ? low : low + "–" + high);
      params_values.push_back(counts.by_count.size() == 1 ? low : low + "-" + high);
    }
    if (auto note = ParameterNote(group_datasets[i], *g, counts)) parameter_notes.push_back(*note);
    id_display.push_back(ShortId(g->config_id));
    id_values.push_back(g->config_id);
    const auto dev = g->MeanDevScore();
    dev_display.push_back(dev ? Fixed(*dev) : "–");
    dev_values.push_back(dev ? CsvNumber(*dev) : "");
  }
  t.display.rows.push_back(params_display);
  t.values.rows.push_back(params_values);
  t.display.rows.push_back(dev_display);
  t.values.rows.push_back(dev_values);
  t.display.rows.push_back(id_display);
  t.values.rows.push_back(id_values);
  for (const auto& note : parameter_notes) t.display.notes.push_back(note);
  // Only a fixed split trains its final runs on train+dev; cross-validated final runs keep the dev set out.
  for (const Group* g : groups) {
    if (g->ConfigValue(Keys().data_protocol) != Keys().protocol_final || g->CrossValidated()) continue;
    t.display.notes.push_back("The mean dev score is the final runs'; on a fixed split (" +
                              Keys().data_protocol + " = " + Keys().protocol_final +
                              ") they train on train+dev, so it is not a held-out score: the search table "
                              "has those.");
    break;
  }
  return t;
}

}  // namespace dts::reports
