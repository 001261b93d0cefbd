// The runs of a sweep grouped the way the report's tables count them: by configuration within a stage (and by
// ablation variant), with the selection rule of the final stage and the per-averaging aggregates. Shared by
// the sweep report (report.h) and the comparison of sweeps (sweep_comparison.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/stats.h"
#include "reports/sweep_data.h"
#include "stats/significance.h"

namespace dts::reports {

using stats::F1Averaging;  // from dts_stats, as comparison.h names it

// The runs of one configuration within one stage (and one ablation variant).
struct Group {
  std::string config_id;
  std::string variant;
  std::vector<const TrialRecord*> records;

  int Planned() const { return static_cast<int>(records.size()); }
  std::vector<const schema::TrialFile*> Completed() const;
  std::optional<double> MeanDevScore() const;
  const std::map<std::string, std::string>& Config() const { return records.front()->config; }
  // The config value of `key`, "?" when the configuration lacks it.
  std::string ConfigValue(const std::string& key) const;
  // Parameter count from any trial file of the group (every run of a configuration has the same).
  std::optional<std::int64_t> Parameters() const;
  // True when the runs span several folds (k-fold cross-validation) rather than seeds on one split.
  bool CrossValidated() const;
};

// Groups the records of `dataset` in `stage` by config_id (or by variant), in first-seen order.
std::vector<Group> GroupRecords(const SweepData& data, const std::string& dataset, const std::string& stage,
                                bool by_variant);

// The configuration a stage "selected": the best mean dev score; ties go to more completed runs. nullptr for
// no groups.
const Group* SelectBest(const std::vector<Group>& groups);

// The dataset names of a sweep's records, sorted.
std::vector<std::string> Datasets(const SweepData& data);

// One averaging of the test scores.
struct Averaging {
  const char* name;  // "micro" / "macro"
  double schema::Scores::*precision;
  double schema::Scores::*recall;
  double schema::Scores::*f1;
  F1Averaging f1_averaging;
};
inline constexpr Averaging kMicro{"micro", &schema::Scores::precision_micro, &schema::Scores::recall_micro,
                                  &schema::Scores::f1_micro, F1Averaging::kMicro};
inline constexpr Averaging kMacro{"macro", &schema::Scores::precision_macro, &schema::Scores::recall_macro,
                                  &schema::Scores::f1_macro, F1Averaging::kMacro};

// A dataset's reporting convention (the paper's): cross-validated corpora macro only, fixed splits both.
std::vector<Averaging> AveragingsFor(bool cross_validated);

// The evaluation setting every dts score has: strict matching (an entity by span and type, a relation by type
// and both arguments), then the averaging: "strict, macro".
std::string EvaluationSetting(const std::string& averaging);

// The scores of one configuration under one averaging, over its completed runs (mean, sample std, n).
struct Aggregate {
  Summary ner_p, ner_r, ner_f1, re_p, re_r, re_f1, mean_f1;
};
Aggregate AggregateOf(const std::vector<const schema::TrialFile*>& runs, const Averaging& averaging);

}  // namespace dts::reports
