#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "reports/internal/report_sections.h"
#include "reports/internal/schema_keys.h"
#include "reports/output.h"

namespace dts::reports {

// Keys whose value differs between the search stage's configurations of one dataset (all its stages when
// there is no search). Per dataset: a sweep over two corpora differs in data.path without searching it.
std::vector<std::string> SearchedKeys(const SweepData& data, const std::string& dataset) {
  bool has_search = false;
  for (const auto& r : data.trials)
    has_search = has_search || (r.dataset == dataset && r.plan.stage == "search");
  std::map<std::string, std::set<std::string>> values;
  for (const auto& r : data.trials) {
    if (r.dataset != dataset || (has_search && r.plan.stage != "search")) continue;
    for (const auto& [k, v] : r.config) values[k].insert(v);
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : values) {
    if (v.size() > 1 && !IsPerRunKey(k)) keys.push_back(k);
  }
  return keys;
}

ReportTable HyperparameterTable(const std::vector<DatasetSelection>& selections,
                                const std::vector<std::string>& searched) {
  ReportTable t;
  t.display.name = t.values.name = "hyperparameters";
  t.display.title = t.values.title = "Final configuration per dataset (* = varied by the search)";
  t.display.columns = {"Hyperparameter"};
  t.values.columns = {"key", "searched"};
  std::vector<const Group*> groups;
  for (const auto& sel : selections) {
    if (sel.final_group == nullptr) continue;
    groups.push_back(sel.final_group);
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
  for (const Group* g : groups) {
    const auto p = g->Parameters();
    params_display.push_back(p ? std::to_string(*p) : "–");
    params_values.push_back(p ? std::to_string(*p) : "");
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
