// The [model] section: every architectural hyperparameter of the joint NER + RE model, declared once here.
#pragma once

#include <string>

#include "common/params.h"

namespace dts::config {

enum class CellType { kLstm, kGru };
enum class Activation { kRelu, kTanh, kSigmoid, kGelu, kElu, kLinear };
// Initialisation of the word and character embeddings that have no pretrained vector. kScaledUniform draws
// from U(-sqrt(3/d), sqrt(3/d)) (variance 1/d per component, norm ~1), so the embedding neither drowns the
// character and casing features nor moves too little at Adam's step size; kNormal is LibTorch's N(0, 1)
// (norm ~sqrt(d)), the behaviour before this option existed.
enum class EmbeddingInit { kScaledUniform, kNormal };
// How a relation's direction is decided (docs/model.md, "Relation direction"). kTypeStatistics: the paper's
// symmetric scorer over unordered pairs, the direction taken from training-set statistics; kLearned: ordered
// pairs, with a head term and a tail term added to each logit, so the model itself tells head from tail.
enum class RelationDirection { kTypeStatistics, kLearned };

struct ModelConfig {
  int word_dim = 100;
  int char_dim = 25;
  int char_hidden = 25;  // per direction
  bool casing = true;
  bool freeze_word_vectors = false;
  EmbeddingInit embedding_init = EmbeddingInit::kScaledUniform;
  bool contextual = false;
  int contextual_layers = 3;
  int contextual_dim = 1024;
  int shared_layers = 1;
  int ner_layers = 1;
  int re_layers = 1;
  CellType cell = CellType::kLstm;
  int hidden = 64;  // per direction
  double dropout = 0.3;
  int ner_ffnn_size = 64;
  Activation ner_ffnn_activation = Activation::kRelu;
  int re_ffnn_size = 64;
  Activation re_ffnn_activation = Activation::kRelu;
  int label_dim = 25;
  RelationDirection re_direction = RelationDirection::kTypeStatistics;
};

inline const ParamTable<ModelConfig>& ModelParams() {
  static const std::vector<std::pair<std::string, Activation>> kActivations = {
      {"relu", Activation::kRelu}, {"tanh", Activation::kTanh}, {"sigmoid", Activation::kSigmoid},
      {"gelu", Activation::kGelu}, {"elu", Activation::kElu},   {"linear", Activation::kLinear}};
  static const ParamTable<ModelConfig> table{
      "model",
      {
          Param(&ModelConfig::word_dim, "word_dim")
              .Range(1, 4096)
              .Help(
                  "word-embedding size; must equal the dimension of data.word_vectors when those are given"),
          Param(&ModelConfig::char_dim, "char_dim")
              .Range(0, 1024)
              .Help("character-embedding size; 0: no "
                    "character BiRNN"),
          Param(&ModelConfig::char_hidden, "char_hidden")
              .Range(1, 1024)
              .Help("hidden size per direction of the character BiRNN (one layer, cell model.cell)"),
          Param(&ModelConfig::casing, "casing").Help("append the one-hot casing vector of each token"),
          Param(&ModelConfig::freeze_word_vectors, "freeze_word_vectors")
              .Help("keep pretrained word vectors fixed (requires data.word_vectors or data.vectors_text)"),
          Param(&ModelConfig::embedding_init, "embedding_init")
              .Choices(
                  {{"scaled_uniform", EmbeddingInit::kScaledUniform}, {"normal", EmbeddingInit::kNormal}})
              .Help("initialisation of word and character embeddings without a pretrained vector: "
                    "U(-sqrt(3/d), sqrt(3/d)), or N(0, 1)"),
          Param(&ModelConfig::contextual, "contextual")
              .Help("append pre-computed contextual embeddings from data.contextual_embeddings, mixed by a "
                    "learned softmax-weighted average times a learned scale"),
          Param(&ModelConfig::contextual_layers, "contextual_layers")
              .Range(1, 64)
              .Help("layers per token in the contextual-embedding file (ELMo: 3)"),
          Param(&ModelConfig::contextual_dim, "contextual_dim")
              .Range(1, 8192)
              .Help("vector size in the contextual-embedding file (ELMo: 1024)"),
          Param(&ModelConfig::shared_layers, "shared_layers")
              .Range(1, 3)
              .Help("BiRNN layers shared by NER and RE"),
          Param(&ModelConfig::ner_layers, "ner_layers").Range(0, 3).Help("NER-specific BiRNN layers"),
          Param(&ModelConfig::re_layers, "re_layers").Range(0, 3).Help("RE-specific BiRNN layers"),
          Param(&ModelConfig::cell, "cell")
              .Choices({{"lstm", CellType::kLstm}, {"gru", CellType::kGru}})
              .Help("recurrent cell of every BiRNN layer, the character BiRNN included"),
          Param(&ModelConfig::hidden, "hidden")
              .Range(1, 4096)
              .Help("hidden size per direction of each BiRNN layer"),
          Param(&ModelConfig::dropout, "dropout")
              .Range(0, 0.95)
              .Help("dropout probability before each word-level BiRNN layer and before RE scoring"),
          Param(&ModelConfig::ner_ffnn_size, "ner_ffnn_size").Range(1, 4096).Help("output size of FFNN e1"),
          Param(&ModelConfig::ner_ffnn_activation, "ner_ffnn_activation")
              .Choices(kActivations)
              .Help("activation of FFNN e1"),
          Param(&ModelConfig::re_ffnn_size, "re_ffnn_size").Range(1, 4096).Help("output size of FFNN r1"),
          Param(&ModelConfig::re_ffnn_activation, "re_ffnn_activation")
              .Choices(kActivations)
              .Help("activation of FFNN r1"),
          Param(&ModelConfig::label_dim, "label_dim")
              .Range(1, 1024)
              .Help(
                  "size of the learned NER label embedding concatenated to each entity's RE representation"),
          Param(&ModelConfig::re_direction, "re_direction")
              .Choices({{"type_statistics", RelationDirection::kTypeStatistics},
                        {"learned", RelationDirection::kLearned}})
              .Help(
                  "type_statistics: the paper's symmetric scorer on unordered pairs, direction from training "
                  "statistics; learned: ordered pairs with head and tail terms, direction learned"),
      }};
  return table;
}

}  // namespace dts::config
