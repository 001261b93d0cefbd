// Strict evaluation, as in the paper: an entity counts when its span and type match a gold entity; a relation
// counts when its type and both arguments' spans and types match a gold relation (direction included).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "data/corpus.h"

namespace dts::worker {

struct TypeCounts {
  long tp = 0, fp = 0, fn = 0;
  double Precision() const { return tp + fp == 0 ? 0.0 : 100.0 * tp / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 0.0 : 100.0 * tp / (tp + fn); }
  double F1() const {
    const double p = Precision(), r = Recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
  }
};

// Scores in percent (0..100). Macro = mean over types of the per-type value; micro = from the summed counts.
struct TaskScores {
  std::map<std::string, TypeCounts> per_type;
  double micro_p = 0, micro_r = 0, micro_f1 = 0;
  double macro_p = 0, macro_r = 0, macro_f1 = 0;
};

struct Scores {
  TaskScores ner;
  TaskScores re;
};

struct ScoredRelation {
  data::Relation relation;  // head/tail index into the predicted entities
  float probability = 1.0f;
};

// What the model says about one sentence.
struct SentencePrediction {
  std::vector<data::Entity> entities;
  std::vector<ScoredRelation> relations;
};

// `entity_types` / `relation_types`: the label sets that macro averages run over (the training vocabulary),
// so a type that is never predicted counts with F1 0 instead of silently dropping out. Types outside the sets
// that appear in gold or predictions are added.
Scores Evaluate(const std::vector<data::Sentence>& gold, const std::vector<SentencePrediction>& predicted,
                const std::vector<std::string>& entity_types, const std::vector<std::string>& relation_types,
                float theta_r);

struct ThetaPoint {
  float theta = 0;
  double re_micro_p = 0, re_micro_r = 0, re_micro_f1 = 0;
  double re_macro_p = 0, re_macro_r = 0, re_macro_f1 = 0;
};

// RE scores for each threshold in `thetas`, from one set of predicted probabilities.
std::vector<ThetaPoint> ThetaCurve(const std::vector<data::Sentence>& gold,
                                   const std::vector<SentencePrediction>& predicted,
                                   const std::vector<std::string>& relation_types,
                                   const std::vector<float>& thetas);

// 0.05, 0.10, ..., 0.95.
std::vector<float> DefaultThetaGrid();

}  // namespace dts::worker
