#include "status/render.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace dts::status {

namespace {

using Json = nlohmann::json;

std::string Printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Printf(const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

// "10:12:03Z": the time of day is what a reader compares; the date only when it is not today's.
std::string Clock(double when, double now) {
  const std::string iso = FormatIsoUtc(when);
  return iso.substr(0, 10) == FormatIsoUtc(now).substr(0, 10) ? iso.substr(11) : iso;
}

std::string Score(double score) { return score < 0 ? "-" : Printf("%.1f", score); }

// Words into lines of at most `width` columns, the first after `first`, the rest after `indent`.
void Wrap(std::vector<std::string>& out, const std::string& first, const std::string& indent,
          const std::string& text, int width) {
  std::istringstream words(text);
  std::string word, line = first;
  bool empty = first.empty() || first.back() == ' ';  // a prefix like "FAILED:" gets a space before the text
  while (words >> word) {
    if (!empty && static_cast<int>(line.size() + 1 + word.size()) > width) {
      out.push_back(line);
      line = indent;
      empty = true;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  out.push_back(line);
}

std::string StageLabel(const RunningTrial& r) {
  if (r.variant.rfind("rung", 0) == 0) return "srch r" + r.variant.substr(4);
  if (r.stage == "ablation") {
    if (r.variant == "baseline") return "abl base";
    if (r.variant == "no_ner_specific") return "abl -ner";
    if (r.variant == "no_re_specific") return "abl -re";
    if (r.variant == "no_task_specific") return "abl -tsk";
  }
  return r.stage;
}

std::string Count(const Range& r) {
  if (r.hi <= 0) return "-";
  if (std::lround(r.lo) == std::lround(r.hi)) return Printf("%ld", std::lround(r.hi));
  return Printf("%ld-%ld", std::lround(r.lo), std::lround(r.hi));
}

const char* PhaseWord(SweepPhase phase) {
  switch (phase) {
    case SweepPhase::kNoSweep:
      return "NO SWEEP";
    case SweepPhase::kStarting:
      return "STARTING";
    case SweepPhase::kRunning:
      return "RUNNING";
    case SweepPhase::kCoordinatorLost:
      return "COORDINATOR LOST";
    case SweepPhase::kCrashed:
      return "CRASHED";
    case SweepPhase::kCompleted:
      return "COMPLETED";
    case SweepPhase::kFailed:
      return "ENDED WITH FAILURES";
    case SweepPhase::kInterrupted:
      return "INTERRUPTED";
    case SweepPhase::kUnreadable:
      return "UNREADABLE";
  }
  return "?";
}

}  // namespace

std::string RenderText(const StatusSummary& s, int width, int height, const std::string& footer) {
  std::vector<std::string> top, eta, running, failures;
  const std::string now = FormatIsoUtc(s.now);
  {
    std::string left = "dts-status " + s.dir;
    if (!s.sweep_name.empty()) left += "  [" + s.sweep_name + "]";
    const std::string right = now.substr(11);
    const int pad = width - static_cast<int>(left.size()) - static_cast<int>(right.size());
    top.push_back(pad >= 1 ? left + std::string(static_cast<size_t>(pad), ' ') + right : left);
  }
  Wrap(top, std::string(PhaseWord(s.phase)) + ": ", "  ", s.phase_detail, width);

  // What needs attention: silent trials and failures, before anything else.
  std::vector<std::string> attention;
  for (const auto& r : s.running)
    if (r.silent)
      attention.push_back(
          Printf("! %.8s silent for %s (no change in its trial file or log; bound %s), host %s "
                 "rank %d",
                 r.trial_id.c_str(), FormatDuration(r.quiet_s).c_str(),
                 FormatDuration(r.silent_bound_s).c_str(), r.host.c_str(), r.rank));
  for (const auto& g : s.failures) {
    std::string line = Printf("! %s on %s: %zu attempt%s", g.failure_class.c_str(), g.host.c_str(),
                              g.entries.size(), g.entries.size() == 1 ? "" : "s");
    if (g.final_trials > 0)
      line += Printf(", %d trial%s failed for good", g.final_trials, g.final_trials == 1 ? "" : "s");
    attention.push_back(line);
  }
  for (const auto& line : attention) Wrap(top, "", "    ", line, width);
  for (const auto& note : s.notes) Wrap(top, "note: ", "  ", note, width);

  if (!s.stages.empty()) {
    top.push_back("");
    top.push_back("stage     runs  run done  div fail wait  elim  +more  selection (mean dev)");
    for (const auto& st : s.stages) {
      std::string sel;
      if (st.selection.present)
        sel = Printf("%s %.2f %d/%d%s", st.selection.config.c_str(), st.selection.mean_dev, st.selection.runs,
                     st.selection.runs_needed, st.selection.provisional ? " prov." : "");
      if (!st.planned) {
        top.push_back(Printf("%-8.8s %5s %4s %4s %4s %4s %4s %5s %6s  %s", st.name.c_str(), "-", "-", "-",
                             "-", "-", "-", "-", Count(st.unplanned).c_str(), "not planned yet"));
        continue;
      }
      const std::string elim = st.eliminated > 0 ? Printf("%d", st.eliminated) : "-";
      top.push_back(Printf("%-8.8s %5d %4d %4d %4d %4d %4d %5s %6s  %.27s", st.name.c_str(), st.rows,
                           st.running, st.completed, st.diverged, st.failed, st.not_started + st.interrupted,
                           elim.c_str(), Count(st.unplanned).c_str(), sel.c_str()));
    }
  }

  // The ETA and how it was computed.
  eta.push_back("");
  const EtaEstimate& e = s.eta;
  const std::string done = Printf("%d of ~%ld runs done (%.0f%%)", e.trials_done,
                                  std::lround(e.trials_done + e.trials_left.expected), 100 * e.fraction_done);
  if (e.available) {
    std::string line =
        "ETA " + Clock(e.end_time.expected, s.now) + " (in " + FormatDuration(e.remaining_s.expected) + ")";
    if (std::lround(e.remaining_s.hi - e.remaining_s.lo) > 0)
      line += ", range " + Clock(e.end_time.lo, s.now) + ".." + Clock(e.end_time.hi, s.now);
    line += Printf(" | %d workers | ", e.workers) + done;
    Wrap(eta, "", "    ", line, width);
  } else {
    Wrap(eta, "", "    ", "ETA: none, " + e.why_not + " | " + done, width);
  }
  // A terminal shows the short form (the screen is for the trials); a one-shot print and --json the
  // sentences.
  if (height > 0 && !e.basis_brief.empty())
    Wrap(eta, "  ", "    ", e.basis_brief, width);
  else
    for (const auto& b : e.basis) Wrap(eta, "  basis: ", "    ", b, width);

  if (!s.running.empty()) {
    running.push_back("");
    running.push_back(Printf("RUNNING (%zu)", s.running.size()));
    running.push_back(Printf("%-8s %-8s %-10s %2s %4s %-10s %3s %5s %7s %5s %5s", "trial", "stage", "config",
                             "fd", "seed", "host", "rnk", "epoch", "elapsed", "dev", "best"));
    for (const auto& r : s.running) {
      const std::string epoch = Printf("%d/%d", r.epoch, r.max_epochs);
      running.push_back(Printf("%-8.8s %-8.8s %-10.10s %2d %4llu %-10.10s %3d %5s %7s %5s %5s",
                               r.trial_id.c_str(), StageLabel(r).c_str(), r.config.c_str(), r.fold, r.seed,
                               r.host.empty() ? "?" : r.host.c_str(), r.rank, epoch.c_str(),
                               r.elapsed_s < 0 ? "?" : FormatDuration(r.elapsed_s).c_str(),
                               Score(r.last_dev).c_str(), Score(r.best_dev).c_str()));
      if (r.silent)
        running.push_back(Printf("  ^ SILENT for %s: its trial file and log have not changed (bound %s)",
                                 FormatDuration(r.quiet_s).c_str(),
                                 FormatDuration(r.silent_bound_s).c_str()));
    }
  }
  if (!s.failures.empty()) {
    failures.push_back("");
    failures.push_back("FAILURES by host and class (attempts; FAILED: the trial failed for good)");
    for (const auto& g : s.failures) {
      failures.push_back(Printf("%s  %s  %zu attempt%s", g.host.c_str(), g.failure_class.c_str(),
                                g.entries.size(), g.entries.size() == 1 ? "" : "s"));
      for (const auto& f : g.entries) {
        Wrap(failures,
             Printf("  %.12s %s #%d %s", f.trial_id.c_str(), f.stage.c_str(), f.attempt,
                    f.final ? "FAILED:" : "retried:"),
             "      ", f.message.empty() ? "(no message)" : f.message, width);
        if (!f.last_log_line.empty()) Wrap(failures, "      log: ", "        ", f.last_log_line, width);
      }
    }
  }

  // Fit the height: the running list and the failure details shrink first, the head never.
  std::vector<std::string> lines = top;
  const int reserved = static_cast<int>(top.size() + eta.size()) + (footer.empty() ? 0 : 2);
  int room = height > 0 ? std::max(0, height - reserved) : 1 << 30;
  auto add = [&](const std::vector<std::string>& block, const char* what) {
    if (static_cast<int>(block.size()) <= room) {
      lines.insert(lines.end(), block.begin(), block.end());
      room -= static_cast<int>(block.size());
      return;
    }
    if (room <= 1) return;
    lines.insert(lines.end(), block.begin(), block.begin() + (room - 1));
    lines.push_back(Printf("  ... %d more lines of %s (a taller terminal, or dts-status without --watch)",
                           static_cast<int>(block.size()) - (room - 1), what));
    room = 0;
  };
  // The ETA and its basis stay whole: a few lines, and the reason to look at all.
  lines.insert(lines.end(), eta.begin(), eta.end());
  add(running, "running trials");
  add(failures, "failures");
  if (!footer.empty()) {
    lines.push_back("");
    lines.push_back(footer);
  }
  std::string text;
  for (auto& line : lines) {
    if (static_cast<int>(line.size()) > width) line.resize(static_cast<size_t>(width));
    text += line + "\n";
  }
  return text;
}

std::string RenderJson(const StatusSummary& s) {
  Json j;
  j["dir"] = s.dir;
  j["time"] = FormatIsoUtc(s.now);
  j["sweep"] = s.sweep_name;
  j["state"] = Name(s.phase);
  j["state_detail"] = s.phase_detail;
  j["ended"] = HasEnded(s.phase);
  Json stages = Json::array();
  for (const auto& st : s.stages) {
    Json x{{"name", st.name},
           {"planned", st.planned},
           {"runs", st.rows},
           {"running", st.running},
           {"completed", st.completed},
           {"diverged", st.diverged},
           {"failed", st.failed},
           {"failed_by_class", st.failed_by_class},
           {"interrupted", st.interrupted},
           {"not_started", st.not_started},
           {"eliminated_configs", st.eliminated},
           {"eliminated_runs_saved", st.runs_saved},
           {"unplanned_runs",
            {{"lo", st.unplanned.lo}, {"expected", st.unplanned.expected}, {"hi", st.unplanned.hi}}},
           {"notes", st.notes}};
    if (st.selection.present)
      x["selection"] = {{"config_id", st.selection.config_id},     {"config", st.selection.config},
                        {"mean_dev", st.selection.mean_dev},       {"runs", st.selection.runs},
                        {"runs_needed", st.selection.runs_needed}, {"provisional", st.selection.provisional}};
    stages.push_back(x);
  }
  j["stages"] = stages;
  Json running = Json::array();
  for (const auto& r : s.running)
    running.push_back({{"trial_id", r.trial_id},
                       {"stage", r.stage},
                       {"variant", r.variant},
                       {"config", r.config},
                       {"fold", r.fold},
                       {"seed", r.seed},
                       {"host", r.host},
                       {"rank", r.rank},
                       {"pid", r.pid},
                       {"attempt", r.attempt},
                       {"epoch", r.epoch},
                       {"max_epochs", r.max_epochs},
                       {"elapsed_s", r.elapsed_s},
                       {"last_dev", r.last_dev},
                       {"best_dev", r.best_dev},
                       {"quiet_s", r.quiet_s},
                       {"silent_bound_s", r.silent_bound_s},
                       {"silent", r.silent}});
  j["running"] = running;
  Json failures = Json::array();
  for (const auto& g : s.failures) {
    Json entries = Json::array();
    for (const auto& f : g.entries)
      entries.push_back({{"trial_id", f.trial_id},
                         {"stage", f.stage},
                         {"variant", f.variant},
                         {"attempt", f.attempt},
                         {"failed_for_good", f.final},
                         {"message", f.message},
                         {"last_log_line", f.last_log_line}});
    failures.push_back({{"host", g.host},
                        {"class", g.failure_class},
                        {"trials_failed_for_good", g.final_trials},
                        {"attempts", entries}});
  }
  j["failures"] = failures;
  const EtaEstimate& e = s.eta;
  Json eta{{"available", e.available},
           {"remaining_s",
            {{"lo", e.remaining_s.lo}, {"expected", e.remaining_s.expected}, {"hi", e.remaining_s.hi}}},
           {"workers", e.workers},
           {"workers_basis", e.workers_basis},
           {"runs_done", e.trials_done},
           {"runs_left",
            {{"lo", e.trials_left.lo}, {"expected", e.trials_left.expected}, {"hi", e.trials_left.hi}}},
           {"fraction_done", e.fraction_done},
           {"work_left_worker_s", e.work_left_s},
           {"basis", e.basis}};
  if (e.available)
    eta["end"] = {{"lo", FormatIsoUtc(e.end_time.lo)},       {"expected", FormatIsoUtc(e.end_time.expected)},
                  {"hi", FormatIsoUtc(e.end_time.hi)},       {"lo_epoch_s", e.end_time.lo},
                  {"expected_epoch_s", e.end_time.expected}, {"hi_epoch_s", e.end_time.hi}};
  else
    eta["why_not"] = e.why_not;
  eta["basis_brief"] = e.basis_brief;
  j["eta"] = eta;
  j["read"] = {{"manifest_retries", s.manifest_retries}, {"trial_files_read", s.trial_files_read}};
  j["notes"] = s.notes;
  return j.dump();
}

}  // namespace dts::status
