// Running a model over a corpus and turning its output into metrics, trial-file structs and JSON lines.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "config/train_config.h"
#include "data/corpus.h"
#include "model/contextual.h"
#include "model/joint_model.h"
#include "schema/trial_file.h"
#include "worker/metrics.h"

namespace dts::worker {

// Predictions for every sentence of `corpus`, in corpus order. Batches are formed from length-sorted
// sentences so padding stays small; the model runs in eval mode without gradients.
std::vector<SentencePrediction> PredictCorpus(model::JointModel& model, const data::Corpus& corpus,
                                              const torch::Device& device, int batch_size = 64,
                                              const model::ContextualEmbeddings* contextual = nullptr);

schema::SplitMetrics ToSchemaMetrics(const Scores& scores);

// Whether epoch selection (and eval.theta_r_mode = dev_best) uses micro-averaged F1: train.selection_average,
// with auto following the corpus' reporting convention (CoNLL04 micro, everything else macro).
bool SelectsOnMicro(const config::TrainConfig& config);

// The early-stopping score of dev scores: train.early_stop_metric, averaged as SelectsOnMicro says.
double DevScore(const Scores& dev, const config::TrainConfig& config);

// The common JSON format plus scores: {"id","tokens","entities":[{type,start,end}],"relations":[{type,head,
// tail,score}]}, relations at or above theta_r.
std::string PredictionJson(const data::Sentence& sentence, const SentencePrediction& prediction,
                           float theta_r);

}  // namespace dts::worker
