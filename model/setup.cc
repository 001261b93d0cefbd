#include "model/setup.h"

#include <sstream>

#include "common/error.h"

namespace dts::model {

ModelSetup SetUpModel(const config::TrainConfig& config, const torch::Device& device,
                      const data::WordVectors* given_vectors) {
  ModelSetup setup;
  setup.dataset = data::LoadDataset(config.data);
  std::unique_ptr<data::WordVectors> read_vectors;
  const data::WordVectors* vectors = given_vectors;
  if (!vectors && !config.data.word_vectors.empty()) {
    read_vectors = std::make_unique<data::WordVectors>(data::ReadWordVectors(config.data.word_vectors));
    vectors = read_vectors.get();
    if (vectors->dim != config.model.word_dim)
      throw ConfigError("", "model.word_dim",
                        "model.word_dim = " + std::to_string(config.model.word_dim) + " but " +
                            config.data.word_vectors + " has " + std::to_string(vectors->dim) +
                            "-dimensional vectors");
  }
  auto vocabularies = BuildVocabularies(setup.dataset.train.sentences, config.data, vectors);
  torch::manual_seed(static_cast<uint64_t>(config.train.seed));
  torch::Tensor matrix;
  if (vectors) {
    matrix = WordVectorMatrix(vocabularies.words, *vectors);
    setup.vector_coverage = data::FormatCoverage(
        data::ComputeCoverage(*vectors, vocabularies.words, /*lowercase_fallback=*/true));
  }
  setup.model = JointModel(config.model, std::move(vocabularies), matrix);
  setup.model->to(device);
  if (config.model.contextual)
    setup.contextual = std::make_unique<ContextualEmbeddings>(
        config.data.contextual_embeddings, config.model.contextual_layers, config.model.contextual_dim);
  return setup;
}

std::string DescribeSetup(const ModelSetup& setup) {
  const auto& v = setup.model->vocabularies();
  std::ostringstream out;
  out << "data: " << setup.dataset.description << "\n";
  out << "vocabularies: " << v.words.Size() << " words, " << v.chars.Size() << " characters, "
      << v.entity_types.Size() << " entity types (" << v.NumTags() << " BIO tags), "
      << v.relation_types.Size() << " relation types\n";
  if (!setup.vector_coverage.empty()) out << "word vectors: " << setup.vector_coverage << "\n";
  out << "trainable parameters: " << setup.model->TrainableParameterCount() << "\n";
  return out.str();
}

}  // namespace dts::model
