#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "reports/internal/report_sections.h"

namespace dts::reports {

using schema::TrialStatus;

ReportTable ProgressTable(const SweepData& data) {
  // The columns, in this order; a trial under any other status (planned, or a manifest row promoted without a
  // trial file yet) counts as "not started".
  static const TrialStatus kStatuses[] = {TrialStatus::kCompleted,   TrialStatus::kRunning,
                                          TrialStatus::kInterrupted, TrialStatus::kFailed,
                                          TrialStatus::kDiverged,    TrialStatus::kBadConfig};
  ReportTable t;
  t.display.name = t.values.name = "progress";
  t.display.title = t.values.title = "Sweep progress: trials per stage and status";
  t.display.columns = {"Stage", "Planned"};
  for (const TrialStatus s : kStatuses) t.display.columns.push_back(schema::Name(s));
  t.display.columns.push_back("unreadable");
  t.display.columns.push_back("missing");
  t.display.columns.push_back("not started");
  t.values.columns = t.display.columns;
  std::vector<std::string> stages;
  for (const auto& r : data.trials) {
    if (std::find(stages.begin(), stages.end(), r.plan.stage) == stages.end()) stages.push_back(r.plan.stage);
  }
  for (const auto& stage : stages) {
    std::map<TrialStatus, int> counts;
    int unreadable = 0;
    int missing = 0;
    int planned = 0;
    for (const auto& r : data.trials) {
      if (r.plan.stage != stage) continue;
      ++planned;
      // A trial file's status wins over the manifest's, which lags behind it; a trial whose file exists but
      // cannot be read (or is another trial's) counts as neither done nor pending, nor does a completed one
      // whose file is gone.
      if (r.file_unreadable) {
        ++unreadable;
      } else if (r.file_missing) {
        ++missing;
      } else {
        ++counts[r.Status()];
      }
    }
    std::vector<std::string> row = {stage, std::to_string(planned)};
    int listed = 0;
    for (const TrialStatus s : kStatuses) {
      row.push_back(std::to_string(counts[s]));
      listed += counts[s];
    }
    row.push_back(std::to_string(unreadable));
    listed += unreadable;
    row.push_back(std::to_string(missing));
    listed += missing;
    row.push_back(std::to_string(planned - listed));
    t.display.rows.push_back(row);
    t.values.rows.push_back(row);
  }
  // Where things failed (DIR/sweep.h5 /attempts; manifests written before it have none): a bad node shows
  // as one host holding most failed attempts.
  std::map<std::string, std::map<std::string, int>> failed_attempts;  // host -> outcome -> attempts
  std::map<std::string, std::string> last_host;  // trial + stage -> host of its last attempt
  for (const auto& attempt : data.manifest.attempts) {
    last_host[attempt.trial_id + "/" + attempt.stage] = attempt.host;
    if (attempt.outcome != "completed") ++failed_attempts[attempt.host][attempt.outcome];
  }
  if (!failed_attempts.empty()) {
    std::ostringstream note;
    note << "Attempts that did not complete, by host:";
    for (const auto& [host, outcomes] : failed_attempts) {
      note << " " << host << " (";
      bool first = true;
      for (const auto& [outcome, count] : outcomes) {
        note << (first ? "" : ", ") << count << " " << outcome;
        first = false;
      }
      note << ")";
    }
    note << ".";
    t.display.notes.push_back(note.str());
  }
  std::map<std::string, int> failed_trials;  // host of the last attempt -> trials that ended failed
  for (const auto& row : data.manifest.trials) {
    if (row.status != TrialStatus::kFailed && row.status != TrialStatus::kBadConfig) continue;
    auto it = last_host.find(row.trial_id + "/" + row.stage);
    ++failed_trials[it == last_host.end() ? std::string("unknown host") : it->second];
  }
  if (!failed_trials.empty() && !data.manifest.attempts.empty()) {
    std::ostringstream note;
    note << "Failed trials by the host of their last attempt:";
    for (const auto& [host, count] : failed_trials) note << " " << host << " " << count;
    note << ".";
    t.display.notes.push_back(note.str());
  }
  if (!data.asha_highest_rung.empty()) {
    std::ostringstream note;
    note << "ASHA search: one row per trial, at the highest rung it reached (trials per rung:";
    for (const auto& [rung, trials] : data.asha_highest_rung) note << " rung" << rung << " " << trials;
    note << "); dev scores are at that rung's epoch budget.";
    t.display.notes.push_back(note.str());
  }
  return t;
}

}  // namespace dts::reports
