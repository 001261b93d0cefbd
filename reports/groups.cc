#include "reports/groups.h"

#include <functional>
#include <set>

namespace dts::reports {

using schema::Scores;
using schema::TrialFile;

std::vector<const TrialFile*> Group::Completed() const {
  std::vector<const TrialFile*> done;
  for (const auto* r : records) {
    if (r->Completed()) done.push_back(&*r->file);
  }
  return done;
}

std::optional<double> Group::MeanDevScore() const {
  std::vector<double> scores;
  for (const auto* r : records) {
    if (auto s = r->DevScore()) scores.push_back(*s);
  }
  if (scores.empty()) return std::nullopt;
  return Summarize(scores).mean;
}

std::string Group::ConfigValue(const std::string& key) const {
  const auto& config = Config();
  const auto it = config.find(key);
  return it == config.end() ? "?" : it->second;
}

std::optional<std::int64_t> Group::Parameters() const {
  for (const auto* r : records) {
    if (r->file && r->file->trainable_parameters > 0) return r->file->trainable_parameters;
  }
  return std::nullopt;
}

bool Group::CrossValidated() const {
  std::set<int> folds;
  for (const auto* r : records) folds.insert(r->plan.fold);
  return folds.size() > 1;
}

std::vector<Group> GroupRecords(const SweepData& data, const std::string& dataset, const std::string& stage,
                                bool by_variant) {
  std::vector<Group> groups;
  std::map<std::string, std::size_t> index;
  for (const auto& r : data.trials) {
    if (r.dataset != dataset || r.plan.stage != stage) continue;
    const std::string key = by_variant ? r.plan.variant : r.plan.config_id;
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, groups.size()).first;
      groups.push_back({r.plan.config_id, r.plan.variant, {}});
    }
    groups[it->second].records.push_back(&r);
  }
  return groups;
}

const Group* SelectBest(const std::vector<Group>& groups) {
  const Group* best = nullptr;
  for (const auto& g : groups) {
    if (best == nullptr) {
      best = &g;
      continue;
    }
    const double a = g.MeanDevScore().value_or(-1);
    const double b = best->MeanDevScore().value_or(-1);
    if (a > b || (a == b && g.Completed().size() > best->Completed().size())) best = &g;
  }
  return best;
}

std::vector<std::string> Datasets(const SweepData& data) {
  std::set<std::string> names;
  for (const auto& r : data.trials) names.insert(r.dataset);
  return {names.begin(), names.end()};
}

std::vector<Averaging> AveragingsFor(bool cross_validated) {
  if (cross_validated) return {kMacro};
  return {kMicro, kMacro};
}

std::string EvaluationSetting(const std::string& averaging) { return "strict, " + averaging; }

namespace {

const Scores& TestScores(const TrialFile& t, bool ner) {
  return ner ? t.test->ner.scores : t.test->re.scores;
}

Summary Over(const std::vector<const TrialFile*>& trials,
             const std::function<double(const TrialFile&)>& metric) {
  std::vector<double> values;
  values.reserve(trials.size());
  for (const auto* t : trials) values.push_back(metric(*t));
  return Summarize(values);
}

}  // namespace

Aggregate AggregateOf(const std::vector<const TrialFile*>& runs, const Averaging& a) {
  const auto get = [](bool ner, double Scores::*m) {
    return [ner, m](const TrialFile& t) { return TestScores(t, ner).*m; };
  };
  Aggregate g;
  g.ner_p = Over(runs, get(true, a.precision));
  g.ner_r = Over(runs, get(true, a.recall));
  g.ner_f1 = Over(runs, get(true, a.f1));
  g.re_p = Over(runs, get(false, a.precision));
  g.re_r = Over(runs, get(false, a.recall));
  g.re_f1 = Over(runs, get(false, a.f1));
  // The mean of NER and RE F1 per run, then averaged: its std is that of the per-run means.
  g.mean_f1 = Over(runs, [&a](const TrialFile& t) {
    return (TestScores(t, true).*a.f1 + TestScores(t, false).*a.f1) / 2;
  });
  return g;
}

}  // namespace dts::reports
