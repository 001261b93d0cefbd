#include "model/joint_model.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <tuple>

#include "common/error.h"
#include "model/checkpoint.h"
#include "model/optimizer.h"
#include "tests/model/tiny_corpus.h"

namespace dts::model {
namespace {

config::ModelConfig TinyConfig() {
  config::ModelConfig c;
  c.word_dim = 6;
  c.char_dim = 3;
  c.char_hidden = 3;
  c.hidden = 4;
  c.ner_ffnn_size = 5;
  c.re_ffnn_size = 5;
  c.label_dim = 3;
  c.dropout = 0.2;
  return c;
}

struct Fixture {
  std::vector<data::Sentence> corpus = testing::TinyCorpus();
  Vocabularies vocabularies = BuildVocabularies(corpus, config::DataConfig{}, nullptr);
  Batch Make(const std::vector<const data::Sentence*>& sentences, bool gold = true) const {
    return MakeBatch(sentences, vocabularies, torch::kCPU, gold);
  }
  Batch All() const { return Make(testing::Pointers(corpus)); }
};

int64_t BiRnnLayerSize(config::CellType cell, int64_t in, int64_t h) {
  const int64_t gates = cell == config::CellType::kLstm ? 4 : 3;
  return 2 * (gates * h * (in + h) + 2 * gates * h);  // two directions; W_ih, W_hh, b_ih, b_hh
}

// The parameter count written out from the architecture (docs/model.md, "Parameter count").
int64_t ExpectedParameters(const config::ModelConfig& c, const Vocabularies& v) {
  const int64_t V = v.words.Size(), C = v.chars.Size(), T = v.NumTags(), K = v.relation_types.Size();
  const int64_t H = c.hidden;
  int64_t D = c.word_dim + 2 * c.char_hidden + (c.casing ? kCasingCount - 1 : 0);
  int64_t n = c.freeze_word_vectors ? 0 : V * c.word_dim;
  n += C * c.char_dim + BiRnnLayerSize(c.cell, c.char_dim, c.char_hidden);
  n += BiRnnLayerSize(c.cell, D, H);
  n += (c.shared_layers - 1 + c.ner_layers + c.re_layers) * BiRnnLayerSize(c.cell, 2 * H, H);
  n += 2 * H * c.ner_ffnn_size + c.ner_ffnn_size + c.ner_ffnn_size * T + T + T * T + 2 * T;
  const int64_t p = 2 * H + c.label_dim;
  n += T * c.label_dim + K * p + p * c.re_ffnn_size + c.re_ffnn_size + (K + 1) * K + K;
  if (c.re_direction == config::RelationDirection::kLearned) n += 2 * K * p;  // head and tail terms
  return n;
}

TEST(JointModel, ParameterCountIsTheSumOfTensorSizesAndMatchesTheFormula) {
  Fixture f;
  for (const auto& [cell, direction] :
       {std::pair{config::CellType::kLstm, config::RelationDirection::kTypeStatistics},
        std::pair{config::CellType::kGru, config::RelationDirection::kTypeStatistics},
        std::pair{config::CellType::kLstm, config::RelationDirection::kLearned}}) {
    auto config = TinyConfig();
    config.cell = cell;
    config.re_direction = direction;
    JointModel model(config, f.vocabularies);
    int64_t sum = 0;
    for (const auto& p : model->parameters()) sum += p.numel();
    EXPECT_EQ(model->TrainableParameterCount(), sum);
    EXPECT_EQ(model->TrainableParameterCount(), ExpectedParameters(config, f.vocabularies));
  }
}

TEST(JointModel, OneMoreSharedLayerAddsTheBiRnnLayerSize) {
  Fixture f;
  for (const int64_t H : {8, 64}) {
    for (const auto cell : {config::CellType::kLstm, config::CellType::kGru}) {
      auto config = TinyConfig();
      config.hidden = static_cast<int>(H);
      config.cell = cell;
      const int64_t one = JointModel(config, f.vocabularies)->TrainableParameterCount();
      config.shared_layers = 2;
      const int64_t two = JointModel(config, f.vocabularies)->TrainableParameterCount();
      const int64_t expected = cell == config::CellType::kLstm ? 24 * H * H + 16 * H : 18 * H * H + 12 * H;
      EXPECT_EQ(two - one, expected) << "H=" << H;
    }
  }
}

TEST(JointModel, FrozenWordVectorsAreNotTrainable) {
  Fixture f;
  auto config = TinyConfig();
  const int64_t trainable = JointModel(config, f.vocabularies)->TrainableParameterCount();
  config.freeze_word_vectors = true;
  const auto vectors = torch::randn({f.vocabularies.words.Size(), config.word_dim});
  JointModel frozen(config, f.vocabularies, vectors);
  EXPECT_EQ(frozen->TrainableParameterCount(), trainable - vectors.numel());
  EXPECT_TRUE(torch::equal(frozen->named_parameters()["embedder.word.weight"], vectors));
}

TEST(JointModel, PaddingDoesNotChangeLossOrPredictions) {
  Fixture f;
  torch::manual_seed(11);
  JointModel model(TinyConfig(), f.vocabularies);
  model->eval();  // dropout off, so the batch and the single sentences see the same network
  const std::vector<const data::Sentence*> three = {&f.corpus[4], &f.corpus[0], &f.corpus[3]};
  const auto batch = f.Make(three);
  ASSERT_NE(batch.host_lengths[0], batch.host_lengths[1]);
  const auto together = model->Loss(batch, 5.0);
  const auto predicted = model->Predict(batch, 0.0);
  double ner = 0, re = 0;
  for (int b = 0; b < 3; ++b) {
    const auto alone_batch = f.Make({three[b]});
    const auto alone = model->Loss(alone_batch, 5.0);
    ner += alone.ner.item<double>();
    re += alone.re.item<double>();
    const auto alone_prediction = model->Predict(alone_batch, 0.0)[0];
    EXPECT_EQ(alone_prediction.entities, predicted[b].entities) << "sentence " << b;
    ASSERT_EQ(alone_prediction.relations.size(), predicted[b].relations.size());
    for (std::size_t r = 0; r < alone_prediction.relations.size(); ++r) {
      EXPECT_EQ(alone_prediction.relations[r].head, predicted[b].relations[r].head);
      EXPECT_NEAR(alone_prediction.relations[r].probability, predicted[b].relations[r].probability, 1e-5);
    }
  }
  EXPECT_NEAR(together.ner.item<double>() * 3, ner, 1e-4);
  EXPECT_NEAR(together.re.item<double>() * 3, re, 1e-4);
}

// At inference the character BiRNN's states are cached across batches (CharStateCache): the embeddings must
// be those computed afresh, also after the weights change in place (an optimizer step, a direct edit).
TEST(Embedder, CachedCharacterStatesEqualFreshOnesAndFollowWeightChanges) {
  Fixture f;
  torch::manual_seed(5);
  const auto config = TinyConfig();
  Embedder embedder(config, f.vocabularies.words.Size(), f.vocabularies.chars.Size(), torch::Tensor());
  embedder->eval();
  const auto first = f.Make({&f.corpus[0], &f.corpus[1]}, false),
             second = f.Make({&f.corpus[1], &f.corpus[2]}, false);
  const auto fresh = [&](const Batch& batch) {
    torch::NoGradGuard no_grad;  // not InferenceMode: no cache
    return embedder->forward(batch);
  };
  const auto cached = [&](const Batch& batch) {
    c10::InferenceMode inference;
    return embedder->forward(batch).clone();
  };
  cached(first);
  EXPECT_TRUE(torch::allclose(cached(second), fresh(second), 1e-6, 1e-7))
      << "strings shared with the first batch";
  EXPECT_TRUE(torch::allclose(cached(first), fresh(first), 1e-6, 1e-7));

  const auto before = fresh(second);
  {
    torch::NoGradGuard no_grad;
    embedder->named_parameters()["char.weight"].add_(0.25);
  }
  EXPECT_FALSE(torch::allclose(fresh(second), before));
  EXPECT_TRUE(torch::allclose(cached(second), fresh(second), 1e-6, 1e-7)) << "after an in-place edit";

  Adam optimizer(embedder->parameters(), torch::optim::AdamOptions(0.1));
  for (auto& p : embedder->parameters()) p.mutable_grad() = torch::ones_like(p);
  optimizer.step();  // writes the weights through their pointers
  EXPECT_TRUE(torch::allclose(cached(second), fresh(second), 1e-6, 1e-7)) << "after an optimizer step";
}

TEST(JointModel, SameSeedSameModelAndLoss) {
  Fixture f;
  auto loss = [&] {
    torch::manual_seed(42);
    JointModel model(TinyConfig(), f.vocabularies);
    return model->Loss(f.All(), 5.0).total.item<double>();
  };
  EXPECT_EQ(loss(), loss());
}

TEST(JointModel, LearnsTheTinyCorpusAndOrientsRelations) {
  Fixture f;
  torch::manual_seed(1);
  auto config = TinyConfig();
  config.hidden = 16;
  config.dropout = 0.0;
  JointModel model(config, f.vocabularies);
  torch::optim::Adam optimizer(model->TrainableParameters(), torch::optim::AdamOptions(0.02));
  const auto batch = f.All();
  const double initial = model->Loss(batch, 5.0).total.item<double>();
  for (int step = 0; step < 150; ++step) {
    optimizer.zero_grad();
    model->Loss(batch, 5.0).total.backward();
    optimizer.step();
  }
  EXPECT_LT(model->Loss(batch, 5.0).total.item<double>(), 0.1 * initial);
  const auto predictions = model->Predict(batch);
  for (std::size_t b = 0; b < f.corpus.size(); ++b) {
    EXPECT_EQ(predictions[b].entities, f.corpus[b].entities) << "sentence " << b;
    int confident = 0;
    for (const auto& r : predictions[b].relations) {
      if (r.probability < 0.5) continue;
      ++confident;
      // Gold relations go effect (head) -> drug (tail) whatever their textual order.
      EXPECT_EQ(predictions[b].entities[r.head].type, "Adverse-Effect") << "sentence " << b;
      EXPECT_EQ(predictions[b].entities[r.tail].type, "Drug") << "sentence " << b;
    }
    EXPECT_EQ(confident, 1) << "sentence " << b;
  }
}

// Kill (Peop -> Peop) written both ways: "A killed B" (head first) and "B was killed by A" (tail first). Type
// statistics can orient only one of the two forms; the learned direction gets both.
std::vector<data::Sentence> KillCorpus() {
  const std::vector<std::string> names = {"Oswald", "Kennedy", "Booth", "Lincoln", "Brutus", "Caesar"};
  std::vector<data::Sentence> out;
  for (int i = 0; i < 12; ++i) {
    const std::string& a = names[(i * 2) % 6];
    const std::string& b = names[(i * 2 + 1) % 6];
    if (i % 2 == 0) {
      out.push_back(testing::MakeSentence("k" + std::to_string(i), {a, "killed", b, "."},
                                          {{"Peop", 0, 1}, {"Peop", 2, 3}}, {{"Kill", 0, 1}}));
    } else {
      out.push_back(testing::MakeSentence("k" + std::to_string(i), {b, "was", "killed", "by", a, "."},
                                          {{"Peop", 0, 1}, {"Peop", 4, 5}}, {{"Kill", 1, 0}}));
    }
  }
  return out;
}

int CorrectlyOrientedKills(config::RelationDirection direction) {
  const auto corpus = KillCorpus();
  const auto vocabularies = BuildVocabularies(corpus, config::DataConfig{}, nullptr);
  torch::manual_seed(1);
  auto config = TinyConfig();
  config.hidden = 16;
  config.dropout = 0.0;
  config.re_direction = direction;
  JointModel model(config, vocabularies);
  torch::optim::Adam optimizer(model->TrainableParameters(), torch::optim::AdamOptions(0.02));
  const auto batch = MakeBatch(testing::Pointers(corpus), vocabularies, torch::kCPU, true);
  for (int step = 0; step < 150; ++step) {
    optimizer.zero_grad();
    model->Loss(batch, 5.0).total.backward();
    optimizer.step();
  }
  const auto predictions = model->Predict(batch);
  int correct = 0;
  for (std::size_t b = 0; b < corpus.size(); ++b) {
    EXPECT_EQ(predictions[b].entities, corpus[b].entities) << "sentence " << b;
    for (const auto& r : predictions[b].relations)
      if (r.probability >= 0.5 && r.head == corpus[b].relations[0].head &&
          r.tail == corpus[b].relations[0].tail)
        ++correct;
  }
  return correct;
}

TEST(JointModel, LearnedDirectionTellsHeadFromTailWhereTypesCannot) {
  EXPECT_EQ(CorrectlyOrientedKills(config::RelationDirection::kTypeStatistics), 6)
      << "one textual order only";
  EXPECT_EQ(CorrectlyOrientedKills(config::RelationDirection::kLearned), 12);
}

class Architectures : public ::testing::TestWithParam<std::tuple<config::CellType, int, int, int>> {};

TEST_P(Architectures, ForwardBackwardReachesEveryParameter) {
  Fixture f;
  auto config = TinyConfig();
  std::tie(config.cell, config.shared_layers, config.ner_layers, config.re_layers) = GetParam();
  torch::manual_seed(2);
  JointModel model(config, f.vocabularies);
  model->train();
  const auto losses = model->Loss(f.All(), 5.0);
  ASSERT_TRUE(std::isfinite(losses.total.item<double>()));
  losses.total.backward();
  for (const auto& p : model->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
  }
  EXPECT_EQ(model->Predict(f.All()).size(), f.corpus.size());
  EXPECT_TRUE(model->is_training()) << "Predict restores the training mode";
}

INSTANTIATE_TEST_SUITE_P(
    Arch, Architectures,
    ::testing::Combine(::testing::Values(config::CellType::kLstm, config::CellType::kGru),
                       ::testing::Values(1, 3), ::testing::Values(0, 3), ::testing::Values(0, 3)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param) == config::CellType::kLstm ? "Lstm" : "Gru") + "_shared" +
             std::to_string(std::get<1>(info.param)) + "_ner" + std::to_string(std::get<2>(info.param)) +
             "_re" + std::to_string(std::get<3>(info.param));
    });

TEST(Checkpoint, RoundTripRestoresModelOptimizerVocabulariesAndConfig) {
  Fixture f;
  config::TrainConfig config;
  config.model = TinyConfig();
  config.model.cell = config::CellType::kGru;
  config.train.optimizer = config::OptimizerType::kNadam;
  config.trial.variant = "round trip";
  torch::manual_seed(9);
  JointModel model(config.model, f.vocabularies);
  auto optimizer = MakeOptimizer(config.train, model->TrainableParameters());
  const auto batch = f.All();
  auto train_step = [&](JointModel& m, torch::optim::Optimizer& o) {
    torch::manual_seed(77);  // the same dropout masks for both models
    o.zero_grad();
    m->Loss(batch, 5.0).total.backward();
    o.step();
  };
  train_step(model, *optimizer);
  train_step(model, *optimizer);
  const std::string bytes = SaveCheckpoint(config, model, optimizer.get());
  const std::string path = ::testing::TempDir() + "model.ckpt";
  WriteCheckpointFile(path, bytes);
  auto loaded = LoadCheckpoint(ReadCheckpointFile(path), torch::kCPU);
  EXPECT_EQ(config::TrainSchema().CanonicalIni(loaded.config), config::TrainSchema().CanonicalIni(config));
  EXPECT_EQ(loaded.model->vocabularies().ToJson(), f.vocabularies.ToJson());
  ASSERT_NE(loaded.optimizer, nullptr);
  const auto before = model->named_parameters();
  for (const auto& p : loaded.model->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), before[p.key()])) << p.key();
  train_step(model, *optimizer);
  train_step(loaded.model, *loaded.optimizer);
  const auto after = model->named_parameters();
  for (const auto& p : loaded.model->named_parameters())
    EXPECT_TRUE(torch::allclose(p.value(), after[p.key()], 1e-6, 1e-7)) << "after one more step: " << p.key();
  EXPECT_THROW(LoadCheckpoint(bytes.substr(0, bytes.size() / 2), torch::kCPU), IoError);
}

// A small generated file in the ELMo layout: one (layers, tokens, dim) dataset per sentence id.
void WriteContextualFile(const std::string& path, const std::vector<data::Sentence>& corpus, int layers,
                         int dim, int wrong_tokens_for = -1) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const hsize_t tokens = corpus[i].tokens.size() + (static_cast<int>(i) == wrong_tokens_for ? 1 : 0);
    const hsize_t dims[3] = {static_cast<hsize_t>(layers), tokens, static_cast<hsize_t>(dim)};
    std::vector<float> values(dims[0] * dims[1] * dims[2]);
    for (std::size_t v = 0; v < values.size(); ++v)
      values[v] = static_cast<float>(std::sin(0.1 * (v + 7 * i)));
    const hid_t space = H5Screate_simple(3, dims, nullptr);
    const hid_t dataset = H5Dcreate2(file, corpus[i].id.c_str(), H5T_NATIVE_FLOAT, space, H5P_DEFAULT,
                                     H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(dataset);
    H5Sclose(space);
  }
  H5Fclose(file);
}

TEST(Contextual, MixedLayersFeedTheModelAndLearnTheirWeights) {
  Fixture f;
  const std::string path = ::testing::TempDir() + "contextual.h5";
  WriteContextualFile(path, f.corpus, 2, 3);
  ContextualEmbeddings contextual(path, 2, 3);
  const auto batch = MakeBatch(testing::Pointers(f.corpus), f.vocabularies, torch::kCPU, true, &contextual);
  ASSERT_EQ(batch.contextual.sizes(), (std::vector<int64_t>{8, 2, batch.max_len, 3}));
  auto config = TinyConfig();
  config.contextual = true;
  config.contextual_layers = 2;
  config.contextual_dim = 3;
  JointModel model(config, f.vocabularies);
  EXPECT_EQ(model->TrainableParameterCount(),
            JointModel(TinyConfig(), f.vocabularies)->TrainableParameterCount() + 2 + 1 + 2 * 4 * 4 * 3)
      << "mix weights, scale, and the first shared LSTM layer's wider input";
  model->Loss(batch, 5.0).total.backward();
  const auto params = model->named_parameters();
  EXPECT_GT(params["embedder.mix_weights"].grad().abs().sum().item<double>(), 0);
  EXPECT_GT(params["embedder.mix_scale"].grad().abs().sum().item<double>(), 0);
  // A file that disagrees with the corpus is refused, naming the dataset.
  const std::string wrong_path = ::testing::TempDir() + "contextual-wrong.h5";
  WriteContextualFile(wrong_path, f.corpus, 2, 3, /*wrong_tokens_for=*/1);
  ContextualEmbeddings wrong(wrong_path, 2, 3);
  try {
    MakeBatch(testing::Pointers(f.corpus), f.vocabularies, torch::kCPU, true, &wrong);
    FAIL() << "accepted a wrong shape";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'s1'"), std::string::npos) << e.what();
  }
}

TEST(Batch, WordDropoutReplacesOnlyRareWordsAndDependsOnTheSeedAlone) {
  Fixture f;
  const auto words = [&](uint64_t seed, double p, int max_count) {
    Batch batch = f.All();
    ApplyWordDropout(batch, f.vocabularies, p, max_count, seed);
    return batch.words;
  };
  const auto original = f.All().words;
  EXPECT_TRUE(torch::equal(words(1, 0.0, 1), original)) << "probability 0 is off";
  EXPECT_TRUE(torch::equal(words(7, 0.5, 1), words(7, 0.5, 1))) << "same seed, same replacements";
  // Probability 1: exactly the words seen at most max_count times become <unk>; padding stays padding.
  for (const int max_count : {1, 2, 0}) {
    const auto dropped = words(3, 1.0, max_count);
    for (int64_t i = 0; i < original.numel(); ++i) {
      const int64_t id = original.view(-1)[i].item<int64_t>();
      const int64_t now = dropped.view(-1)[i].item<int64_t>();
      const bool rare = id > data::Vocabulary::kUnknown &&
                        (max_count == 0 || f.vocabularies.words.Count(static_cast<int>(id)) <= max_count);
      EXPECT_EQ(now, rare ? data::Vocabulary::kUnknown : id)
          << "position " << i << " max_count " << max_count;
    }
  }
  // Probability 0.5 over many tokens: about half of the candidates, and different seeds differ.
  const auto a = words(11, 0.5, 0), b = words(12, 0.5, 0);
  const double replaced = (a == data::Vocabulary::kUnknown).sum().item<double>();
  const double real = f.All().mask.sum().item<double>();
  EXPECT_GT(replaced, 0.25 * real);
  EXPECT_LT(replaced, 0.75 * real);
  EXPECT_FALSE(torch::equal(a, b));
}

TEST(Embedder, ScaledUniformInitialisationBoundsEveryEmbedding) {
  Fixture f;
  config::ModelConfig config = TinyConfig();
  config.word_dim = 50;
  torch::manual_seed(1);
  JointModel scaled(config, f.vocabularies);
  config.embedding_init = config::EmbeddingInit::kNormal;
  torch::manual_seed(1);
  JointModel normal(config, f.vocabularies);
  const auto params = scaled->named_parameters();
  const auto word = params["embedder.word.weight"], chars = params["embedder.char.weight"];
  EXPECT_LE(word.abs().max().item<double>(), std::sqrt(3.0 / 50) + 1e-6);
  EXPECT_LE(chars.abs().max().item<double>(), std::sqrt(3.0 / config.char_dim) + 1e-6);
  EXPECT_NEAR(word.pow(2).sum(1).mean().item<double>(), 1.0, 0.2) << "unit expected squared norm";
  EXPECT_GT(normal->named_parameters()["embedder.word.weight"].pow(2).sum(1).mean().item<double>(), 25.0)
      << "N(0, 1): squared norm ~ d";
}

TEST(Batch, RelationGoldIsDirectedAndTheModelDerivesPairTargets) {
  Fixture f;
  auto s = testing::MakeSentence("x", {"a", "b", "c", "d"},
                                 {{"Drug", 0, 1}, {"Drug", 1, 2}, {"Adverse-Effect", 2, 4}},
                                 {{"Adverse-Effect", 2, 0}});
  const auto batch = f.Make({&s, &f.corpus[0]});
  ASSERT_EQ(batch.relation_gold.sizes(), (std::vector<int64_t>{2, 3, 3, 1}));
  EXPECT_EQ(batch.relation_gold.sum().item<double>(), 2.0);
  EXPECT_EQ(batch.relation_gold[0][2][0][0].item<double>(), 1.0) << "head 2 -> tail 0";
  const int64_t corpus_head = f.corpus[0].relations[0].head, corpus_tail = f.corpus[0].relations[0].tail;
  EXPECT_EQ(batch.relation_gold[1][corpus_head][corpus_tail][0].item<double>(), 1.0);
  // Sentence x: unordered pairs (0,1) (0,2) (1,2); corpus[0]: (0,1). The relation 2 -> 0 is the pair (0,2).
  const auto unordered = torch::maximum(batch.relation_gold, batch.relation_gold.transpose(1, 2))
                             .index({RelationScorerImpl::PairMask(batch.entity_mask)});
  EXPECT_TRUE(torch::equal(unordered.view(-1), torch::tensor({0.f, 1.f, 0.f, 1.f})));
  // Ordered pairs, row-major: x has (0,1) (0,2) (1,0) (1,2) (2,0) (2,1); only (2,0) holds.
  const auto ordered = batch.relation_gold.index({RelationScorerImpl::PairMask(batch.entity_mask, true)});
  ASSERT_EQ(ordered.size(0), 6 + 2);
  EXPECT_TRUE(torch::equal(ordered.view(-1).narrow(0, 0, 6), torch::tensor({0.f, 0.f, 0.f, 0.f, 1.f, 0.f})));
  EXPECT_EQ(batch.entity_last[0][2].item<int64_t>(), 3);
  EXPECT_EQ(f.vocabularies.TagName(static_cast<int>(batch.entity_label[0][2].item<int64_t>())),
            "I-Adverse-Effect");
  EXPECT_TRUE(torch::equal(RelationScorerImpl::PairMask(batch.entity_mask).nonzero().select(1, 0),
                           torch::tensor({0, 0, 0, 1}, torch::kInt64)));
  // Distinct strings are encoded once by the character BiRNN.
  const auto twice = testing::MakeSentence("y", {"a", "a", "a"}, {}, {});
  EXPECT_EQ(f.Make({&twice}).char_ids.size(0), 1);
  auto unknown = testing::MakeSentence("z", {"a"}, {{"Gene", 0, 1}}, {});
  EXPECT_THROW(f.Make({&unknown}), InputError);
  EXPECT_NO_THROW(f.Make({&unknown}, /*gold=*/false));
}

}  // namespace
}  // namespace dts::model
