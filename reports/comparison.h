// A paired comparison of two sets of runs (an ablation variant against its baseline) with the statistics of
// stats/significance.h: runs are paired by (fold, seed); the run-level test, bootstrap CI and
// sentence-level approximate randomization are computed for NER F1, RE F1 and their mean under one averaging.
//
// The sentence-level test needs the gold annotation of each test sentence next to the prediction. The report
// reads it from the prediction line's optional "gold" member (same shape as the prediction, relations
// indexing the gold entities):
//   {"id":..,"tokens":[..],"entities":[..],"relations":[..],
//    "gold":{"entities":[{"type","start","end"}],"relations":[{"type","head","tail"}]}}
// Runs whose predictions lack it get no sentence-level p-value (the report says why); the run-level figures
// need only the test scores.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "schema/trial_file.h"
#include "stats/significance.h"

namespace dts::reports {

// The statistics live in dts_stats (the sweep's racing uses them too); the report names them unqualified.
using stats::ApproximateRandomizationF1;
using stats::BootstrapCi;
using stats::BootstrapOptions;
using stats::CorrectedResampledTTest;
using stats::F1Averaging;
using stats::F1Part;
using stats::HolmAdjust;
using stats::PairedBootstrapCi;
using stats::PairedTTest;
using stats::RandomizationOptions;
using stats::RandomizationResult;
using stats::SentencePair;
using stats::TTestResult;
using stats::TypeCount;

struct SignificanceOptions {
  int bootstrap_resamples = 10000;
  int randomization_rounds = 10000;
  double confidence = 0.95;
  double alpha = 0.05;     // the level of the significance markers, after Holm's correction
  std::uint64_t seed = 1;  // of the bootstrap and of the randomization (each comparison restarts from it)
};

// Strict per-type counts of one test sentence, as the trainer's evaluation counts them: an entity matches a
// gold entity of the same span and type; a relation matches when its type and both arguments' spans and types
// match (direction included); a prediction repeated in one sentence counts once.
struct SentenceTypeCounts {
  std::string type;
  std::int64_t tp = 0, fp = 0, fn = 0;
};
struct SentenceCounts {
  std::string id;
  std::vector<SentenceTypeCounts> ner, re;
};

// The per-sentence counts of a trial's stored predictions. nullopt, with `why` set, when the trial has no
// predictions or a line lacks "gold" or cannot be read (the reason names the trial and the line).
std::optional<std::vector<SentenceCounts>> CountSentences(const schema::TrialFile& trial, std::string* why);

struct MetricComparison {
  std::vector<double> a, b;                          // the paired runs' scores (a: baseline, b: variant)
  std::optional<TTestResult> test;                   // nullopt for fewer than 2 pairs
  std::optional<BootstrapCi> ci;                     // nullopt without pairs
  std::optional<RandomizationResult> randomization;  // nullopt without gold-annotated predictions
};

struct Comparison {
  int pairs = 0;
  bool cross_validated = false;
  // "corrected_resampled_t" (Nadeau and Bengio, for cross-validated runs) or "paired_t" (seeds, fixed split).
  std::string test_name;
  double test_train_ratio = 0;        // n_test / n_train used by the corrected test (0 for paired_t)
  std::string ratio_source;           // "prediction counts" or "data.folds" (k folds: 1/(k-1))
  int randomization_sentences = 0;    // pooled test sentences of the paired runs
  std::string randomization_missing;  // why there is no sentence-level test; "" when there is one
  MetricComparison ner, re, mean;
};

// Compares `variant` against `baseline` (completed runs with test metrics) under one averaging. The runs
// of both sets (all folds) give the fold sizes for n_test/n_train: n_test of a pair is its prediction count,
// n_train the other folds' counts summed (the held-out dev set is outside every fold), when every fold of
// data.folds has a run with predictions; otherwise 1/(k-1).
// Runs are paired by (fold, seed); Pairing::kFold pairs by fold alone, for two systems cross-validated with
// one run per fold each (two sweeps whose training seeds differ: the same test sentences per fold).
enum class Pairing { kFoldAndSeed, kFold };
Comparison Compare(const std::vector<const schema::TrialFile*>& baseline,
                   const std::vector<const schema::TrialFile*>& variant, bool cross_validated,
                   F1Averaging averaging, const SignificanceOptions& options,
                   Pairing pairing = Pairing::kFoldAndSeed);

}  // namespace dts::reports
