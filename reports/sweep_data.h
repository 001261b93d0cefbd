// Loads a sweep directory: the manifest DIR/sweep.h5 joined with the trial files DIR/trials/<id>.h5.
// The manifest's plan decides what a complete sweep contains, so missing and unreadable trial files show up
// as incomplete cells rather than silently shrinking an average.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schema/sweep_manifest.h"
#include "schema/trial_file.h"

namespace dts::reports {

// One planned trial (a manifest row), with its trial file when one could be read. The plan's stage, variant
// and config_id are authoritative: one trial file can serve two plan rows (the same run in two stages).
struct TrialRecord {
  schema::PlannedTrial plan;
  std::optional<schema::TrialFile> file;
  // DIR/trials/<id>.h5 exists but could not be read, or holds another trial than the manifest row plans
  // (its trial_id, fold or seed differ: a file copied over another); warned, and `file` stays empty.
  bool file_unreadable = false;
  // The manifest says completed but DIR/trials/<id>.h5 is gone (warned); counted as missing, not completed.
  bool file_missing = false;
  std::string dataset;                        // of the configuration (see LoadSweep)
  std::map<std::string, std::string> config;  // the file's /config, or the plan's config_ini parsed

  // A completed trial with test metrics: the only kind that enters the averages.
  bool Completed() const {
    return file && file->status == schema::TrialStatus::kCompleted && file->test.has_value();
  }
  // The trial file's status when there is one, else the manifest's.
  schema::TrialStatus Status() const { return file ? file->status : plan.status; }
  // The best dev score: the manifest's, else the best epoch's of a completed trial file; nullopt when
  // unknown.
  std::optional<double> DevScore() const;
};

struct SweepData {
  std::string dir;
  schema::SweepManifest manifest;
  std::vector<TrialRecord> trials;    // manifest order, then trial files the manifest does not list
  std::vector<std::string> warnings;  // each names the file it is about
  // ASHA sweeps: search trials by the highest rung they reached (rung -> trials); empty for other sweeps.
  std::map<int, int> asha_highest_rung;
};

// Throws IoError "DIR: not a sweep directory (no sweep.h5)" for a directory without a manifest, and the
// manifest's IoError when it is unreadable. A trial file that cannot be read (corrupt, truncated, damaged
// data) becomes a warning naming it; so does one that is not the trial it is named for or that its manifest
// row plans (trial_id, fold, seed), naming the file and the manifest; neither is used. A completed manifest
// row without its trial file is warned about and marked missing.
// The dataset of a record is the `dataset` of any trial file of its config_id; for a configuration without
// any readable file it is derived from the config (data.format, or the stem of data.path for JSON corpora).
// ASHA writes one manifest row per rung a trial reached (status "promoted" below the last), all served by the
// trial's one file: LoadSweep keeps one record per trial, its highest rung's row, so that a trial is counted
// once and ranked by its dev score at the largest budget it was given.
SweepData LoadSweep(const std::string& dir);

}  // namespace dts::reports
