#include "reports/comparison.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <utility>

#include "reports/internal/schema_keys.h"

namespace dts::reports {
namespace {

using schema::TrialFile;
using Json = nlohmann::json;

using EntityKey = std::tuple<int, int, std::string>;  // start, end, type
// type, head start/end/type, tail start/end/type
using RelationKey = std::tuple<std::string, int, int, std::string, int, int, std::string>;

// Entities and relations of one side ("entities"/"relations" of a JSON object). Throws on a malformed one.
struct Annotation {
  std::vector<EntityKey> entities;
  std::vector<RelationKey> relations;
};

Annotation ReadAnnotation(const Json& object) {
  Annotation a;
  for (const auto& e : object.at("entities"))
    a.entities.emplace_back(e.at("start").get<int>(), e.at("end").get<int>(),
                            e.at("type").get<std::string>());
  for (const auto& r : object.at("relations")) {
    const auto& h = a.entities.at(r.at("head").get<std::size_t>());
    const auto& t = a.entities.at(r.at("tail").get<std::size_t>());
    a.relations.emplace_back(r.at("type").get<std::string>(), std::get<0>(h), std::get<1>(h), std::get<2>(h),
                             std::get<0>(t), std::get<1>(t), std::get<2>(t));
  }
  return a;
}

// Strict counts of predicted keys against gold keys, per type (the type is a key's `TypeIndex` element).
template <std::size_t TypeIndex, class Key>
std::vector<SentenceTypeCounts> CountKeys(const std::vector<Key>& predicted, const std::vector<Key>& gold) {
  std::map<std::string, SentenceTypeCounts> by_type;
  std::multiset<Key> unmatched(gold.begin(), gold.end());
  std::set<Key> seen;  // a prediction repeated in one sentence counts once
  for (const auto& key : predicted) {
    if (!seen.insert(key).second) continue;
    auto& counts = by_type[std::get<TypeIndex>(key)];
    const auto it = unmatched.find(key);
    if (it != unmatched.end()) {
      ++counts.tp;
      unmatched.erase(it);
    } else {
      ++counts.fp;
    }
  }
  for (const auto& key : unmatched) ++by_type[std::get<TypeIndex>(key)].fn;
  std::vector<SentenceTypeCounts> out;
  for (auto& [type, counts] : by_type) {
    counts.type = type;
    out.push_back(counts);
  }
  return out;
}

double F1Of(const TrialFile& t, bool ner, F1Averaging averaging) {
  const schema::Scores& s = ner ? t.test->ner.scores : t.test->re.scores;
  return averaging == F1Averaging::kMicro ? s.f1_micro : s.f1_macro;
}

void RunLevel(MetricComparison& m, bool corrected, double ratio, const SignificanceOptions& options) {
  m.test = corrected ? CorrectedResampledTTest(m.a, m.b, ratio) : PairedTTest(m.a, m.b);
  BootstrapOptions bootstrap;
  bootstrap.resamples = options.bootstrap_resamples;
  bootstrap.confidence = options.confidence;
  bootstrap.seed = options.seed;
  m.ci = PairedBootstrapCi(m.a, m.b, bootstrap);
}

int FoldsOf(const std::vector<std::pair<const TrialFile*, const TrialFile*>>& pairs) {
  for (const auto& [a, b] : pairs) {
    const auto it = a->config.find(Keys().data_folds);
    if (it == a->config.end()) continue;
    try {
      return std::stoi(it->second);
    } catch (const std::exception&) {
      break;
    }
  }
  return 0;
}

}  // namespace

std::optional<std::vector<SentenceCounts>> CountSentences(const TrialFile& trial, std::string* why) {
  const auto fail = [&](const std::string& reason) -> std::optional<std::vector<SentenceCounts>> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  if (trial.predictions.empty()) return fail("trial " + trial.trial_id + " has no stored test predictions");
  std::vector<SentenceCounts> out;
  out.reserve(trial.predictions.size());
  for (std::size_t i = 0; i < trial.predictions.size(); ++i) {
    const std::string where = "trial " + trial.trial_id + " prediction " + std::to_string(i + 1);
    const Json line = Json::parse(trial.predictions[i], nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !line.is_object()) return fail(where + ": not a JSON object");
    if (!line.contains("gold"))
      return fail(where +
                  ": no \"gold\" annotation next to the prediction (needed for the sentence-level test)");
    try {
      const Annotation predicted = ReadAnnotation(line);
      const Annotation gold = ReadAnnotation(line.at("gold"));
      SentenceCounts s;
      if (line.contains("id"))
        s.id = line.at("id").is_string() ? line.at("id").get<std::string>() : line.at("id").dump();
      s.ner = CountKeys<2>(predicted.entities, gold.entities);
      s.re = CountKeys<0>(predicted.relations, gold.relations);
      out.push_back(std::move(s));
    } catch (const std::exception& e) {
      return fail(where + ": " + e.what());
    }
  }
  return out;
}

Comparison Compare(const std::vector<const TrialFile*>& baseline,
                   const std::vector<const TrialFile*>& variant, bool cross_validated, F1Averaging averaging,
                   const SignificanceOptions& options, Pairing pairing) {
  Comparison c;
  c.cross_validated = cross_validated;
  c.test_name = cross_validated ? "corrected_resampled_t" : "paired_t";

  // Pairs by (fold, seed), or by fold alone, in that order; the first run of a key wins.
  const auto key_of = [&](const TrialFile* t) {
    return std::make_pair(t->fold, pairing == Pairing::kFold ? std::uint64_t{0} : t->seed);
  };
  std::map<std::pair<int, std::uint64_t>, const TrialFile*> by_key;
  for (const auto* t : baseline) by_key.emplace(key_of(t), t);
  std::map<std::pair<int, std::uint64_t>, std::pair<const TrialFile*, const TrialFile*>> paired;
  for (const auto* t : variant) {
    const auto it = by_key.find(key_of(t));
    if (it != by_key.end()) paired.emplace(it->first, std::make_pair(it->second, t));
  }
  std::vector<std::pair<const TrialFile*, const TrialFile*>> pairs;
  pairs.reserve(paired.size());
  for (const auto& [key, pair] : paired) pairs.push_back(pair);
  c.pairs = static_cast<int>(pairs.size());

  for (const auto& [a, b] : pairs) {
    c.ner.a.push_back(F1Of(*a, true, averaging));
    c.ner.b.push_back(F1Of(*b, true, averaging));
    c.re.a.push_back(F1Of(*a, false, averaging));
    c.re.b.push_back(F1Of(*b, false, averaging));
    c.mean.a.push_back((c.ner.a.back() + c.re.a.back()) / 2);
    c.mean.b.push_back((c.ner.b.back() + c.re.b.back()) / 2);
  }

  if (cross_validated) {
    // Fold sizes from the prediction counts of any run of either set.
    std::map<int, std::size_t> fold_size;
    std::set<int> folds_seen;
    for (const auto* set : {&baseline, &variant}) {
      for (const auto* t : *set) {
        folds_seen.insert(t->fold);
        if (!t->predictions.empty()) fold_size.emplace(t->fold, t->predictions.size());
      }
    }
    int k = FoldsOf(pairs);
    if (k < 2) k = std::max<int>(2, static_cast<int>(folds_seen.size()));
    bool all_folds = true;
    std::size_t total = 0;
    for (int f = 0; f < k; ++f) {
      const auto it = fold_size.find(f);
      all_folds = all_folds && it != fold_size.end();
      if (it != fold_size.end()) total += it->second;
    }
    if (all_folds && !pairs.empty()) {
      double n_test = 0, n_train = 0;
      for (const auto& [a, b] : pairs) {
        n_test += static_cast<double>(fold_size.at(a->fold));
        n_train += static_cast<double>(total - fold_size.at(a->fold));
      }
      c.test_train_ratio = n_test / n_train;
      c.ratio_source = "prediction counts";
    } else {
      c.test_train_ratio = 1.0 / (k - 1);
      c.ratio_source = Keys().data_folds;
    }
  }
  for (auto* m : {&c.ner, &c.re, &c.mean}) RunLevel(*m, cross_validated, c.test_train_ratio, options);

  // Sentence level: the pooled test sentences of every pair.
  if (pairs.empty()) {
    c.randomization_missing = "no paired runs";
    return c;
  }
  std::vector<std::pair<std::vector<SentenceCounts>, std::vector<SentenceCounts>>> counted;
  for (const auto& [a, b] : pairs) {
    std::string why;
    auto ca = CountSentences(*a, &why);
    auto cb = ca ? CountSentences(*b, &why) : std::nullopt;
    if (!ca || !cb) {
      c.randomization_missing = why;
      return c;
    }
    bool same = ca->size() == cb->size();
    for (std::size_t i = 0; same && i < ca->size(); ++i) same = (*ca)[i].id == (*cb)[i].id;
    if (!same) {
      c.randomization_missing =
          "trials " + a->trial_id + " and " + b->trial_id + " predicted different test sentences";
      return c;
    }
    counted.emplace_back(std::move(*ca), std::move(*cb));
  }
  // NER types first, then RE types, each sorted by name.
  std::set<std::string> ner_types, re_types;
  for (const auto& [ca, cb] : counted) {
    for (const auto* side : {&ca, &cb}) {
      for (const auto& s : *side) {
        for (const auto& t : s.ner) ner_types.insert(t.type);
        for (const auto& t : s.re) re_types.insert(t.type);
      }
    }
  }
  std::map<std::string, int> ner_index, re_index;
  for (const auto& t : ner_types) ner_index.emplace(t, static_cast<int>(ner_index.size()));
  const int n_ner = static_cast<int>(ner_types.size());
  for (const auto& t : re_types) re_index.emplace(t, n_ner + static_cast<int>(re_index.size()));
  const int n_types = n_ner + static_cast<int>(re_types.size());
  const auto convert = [&](const SentenceCounts& s) {
    std::vector<TypeCount> out;
    for (const auto& t : s.ner) out.push_back({ner_index.at(t.type), t.tp, t.fp, t.fn});
    for (const auto& t : s.re) out.push_back({re_index.at(t.type), t.tp, t.fp, t.fn});
    return out;
  };
  std::vector<SentencePair> sentences;
  for (const auto& [ca, cb] : counted) {
    for (std::size_t i = 0; i < ca.size(); ++i) sentences.push_back({convert(ca[i]), convert(cb[i])});
  }
  c.randomization_sentences = static_cast<int>(sentences.size());
  RandomizationOptions randomization;
  randomization.rounds = options.randomization_rounds;
  randomization.seed = options.seed;
  const F1Part ner_part{0, n_ner, averaging};
  const F1Part re_part{n_ner, n_types, averaging};
  if (n_ner > 0)
    c.ner.randomization = ApproximateRandomizationF1(sentences, n_types, {ner_part}, randomization);
  if (n_types > n_ner)
    c.re.randomization = ApproximateRandomizationF1(sentences, n_types, {re_part}, randomization);
  if (n_ner > 0 && n_types > n_ner)
    c.mean.randomization = ApproximateRandomizationF1(sentences, n_types, {ner_part, re_part}, randomization);
  if (n_types == 0) c.randomization_missing = "no entities or relations in the gold or predicted test sets";
  return c;
}

}  // namespace dts::reports
