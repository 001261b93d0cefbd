// Pre-computed contextual embeddings (ELMo layout): an HDF5 file with one dataset per sentence, named by the
// sentence id, of shape (layers, tokens, dim), float. The model mixes the layers itself (Embedder, layers.h).
#pragma once

#include <string>
#include <vector>

#include "data/corpus.h"

namespace dts::model {

class ContextualEmbeddings {
 public:
  // Opens `path` read-only; throws IoError when it is not a readable HDF5 file.
  ContextualEmbeddings(const std::string& path, int layers, int dim);
  ~ContextualEmbeddings();
  ContextualEmbeddings(const ContextualEmbeddings&) = delete;
  ContextualEmbeddings& operator=(const ContextualEmbeddings&) = delete;

  // The sentence's (layers, tokens, dim) values, row-major. A missing dataset or a shape that disagrees
  // with the sentence's token count or the configured layers/dim throws InputError naming the dataset.
  std::vector<float> Read(const data::Sentence& sentence) const;
  int layers() const { return layers_; }
  int dim() const { return dim_; }

 private:
  std::string path_;
  long long file_ = -1;  // hid_t; kept as an integer so this header does not pull in hdf5.h
  int layers_;
  int dim_;
};

}  // namespace dts::model
