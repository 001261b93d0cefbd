// Synthetic test sentences with gold annotations and the predictions of a system of a given quality, counted
// strictly by the tests' own code (not the report's): shared by the report tests that need predictions with
// gold (report_significance_test.cc, sweep_comparison_test.cc).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "schema/trial_file.h"

namespace dts::reports::synthetic {

using Json = nlohmann::json;

// A synthetic sentence: gold and predicted entities as (start, end, type), relations as (type, head, tail)
// indices into the same side's entities.
struct Side {
  std::vector<std::tuple<int, int, std::string>> entities;
  std::vector<std::tuple<std::string, int, int>> relations;
};
struct Sentence {
  std::string id;
  Side gold, predicted;
};

struct DatasetSpec {
  std::string name;
  bool cross_validated;
  std::vector<std::string> entity_types, relation_types;
};

inline const DatasetSpec kAde{"ade", true, {"Drug", "Effect"}, {"Adverse-Effect"}};
inline const DatasetSpec kConll{"conll04", false, {"Loc", "Org", "Peop"}, {"Live_In", "Work_For"}};

// The test sentences of one fold: fold f has 15 + 2f sentences, so the folds differ in size.
inline std::vector<Sentence> GoldSentences(const DatasetSpec& d, int fold) {
  std::vector<Sentence> out;
  const int n = d.cross_validated ? 15 + 2 * fold : 24;
  for (int i = 0; i < n; ++i) {
    Sentence s;
    s.id = d.name + "-" + std::to_string(fold) + "-" + std::to_string(i);
    const int entities = 2 + i % 2;
    for (int k = 0; k < entities; ++k)
      s.gold.entities.emplace_back(3 * k, 3 * k + 1 + (i + k) % 2,
                                   d.entity_types[(i + k) % d.entity_types.size()]);
    s.gold.relations.emplace_back(d.relation_types[i % d.relation_types.size()], 0, 1);
    out.push_back(s);
  }
  return out;
}

// A system of quality q in [0, 1]: keeps each gold entity with probability q (else mistypes or drops it),
// adds a spurious entity now and then, predicts a gold relation whose arguments it got with probability q.
inline void Predict(std::vector<Sentence>& sentences, const std::vector<std::string>& types, double q,
                    std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& s : sentences) {
    s.predicted = {};
    std::vector<int> kept(s.gold.entities.size(), -1);
    for (std::size_t k = 0; k < s.gold.entities.size(); ++k) {
      auto e = s.gold.entities[k];
      const double r = u(rng);
      if (r < q) {
        kept[k] = static_cast<int>(s.predicted.entities.size());
      } else if (r < q + (1 - q) / 2) {
        const auto it = std::find(types.begin(), types.end(), std::get<2>(e));
        std::get<2>(e) = types[(it - types.begin() + 1) % types.size()];  // wrong type: fp + fn
      } else {
        continue;  // missed
      }
      s.predicted.entities.push_back(e);
    }
    if (u(rng) < (1 - q) / 2) s.predicted.entities.emplace_back(20, 21, std::get<2>(s.gold.entities[0]));
    for (const auto& [type, head, tail] : s.gold.relations) {
      if (kept[head] >= 0 && kept[tail] >= 0 && u(rng) < q)
        s.predicted.relations.emplace_back(type, kept[head], kept[tail]);
    }
    if (s.predicted.entities.size() >= 2 && u(rng) < (1 - q) / 3)
      s.predicted.relations.emplace_back(std::get<0>(s.gold.relations[0]), 1, 0);  // reversed: wrong
  }
}

inline Json SideJson(const Side& side) {
  Json entities = Json::array(), relations = Json::array();
  for (const auto& [start, end, type] : side.entities)
    entities.push_back({{"type", type}, {"start", start}, {"end", end}});
  for (const auto& [type, head, tail] : side.relations)
    relations.push_back({{"type", type}, {"head", head}, {"tail", tail}});
  return {{"entities", entities}, {"relations", relations}};
}

// A trial file's /predictions line for a sentence: its predictions, with its gold annotation beside them.
inline std::string PredictionLine(const Sentence& s) {
  Json line = SideJson(s.predicted);
  line["id"] = s.id;
  line["tokens"] = Json::array({"w"});
  line["gold"] = SideJson(s.gold);
  return line.dump();
}

// The test's own strict counting, per type: tp = predicted keys found in gold, fp / fn the rest. The
// synthetic sentences never repeat an entity or relation, so plain sets suffice.
using Counts = std::map<std::string, std::array<std::int64_t, 3>>;  // type -> tp, fp, fn
inline void CountSentence(const Sentence& s, Counts& ner, Counts& re) {
  const auto rel_key = [](const Side& side, const std::tuple<std::string, int, int>& r) {
    return std::make_tuple(std::get<0>(r), side.entities[std::get<1>(r)], side.entities[std::get<2>(r)]);
  };
  std::set<std::tuple<int, int, std::string>> gold_e(s.gold.entities.begin(), s.gold.entities.end());
  std::set<std::tuple<int, int, std::string>> pred_e(s.predicted.entities.begin(),
                                                     s.predicted.entities.end());
  for (const auto& e : pred_e) ++ner[std::get<2>(e)][gold_e.count(e) ? 0 : 1];
  for (const auto& e : gold_e) ner[std::get<2>(e)][2] += pred_e.count(e) ? 0 : 1;
  std::set<decltype(rel_key(s.gold, s.gold.relations[0]))> gold_r, pred_r;
  for (const auto& r : s.gold.relations) gold_r.insert(rel_key(s.gold, r));
  for (const auto& r : s.predicted.relations) pred_r.insert(rel_key(s.predicted, r));
  for (const auto& r : pred_r) ++re[std::get<0>(r)][gold_r.count(r) ? 0 : 1];
  for (const auto& r : gold_r) re[std::get<0>(r)][2] += pred_r.count(r) ? 0 : 1;
}

inline double F1(std::int64_t tp, std::int64_t fp, std::int64_t fn) {
  return tp == 0 ? 0.0 : 200.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
}

// Test scores of a run from its sentences, macro over the dataset's full label set (as the trainer does).
inline schema::TaskMetrics Metrics(const Counts& counts, const std::vector<std::string>& types) {
  schema::TaskMetrics m;
  std::int64_t tp = 0, fp = 0, fn = 0;
  double macro = 0;
  for (const auto& type : types) {
    const auto it = counts.find(type);
    const std::array<std::int64_t, 3> c =
        it == counts.end() ? std::array<std::int64_t, 3>{0, 0, 0} : it->second;
    tp += c[0];
    fp += c[1];
    fn += c[2];
    macro += F1(c[0], c[1], c[2]);
  }
  m.scores.f1_micro = F1(tp, fp, fn);
  m.scores.f1_macro = macro / static_cast<double>(types.size());
  return m;
}

}  // namespace dts::reports::synthetic
