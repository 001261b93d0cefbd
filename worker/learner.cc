#include "worker/learner.h"

#include <iomanip>
#include <memory>
#include <sstream>

#include "model/optimizer.h"
#include "model/setup.h"
#include "vectors/trial_vectors.h"
#include "worker/evaluation.h"

namespace dts::worker {

namespace {
constexpr int kEvalBatchSize = 64;
}  // namespace

Scores Learner::Evaluate(const data::Corpus& corpus, float theta_r,
                         std::vector<SentencePrediction>* predictions) {
  std::vector<SentencePrediction> predicted =
      PredictCorpus(model, corpus, device, kEvalBatchSize, contextual.get());
  Scores scores = worker::Evaluate(corpus.sentences, predicted, entity_types, relation_types, theta_r);
  if (predictions) *predictions = std::move(predicted);
  return scores;
}

Learner MakeLearner(const config::TrainConfig& config, const torch::Device& device,
                    const std::string& vectors_cache_dir, std::vector<std::string>& notes) {
  std::unique_ptr<data::WordVectors> own_vectors;
  if (!config.data.vectors_text.empty()) {
    const vectors::TrialVectors built = vectors::EnsureTrialVectors(config, vectors_cache_dir);
    std::ostringstream note;
    note << "in-domain vectors " << built.path;
    if (built.built) {
      note << ": trained in " << std::fixed << std::setprecision(1) << built.summary.seconds << " s on "
           << built.summary.training_sentences << " sentences, " << built.summary.words_written << " words";
    } else {
      note << ": found in the cache";
    }
    notes.push_back(note.str());
    own_vectors = std::make_unique<data::WordVectors>(data::ReadWordVectors(built.path));
  }
  auto setup = model::SetUpModel(config, device, own_vectors.get());
  Learner learner;
  learner.device = device;
  learner.dataset = std::move(setup.dataset);
  learner.model = setup.model;
  learner.contextual = std::move(setup.contextual);
  notes.push_back(learner.dataset.description);
  if (!setup.vector_coverage.empty()) notes.push_back(setup.vector_coverage);
  learner.entity_types = learner.model->vocabularies().entity_types.Symbols();
  learner.relation_types = learner.model->vocabularies().relation_types.Symbols();
  learner.optimizer = model::MakeOptimizer(config.train, learner.model->TrainableParameters());
  return learner;
}

}  // namespace dts::worker
