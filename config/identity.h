// The one identity rule: which runs are "the same trial" and which trials are "the same configuration".
//
// A configuration is identified by its identity text: the canonical INI of the resolved TrainConfig (every
// key, defaults included, in the schema's order) without the keys that differ between the runs of one
// configuration (data.fold, train.seed), without the [trial] labels, which change no computation, and without
// the keys added after sweeps were planned (Param::OutOfIdsAtDefault) while they hold their defaults, so an
// upgrade keeps the ids of existing sweeps. A trial adds its fold, its seed and the corpus' fingerprint. The
// sweep's planner, dts-train (outside a sweep) and the test doubles all call these functions, so an id means
// the same thing wherever it was made.
//
// Path values (IsPathKey: data.path, data.split_file, data.word_vectors, data.contextual_embeddings) enter
// the text relative to an explicit base directory, never the working directory: a sweep's base is its
// directory DIR (--out), dts-train's outside a sweep the directory of its trial file. Both the base and each
// value are made absolute and weakly canonical first, so neither the working directory nor a symlinked
// spelling of a mount changes an id, and moving the base together with the data keeps every id. Sweeps
// planned before this rule made their ids relative to the coordinator's working directory; LegacyIdentityText
// reproduces that rule, and orchestrator/identity_base.h finds which directory it was.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/train_config.h"

namespace dts::config {

// True for the keys an identity leaves out: data.fold, train.seed and every [trial] key.
bool IsPerRunKey(const std::string& key);

// Identity text of `config`, its path values relative to `paths_relative_to` (a relative value is taken
// relative to the working directory, as the trial would open it). without_max_epochs also drops
// train.max_epochs: an ASHA search trial is the same trial at every rung (its budget comes as an override),
// so it keeps one id and one trial file.
std::string IdentityText(const TrainConfig& config, const std::filesystem::path& paths_relative_to,
                         bool without_max_epochs = false);

// The identity text of sweeps planned before the base was explicit: absolute path values lexically relative
// to `working_dir` (their coordinator's working directory, as getcwd reported it), relative values as
// written, no symlink resolved. Only for sweep directories whose manifest says (or whose ids show) that they
// were planned this way, so that they resume without re-running their finished trials.
std::string LegacyIdentityText(const TrainConfig& config, const std::filesystem::path& working_dir,
                               bool without_max_epochs = false);

// 12 hex digits: groups every fold and seed of a configuration.
std::string ConfigId(const std::string& identity_text);
// 16 hex digits: one (configuration, fold, seed) on one corpus.
std::string TrialId(const std::string& identity_text, int fold, std::uint64_t seed,
                    const std::string& data_fingerprint);

// Hash of a corpus: a file's bytes, or a directory's files (relative names, sorted, and bytes). "none" when
// `path` is empty or missing (synthetic trials). Throws IoError for an unreadable file.
std::string DataFingerprint(const std::string& path);

}  // namespace dts::config
