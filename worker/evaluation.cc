#include "worker/evaluation.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "model/batch.h"

namespace dts::worker {

std::vector<SentencePrediction> PredictCorpus(model::JointModel& model, const data::Corpus& corpus,
                                              const torch::Device& device, int batch_size,
                                              const model::ContextualEmbeddings* contextual) {
  const auto& sentences = corpus.sentences;
  std::vector<size_t> order(sentences.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return sentences[a].tokens.size() < sentences[b].tokens.size();
  });
  std::vector<SentencePrediction> predictions(sentences.size());
  for (size_t begin = 0; begin < order.size(); begin += batch_size) {
    const size_t end = std::min(order.size(), begin + static_cast<size_t>(batch_size));
    std::vector<const data::Sentence*> members;
    for (size_t i = begin; i < end; ++i) {
      // An empty sentence has nothing to predict; the model needs at least one token.
      if (!sentences[order[i]].tokens.empty()) members.push_back(&sentences[order[i]]);
    }
    if (members.empty()) continue;
    const auto batch =
        model::MakeBatch(members, model->vocabularies(), device, /*with_gold=*/false, contextual);
    const auto predicted = model->Predict(batch);
    size_t k = 0;
    for (size_t i = begin; i < end; ++i) {
      if (sentences[order[i]].tokens.empty()) continue;
      const auto& p = predicted[k++];
      SentencePrediction& out = predictions[order[i]];
      out.entities = p.entities;
      for (const auto& r : p.relations)
        out.relations.push_back({data::Relation{r.type, r.head, r.tail}, static_cast<float>(r.probability)});
    }
  }
  return predictions;
}

namespace {
schema::TaskMetrics ToTaskMetrics(const TaskScores& scores) {
  schema::TaskMetrics task;
  task.scores = {scores.micro_p, scores.micro_r, scores.micro_f1,
                 scores.macro_p, scores.macro_r, scores.macro_f1};
  for (const auto& [type, counts] : scores.per_type) {
    task.per_type.push_back(
        {type, counts.tp, counts.fp, counts.fn, counts.Precision(), counts.Recall(), counts.F1()});
  }
  return task;
}
}  // namespace

schema::SplitMetrics ToSchemaMetrics(const Scores& scores) {
  return {ToTaskMetrics(scores.ner), ToTaskMetrics(scores.re)};
}

bool SelectsOnMicro(const config::TrainConfig& config) {
  switch (config.train.selection_average) {
    case config::SelectionAverage::kMicro:
      return true;
    case config::SelectionAverage::kMacro:
      return false;
    case config::SelectionAverage::kAuto:
      break;
  }
  return config.data.format == config::CorpusFormat::kConll04;  // CoNLL04 reports micro; ADE and others macro
}

double DevScore(const Scores& dev, const config::TrainConfig& config) {
  const bool micro = SelectsOnMicro(config);
  const double ner = micro ? dev.ner.micro_f1 : dev.ner.macro_f1;
  const double re = micro ? dev.re.micro_f1 : dev.re.macro_f1;
  switch (config.train.early_stop_metric) {
    case config::EarlyStopMetric::kNerF1:
      return ner;
    case config::EarlyStopMetric::kReF1:
      return re;
    case config::EarlyStopMetric::kMean:
      break;
  }
  return (ner + re) / 2;
}

std::string PredictionJson(const data::Sentence& sentence, const SentencePrediction& prediction,
                           float theta_r) {
  nlohmann::json tokens = nlohmann::json::array();
  for (const auto& t : sentence.tokens) tokens.push_back(t.text);
  nlohmann::json entities = nlohmann::json::array();
  for (const auto& e : prediction.entities)
    entities.push_back({{"type", e.type}, {"start", e.start}, {"end", e.end}});
  nlohmann::json relations = nlohmann::json::array();
  for (const auto& r : prediction.relations) {
    if (r.probability < theta_r) continue;
    relations.push_back({{"type", r.relation.type},
                         {"head", r.relation.head},
                         {"tail", r.relation.tail},
                         {"score", std::round(r.probability * 1e4) / 1e4}});
  }
  // The gold annotation travels with the predictions, so the report can test significance sentence by
  // sentence (approximate randomization) from the trial files alone.
  nlohmann::json gold_entities = nlohmann::json::array(), gold_relations = nlohmann::json::array();
  for (const auto& e : sentence.entities)
    gold_entities.push_back({{"type", e.type}, {"start", e.start}, {"end", e.end}});
  for (const auto& r : sentence.relations)
    gold_relations.push_back({{"type", r.type}, {"head", r.head}, {"tail", r.tail}});
  return nlohmann::json{{"id", sentence.id},
                        {"tokens", tokens},
                        {"entities", entities},
                        {"relations", relations},
                        {"gold", {{"entities", gold_entities}, {"relations", gold_relations}}}}
      .dump();
}

}  // namespace dts::worker
