// Trial ids hash the trainer's own canonical text of a config (`trial_command --config X --dump-config`: every
// key, defaults included, in a fixed order), not the orchestrator's spelling of it, so writing a default out
// changes no id. The orchestrator never links the trainer (nor LibTorch): it asks the trial command, once per
// distinct configuration, several children at a time, and caches the answers in memory and under DIR/plan/.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "orchestrator/sweep_config.h"

namespace dts::orchestrator {

// The canonical text of each config, in order. A batch lets an implementation resolve configs in parallel.
using ConfigResolver = std::function<std::vector<std::string>(const std::vector<TrialConfig>&)>;

// Runs `command --config X --dump-config` for each config not seen before, up to `parallel` at a time; answers
// are cached in memory and as files under `cache_dir` (keyed by the command and the orchestrator's text), so a
// resumed sweep asks again for nothing. A config the command rejects throws Error naming the command (the
// command's own message, naming the key, is on stderr just above).
ConfigResolver MakeChildConfigResolver(const std::string& command, const std::string& cache_dir, int parallel);

// The keys the planner sets per run (data.fold, train.seed) and the [trial] labels are dropped before a config
// is resolved: the fold and the seed are hashed into the id on their own, labels never are. One resolution
// then serves every fold and seed of a configuration.
TrialConfig ResolutionInput(const TrialConfig& config);

// The text an id hashes: `resolved` without data.fold, train.seed and trial.* (and, for an ASHA search
// trial, without train.max_epochs: the rung budget is not part of the trial, which keeps one id and one
// trial file across rungs). Keeps the trainer's order. Throws InputError if `resolved` is not INI text.
std::string IdentityText(const std::string& resolved, bool without_max_epochs);

}  // namespace dts::orchestrator
