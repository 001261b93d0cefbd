// Which directory a sweep's trial ids take path values relative to (config/identity.h), and how a resumed
// sweep directory finds out. A sweep's base is its directory DIR; a sweep directory planned before the base
// was explicit made its ids relative to the coordinator's working directory of that time, and keeps planning
// with that directory (under the old rule) so that its finished trials keep their ids. DIR/sweep.h5 records
// the choice in its identity_base attribute: "" for DIR, else the legacy working directory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "config/train_config.h"
#include "schema/sweep_manifest.h"

namespace dts::orchestrator {

struct IdentityBase {
  std::filesystem::path dir;  // absolute and weakly canonical
  bool legacy = false;        // dir is an old working directory: config::LegacyIdentityText
  std::string Text(const config::TrainConfig& config, bool without_max_epochs = false) const;
  // The sweep.h5 identity_base attribute: "" for the sweep directory (the rule of every new sweep).
  std::string ManifestValue() const { return legacy ? dir.string() : std::string(); }
};

// The base of a sweep in `out_dir` under the current rule: out_dir made absolute and weakly canonical.
IdentityBase SweepDirectoryBase(const std::filesystem::path& out_dir);

// The trial id the planner gives `row`'s configuration, fold and seed under `base` (ASHA search rows leave
// train.max_epochs out, as the planner does).
std::string RowTrialId(const schema::PlannedTrial& row, const IdentityBase& base,
                       const std::string& fingerprint);

struct IdentityBaseChoice {
  IdentityBase base;
  std::string note;      // one line for the log: the rule in use, and why
  bool warning = false;  // no rule reproduced the old ids: their finished trials will run again
};

// The rule a sweep directory with the earlier manifest `old` goes on with. A recorded identity_base is kept.
// Without one (manifests written before it existed) up to kIdentitySampleRows of the old rows, spread over
// the manifest, are recomputed: first under the sweep directory rule, then under the legacy rule with each
// candidate working directory (`working_dir`, then every ancestor of DIR, of the sweep file's directory and
// of the directories of the sampled rows' absolute path values); the first base under which every sampled row
// gets its stored id wins. If none does, the sweep directory rule, with a warning naming DIR.
// `fingerprint` is the planner's data fingerprint (config::DataFingerprint of the sweep's data.path).
inline constexpr std::size_t kIdentitySampleRows = 8;
IdentityBaseChoice ChooseIdentityBase(const schema::SweepManifest& old,
                                      const std::filesystem::path& sweep_dir,
                                      const std::filesystem::path& sweep_file, const std::string& fingerprint,
                                      const std::filesystem::path& working_dir);

}  // namespace dts::orchestrator
