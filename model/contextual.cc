#include "model/contextual.h"

#include <hdf5.h>

#include "common/error.h"

namespace dts::model {

ContextualEmbeddings::ContextualEmbeddings(const std::string& path, int layers, int dim)
    : path_(path), layers_(layers), dim_(dim) {
  // Quiet HDF5's own error stack printing: failures become our exceptions.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw IoError(path, "cannot open as an HDF5 file of contextual embeddings");
  file_ = file;
}

ContextualEmbeddings::~ContextualEmbeddings() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
}

std::vector<float> ContextualEmbeddings::Read(const data::Sentence& sentence) const {
  const hid_t file = static_cast<hid_t>(file_);
  const std::string where = "dataset '" + sentence.id + "'";
  if (H5Lexists(file, sentence.id.c_str(), H5P_DEFAULT) <= 0)
    throw InputError(path_, 0, where + " is missing (one dataset per sentence id)");
  const hid_t dataset = H5Dopen2(file, sentence.id.c_str(), H5P_DEFAULT);
  if (dataset < 0) throw InputError(path_, 0, where + " cannot be opened");
  const hid_t space = H5Dget_space(dataset);
  hsize_t dims[3] = {0, 0, 0};
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank == 3) H5Sget_simple_extent_dims(space, dims, nullptr);
  H5Sclose(space);
  const auto expected_tokens = static_cast<hsize_t>(sentence.tokens.size());
  if (rank != 3 || dims[0] != static_cast<hsize_t>(layers_) || dims[1] != expected_tokens ||
      dims[2] != static_cast<hsize_t>(dim_)) {
    H5Dclose(dataset);
    throw InputError(path_, 0,
                     where + " has shape (" + std::to_string(dims[0]) + ", " + std::to_string(dims[1]) +
                         ", " + std::to_string(dims[2]) + "), expected (" + std::to_string(layers_) + ", " +
                         std::to_string(expected_tokens) + ", " + std::to_string(dim_) +
                         ") from model.contextual_layers, the token count and model.contextual_dim");
  }
  std::vector<float> values(dims[0] * dims[1] * dims[2]);
  const herr_t status = H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(dataset);
  if (status < 0) throw InputError(path_, 0, where + " cannot be read as float");
  return values;
}

}  // namespace dts::model
