#include "status/summary.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/host.h"
#include "config/train_config.h"
#include "schema/search_ranking.h"
#include "status/asha_forecast.h"

namespace dts::status {

namespace fs = std::filesystem;
using schema::PlannedTrial;
using schema::TrialStatus;

const char* Name(SweepPhase phase) {
  switch (phase) {
    case SweepPhase::kNoSweep:
      return "no_sweep";
    case SweepPhase::kStarting:
      return "starting";
    case SweepPhase::kRunning:
      return "running";
    case SweepPhase::kCoordinatorLost:
      return "coordinator_lost";
    case SweepPhase::kCrashed:
      return "crashed";
    case SweepPhase::kCompleted:
      return "completed";
    case SweepPhase::kFailed:
      return "failed";
    case SweepPhase::kInterrupted:
      return "interrupted";
    case SweepPhase::kUnreadable:
      return "unreadable";
  }
  return "?";
}

bool HasEnded(SweepPhase phase) {
  // Not kCoordinatorLost: a coordinator frozen past its lease (a hung file system) may wake up and renew it
  // while no other run has taken the lock over, so a watcher keeps watching and says so.
  return phase == SweepPhase::kCrashed || phase == SweepPhase::kCompleted || phase == SweepPhase::kFailed ||
         phase == SweepPhase::kInterrupted;
}

std::string ConfigFacts::Short() const {
  return cell + " " + std::to_string(shared) + "/" + std::to_string(ner) + "/" + std::to_string(re);
}

std::string ConfigFacts::SizeClass() const { return Short() + " h" + std::to_string(hidden); }

ConfigFacts FactsOfIni(const std::string& config_ini) {
  // Key by key, each through the trial schema, so that a key this version does not know (a manifest of
  // another version) is skipped instead of losing the whole row; keys the text lacks keep their defaults.
  config::TrainConfig config;
  const auto& schema = config::TrainSchema();
  try {
    for (const auto& [key, value] : schema::ParseConfigIni(config_ini, "sweep.h5 row")) {
      try {
        schema.Set(config, key, value, "sweep.h5 row");
      } catch (const Error&) {
        // an unknown or out-of-range key: its default stands
      }
    }
  } catch (const Error&) {
    // not INI text at all: the defaults stand
  }
  ConfigFacts facts;
  facts.cell = schema.Get(config, "model.cell");
  facts.shared = config.model.shared_layers;
  facts.ner = config.model.ner_layers;
  facts.re = config.model.re_layers;
  facts.hidden = config.model.hidden;
  facts.max_epochs = config.train.max_epochs;
  facts.folds = config.data.folds;
  facts.format = schema.Get(config, "data.format");
  facts.path = config.data.path;
  return facts;
}

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0)) return "?";
  const long long s = std::llround(seconds);
  char text[32];
  if (s < 60)
    std::snprintf(text, sizeof text, "%llds", s);
  else if (s < 3600)
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  else if (s < 86400)
    std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else
    std::snprintf(text, sizeof text, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
  return text;
}

namespace {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<long>(mid), values.end());
  double m = values[mid];
  if (values.size() % 2 == 0)
    m = (m + *std::max_element(values.begin(), values.begin() + static_cast<long>(mid))) / 2;
  return m;
}

std::string Fixed(double value, int digits) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

std::vector<std::string> SplitStages(const std::string& text) {
  std::vector<std::string> stages;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) stages.push_back(item.substr(b, e - b + 1));
  }
  return stages;
}

// The lock's holder on this host: alive when its pid exists and, where the lock records it, started at the
// same time (a recycled pid is another process), as dts-sweep itself judges a lock of its own host.
bool HolderAlive(const std::map<std::string, std::string>& fields) {
  long pid = 0;
  try {
    pid = std::stol(fields.at("pid"));
  } catch (const std::exception&) {
    return true;  // no pid to judge by: not provably gone
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (pid <= 0 || !std::getline(stat, text)) return false;
  auto start = fields.find("pid_start");
  if (start == fields.end() || start->second.empty()) return true;
  // Field 22 (starttime), counted after the command name's closing parenthesis (which may hold spaces).
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
  }
  return field == start->second;
}

// Everything Summarize computes about the rows once.
class Summarizer {
 public:
  Summarizer(const SweepState& state, const SummaryOptions& options) : state_(state), options_(options) {}

  StatusSummary Run() {
    out_.dir = state_.dir;
    out_.now = state_.now;
    out_.manifest_retries = state_.manifest_retries;
    out_.trial_files_read = state_.trial_files_read;
    Phase();
    if (!state_.has_manifest || !state_.manifest_error.empty()) {
      out_.eta.why_not = "no readable sweep.h5";
      return out_;
    }
    out_.sweep_name = state_.manifest.sweep_name;
    for (const auto& note : state_.settings_notes) out_.notes.push_back(note);
    rung_epochs_ = config::AshaRungEpochs(state_.settings);
    runs_per_config_ = RunsPerConfig();
    Measure();
    Stages();
    int failed = 0;
    for (const auto& stage : out_.stages) failed += stage.failed;
    if (out_.phase == SweepPhase::kCompleted && failed > 0)
      out_.phase_detail += "; " + std::to_string(failed) + " trial" + (failed == 1 ? "" : "s") +
                           " failed for good (dts-sweep exits 7): see the failures";
    Running();
    Failures();
    Eta();
    return out_;
  }

 private:
  const ConfigFacts& Facts(const PlannedTrial& row) {
    const std::string& key = row.config_id.empty() ? row.trial_id : row.config_id;
    auto it = facts_.find(key);
    if (it == facts_.end()) it = facts_.emplace(key, FactsOfIni(row.config_ini)).first;
    return it->second;
  }
  const TrialInfo* File(const std::string& id) const {
    auto it = state_.trials.find(id);
    return it != state_.trials.end() && it->second.readable ? &it->second : nullptr;
  }
  const LogInfo* Log(const std::string& id) const {
    auto it = state_.logs.find(id);
    return it != state_.logs.end() ? &it->second : nullptr;
  }
  bool IsAsha() const { return state_.settings.strategy == config::Strategy::kAsha; }
  // ASHA on one fold, then racing the top rung over the other folds (docs/orchestrator.md).
  bool AshaRaces() const { return IsAsha() && state_.settings.search_on == config::SearchOn::kFolds; }
  // Its final stage reuses the race's trials when they trained the final budget (orchestrator/planner.cc).
  bool FinalReusesRace() const {
    return AshaRaces() && !rung_epochs_.empty() && rung_epochs_.back() == state_.settings.max_epochs;
  }
  bool Sequential() const {
    return state_.settings.search_on == config::SearchOn::kFolds ||
           state_.settings.strategy == config::Strategy::kTpe;
  }
  int BaseFolds() {
    for (const auto& row : state_.manifest.trials) return Facts(row).folds;
    return 0;
  }
  int RunsPerConfig() {
    return state_.settings.search_on == config::SearchOn::kFolds ? BaseFolds() : state_.settings.search_seeds;
  }
  // The epochs a row trains: an ASHA rung's budget (a promoted trial resumes at the previous rung's end),
  // else the configuration's train.max_epochs.
  int RowEpochs(const PlannedTrial& row, int& from) {
    from = 0;
    const int rung = schema::AshaRung(row);
    if (rung >= 0 && rung < static_cast<int>(rung_epochs_.size())) {
      if (rung > 0) from = rung_epochs_[static_cast<size_t>(rung - 1)];
      return rung_epochs_[static_cast<size_t>(rung)];
    }
    return Facts(row).max_epochs;
  }

  void Phase() {
    const LockInfo& lock = state_.lock;
    auto field = [&](const char* key) {
      auto it = lock.fields.find(key);
      return it == lock.fields.end() ? std::string("?") : it->second;
    };
    const std::string holder =
        "coordinator on host " + field("host") + " (pid " + field("pid") + ") since " + field("started") +
        (lock.fields.count("slurm_job_id") ? ", Slurm job " + field("slurm_job_id") : "");
    const std::string clock = " (judged by this host's clock against the lock's mtime)";
    if (!state_.has_manifest) {
      out_.phase = lock.present ? SweepPhase::kStarting : SweepPhase::kNoSweep;
      out_.phase_detail = lock.present
                              ? "a sweep is starting: " + holder + "; no sweep.h5 yet"
                              : "no sweep here yet: neither sweep.h5 nor sweep.lock in " + state_.dir;
      return;
    }
    if (!state_.manifest_error.empty()) {
      out_.phase = SweepPhase::kUnreadable;
      out_.phase_detail = "sweep.h5 could not be read: " + state_.manifest_error;
      return;
    }
    const bool stale = lock.present && lock.lease_s > 0 && lock.age_s > lock.lease_s;
    switch (state_.manifest.status) {
      case TrialStatus::kRunning:
        if (!lock.present) {
          out_.phase = SweepPhase::kCrashed;
          out_.phase_detail =
              "sweep.h5 says running but sweep.lock is gone: the coordinator was killed (kill -9, a node "
              "crash, OOM); rerun the same dts-sweep command to resume";
        } else if (field("host") == HostName() && !HolderAlive(lock.fields)) {
          out_.phase = SweepPhase::kCrashed;
          out_.phase_detail = holder +
                              ": that process is gone (the lock names this host): the coordinator "
                              "was killed; rerun the same dts-sweep command to resume";
        } else if (stale) {
          out_.phase = SweepPhase::kCoordinatorLost;
          out_.phase_detail = holder + ": its lease was last renewed " + FormatDuration(lock.age_s) +
                              " ago, longer than lease_s " + FormatDuration(lock.lease_s) + clock +
                              ": dead or frozen; rerun the same command to resume (it takes the lock over)";
        } else if (lock.lease_s <= 0) {
          // A lock of an older dts-sweep renews no lease: only its own host can tell (above).
          out_.phase = SweepPhase::kRunning;
          out_.phase_detail =
              holder + (field("host") == HostName()
                            ? " (alive)"
                            : "; an older lock without a lease: not judged from another host");
        } else {
          out_.phase = SweepPhase::kRunning;
          out_.phase_detail = holder + "; lease renewed " + FormatDuration(lock.age_s) + " ago (lease " +
                              FormatDuration(lock.lease_s) + ")" + clock;
        }
        return;
      case TrialStatus::kCompleted:
      case TrialStatus::kFailed:
      case TrialStatus::kInterrupted:
        if (lock.present && !stale) {
          out_.phase = SweepPhase::kStarting;
          out_.phase_detail = "a new run is starting on this directory: " + holder;
          return;
        }
        out_.phase = state_.manifest.status == TrialStatus::kCompleted ? SweepPhase::kCompleted
                     : state_.manifest.status == TrialStatus::kFailed  ? SweepPhase::kFailed
                                                                       : SweepPhase::kInterrupted;
        out_.phase_detail =
            out_.phase == SweepPhase::kCompleted
                ? "ended at " + FormatIsoUtc(state_.manifest_mtime) + " (sweep.h5 last written)"
            : out_.phase == SweepPhase::kFailed
                ? "ended at " + FormatIsoUtc(state_.manifest_mtime) + " with failed trials (see below)"
                : "stopped at " + FormatIsoUtc(state_.manifest_mtime) +
                      " (a signal, or lost ranks), state saved: rerun the same command to resume";
        return;
      default:
        out_.phase = SweepPhase::kUnreadable;
        out_.phase_detail = std::string("sweep.h5 has status ") + schema::Name(state_.manifest.status);
        return;
    }
  }

  // Time per epoch by size class, early stopping and per-trial overhead, from this sweep's trial files.
  void Measure() {
    std::vector<double> fractions_all;
    std::map<std::string, std::vector<double>> fractions_by_stage;
    std::vector<double> overheads;
    std::map<std::string, const schema::AttemptRecord*> completed_attempt;
    for (const auto& a : state_.manifest.attempts)
      if (a.outcome == "completed") completed_attempt[a.trial_id] = &a;
    std::map<std::string, int> rows_per_trial;
    for (const auto& row : state_.manifest.trials) ++rows_per_trial[row.trial_id];
    std::set<std::string> seen;
    for (const auto& row : state_.manifest.trials) {
      const TrialInfo* info = File(row.trial_id);
      if (!info || !seen.insert(row.trial_id).second) continue;
      const ConfigFacts& facts = Facts(row);
      auto attempt = completed_attempt.find(row.trial_id);
      const bool one_attempt = row.attempts == 1 && rows_per_trial[row.trial_id] == 1 &&
                               attempt != completed_attempt.end() && attempt->second->seconds > 0;
      auto measure = [&](double seconds) {
        per_class_[facts.SizeClass()].push_back(seconds);
        per_layer_.push_back(seconds / std::max(1, facts.Layers()));
        all_epochs_.push_back(seconds);
        if (row.stage == "search") search_epochs_.push_back(seconds);
        ++epochs_measured_;
      };
      double sum = 0;
      for (const auto& epoch : info->file.epochs)
        if (epoch.seconds > 0) {
          measure(epoch.seconds);
          sum += epoch.seconds;
        }
      // A trial command that records no epoch times (the trial contract does not ask for them; the tests'
      // synthetic trial writes none): its single attempt's wall time spread over its epochs.
      const bool untimed = sum <= 0 && !info->file.epochs.empty();
      if (untimed && one_attempt && info->file.status == TrialStatus::kCompleted) {
        for (size_t e = 0; e < info->file.epochs.size(); ++e)
          measure(attempt->second->seconds / static_cast<double>(info->file.epochs.size()));
        ++untimed_files_;
      }
      ++files_measured_;
      if (info->file.status != TrialStatus::kCompleted || schema::AshaRung(row) >= 0) continue;
      auto max_it = info->file.config.find("train.max_epochs");
      int max_epochs = facts.max_epochs;
      if (max_it != info->file.config.end()) {
        try {
          max_epochs = std::stoi(max_it->second);
        } catch (const std::exception&) {
        }
      }
      if (max_epochs > 0) {
        const double f = std::min(1.0, static_cast<double>(info->file.epochs_run) / max_epochs);
        fractions_all.push_back(f);
        fractions_by_stage[row.stage].push_back(f);
      }
      if (one_attempt && !untimed) overheads.push_back(std::max(0.0, attempt->second->seconds - sum));
    }
    for (const auto& [stage, values] : fractions_by_stage) fraction_by_stage_[stage] = Median(values);
    fraction_all_ = fractions_all.empty() ? 1.0 : Median(fractions_all);
    fraction_count_ = static_cast<int>(fractions_all.size());
    overhead_ = Median(overheads);
    overhead_count_ = static_cast<int>(overheads.size());
  }
  // Seconds per epoch of a configuration: its size class's median, else the per-layer median times its
  // layers; 0 when nothing was measured yet.
  double SecondsPerEpoch(const ConfigFacts& facts) const {
    auto it = per_class_.find(facts.SizeClass());
    if (it != per_class_.end() && !it->second.empty()) return Median(it->second);
    if (!per_layer_.empty()) return Median(per_layer_) * std::max(1, facts.Layers());
    return 0;
  }
  // The time per epoch of the configurations ASHA will most likely promote to rung k next: the best ceil(n)
  // by score of those whose highest rung so far is k - 1 (the coordinator promotes by that score), or, while
  // none has a result there, of those likely to reach k - 1. The configurations that climb are no random
  // draw of the search: on a real ADE run they were small and fast (about a fifth of the search's median
  // epoch), and pricing their promotions and race runs at the median made the ETA late by 500% of the time
  // ASHA: each search configuration's row at the highest rung it has reached (race rows aside).
  std::map<std::string, const PlannedTrial*> HighestRungRows() const {
    std::map<std::string, const PlannedTrial*> highest;
    for (const auto& row : state_.manifest.trials) {
      if (row.stage != "search" || row.variant == schema::kRaceVariant || schema::AshaRung(row) < 0) continue;
      auto [it, added] = highest.try_emplace(row.config_id, &row);
      if (!added && schema::AshaRung(row) > schema::AshaRung(*it->second)) it->second = &row;
    }
    return highest;
  }
  // left. 0 when nothing is measured.
  double PromotedSecondsPerEpoch(int k, double n) {
    if (k <= 0) return 0;
    const std::map<std::string, const PlannedTrial*> highest = HighestRungRows();
    std::vector<std::pair<double, const PlannedTrial*>> candidates;
    for (const auto& [id, row] : highest)
      if (schema::AshaRung(*row) == k - 1 && schema::HasResult(row->status))
        candidates.push_back({row->status == TrialStatus::kDiverged ? 0.0 : row->dev_score, row});
    if (candidates.empty())
      return PromotedSecondsPerEpoch(k - 1, n * std::max(2, state_.settings.reduction_factor));
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const size_t take = std::min(candidates.size(), static_cast<size_t>(std::max(1.0, std::ceil(n))));
    double sum = 0;
    for (size_t i = 0; i < take; ++i) sum += SecondsPerEpoch(Facts(*candidates[i].second));
    return sum / static_cast<double>(take);
  }
  // Rung `rung`'s results, ranked as the coordinator ranks them for promotion (orchestrator/coordinator.cc,
  // PromoteAsha: the dev score, a diverged run as 0, ties to the smaller trial id).
  struct RungRanking {
    std::vector<const PlannedTrial*> rows;  // best first
    std::vector<RungResult> results;        // the same order
  };
  RungRanking RankedAtRung(int rung) const {
    RungRanking out;
    std::set<std::string> climbed;  // trial ids with a row at the next rung
    for (const auto& row : state_.manifest.trials) {
      if (row.stage != "search") continue;
      const int at = schema::AshaRung(row);
      if (at == rung && schema::HasResult(row.status)) out.rows.push_back(&row);
      if (at == rung + 1) climbed.insert(row.trial_id);
    }
    auto score = [](const PlannedTrial* row) {
      return row->status == TrialStatus::kDiverged ? 0.0 : row->dev_score;
    };
    std::sort(out.rows.begin(), out.rows.end(), [&](const PlannedTrial* a, const PlannedTrial* b) {
      return score(a) != score(b) ? score(a) > score(b) : a->trial_id < b->trial_id;
    });
    for (const PlannedTrial* row : out.rows)
      out.results.push_back(row->status == TrialStatus::kPromoted || climbed.count(row->trial_id)
                                ? RungResult::kClimbed
                            : row->status == TrialStatus::kDiverged ? RungResult::kStuck
                                                                    : RungResult::kEligible);
    return out;
  }
  // The fastest and slowest time per epoch among the configurations that may still climb into rung k (k = 0:
  // the configurations still to be proposed, so any measured size class). Which configurations will climb is
  // open until they have: on a real ADE run the first rung-0 results were small, fast configurations (a
  // median epoch of 3 s) and the race's were 13.5 s, so one price put the end 50 minutes early and the range,
  // spanning counts alone, did not hold the actual end. {0, 0} when nothing is measured.
  std::pair<double, double> ClimberEpochRange(int k) {
    double lo = 0, hi = 0;
    auto take = [&](double seconds) {
      if (seconds <= 0) return;
      lo = lo > 0 ? std::min(lo, seconds) : seconds;
      hi = std::max(hi, seconds);
    };
    const auto& s = state_.settings;
    std::set<std::string> seen;
    for (const auto& row : state_.manifest.trials)
      if (row.stage == "search") seen.insert(row.config_id);
    if (s.asha_sampler == config::AshaSampler::kTpe && static_cast<int>(seen.size()) < s.budget)
      for (const auto& [size_class, seconds] : per_class_)
        if (!seconds.empty()) take(Median(seconds));
    const std::map<std::string, const PlannedTrial*> highest = HighestRungRows();
    for (int j = k - 1; j >= 0; --j) {
      const size_t ju = static_cast<size_t>(j);
      // Results at rung j with a chance of 2% or more to climb (status/asha_forecast.h), and rows there that
      // have not reported yet.
      const RungRanking ranked = RankedAtRung(j);
      const int final_count = ju < asha_rungs_.size() ? static_cast<int>(std::ceil(asha_rungs_[ju].hi))
                                                      : static_cast<int>(ranked.rows.size());
      const PromotionForecast forecast = ForecastPromotions(ranked.results, final_count, s.reduction_factor);
      for (size_t i = 0; i < ranked.rows.size(); ++i)
        if (ranked.results[i] == RungResult::kEligible && forecast.chance[i] >= 0.02)
          take(SecondsPerEpoch(Facts(*ranked.rows[i])));
      int rows_at_j = 0;
      for (const auto& row : state_.manifest.trials)
        rows_at_j += row.stage == "search" && schema::AshaRung(row) == j;
      for (const auto& [id, row] : highest)
        if (schema::AshaRung(*row) == j && !schema::IsTerminal(row->status))
          take(SecondsPerEpoch(Facts(*row)));
      // The rungs below matter while rung j may still gain configurations from them.
      if (ju >= asha_rungs_.size() || rows_at_j + 0.5 >= asha_rungs_[ju].hi) break;
    }
    return {lo, hi};
  }
  const PlannedTrial* FirstRow(const std::string& config_id) const {
    for (const auto& row : state_.manifest.trials)
      if (row.config_id == config_id) return &row;
    return nullptr;
  }
  double EarlyStopFraction(const std::string& stage) const {
    if (IsAsha() && stage == "search") return 1.0;
    auto it = fraction_by_stage_.find(stage);
    return it != fraction_by_stage_.end() ? it->second : fraction_all_;
  }
  // A run not yet started: its expected wall time.
  double RunSeconds(const PlannedTrial& row) {
    int from = 0;
    const int to = RowEpochs(row, from);
    const double epochs = std::max(1.0, (to - from) * EarlyStopFraction(row.stage));
    return epochs * SecondsPerEpoch(Facts(row)) + overhead_;
  }

  // The configurations of a stage ranked as the coordinator ranks them (schema/search_ranking.h).
  std::vector<schema::RankedConfig> Rank(const std::string& stage) {
    const int top_rung = rung_epochs_.empty() ? 0 : static_cast<int>(rung_epochs_.size()) - 1;
    const bool folds = stage == "search" && state_.settings.search_on == config::SearchOn::kFolds;
    return schema::RankConfigs(state_.manifest.trials, stage, top_rung, folds ? runs_per_config_ : 0);
  }

  bool CrossValidated(bool& known) {
    known = true;
    switch (state_.settings.corpus) {
      case config::CorpusKind::kCrossValidated:
        return true;
      case config::CorpusKind::kFixedSplit:
        return false;
      case config::CorpusKind::kAuto:
        break;
    }
    for (const auto& row : state_.manifest.trials) {
      if (row.fold > 0) return true;
      const ConfigFacts& facts = Facts(row);
      if (facts.format == "ade") return true;
      std::error_code ec;
      if (!facts.path.empty() && fs::is_regular_file(facts.path, ec)) return true;
      if (!facts.path.empty() && fs::is_directory(facts.path, ec)) return false;
      break;
    }
    known = false;
    return false;
  }

  void Stages() {
    std::vector<std::string> names = SplitStages(state_.settings.stages);
    for (const auto& row : state_.manifest.trials)
      if (std::find(names.begin(), names.end(), row.stage) == names.end()) names.push_back(row.stage);
    for (const auto& name : names) {
      StageSummary stage;
      stage.name = name;
      for (const auto& row : state_.manifest.trials) {
        if (row.stage != name) continue;
        stage.planned = true;
        ++stage.rows;
        switch (row.status) {
          case TrialStatus::kPlanned:
            ++stage.not_started;
            break;
          case TrialStatus::kRunning:
            ++stage.running;
            break;
          case TrialStatus::kCompleted:
          case TrialStatus::kPromoted:
            ++stage.completed;
            break;
          case TrialStatus::kDiverged:
            ++stage.diverged;
            break;
          case TrialStatus::kFailed:
          case TrialStatus::kBadConfig: {
            ++stage.failed;
            std::string cls = row.status == TrialStatus::kBadConfig ? "bad_config" : "failed";
            const auto colon = row.failure.find(':');
            if (row.status == TrialStatus::kFailed && colon != std::string::npos && colon < 20)
              cls = row.failure.substr(0, colon);
            ++stage.failed_by_class[cls];
            break;
          }
          case TrialStatus::kInterrupted:
            ++stage.interrupted;
            break;
        }
      }
      if (name == "search") {
        std::map<std::string, int> runs;
        for (const auto& row : state_.manifest.trials)
          if (row.stage == "search") ++runs[row.config_id];
        for (const auto& e : state_.manifest.eliminations) {
          ++stage.eliminated;
          stage.runs_saved += std::max(0, runs_per_config_ - runs[e.config_id]);
        }
      }
      if (name == "search" || name == "final") {
        const auto ranked = Rank(name);
        if (!ranked.empty()) {
          const schema::RankedConfig& best = ranked.front();
          Selection& sel = stage.selection;
          sel.present = true;
          sel.config_id = best.config_id;
          for (const auto& row : state_.manifest.trials)
            if (row.config_id == best.config_id) {
              sel.config = Facts(row).Short();
              break;
            }
          sel.mean_dev = best.mean_dev;
          sel.runs = best.results;
          int needed = 0;
          if (name == "search") {
            needed = runs_per_config_;
          } else {
            for (const auto& row : state_.manifest.trials)
              needed += row.stage == "final" && row.config_id == best.config_id;
          }
          sel.runs_needed = needed;
          // The search's selection can also change while the search adds runs: Unplanned() marks that.
          sel.provisional =
              best.results < needed || stage.running > 0 || stage.not_started > 0 || stage.interrupted > 0;
        }
      }
      out_.stages.push_back(stage);
    }
    Unplanned();
  }
  // Runs each stage will still add, as a range: the search while racing, TPE, ASHA or a constrained grid can
  // still add work; final and ablation before they are planned (from the provisional selection).
  void Unplanned() {
    bool cv_known = true;
    const bool cv = CrossValidated(cv_known);
    const auto& s = state_.settings;
    bool search_done = true;
    for (auto& stage : out_.stages) {
      if (stage.name == "search") {
        std::map<std::string, int> runs;
        std::set<std::string> eliminated;
        for (const auto& e : state_.manifest.eliminations) eliminated.insert(e.config_id);
        for (const auto& row : state_.manifest.trials)
          if (row.stage == "search") ++runs[row.config_id];
        const int configs_seen = static_cast<int>(runs.size());
        if (IsAsha()) {
          if (s.asha_sampler == config::AshaSampler::kTpe) {
            // Rung 0 proposed one at a time: the configurations not proposed yet.
            const double more = std::max(0, s.budget - configs_seen);
            stage.unplanned.lo += more;
            stage.unplanned.expected += more;
            stage.unplanned.hi += more;
            asha_more_.push_back({0, more});
          }
          // Promotions to rung k: asynchronous ASHA lets more than floor(n / eta) of rung k-1's n results
          // climb (status/asha_forecast.h), forecast from the ranks at rung k-1 so far. The rung's final n
          // is the forecast of the rung below: its expected count for the expected figure, its top for the
          // range's top; the range's bottom is floor(n / eta) of the bottom's n, or what exists.
          Range prev{std::max<double>(s.budget, configs_seen), std::max<double>(s.budget, configs_seen),
                     std::max<double>(s.budget, configs_seen)};
          asha_rungs_.assign(1, prev);
          for (size_t k = 1; k < rung_epochs_.size(); ++k) {
            const int rung = static_cast<int>(k);
            int existing = 0;
            for (const auto& row : state_.manifest.trials)
              existing += row.stage == "search" && schema::AshaRung(row) == rung;
            const std::vector<RungResult> ranked = RankedAtRung(rung - 1).results;
            const PromotionForecast expected =
                ForecastPromotions(ranked, static_cast<int>(std::lround(prev.expected)), s.reduction_factor);
            const PromotionForecast top =
                ForecastPromotions(ranked, static_cast<int>(std::ceil(prev.hi)), s.reduction_factor);
            Range at_k;
            at_k.lo = std::max<double>(existing, std::floor(prev.lo / s.reduction_factor));
            at_k.expected = std::max<double>(existing, expected.expected);
            at_k.hi = std::max<double>(at_k.expected, top.hi);
            const Range more{at_k.lo - existing, at_k.expected - existing, at_k.hi - existing};
            stage.unplanned.lo += more.lo;
            stage.unplanned.expected += more.expected;
            stage.unplanned.hi += more.hi;
            asha_more_.push_back({rung, more.expected});
            asha_rungs_.push_back(at_k);
            prev = at_k;
          }
          if (AshaRaces()) {
            // ASHA then racing: every configuration that reaches the top rung races over the other folds at
            // the top rung's budget. At most every fold each; at the least one survivor runs them all and the
            // others stop after racing_min_folds. Expected: as many race runs per configuration as the
            // configurations decided so far (eliminated, or through every fold) took on average; before any
            // is decided, halfway between the two.
            const int top = static_cast<int>(rung_epochs_.size()) - 1;
            const int other_folds = std::max(0, BaseFolds() - 1);
            const int min_more = std::max(0, std::min(other_folds, s.racing_min_folds - 1));
            std::map<std::string, int> race_runs;
            std::set<std::string> at_top;
            for (const auto& row : state_.manifest.trials) {
              if (row.stage != "search") continue;
              if (row.variant == schema::kRaceVariant) ++race_runs[row.config_id];
              if (schema::AshaRung(row) == top) at_top.insert(row.config_id);
            }
            // The incumbent (the best configuration through every fold) is no sample: the race schedule
            // runs the first one through every fold with nothing to lose against, so it always survives.
            const std::vector<schema::RankedConfig> ranked = Rank("search");
            const std::string incumbent =
                !ranked.empty() && ranked.front().complete ? ranked.front().config_id : std::string();
            double decided_runs = 0;
            int decided = 0;
            for (const auto& id : at_top)
              if (id != incumbent && (eliminated.count(id) || race_runs[id] >= other_folds)) {
                decided_runs += race_runs[id];
                ++decided;
              }
            race_runs_each_ = decided > 0 ? decided_runs / decided : (min_more + other_folds) / 2.0;
            race_decided_ = decided;
            Range race;
            // One configuration at least survives the race and trains every fold: at the least, the one with
            // the fewest left (none, once one has), or one still to arrive.
            double survivor = other_folds;
            bool racing_now = false;
            race_left_.clear();
            for (const auto& id : at_top) {
              if (eliminated.count(id)) continue;
              const int done = race_runs[id];
              const int left = std::max(0, other_folds - done);
              race_left_.push_back({id, left});
              race.hi += left;
              race.lo += std::max(0, min_more - done);
              race.expected += std::min<double>(left, std::max(0.0, race_runs_each_ - done));
              survivor = std::min<double>(survivor, left);
              racing_now = true;
            }
            const Range& at_top_rung = asha_rungs_.back();
            const double in_top = static_cast<double>(at_top.size());
            const Range arriving{std::max(0.0, at_top_rung.lo - in_top),
                                 std::max(0.0, at_top_rung.expected - in_top),
                                 std::max(0.0, at_top_rung.hi - in_top)};
            race_arriving_ = arriving.expected;
            race_arriving_runs_ = arriving.expected * race_runs_each_;
            race.hi += arriving.hi * other_folds;
            race.lo += arriving.lo * min_more;
            race.expected += race_arriving_runs_;
            if (!racing_now && arriving.expected <= 0) survivor = 0;  // nothing left to race
            race.lo = std::max(race.lo, survivor);
            race.expected = std::clamp(race.expected, race.lo, race.hi);
            race_more_ = race;
            stage.unplanned.lo += race.lo;
            stage.unplanned.expected += race.expected;
            stage.unplanned.hi += race.hi;
          }
        } else if (Sequential() && runs_per_config_ > 0) {
          double total_hi = s.strategy == config::Strategy::kGrid ? state_.space.grid_points : s.budget;
          if (s.strategy == config::Strategy::kGrid && total_hi <= 0) total_hi = configs_seen;
          double total_lo = total_hi;
          if (s.strategy == config::Strategy::kGrid && state_.space.has_constraints) total_lo = configs_seen;
          total_lo = std::max<double>(total_lo, configs_seen);
          total_hi = std::max<double>(total_hi, configs_seen);
          const bool racing = s.racing != config::RacingTest::kOff;
          // Racing: a configuration trains at least racing_min_folds folds, at most all of them; expected,
          // as many as the configurations decided so far did on average.
          double decided_runs = 0;
          int decided = 0;
          for (const auto& [id, n] : runs)
            if (eliminated.count(id) || n >= runs_per_config_) {
              decided_runs += n;
              ++decided;
            }
          const double min_runs = racing ? std::min(runs_per_config_, s.racing_min_folds) : runs_per_config_;
          const double mean_runs = racing && decided > 0 ? decided_runs / decided : runs_per_config_;
          Range more;
          for (const auto& [id, n] : runs) {
            if (eliminated.count(id)) continue;
            more.hi += std::max(0, runs_per_config_ - n);
            more.lo += std::max(0.0, min_runs - n);
            more.expected += std::max(0.0, std::max(mean_runs, static_cast<double>(n)) - n);
          }
          more.hi += (total_hi - configs_seen) * runs_per_config_;
          more.lo += (total_lo - configs_seen) * min_runs;
          more.expected += (total_hi - configs_seen) * mean_runs;
          stage.unplanned = more;
        }
        search_done =
            stage.unplanned.hi <= 0 && stage.running == 0 && stage.not_started == 0 && stage.interrupted == 0;
        // The stage's selection is final only when nothing can change it.
        if (stage.selection.present && !search_done) stage.selection.provisional = true;
        continue;
      }
      if (stage.planned) continue;
      if (stage.name == "final") {
        if (FinalReusesRace()) {
          // Its runs are the race's trials (orchestrator/planner.cc): nothing is trained again.
          stage.unplanned = Range{};
          stage.notes.push_back("final runs are the race's trials, reused: nothing left to train");
          continue;
        }
        const int folds = BaseFolds();
        const double cv_runs = s.final_top_k * std::max(1, folds);
        const double fixed_runs = static_cast<double>(s.final_top_k) * s.final_seeds;
        stage.unplanned =
            cv_known ? Range{cv ? cv_runs : fixed_runs, cv ? cv_runs : fixed_runs, cv ? cv_runs : fixed_runs}
                     : Range{std::min(cv_runs, fixed_runs), std::max(cv_runs, fixed_runs),
                             std::max(cv_runs, fixed_runs)};
        if (!cv_known)
          stage.notes.push_back("corpus kind unknown from here (data.path not visible): range over both");
      } else if (stage.name == "ablation") {
        // Baseline plus one variant per task-specific stack present, plus both removed when both are.
        auto variants = [](const ConfigFacts& f) {
          return 1 + (f.ner > 0) + (f.re > 0) + (f.ner > 0 && f.re > 0);
        };
        double lo = 4, hi = 1, expected = 0;
        for (const auto& row : state_.manifest.trials) {
          if (row.stage != "search") continue;
          const double v = variants(Facts(row));
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        for (const auto& stage2 : out_.stages)
          if (stage2.name == "search" && stage2.selection.present)
            for (const auto& row : state_.manifest.trials)
              if (row.config_id == stage2.selection.config_id) {
                expected = variants(Facts(row));
                break;
              }
        if (expected == 0) expected = hi;
        if (search_done) lo = hi = expected;
        lo = std::min(lo, expected);
        const int folds = s.ablation_folds == config::AblationFolds::kAll && (cv || !cv_known)
                              ? std::max(1, BaseFolds())
                              : 1;
        const double per = static_cast<double>(s.ablation_seeds) * folds;
        stage.unplanned = Range{lo * per, expected * per, hi * per};
      }
    }
  }

  void Running() {
    const double now = state_.now;
    for (const auto& row : state_.manifest.trials) {
      if (row.status != TrialStatus::kRunning) continue;
      RunningTrial r;
      r.trial_id = row.trial_id;
      r.stage = row.stage;
      r.variant = row.variant;
      const ConfigFacts& facts = Facts(row);
      r.config = facts.Short();
      r.fold = row.fold;
      r.seed = row.seed;
      int from = 0;
      r.max_epochs = RowEpochs(row, from);
      r.attempt = row.attempts + 1;
      double last_change = 0;
      const TrialInfo* info = File(row.trial_id);
      auto it = state_.trials.find(row.trial_id);
      if (it != state_.trials.end()) last_change = it->second.mtime;
      double max_epoch_s = 0;
      if (info) {
        r.epoch = info->file.epochs_run;
        for (const auto& e : info->file.epochs) {
          r.best_dev = std::max(r.best_dev, e.dev_score);
          max_epoch_s = std::max(max_epoch_s, e.seconds);
        }
        if (!info->file.epochs.empty()) r.last_dev = info->file.epochs.back().dev_score;
        if (!info->file.attempts.empty()) {
          const auto& a = info->file.attempts.back();
          if (a.end_time.empty()) {
            r.host = a.host;
            r.rank = a.rank;
            r.pid = static_cast<long>(a.pid);
            r.attempt = a.attempt;
            const double start = ParseIsoUtc(a.start_time);
            if (start > 0) r.elapsed_s = now - start;
          }
        }
      }
      // The log's header is written when the child is spawned, before the trial writes its file: it is the
      // newest word on where the current attempt runs.
      if (const LogInfo* log = Log(row.trial_id)) {
        last_change = std::max(last_change, log->mtime);
        if (log->attempt > 0 && log->attempt >= r.attempt - (info ? 0 : 1)) {
          r.attempt = log->attempt;
          r.host = log->host;
          r.rank = log->rank;
          r.pid = log->pid;
          const double start = ParseIsoUtc(log->start_time);
          if (start > 0) r.elapsed_s = now - start;
        }
      }
      r.quiet_s = last_change > 0 ? std::max(0.0, now - last_change) : -1;
      const double epoch_s = std::max(SecondsPerEpoch(facts), max_epoch_s);
      r.silent_bound_s = options_.silent_after_s > 0 ? options_.silent_after_s
                                                     : std::max(state_.settings.silent_rank_s, 3 * epoch_s);
      // Only a live sweep's trials can be silent; a dead coordinator's trials are simply stopped.
      r.silent = out_.phase == SweepPhase::kRunning && r.quiet_s > r.silent_bound_s;
      // Expected time left: its remaining epochs, less the part of the current epoch already spent.
      const double f = EarlyStopFraction(row.stage);
      const double total =
          std::max<double>(r.epoch + (r.epoch < r.max_epochs ? 1 : 0), from + (r.max_epochs - from) * f);
      const double spe = SecondsPerEpoch(facts);
      double left = (total - r.epoch) * spe + (r.epoch == 0 ? overhead_ / 2 : 0);
      if (it != state_.trials.end() && r.epoch > 0)
        left -= std::min(spe, std::max(0.0, now - it->second.mtime));
      running_left_[row.stage].push_back(std::max(0.0, left));
      out_.running.push_back(r);
    }
    std::stable_sort(out_.running.begin(), out_.running.end(),
                     [](const RunningTrial& a, const RunningTrial& b) {
                       if (a.silent != b.silent) return a.silent;
                       return a.elapsed_s > b.elapsed_s;
                     });
  }

  void Failures() {
    std::map<std::pair<std::string, std::string>, FailureGroup> groups;
    std::map<std::string, const PlannedTrial*> last_row;
    for (const auto& row : state_.manifest.trials) last_row[row.trial_id] = &row;
    std::set<std::string> covered;
    std::map<std::string, int> last_failed_attempt;
    for (const auto& a : state_.manifest.attempts)
      if (a.outcome != "completed" && a.outcome != "interrupted") last_failed_attempt[a.trial_id] = a.attempt;
    for (const auto& a : state_.manifest.attempts) {
      if (a.outcome == "completed" || a.outcome == "interrupted") continue;
      FailureGroup& group = groups[{a.host, a.outcome}];
      group.host = a.host;
      group.failure_class = a.outcome;
      FailureEntry entry;
      entry.trial_id = a.trial_id;
      entry.stage = a.stage;
      entry.variant = a.variant;
      entry.attempt = a.attempt;
      entry.message = a.message;
      auto row = last_row.find(a.trial_id);
      const bool trial_failed = row != last_row.end() && (row->second->status == TrialStatus::kFailed ||
                                                          row->second->status == TrialStatus::kBadConfig);
      entry.final = trial_failed && last_failed_attempt[a.trial_id] == a.attempt;
      // The log's last line belongs to its last attempt: shown with that attempt only.
      const LogInfo* log = Log(a.trial_id);
      if (log && log->attempt == a.attempt) entry.last_log_line = log->last_line;
      group.final_trials += entry.final;
      group.entries.push_back(entry);
      covered.insert(a.trial_id);
    }
    // Rows failed in a manifest without /attempts (written before it): grouped by the host their trial file
    // or log names.
    for (const auto& row : state_.manifest.trials) {
      if ((row.status != TrialStatus::kFailed && row.status != TrialStatus::kBadConfig) ||
          covered.count(row.trial_id))
        continue;
      const LogInfo* log = Log(row.trial_id);
      std::string host = log && !log->host.empty() ? log->host : "?";
      std::string cls = row.status == TrialStatus::kBadConfig ? "bad_config" : "failed";
      const auto colon = row.failure.find(':');
      if (colon != std::string::npos && colon < 20) cls = row.failure.substr(0, colon);
      FailureGroup& group = groups[{host, cls}];
      group.host = host;
      group.failure_class = cls;
      FailureEntry entry{
          row.trial_id, row.stage, row.variant, row.attempts, true, row.failure, log ? log->last_line : ""};
      group.final_trials += 1;
      group.entries.push_back(entry);
    }
    for (auto& [key, group] : groups) out_.failures.push_back(group);
    // Trials failed for good first, then the hosts with the most failed attempts.
    std::stable_sort(out_.failures.begin(), out_.failures.end(),
                     [](const FailureGroup& a, const FailureGroup& b) {
                       if (a.final_trials != b.final_trials) return a.final_trials > b.final_trials;
                       return a.entries.size() > b.entries.size();
                     });
  }

  int Workers(std::string& basis) {
    const int running = static_cast<int>(out_.running.size());
    if (state_.manifest.workers > 0) {
      basis = std::to_string(state_.manifest.workers) + " worker ranks (recorded in sweep.h5)";
      return std::max(state_.manifest.workers, running);
    }
    // An older manifest does not record the count: the distinct ranks of this run's attempts (started since
    // the lock's `started`) and of the running trials.
    std::set<int> ranks;
    auto started = state_.lock.fields.find("started");
    const double since = started == state_.lock.fields.end() ? 0 : ParseIsoUtc(started->second);
    for (const auto& a : state_.manifest.attempts)
      if (a.rank > 0 && ParseIsoUtc(a.start_time) >= since) ranks.insert(a.rank);
    for (const auto& r : out_.running)
      if (r.rank > 0) ranks.insert(r.rank);
    const int count = std::max(static_cast<int>(ranks.size()), running);
    basis = std::to_string(std::max(1, count)) +
            " workers: distinct ranks seen in this run's attempts and running trials (this sweep.h5 does not "
            "record the count)";
    return std::max(1, count);
  }

  void Eta() {
    EtaEstimate& eta = out_.eta;
    const auto& s = state_.settings;
    for (const auto& row : state_.manifest.trials)
      if (schema::IsTerminal(row.status) || row.status == TrialStatus::kPromoted) ++eta.trials_done;
    eta.workers = Workers(eta.workers_basis);
    // Per stage, in order: the time each pending run is expected to take, and the unplanned runs' count and
    // time. The stages run one after the other (each waits for the one before: its plan needs the results).
    struct StageWork {
      std::vector<double> running, pending;
      Range extra;
      double extra_s_by[3] = {0, 0, 0};  // an unplanned run's time, for the range's bottom, expected and top
    };
    std::vector<StageWork> work;
    double search_mean_s = 0;
    {
      // A run of the search not yet planned: the search's mean time per epoch so far.
      const double spe =
          search_epochs_.empty() ? (per_layer_.empty() ? 0 : Median(per_layer_) * 3) : Median(search_epochs_);
      int epochs = 0;
      for (const auto& row : state_.manifest.trials)
        if (row.stage == "search") {
          epochs = Facts(row).max_epochs;
          break;
        }
      search_mean_s = spe * std::max(1.0, epochs * EarlyStopFraction("search")) + overhead_;
    }
    // The provisional selection's runs stand for the final and ablation stages before they are planned (the
    // ablation variants are matched to its parameter count, so their epochs cost about the same).
    double selected_s = search_mean_s;
    for (const auto& stage : out_.stages)
      if (stage.name == "search" && stage.selection.present)
        for (const auto& row : state_.manifest.trials)
          if (row.config_id == stage.selection.config_id) {
            const ConfigFacts& f = Facts(row);
            const int epochs = IsAsha() ? s.max_epochs : f.max_epochs;
            selected_s = SecondsPerEpoch(f) * std::max(1.0, epochs * EarlyStopFraction("final")) + overhead_;
            break;
          }
    int running_count = 0, pending_count = 0;
    Range unplanned_count;
    for (const auto& stage : out_.stages) {
      StageWork w;
      auto r = running_left_.find(stage.name);
      if (r != running_left_.end()) w.running = r->second;
      for (const auto& row : state_.manifest.trials)
        if (row.stage == stage.name &&
            (row.status == TrialStatus::kPlanned || row.status == TrialStatus::kInterrupted))
          w.pending.push_back(RunSeconds(row));
      w.extra = stage.unplanned;
      if (stage.name == "search") {
        if (IsAsha()) {
          // Promotions: the epochs from one rung to the next, at the time per epoch of the configurations
          // that will climb (PromotedSecondsPerEpoch), else the search's median. The range's ends price the
          // configurations still to climb at the fastest and slowest that may (ClimberEpochRange).
          const double spe = search_epochs_.empty() ? 0 : Median(search_epochs_);
          auto or_median = [&](double seconds) { return seconds > 0 ? seconds : spe; };
          std::map<int, std::pair<double, double>> climbers;  // rung -> ClimberEpochRange
          auto price = [&](int which, int k, double n) {
            const double expected = or_median(k > 0 ? PromotedSecondsPerEpoch(k, n) : 0);
            if (which == 1) return expected;
            auto it = climbers.find(k);
            if (it == climbers.end()) it = climbers.emplace(k, ClimberEpochRange(k)).first;
            const auto [fastest, slowest] = it->second;
            if (which == 0) return fastest > 0 ? std::min(expected, fastest) : expected;
            return std::max(expected, slowest);
          };
          double total_s[3] = {0, 0, 0}, count = 0;
          for (const auto& [k, more] : asha_more_) {
            const size_t ku = static_cast<size_t>(k);
            const int from = ku > 0 ? rung_epochs_[ku - 1] : 0;  // rung 0: new configurations (asha_sampler)
            for (int which = 0; which < 3; ++which)
              total_s[which] += more * (price(which, k, more) * (rung_epochs_[ku] - from) + overhead_);
            count += more;
          }
          if (AshaRaces() && !rung_epochs_.empty()) {
            // Race runs train the top rung's budget from scratch, each at its own configuration's time per
            // epoch: those already at the top rung by their size class, those still to arrive as the best of
            // the rung below. Weighted by the runs each may still need.
            const int top = static_cast<int>(rung_epochs_.size()) - 1;
            for (int which = 0; which < 3; ++which) {
              double weighted = 0, runs = 0;
              for (const auto& [id, left] : race_left_)
                if (const PlannedTrial* row = FirstRow(id)) {
                  weighted += left * or_median(SecondsPerEpoch(Facts(*row)));
                  runs += left;
                }
              if (race_arriving_runs_ > 0) {
                weighted += race_arriving_runs_ * price(which, top, race_arriving_);
                runs += race_arriving_runs_;
              }
              const double epoch_s = runs > 0 ? weighted / runs : spe;
              if (which == 1) race_epoch_s_ = epoch_s;
              total_s[which] += race_more_.expected * (epoch_s * rung_epochs_.back() + overhead_);
            }
            count += race_more_.expected;
          }
          for (int which = 0; which < 3; ++which)
            w.extra_s_by[which] = count > 0 ? total_s[which] / count : 0;
          const int top = static_cast<int>(rung_epochs_.size()) - 1;
          if (climbers.count(top) > 0) climber_range_ = climbers[top];
        } else {
          std::fill(std::begin(w.extra_s_by), std::end(w.extra_s_by), search_mean_s);
        }
      } else {
        std::fill(std::begin(w.extra_s_by), std::end(w.extra_s_by), selected_s);
      }
      running_count += static_cast<int>(w.running.size());
      pending_count += static_cast<int>(w.pending.size());
      unplanned_count.lo += w.extra.lo;
      unplanned_count.expected += w.extra.expected;
      unplanned_count.hi += w.extra.hi;
      work.push_back(w);
    }
    eta.trials_left = Range{running_count + pending_count + unplanned_count.lo,
                            running_count + pending_count + unplanned_count.expected,
                            running_count + pending_count + unplanned_count.hi};
    const double total = eta.trials_done + eta.trials_left.expected;
    eta.fraction_done = total > 0 ? eta.trials_done / total : 0;
    // List scheduling: each run goes to the first free worker, in plan order.
    auto simulate = [&](int which, double& work_s) {
      const int workers = std::max(eta.workers, 1);
      std::vector<double> slots(static_cast<size_t>(workers), 0.0);
      double end = 0;
      work_s = 0;
      for (const auto& w : work) {
        std::fill(slots.begin(), slots.end(), end);
        std::vector<double> jobs = w.pending;
        const double n = which == 0 ? w.extra.lo : which == 1 ? w.extra.expected : w.extra.hi;
        // Forecast counts are fractional (ASHA's promotions): the fraction is a run of that share's length.
        const double run_s = w.extra_s_by[which];
        for (long i = 0; i < static_cast<long>(std::floor(n)); ++i) jobs.push_back(run_s);
        if (n - std::floor(n) > 1e-9) jobs.push_back((n - std::floor(n)) * run_s);
        size_t slot = 0;
        for (double left : w.running) {
          if (slot < slots.size())
            slots[slot++] = end + left;
          else
            slots.push_back(end + left);  // more running than counted workers: they are workers too
          work_s += left;
        }
        for (double job : jobs) {
          auto first = std::min_element(slots.begin(), slots.end());
          *first += job;
          work_s += job;
        }
        for (double t : slots) end = std::max(end, t);
      }
      return end;
    };
    double lo_work = 0, hi_work = 0;
    eta.remaining_s.lo = simulate(0, lo_work);
    eta.remaining_s.expected = simulate(1, eta.work_left_s);
    eta.remaining_s.hi = simulate(2, hi_work);

    const bool measured = !per_layer_.empty();
    if (out_.phase != SweepPhase::kRunning) {
      eta.why_not = out_.phase == SweepPhase::kCompleted || out_.phase == SweepPhase::kFailed
                        ? "the sweep has ended"
                        : std::string("the sweep is not running (") + Name(out_.phase) + ")";
    } else if (!measured) {
      eta.why_not = "no epoch measured yet (the first trial files have no epoch)";
    } else {
      eta.available = true;
      eta.end_time = Range{state_.now + eta.remaining_s.lo, state_.now + eta.remaining_s.expected,
                           state_.now + eta.remaining_s.hi};
    }
    // The basis, in words.
    std::ostringstream per_epoch;
    per_epoch << "time per epoch: median of " << epochs_measured_ << " epochs in " << files_measured_
              << " trial files of this sweep (the running ones, and the newest " << kSampledPerClass
              << " finished of each size class), per size class (cell, layers, hidden; " << per_class_.size()
              << " measured";
    if (!per_layer_.empty())
      per_epoch << ", others: " << Fixed(Median(per_layer_), 2) << " s per layer x their layers";
    per_epoch << ")";
    if (untimed_files_ > 0)
      per_epoch << "; " << untimed_files_
                << " files record no epoch times: their attempt's wall time over their epochs";
    eta.basis.push_back(per_epoch.str());
    eta.basis.push_back(fraction_count_ > 0
                            ? "epochs per run: train.max_epochs x " + Fixed(fraction_all_, 2) +
                                  ", the median share " + std::to_string(fraction_count_) +
                                  " finished trials ran (early stopping)"
                        : IsAsha() ? std::string("epochs per run: ASHA runs their rung's epochs; others "
                                                 "train.max_epochs (none outside the rungs finished yet)")
                                   : std::string("epochs per run: train.max_epochs (no trial finished yet)"));
    if (IsAsha())
      eta.basis.push_back(
          "ASHA promotions" + std::string(AshaRaces() ? " and race runs" : "") +
          ": at the time per epoch of the configurations that climb (those at the top rung "
          "by their size class, "
          "those still to come as the best of the rung below)" +
          (AshaRaces() && race_epoch_s_ > 0 ? "; a race epoch " + Fixed(race_epoch_s_, 2) + " s"
                                            : std::string()) +
          (search_epochs_.empty()
               ? std::string()
               : " against the search's median " + Fixed(Median(search_epochs_), 2) + " s") +
          (climber_range_.second > 0
               ? "; the range prices those still to climb at the fastest and the slowest that "
                 "may (" +
                     Fixed(climber_range_.first, 2) + ".." + Fixed(climber_range_.second, 2) + " s an epoch)"
               : std::string()));
    if (IsAsha() && !asha_rungs_.empty()) {
      // The counts behind the runs left: asynchronous promotion lets more than 1/eta climb.
      std::ostringstream counts;
      counts << "ASHA: the rungs will hold ";
      for (size_t k = 0; k < asha_rungs_.size(); ++k) {
        const Range& r = asha_rungs_[k];
        counts << (k ? ", " : "") << Fixed(r.expected, 1);
        if (r.hi - r.lo >= 0.05) counts << " (" << Fixed(r.lo, 0) << ".." << Fixed(r.hi, 1) << ")";
      }
      counts
          << " configurations (each rung forecast from the ranks below it: a configuration once in the top "
             "1/"
          << state_.settings.reduction_factor << " of the results so far climbs)";
      if (AshaRaces())
        counts << "; race runs per configuration at the top rung: " << Fixed(race_runs_each_, 1)
               << (race_decided_ > 0
                       ? " (the mean of the " + std::to_string(race_decided_) +
                             " decided so far besides the incumbent)"
                       : std::string(" (none decided yet besides the incumbent: halfway between the fewest "
                                     "and all)"));
      eta.basis.push_back(counts.str());
    }
    if (overhead_count_ > 0)
      eta.basis.push_back("per-run overhead " + Fixed(overhead_, 1) +
                          " s (start, data, test: the median of " + std::to_string(overhead_count_) +
                          " single-attempt runs, wall minus epochs)");
    std::ostringstream left;
    left << "runs left: " << running_count << " running, " << pending_count << " planned, ";
    // Whole runs: the forecasts behind them are fractional (ASHA's promotions), the runs are not.
    if (std::lround(unplanned_count.lo) == std::lround(unplanned_count.hi))
      left << std::lround(unplanned_count.expected) << " not yet planned";
    else
      left << std::lround(unplanned_count.lo) << ".." << std::lround(unplanned_count.hi)
           << " not yet planned (expected " << std::lround(unplanned_count.expected) << ")";
    eta.basis.push_back(left.str());
    eta.basis.push_back("workers: " + eta.workers_basis);
    std::ostringstream brief;
    brief << "basis: " << epochs_measured_ << " epochs measured (median " << Fixed(Median(all_epochs_), 2)
          << " s, by size class), x" << Fixed(fraction_all_, 2) << " of max epochs, +" << Fixed(overhead_, 1)
          << " s per run; runs left " << running_count << " running + " << pending_count << " planned + ";
    if (std::lround(unplanned_count.lo) == std::lround(unplanned_count.hi))
      brief << std::lround(unplanned_count.expected);
    else
      brief << std::lround(unplanned_count.lo) << ".." << std::lround(unplanned_count.hi);
    brief << " unplanned; " << eta.workers << " workers ("
          << (state_.manifest.workers > 0 ? "sweep.h5" : "ranks seen") << "); stages in order";
    eta.basis_brief = brief.str();
    eta.basis.push_back(
        "schedule: stages one after another, each run to the first free worker in plan order; the range "
        "spans the work the search may still add (racing, TPE, ASHA promotions, constraints) and the "
        "selection's ablation variants");
  }

  const SweepState& state_;
  const SummaryOptions& options_;
  StatusSummary out_;
  std::map<std::string, ConfigFacts> facts_;
  std::vector<int> rung_epochs_;
  int runs_per_config_ = 1;
  std::map<std::string, std::vector<double>> per_class_;
  std::vector<double> per_layer_, search_epochs_, all_epochs_;
  int epochs_measured_ = 0, files_measured_ = 0, untimed_files_ = 0;
  std::map<std::string, double> fraction_by_stage_;
  double fraction_all_ = 1;
  int fraction_count_ = 0;
  double overhead_ = 0;
  int overhead_count_ = 0;
  std::map<std::string, std::vector<double>> running_left_;
  std::vector<std::pair<int, double>> asha_more_;
  std::vector<Range> asha_rungs_;  // ASHA: the configurations each rung will hold in the end, forecast
  std::pair<double, double> climber_range_{0, 0};  // ASHA: the top rung's climbers, fastest and slowest epoch
  double race_runs_each_ = 0;  // ASHA then racing: race runs a configuration at the top rung takes, expected
  int race_decided_ = 0;       // the configurations at the top rung decided so far (race_runs_each_'s basis)
  Range race_more_;            // ASHA then racing: race runs not yet planned
  std::vector<std::pair<std::string, int>> race_left_;  // at the top rung: a configuration's race runs left
  double race_arriving_ = 0,
         race_arriving_runs_ = 0;  // configurations still to reach the top rung; their runs
  double race_epoch_s_ = 0;        // a race run's expected time per epoch
};

}  // namespace

StatusSummary Summarize(const SweepState& state, const SummaryOptions& options) {
  return Summarizer(state, options).Run();
}

}  // namespace dts::status
