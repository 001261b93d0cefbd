// The one identity rule: which runs are "the same trial" and which trials are "the same configuration".
//
// A configuration is identified by its identity text: the canonical INI of the resolved TrainConfig (every
// key, defaults included, in the schema's order) without the keys that differ between the runs of one
// configuration (data.fold, train.seed) and without the [trial] labels, which change no computation. A trial
// adds its fold, its seed and the corpus' fingerprint. The sweep's planner, dts-train (outside a sweep) and
// the test doubles all call these functions, so an id means the same thing wherever it was made.
#pragma once

#include <cstdint>
#include <string>

#include "config/train_config.h"

namespace dts::config {

// True for the keys an identity leaves out: data.fold, train.seed and every [trial] key.
bool IsPerRunKey(const std::string& key);

// Identity text of `config`. Path values enter it relative to the working directory (see identity.cc), so
// resume a sweep from the directory it was started in. without_max_epochs also drops train.max_epochs: an
// ASHA search trial is the same trial at every rung (its budget comes as an override), so it keeps one id and
// one trial file.
std::string IdentityText(const TrainConfig& config, bool without_max_epochs = false);

// 12 hex digits: groups every fold and seed of a configuration.
std::string ConfigId(const std::string& identity_text);
// 16 hex digits: one (configuration, fold, seed) on one corpus.
std::string TrialId(const std::string& identity_text, int fold, std::uint64_t seed,
                    const std::string& data_fingerprint);

// Hash of a corpus: a file's bytes, or a directory's files (relative names, sorted, and bytes). "none" when
// `path` is empty or missing (synthetic trials). Throws IoError for an unreadable file.
std::string DataFingerprint(const std::string& path);

}  // namespace dts::config
