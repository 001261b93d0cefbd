// A small synthetic ADE-like corpus for model tests: drugs cause effects, sentences of varied length.
#pragma once

#include <string>
#include <vector>

#include "data/corpus.h"

namespace dts::model::testing {

inline data::Sentence MakeSentence(const std::string& id, const std::vector<std::string>& words,
                                   std::vector<data::Entity> entities,
                                   std::vector<data::Relation> relations) {
  data::Sentence s;
  s.id = id;
  for (const auto& w : words) s.tokens.push_back({w, -1, -1});
  s.entities = std::move(entities);
  s.relations = std::move(relations);
  return s;
}

// Sentence i mentions drug i % 3 and effect i % 4, with filler words that make lengths differ. Relations
// point effect (head) -> drug (tail), as in ADE; every fourth sentence puts the effect first.
inline std::vector<data::Sentence> TinyCorpus(int n = 8) {
  const std::vector<std::string> drugs = {"Aspirin", "ibuprofen", "METHOTREXATE"};
  const std::vector<std::vector<std::string>> effects = {
      {"headache"}, {"renal", "failure"}, {"rash"}, {"liver", "damage", "2"}};
  std::vector<data::Sentence> out;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> words;
    for (int f = 0; f < i % 5; ++f) words.push_back(f % 2 ? "the" : "Patient");
    const auto& effect = effects[i % 4];
    std::vector<data::Entity> entities;
    const bool effect_first = i % 4 == 3;
    auto add_drug = [&] {
      entities.push_back({"Drug", static_cast<int>(words.size()), static_cast<int>(words.size()) + 1});
      words.push_back(drugs[i % 3]);
    };
    auto add_effect = [&] {
      entities.push_back(
          {"Adverse-Effect", static_cast<int>(words.size()), static_cast<int>(words.size() + effect.size())});
      words.insert(words.end(), effect.begin(), effect.end());
    };
    if (effect_first) {
      add_effect();
      words.push_back("after");
      add_drug();
    } else {
      add_drug();
      words.push_back("caused");
      add_effect();
    }
    words.push_back(".");
    const int drug = effect_first ? 1 : 0;
    out.push_back(
        MakeSentence("s" + std::to_string(i), words, entities, {{"Adverse-Effect", 1 - drug, drug}}));
  }
  return out;
}

// What MakeBatch takes: pointers to the sentences of one batch.
inline std::vector<const data::Sentence*> Pointers(const std::vector<data::Sentence>& sentences) {
  std::vector<const data::Sentence*> out;
  for (const auto& s : sentences) out.push_back(&s);
  return out;
}

}  // namespace dts::model::testing
