#include "worker/metrics.h"

#include <set>
#include <stdexcept>
#include <tuple>

namespace dts::worker {

namespace {

// A relation identified by everything the strict rule compares.
using RelationKey = std::tuple<std::string, int, int, std::string, int, int, std::string>;

RelationKey KeyOf(const data::Relation& r, const std::vector<data::Entity>& entities) {
  const auto& h = entities.at(r.head);
  const auto& t = entities.at(r.tail);
  return {r.type, h.start, h.end, h.type, t.start, t.end, t.type};
}

void Finish(TaskScores& scores, const std::vector<std::string>& types) {
  for (const auto& type : types) scores.per_type[type];  // present with zero counts
  TypeCounts total;
  double sum_p = 0, sum_r = 0, sum_f = 0;
  for (const auto& [type, counts] : scores.per_type) {
    total.tp += counts.tp;
    total.fp += counts.fp;
    total.fn += counts.fn;
    sum_p += counts.Precision();
    sum_r += counts.Recall();
    sum_f += counts.F1();
  }
  scores.micro_p = total.Precision();
  scores.micro_r = total.Recall();
  scores.micro_f1 = total.F1();
  const double n = static_cast<double>(scores.per_type.size());
  if (n > 0) {
    scores.macro_p = sum_p / n;
    scores.macro_r = sum_r / n;
    scores.macro_f1 = sum_f / n;
  }
}

void CountRelations(const data::Sentence& gold, const SentencePrediction& predicted, float theta_r,
                    TaskScores& re) {
  std::multiset<RelationKey> gold_keys;
  for (const auto& r : gold.relations) gold_keys.insert(KeyOf(r, gold.entities));
  std::set<RelationKey> seen;  // a relation predicted twice counts once
  for (const auto& scored : predicted.relations) {
    if (scored.probability < theta_r) continue;
    const RelationKey key = KeyOf(scored.relation, predicted.entities);
    if (!seen.insert(key).second) continue;
    auto it = gold_keys.find(key);
    if (it != gold_keys.end()) {
      ++re.per_type[scored.relation.type].tp;
      gold_keys.erase(it);
    } else {
      ++re.per_type[scored.relation.type].fp;
    }
  }
  for (const auto& key : gold_keys) ++re.per_type[std::get<0>(key)].fn;
}

void CheckSizes(const std::vector<data::Sentence>& gold, const std::vector<SentencePrediction>& predicted) {
  if (gold.size() != predicted.size())
    throw std::invalid_argument("evaluation: " + std::to_string(predicted.size()) + " predictions for " +
                                std::to_string(gold.size()) + " sentences");
}

}  // namespace

Scores Evaluate(const std::vector<data::Sentence>& gold, const std::vector<SentencePrediction>& predicted,
                const std::vector<std::string>& entity_types, const std::vector<std::string>& relation_types,
                float theta_r) {
  CheckSizes(gold, predicted);
  Scores scores;
  for (size_t s = 0; s < gold.size(); ++s) {
    std::multiset<std::tuple<int, int, std::string>> gold_entities;
    for (const auto& e : gold[s].entities) gold_entities.insert({e.start, e.end, e.type});
    std::set<std::tuple<int, int, std::string>> seen;
    for (const auto& e : predicted[s].entities) {
      if (!seen.insert({e.start, e.end, e.type}).second) continue;
      auto it = gold_entities.find({e.start, e.end, e.type});
      if (it != gold_entities.end()) {
        ++scores.ner.per_type[e.type].tp;
        gold_entities.erase(it);
      } else {
        ++scores.ner.per_type[e.type].fp;
      }
    }
    for (const auto& [start, end, type] : gold_entities) ++scores.ner.per_type[type].fn;
    CountRelations(gold[s], predicted[s], theta_r, scores.re);
  }
  Finish(scores.ner, entity_types);
  Finish(scores.re, relation_types);
  return scores;
}

std::vector<ThetaPoint> ThetaCurve(const std::vector<data::Sentence>& gold,
                                   const std::vector<SentencePrediction>& predicted,
                                   const std::vector<std::string>& relation_types,
                                   const std::vector<float>& thetas) {
  CheckSizes(gold, predicted);
  std::vector<ThetaPoint> curve;
  for (float theta : thetas) {
    TaskScores re;
    for (size_t s = 0; s < gold.size(); ++s) CountRelations(gold[s], predicted[s], theta, re);
    Finish(re, relation_types);
    curve.push_back({theta, re.micro_p, re.micro_r, re.micro_f1, re.macro_p, re.macro_r, re.macro_f1});
  }
  return curve;
}

std::vector<float> DefaultThetaGrid() {
  std::vector<float> grid;
  for (int i = 1; i <= 19; ++i) grid.push_back(0.05f * static_cast<float>(i));
  return grid;
}

}  // namespace dts::worker
