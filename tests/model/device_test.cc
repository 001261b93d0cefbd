// The CUDA path: the same weights on a GPU must give what they give on the CPU (loss, every gradient,
// predictions), training must run there, and a checkpoint written from the GPU must load on the CPU. Where
// LibTorch sees no GPU (CI, Debian's CPU-only LibTorch) every test here skips and says so; docs/benchmarks.md
// ("CUDA") records a run on a GPU machine.
#include "model/device.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

#include "model/checkpoint.h"
#include "model/joint_model.h"
#include "model/optimizer.h"
#include "tests/model/tiny_corpus.h"

namespace dts::model {
namespace {

config::ModelConfig SmallConfig(config::CellType cell) {
  config::ModelConfig c;
  c.cell = cell;
  c.word_dim = 8;
  c.char_dim = 4;
  c.char_hidden = 4;
  c.hidden = 8;
  c.shared_layers = 2;
  c.ner_layers = 1;
  c.re_layers = 1;
  c.ner_ffnn_size = 6;
  c.re_ffnn_size = 6;
  c.label_dim = 3;
  c.dropout = 0.2;
  return c;
}

class CudaPath : public ::testing::TestWithParam<config::CellType> {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available())
      GTEST_SKIP() << "LibTorch sees no CUDA device: the CUDA path is not tested here";
    cuda = ResolveDevice("cuda:0");
    // cuDNN may use TF32 for the recurrent layers' products by default, which is not what the CPU computes.
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  std::vector<data::Sentence> corpus = testing::TinyCorpus(12);
  Vocabularies vocabularies = BuildVocabularies(corpus, config::DataConfig{}, nullptr);
  torch::Device cuda{torch::kCPU};  // set in SetUp once a GPU is known to be there
};

void ExpectSamePredictions(const std::vector<SentencePrediction>& a,
                           const std::vector<SentencePrediction>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t s = 0; s < a.size(); ++s) {
    EXPECT_EQ(a[s].entities, b[s].entities) << "sentence " << s;
    ASSERT_EQ(a[s].relations.size(), b[s].relations.size()) << "sentence " << s;
    for (std::size_t r = 0; r < a[s].relations.size(); ++r) {
      EXPECT_EQ(a[s].relations[r].head, b[s].relations[r].head);
      EXPECT_EQ(a[s].relations[r].tail, b[s].relations[r].tail);
      EXPECT_EQ(a[s].relations[r].type, b[s].relations[r].type);
      EXPECT_NEAR(a[s].relations[r].probability, b[s].relations[r].probability, 1e-4);
    }
  }
}

TEST_P(CudaPath, SameWeightsGiveTheCpuLossGradientsAndPredictions) {
  // Dropout draws from different generators on the two devices: compare the deterministic network. In
  // training mode, as the trainer runs it (cuDNN's recurrent layers have no backward pass in eval mode).
  auto config = SmallConfig(GetParam());
  config.dropout = 0.0;
  torch::manual_seed(5);
  JointModel on_cpu(config, vocabularies);
  torch::manual_seed(5);
  JointModel on_gpu(config, vocabularies);
  on_gpu->to(cuda);
  for (const auto& p : on_gpu->parameters()) ASSERT_TRUE(p.is_cuda());
  const auto sentences = testing::Pointers(corpus);
  const auto cpu_losses = on_cpu->Loss(MakeBatch(sentences, vocabularies, torch::kCPU, true), 5.0);
  const auto gpu_batch = MakeBatch(sentences, vocabularies, cuda, true);
  ASSERT_TRUE(gpu_batch.words.is_cuda());
  const auto gpu_losses = on_gpu->Loss(gpu_batch, 5.0);
  ASSERT_TRUE(gpu_losses.total.is_cuda());
  EXPECT_NEAR(gpu_losses.ner.item<double>(), cpu_losses.ner.item<double>(),
              1e-4 * std::abs(cpu_losses.ner.item<double>()));
  EXPECT_NEAR(gpu_losses.re.item<double>(), cpu_losses.re.item<double>(),
              1e-4 * std::abs(cpu_losses.re.item<double>()));
  cpu_losses.total.backward();
  gpu_losses.total.backward();
  const auto gpu_parameters = on_gpu->named_parameters();
  for (const auto& p : on_cpu->named_parameters()) {
    const auto gpu_grad = gpu_parameters[p.key()].grad();
    ASSERT_TRUE(gpu_grad.defined()) << p.key();
    EXPECT_TRUE(torch::allclose(gpu_grad.cpu(), p.value().grad(), 1e-3, 1e-5)) << p.key();
  }
  ExpectSamePredictions(on_gpu->Predict(gpu_batch, 0.0),
                        on_cpu->Predict(MakeBatch(sentences, vocabularies, torch::kCPU, true), 0.0));
}

TEST_P(CudaPath, TrainsOnTheGpuAndItsCheckpointLoadsOnTheCpu) {
  config::TrainConfig config;
  config.model = SmallConfig(GetParam());
  config.model.hidden = 16;
  config.model.dropout = 0.0;
  config.train.optimizer = config::OptimizerType::kNadam;
  config.train.lr = 0.02;
  torch::manual_seed(3);
  JointModel model(config.model, vocabularies);
  model->to(cuda);
  auto optimizer = MakeOptimizer(config.train, model->TrainableParameters());
  const auto batch = MakeBatch(testing::Pointers(corpus), vocabularies, cuda, true);
  const double initial = model->Loss(batch, 5.0).total.item<double>();
  for (int step = 0; step < 150; ++step) {
    optimizer->zero_grad();
    model->Loss(batch, 5.0).total.backward();
    optimizer->step();
  }
  EXPECT_LT(model->Loss(batch, 5.0).total.item<double>(), 0.1 * initial);
  for (const auto& p : model->parameters()) EXPECT_TRUE(p.is_cuda());
  const auto gpu_predictions = model->Predict(batch, 0.0);
  for (std::size_t s = 0; s < corpus.size(); ++s) EXPECT_EQ(gpu_predictions[s].entities, corpus[s].entities);

  auto loaded = LoadCheckpoint(SaveCheckpoint(config, model, optimizer.get()), torch::kCPU);
  for (const auto& p : loaded.model->parameters()) ASSERT_TRUE(p.device().is_cpu());
  ExpectSamePredictions(
      loaded.model->Predict(MakeBatch(testing::Pointers(corpus), vocabularies, torch::kCPU, true), 0.0),
      gpu_predictions);
}

INSTANTIATE_TEST_SUITE_P(Cells, CudaPath, ::testing::Values(config::CellType::kLstm, config::CellType::kGru),
                         [](const auto& info) {
                           return std::string(info.param == config::CellType::kLstm ? "Lstm" : "Gru");
                         });

}  // namespace
}  // namespace dts::model
