#include "orchestrator/identity_base.h"

#include <set>
#include <vector>

#include "common/error.h"
#include "config/identity.h"
#include "orchestrator/planner.h"

namespace dts::orchestrator {

namespace fs = std::filesystem;

namespace {

fs::path WeaklyCanonical(const fs::path& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (ec) return path.lexically_normal();
  const fs::path canonical = fs::weakly_canonical(absolute, ec);
  return ec ? absolute.lexically_normal() : canonical;
}

// Up to kIdentitySampleRows rows with distinct ids, spread over the manifest: the rows of one stage or one
// configuration could agree by accident with a wrong base where rows from elsewhere in the sweep do not.
std::vector<const schema::PlannedTrial*> SampleRows(const std::vector<schema::PlannedTrial>& rows) {
  std::vector<const schema::PlannedTrial*> distinct;
  std::set<std::string> seen;
  for (const auto& row : rows)
    if (seen.insert(row.trial_id).second) distinct.push_back(&row);
  if (distinct.size() <= kIdentitySampleRows) return distinct;
  std::vector<const schema::PlannedTrial*> sample;
  for (std::size_t i = 0; i < kIdentitySampleRows; ++i)
    sample.push_back(distinct[i * distinct.size() / kIdentitySampleRows]);
  return sample;
}

bool Reproduces(const std::vector<const schema::PlannedTrial*>& sample, const IdentityBase& base,
                const std::string& fingerprint) {
  for (const auto* row : sample) {
    try {
      if (RowTrialId(*row, base, fingerprint) != row->trial_id) return false;
    } catch (const Error&) {
      return false;  // a row this version cannot read as a configuration reproduces nothing
    }
  }
  return true;
}

// Working directories the old rule may have used, most likely first, each once. The old base was what
// getcwd reported (symlinks resolved), but the paths it is looked for among may be spelled through a
// symlink, so both spellings of every ancestor are tried.
std::vector<fs::path> LegacyCandidates(const std::vector<const schema::PlannedTrial*>& sample,
                                       const fs::path& sweep_dir, const fs::path& sweep_file,
                                       const fs::path& working_dir) {
  std::vector<fs::path> candidates;
  std::set<fs::path> seen;
  auto add = [&](const fs::path& dir) {
    if (!dir.empty() && seen.insert(dir).second) candidates.push_back(dir);
  };
  auto add_ancestors = [&](const fs::path& start) {
    std::error_code ec;
    const fs::path absolute = fs::absolute(start, ec);
    if (ec) return;
    for (const fs::path& spelling : {absolute.lexically_normal(), WeaklyCanonical(absolute)}) {
      fs::path dir = spelling;
      if (dir.filename().empty()) dir = dir.parent_path();  // "a/b/" -> "a/b"
      for (;;) {
        add(dir);
        if (dir == dir.parent_path()) break;
        dir = dir.parent_path();
      }
    }
  };
  add(working_dir);
  add_ancestors(sweep_dir);
  if (!sweep_file.empty()) add_ancestors(fs::absolute(sweep_file).parent_path());
  for (const auto* row : sample) {
    config::TrainConfig config;
    try {
      config = RowConfig(*row);
    } catch (const Error&) {
      continue;
    }
    for (const auto& key : config::TrainSchema().Keys()) {
      if (!config::IsPathKey(key)) continue;
      const fs::path value = config::TrainSchema().Get(config, key);
      if (value.is_absolute()) add_ancestors(value.parent_path());
    }
  }
  return candidates;
}

std::string SweepDirectoryNote(const fs::path& dir, const std::string& why) {
  return "trial ids: path values relative to the sweep directory " + dir.string() + " (" + why + ")";
}

std::string LegacyNote(const fs::path& dir, const std::string& why) {
  return "trial ids: path values relative to " + dir.string() +
         ", the working directory this sweep was first planned from (legacy rule, " + why + ")";
}

}  // namespace

std::string IdentityBase::Text(const config::TrainConfig& config, bool without_max_epochs) const {
  return legacy ? config::LegacyIdentityText(config, dir, without_max_epochs)
                : config::IdentityText(config, dir, without_max_epochs);
}

IdentityBase SweepDirectoryBase(const fs::path& out_dir) { return {WeaklyCanonical(out_dir), false}; }

std::string RowTrialId(const schema::PlannedTrial& row, const IdentityBase& base,
                       const std::string& fingerprint) {
  const bool asha = row.stage == "search" && schema::AshaRung(row) >= 0;
  return config::TrialId(base.Text(RowConfig(row), /*without_max_epochs=*/asha), row.fold, row.seed,
                         fingerprint);
}

IdentityBaseChoice ChooseIdentityBase(const schema::SweepManifest& old, const fs::path& sweep_dir,
                                      const fs::path& sweep_file, const std::string& fingerprint,
                                      const fs::path& working_dir) {
  const IdentityBase current = SweepDirectoryBase(sweep_dir);
  if (old.identity_base) {
    if (old.identity_base->empty()) return {current, SweepDirectoryNote(current.dir, "recorded in sweep.h5")};
    const IdentityBase legacy{*old.identity_base, true};
    return {legacy, LegacyNote(legacy.dir, "recorded in sweep.h5")};
  }
  const auto sample = SampleRows(old.trials);
  const std::string checked = std::to_string(sample.size()) + " earlier trial ids checked";
  if (Reproduces(sample, current, fingerprint)) return {current, SweepDirectoryNote(current.dir, checked)};
  const auto candidates = LegacyCandidates(sample, sweep_dir, sweep_file, working_dir);
  for (const auto& candidate : candidates) {
    const IdentityBase legacy{candidate, true};
    if (Reproduces(sample, legacy, fingerprint))
      return {legacy, LegacyNote(legacy.dir, checked + "; kept in sweep.h5 from now on")};
  }
  return {current,
          "warning: the trial ids in " + (current.dir / "sweep.h5").string() +
              " match neither the sweep directory rule nor the legacy rule from any of " +
              std::to_string(candidates.size()) + " candidate working directories: the finished trials of " +
              current.dir.string() + " will be re-run; ids now take path values relative to it",
          /*warning=*/true};
}

}  // namespace dts::orchestrator
