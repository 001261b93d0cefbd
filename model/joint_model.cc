#include "model/joint_model.h"

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "data/bio.h"

namespace dts::model {

namespace F = torch::nn::functional;

JointModelImpl::JointModelImpl(const config::ModelConfig& config, Vocabularies vocabularies,
                               const torch::Tensor& word_vectors)
    : config_(config), vocabularies_(std::move(vocabularies)) {
  if (vocabularies_.entity_types.Size() == 0) throw InputError("training set", 0, "has no entities");
  if (vocabularies_.relation_types.Size() == 0) throw InputError("training set", 0, "has no relations");
  const int64_t H = config.hidden;
  embedder_ = register_module(
      "embedder", Embedder(config, vocabularies_.words.Size(), vocabularies_.chars.Size(), word_vectors));
  shared_ = register_module(
      "shared", BiRnnStack(config.cell, embedder_->output_size(), H, config.shared_layers, config.dropout));
  ner_stack_ =
      register_module("ner_stack", BiRnnStack(config.cell, 2 * H, H, config.ner_layers, config.dropout));
  re_stack_ =
      register_module("re_stack", BiRnnStack(config.cell, 2 * H, H, config.re_layers, config.dropout));
  const int64_t tags = vocabularies_.NumTags();
  e1_ = register_module("e1", torch::nn::Linear(ner_stack_->output_size(), config.ner_ffnn_size));
  e2_ = register_module("e2", torch::nn::Linear(config.ner_ffnn_size, tags));
  crf_ = register_module("crf", Crf(tags));
  label_embedding_ = register_module("label_embedding", torch::nn::Embedding(tags, config.label_dim));
  scorer_ = register_module(
      "relation_scorer",
      RelationScorer(re_stack_->output_size() + config.label_dim, vocabularies_.relation_types.Size(),
                     config.re_ffnn_size, config.re_ffnn_activation, config.dropout,
                     config.re_direction == config::RelationDirection::kLearned));
}

JointModelImpl::Encoded JointModelImpl::Encode(const Batch& batch) {
  // Padding never reaches a real token in either direction (BiRnnLayerImpl); zeroing it at the end keeps
  // whatever the recurrences left there out of every later sum.
  const auto layout = SequenceLayout::Make(batch.lengths, batch.max_len, batch.words.device());
  const auto shared = shared_->forward(embedder_->forward(batch), layout);
  const auto keep = batch.mask.unsqueeze(2).to(shared.scalar_type());
  return {ner_stack_->forward(shared, layout) * keep, re_stack_->forward(shared, layout) * keep};
}

torch::Tensor JointModelImpl::NerEmissions(const torch::Tensor& h_ner) {
  return e2_->forward(Activate(config_.ner_ffnn_activation, e1_->forward(h_ner)));
}

torch::Tensor JointModelImpl::RelationLogits(const torch::Tensor& h_re, const torch::Tensor& entity_last,
                                             const torch::Tensor& entity_label,
                                             const torch::Tensor& entity_mask) {
  const auto index = entity_last.unsqueeze(2).expand({-1, -1, h_re.size(2)});
  const auto g =
      torch::cat({h_re.gather(1, index), label_embedding_->forward(entity_label)}, -1);  // [B, E, p]
  return scorer_->forward(g, entity_mask);
}

Losses JointModelImpl::Loss(const Batch& batch, double lambda_r) {
  if (!batch.has_gold) throw std::invalid_argument("JointModel::Loss: the batch was built without gold");
  const auto encoded = Encode(batch);
  const double B = batch.size;
  Losses losses;
  losses.ner = crf_->NegLogLikelihood(NerEmissions(encoded.ner), batch.tags, batch.mask).sum() / B;
  const auto logits = RelationLogits(encoded.re, batch.entity_last, batch.entity_label, batch.entity_mask);
  // Ordered pairs learn each direction; an unordered pair (i < j) is positive when the relation holds either
  // way.
  const bool ordered = scorer_->ordered();
  const auto gold = ordered ? batch.relation_gold
                            : torch::maximum(batch.relation_gold, batch.relation_gold.transpose(1, 2));
  const auto targets = gold.index({RelationScorerImpl::PairMask(batch.entity_mask, ordered)});  // [P, K]
  losses.re = F::binary_cross_entropy_with_logits(
                  logits, targets, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum)) /
              B;
  losses.total = losses.ner + lambda_r * losses.re;
  return losses;
}

std::vector<SentencePrediction> JointModelImpl::Predict(const Batch& batch, double probability_floor) {
  const bool was_training = is_training();
  eval();
  // InferenceMode skips autograd bookkeeping (version counters, views) that NoGradGuard still pays for.
  c10::InferenceMode inference;
  const auto encoded = Encode(batch);
  const auto paths = crf_->Viterbi(NerEmissions(encoded.ner), batch.mask);

  const int64_t B = batch.size;
  std::vector<SentencePrediction> out(B);
  int64_t E = 1;
  std::vector<std::vector<int64_t>> last_tags(B);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<std::string> tags;
    tags.reserve(paths[b].size());
    for (const int64_t tag : paths[b]) tags.push_back(vocabularies_.TagName(static_cast<int>(tag)));
    out[b].entities = data::DecodeBio(tags);
    for (const auto& entity : out[b].entities) last_tags[b].push_back(paths[b][entity.end - 1]);
    E = std::max<int64_t>(E, out[b].entities.size());
  }
  std::vector<int64_t> entity_last(B * E, 0), entity_label(B * E, 0);
  std::vector<uint8_t> entity_mask(B * E, 0);
  for (int64_t b = 0; b < B; ++b) {
    for (std::size_t i = 0; i < out[b].entities.size(); ++i) {
      entity_last[b * E + i] = out[b].entities[i].end - 1;
      entity_label[b * E + i] = last_tags[b][i];
      entity_mask[b * E + i] = 1;
    }
  }
  const auto device = encoded.re.device();
  const auto mask = torch::from_blob(entity_mask.data(), {B, E}, torch::kUInt8).to(torch::kBool).to(device);
  const auto logits =
      RelationLogits(encoded.re, torch::from_blob(entity_last.data(), {B, E}, torch::kInt64).to(device),
                     torch::from_blob(entity_label.data(), {B, E}, torch::kInt64).to(device), mask);
  const auto probabilities = torch::sigmoid(logits).to(torch::kCPU, torch::kDouble).contiguous();
  const bool ordered = scorer_->ordered();
  const auto pairs =
      RelationScorerImpl::PairMask(mask, ordered).nonzero().to(torch::kCPU).contiguous();  // [P, 3]
  const int64_t P = pairs.size(0), K = probabilities.size(1);
  const double* prob = probabilities.data_ptr<double>();
  const int64_t* pair = pairs.data_ptr<int64_t>();
  for (int64_t row = 0; row < P; ++row) {
    const int64_t b = pair[3 * row], i = pair[3 * row + 1], j = pair[3 * row + 2];
    auto& prediction = out[b];
    const int type_i = vocabularies_.entity_types.Index(prediction.entities[i].type);
    const int type_j = vocabularies_.entity_types.Index(prediction.entities[j].type);
    for (int64_t k = 0; k < K; ++k) {
      const double p = prob[row * K + k];
      if (p < probability_floor) continue;
      // Ordered pairs say their direction (i is the head); unordered ones take it from training statistics.
      const bool i_is_head =
          ordered || vocabularies_.directions.EarlierIsHead(static_cast<int>(k), type_i, type_j);
      prediction.relations.push_back(
          ScoredRelation{static_cast<int>(i_is_head ? i : j), static_cast<int>(i_is_head ? j : i),
                         vocabularies_.relation_types.Symbol(static_cast<int>(k)), p});
    }
  }
  if (was_training) train();
  return out;
}

std::vector<torch::Tensor> JointModelImpl::TrainableParameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : parameters())
    if (p.requires_grad()) out.push_back(p);
  return out;
}

int64_t JointModelImpl::TrainableParameterCount() const {
  int64_t n = 0;
  for (const auto& p : TrainableParameters()) n += p.numel();
  return n;
}

torch::Tensor WordVectorMatrix(const data::Vocabulary& words, const data::WordVectors& vectors) {
  const int64_t dim = vectors.dim;
  const auto pretrained = torch::from_blob(const_cast<float*>(vectors.values.data()),
                                           {static_cast<int64_t>(vectors.words.size()), dim}, torch::kFloat);
  const double scale = pretrained.numel() > 1 ? pretrained.std().item<double>() : 1.0;
  auto matrix = torch::randn({words.Size(), dim}) * scale;
  for (int i = 0; i < words.Size(); ++i) {
    int row = vectors.Find(words.Symbol(i));
    if (row < 0) {
      std::string lower = words.Symbol(i);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      row = vectors.Find(lower);
    }
    if (row >= 0) matrix[i].copy_(pretrained[row]);
  }
  return matrix;
}

}  // namespace dts::model
