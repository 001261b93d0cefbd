#include "model/layers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

namespace dts::model {
namespace {

// Score of one tag path under the CRF, written out independently of the module.
double PathScore(Crf& crf, const torch::Tensor& emissions, int b, const std::vector<int64_t>& path) {
  double s = crf->start[path[0]].item<double>() + crf->end[path.back()].item<double>();
  for (std::size_t t = 0; t < path.size(); ++t) s += emissions[b][t][path[t]].item<double>();
  for (std::size_t t = 1; t < path.size(); ++t) s += crf->transitions[path[t - 1]][path[t]].item<double>();
  return s;
}

void ForEachPath(int length, int tags, const std::function<void(const std::vector<int64_t>&)>& visit) {
  std::vector<int64_t> path(length, 0);
  while (true) {
    visit(path);
    int i = length - 1;
    while (i >= 0 && ++path[i] == tags) path[i--] = 0;
    if (i < 0) return;
  }
}

struct CrfCase {
  Crf crf{nullptr};
  torch::Tensor emissions, mask;
  std::vector<int> lengths;
};

CrfCase MakeCrfCase() {
  torch::manual_seed(7);
  CrfCase c;
  const int T = 3;
  c.lengths = {4, 1, 3};
  c.crf = Crf(T);
  {
    torch::NoGradGuard no_grad;
    c.crf->transitions.normal_();
    c.crf->start.normal_();
    c.crf->end.normal_();
  }
  c.emissions = torch::randn({3, 4, T}, torch::kDouble);
  c.crf->to(torch::kDouble);
  c.mask = torch::zeros({3, 4}, torch::kBool);
  for (int b = 0; b < 3; ++b) c.mask[b].narrow(0, 0, c.lengths[b]).fill_(true);
  // Garbage in the padding must not matter.
  c.emissions.masked_fill_(~c.mask.unsqueeze(2), 1e3);
  return c;
}

TEST(Crf, LogPartitionMatchesBruteForce) {
  auto c = MakeCrfCase();
  const auto log_z = c.crf->LogPartition(c.emissions, c.mask);
  for (int b = 0; b < 3; ++b) {
    double total = 0;
    ForEachPath(c.lengths[b], 3,
                [&](const auto& path) { total += std::exp(PathScore(c.crf, c.emissions, b, path)); });
    EXPECT_NEAR(log_z[b].item<double>(), std::log(total), 1e-9) << "sentence " << b;
  }
}

// The gradient of log Z is the expected count of each feature under the CRF's distribution: marginals of
// (position, tag) for the emissions, of the first and last tags for start and end, of consecutive tag pairs
// for the transitions. Brute force over every path, against the backward pass.
TEST(Crf, LogPartitionGradientIsTheBruteForceMarginals) {
  auto c = MakeCrfCase();
  c.emissions.requires_grad_(true);
  const auto weights = torch::tensor({0.5, -1.25, 2.0}, torch::kDouble);  // a different dL/dlogZ per sentence
  (c.crf->LogPartition(c.emissions, c.mask) * weights).sum().backward();
  auto emissions = torch::zeros_like(c.emissions), transitions = torch::zeros({3, 3}, torch::kDouble);
  auto start = torch::zeros({3}, torch::kDouble), end = torch::zeros({3}, torch::kDouble);
  for (int b = 0; b < 3; ++b) {
    double total = 0;
    ForEachPath(c.lengths[b], 3,
                [&](const auto& path) { total += std::exp(PathScore(c.crf, c.emissions, b, path)); });
    const double w = weights[b].item<double>();
    ForEachPath(c.lengths[b], 3, [&](const auto& path) {
      const double p = w * std::exp(PathScore(c.crf, c.emissions, b, path)) / total;
      for (std::size_t t = 0; t < path.size(); ++t) emissions[b][t][path[t]] += p;
      for (std::size_t t = 1; t < path.size(); ++t) transitions[path[t - 1]][path[t]] += p;
      start[path[0]] += p;
      end[path.back()] += p;
    });
  }
  EXPECT_TRUE(torch::allclose(c.emissions.grad(), emissions, 1e-9, 1e-12));  // zero at padding
  EXPECT_TRUE(torch::allclose(c.crf->transitions.grad(), transitions, 1e-9, 1e-12));
  EXPECT_TRUE(torch::allclose(c.crf->start.grad(), start, 1e-9, 1e-12));
  EXPECT_TRUE(torch::allclose(c.crf->end.grad(), end, 1e-9, 1e-12));
}

TEST(Crf, SequenceScoreMatchesHandComputation) {
  auto c = MakeCrfCase();
  auto tags = torch::tensor({2, 0, 1, 1, 1, 0, 0, 0, 0, 2, 2, 0}, torch::kInt64).view({3, 4});
  const auto scores = c.crf->SequenceScore(c.emissions, tags, c.mask);
  for (int b = 0; b < 3; ++b) {
    std::vector<int64_t> path;
    for (int t = 0; t < c.lengths[b]; ++t) path.push_back(tags[b][t].item<int64_t>());
    EXPECT_NEAR(scores[b].item<double>(), PathScore(c.crf, c.emissions, b, path), 1e-9);
  }
}

TEST(Crf, ViterbiMatchesBruteForce) {
  auto c = MakeCrfCase();
  const auto paths = c.crf->Viterbi(c.emissions, c.mask);
  for (int b = 0; b < 3; ++b) {
    double best = -std::numeric_limits<double>::infinity();
    std::vector<int64_t> argmax;
    ForEachPath(c.lengths[b], 3, [&](const auto& path) {
      const double s = PathScore(c.crf, c.emissions, b, path);
      if (s > best) best = s, argmax = path;
    });
    EXPECT_EQ(paths[b], argmax) << "sentence " << b;
  }
}

TEST(Dropout, DropsTheRightShareScalesTheRestAndFollowsTheGlobalSeed) {
  const auto x = torch::rand({64, 50, 30}) + 0.5;  // no zeros of its own
  torch::manual_seed(11);
  const auto y = Dropout(x, 0.3, /*training=*/true);
  const auto dropped = (y == 0).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(dropped, 0.3, 0.01);
  const auto kept = y != 0;
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.masked_select(kept) / 0.7));
  // Neighbouring elements are independent: P(both dropped) = p^2.
  const auto both =
      ((y.flatten().narrow(0, 0, y.numel() - 1) == 0) & (y.flatten().narrow(0, 1, y.numel() - 1) == 0))
          .to(torch::kDouble)
          .mean()
          .item<double>();
  EXPECT_NEAR(both, 0.09, 0.01);
  torch::manual_seed(11);
  EXPECT_TRUE(torch::equal(Dropout(x, 0.3, true), y)) << "same global seed, same mask";
  EXPECT_FALSE(torch::equal(Dropout(x, 0.3, true), y)) << "the next call draws a new mask";
  EXPECT_TRUE(torch::equal(Dropout(x, 0.3, /*training=*/false), x));
  EXPECT_TRUE(torch::equal(Dropout(x, 0.0, true), x));
  // The gradient is the mask.
  const auto leaf = x.clone().requires_grad_(true);
  torch::manual_seed(11);
  Dropout(leaf, 0.3, true).sum().backward();
  EXPECT_TRUE(torch::allclose(leaf.grad(), y / x));
}

TEST(RelationScorer, MatchesPerPairLoop) {
  torch::manual_seed(3);
  const int64_t p = 6, K = 3, f = 4;
  RelationScorer scorer(p, K, f, config::Activation::kTanh, /*dropout=*/0.5);
  scorer->eval();
  const auto g = torch::randn({2, 4, p});
  const auto mask = torch::tensor({1, 1, 1, 0, 1, 1, 0, 0}, torch::kBool).view({2, 4});
  const auto logits = scorer->forward(g, mask);
  ASSERT_EQ(logits.size(0), 3 + 1);  // sentence 0: 3 pairs of 3 entities; sentence 1: 1 pair
  int row = 0;
  for (int b = 0; b < 2; ++b) {
    for (int i = 0; i < 4; ++i) {
      for (int j = i + 1; j < 4; ++j) {
        if (!mask[b][i].item<bool>() || !mask[b][j].item<bool>()) continue;
        const auto gi = g[b][i], gj = g[b][j];
        std::vector<torch::Tensor> features;
        for (int k = 0; k < K; ++k) features.push_back((gi * scorer->distmult[k] * gj).sum().view({1}));
        const auto fi = torch::tanh(scorer->r1->forward(gi)), fj = torch::tanh(scorer->r1->forward(gj));
        features.push_back((1 - (fi * fj).sum() / (fi.norm() * fj.norm())).view({1}));
        const auto expected = scorer->r2->forward(torch::cat(features));
        EXPECT_TRUE(torch::allclose(logits[row], expected, 1e-5, 1e-5)) << b << " " << i << " " << j;
        ++row;
      }
    }
  }
  // Scores do not depend on argument order: the scorer sees each unordered pair once.
  const auto swapped = scorer->forward(g.index_select(1, torch::tensor({1, 0, 2, 3})), mask);
  EXPECT_TRUE(torch::allclose(swapped[0], logits[0], 1e-5, 1e-5));
}

TEST(RelationScorer, OrderedPairsAddHeadAndTailTerms) {
  torch::manual_seed(4);
  const int64_t p = 5, K = 2, f = 3;
  RelationScorer unordered(p, K, f, config::Activation::kRelu, 0.0);
  torch::manual_seed(4);
  RelationScorer ordered(p, K, f, config::Activation::kRelu, 0.0, /*ordered=*/true);
  {
    torch::NoGradGuard no_grad;
    ordered->head.copy_(torch::randn({K, p}));
    ordered->tail.copy_(torch::randn({K, p}));
  }
  const auto g = torch::randn({1, 3, p});
  const auto mask = torch::ones({1, 3}, torch::kBool);
  const auto sym = unordered->forward(g, mask);  // (0,1) (0,2) (1,2)
  const auto dir = ordered->forward(g, mask);    // (0,1) (0,2) (1,0) (1,2) (2,0) (2,1)
  ASSERT_EQ(dir.size(0), 6);
  const std::vector<std::pair<int, int>> pairs = {{0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}};
  for (std::size_t row = 0; row < pairs.size(); ++row) {
    const auto [i, j] = pairs[row];
    const int sym_row = std::min(i, j) == 0 ? std::max(i, j) - 1 : 2;
    const auto expected =
        sym[sym_row] + torch::matmul(ordered->head, g[0][i]) + torch::matmul(ordered->tail, g[0][j]);
    EXPECT_TRUE(torch::allclose(dir[row], expected, 1e-5, 1e-5)) << i << " -> " << j;
  }
  EXPECT_FALSE(torch::allclose(dir[0], dir[2])) << "(0,1) and (1,0) differ";
}

class BiRnnPadding : public ::testing::TestWithParam<config::CellType> {};

TEST_P(BiRnnPadding, PaddedBatchEqualsEachSequenceAlone) {
  torch::manual_seed(5);
  BiRnnStack stack(GetParam(), 3, 4, 2, /*dropout=*/0.0);
  auto x = torch::randn({3, 5, 3});
  const auto lengths = torch::tensor({2, 5, 3}, torch::kInt64);
  x[0].narrow(0, 2, 3).fill_(100);  // garbage in the padding must not matter
  const auto out = stack->forward(x, SequenceLayout::Make(lengths, 5, torch::kCPU));
  BiRnnLayer layer(GetParam(), 3, 4);
  const auto finals = layer->FinalStates(x, SequenceLayout::Make(lengths, 5, torch::kCPU));
  for (int b = 0; b < 3; ++b) {
    const int64_t n = lengths[b].item<int64_t>();
    const auto one = x[b].narrow(0, 0, n).unsqueeze(0);
    const auto layout = SequenceLayout::Make(torch::tensor({n}), n, torch::kCPU);
    EXPECT_TRUE(torch::allclose(out[b].narrow(0, 0, n), stack->forward(one, layout)[0], 1e-5, 1e-6)) << b;
    EXPECT_TRUE(torch::allclose(finals[b], layer->FinalStates(one, layout)[0], 1e-5, 1e-6)) << b;
  }
  // The backward direction really runs right to left: its state at the first token has seen the last one.
  const auto y = layer->forward(x, SequenceLayout::Make(lengths, 5, torch::kCPU));
  auto x2 = x.clone();
  x2[1][4].fill_(-3);
  const auto y2 = layer->forward(x2, SequenceLayout::Make(lengths, 5, torch::kCPU));
  EXPECT_FALSE(torch::allclose(y[1][0].narrow(0, 4, 4), y2[1][0].narrow(0, 4, 4)));
  EXPECT_TRUE(torch::allclose(y[1][0].narrow(0, 0, 4), y2[1][0].narrow(0, 0, 4)));
}

// The fused layer against LibTorch's own LSTM/GRU modules (the layer's parameters), run on each sequence
// alone in both directions: outputs, and the gradients of a random weighting of the outputs with respect to
// the input and all eight parameters, in double precision.
TEST_P(BiRnnPadding, FusedLayerMatchesLibTorchModulesInValueAndGradient) {
  torch::manual_seed(11);
  const int64_t I = 4, H = 3, L = 6;
  const std::vector<int64_t> lengths = {2, 6, 1, 4};
  const int64_t B = static_cast<int64_t>(lengths.size());
  BiRnnLayer layer(GetParam(), I, H);
  layer->to(torch::kDouble);
  const auto x = torch::randn({B, L, I}, torch::kDouble).requires_grad_(true);
  const auto weighting = torch::randn({B, L, 2 * H}, torch::kDouble);
  std::vector<torch::Tensor> inputs{x};
  for (const auto& p : layer->parameters()) inputs.push_back(p);
  ASSERT_EQ(inputs.size(), 9u);

  const auto y = layer->forward(x, SequenceLayout::Make(torch::tensor(lengths), L, torch::kCPU));
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{B, L, 2 * H}));
  for (int64_t b = 0; b < B; ++b)  // documented: zero at padding
    EXPECT_EQ(y[b].narrow(0, lengths[b], L - lengths[b]).abs().sum().item<double>(), 0.0) << b;
  const auto fused_grads = torch::autograd::grad({(y * weighting).sum()}, inputs);

  auto run = [&](const char* name, const torch::Tensor& seq) -> torch::Tensor {
    auto module = layer->named_children()[name];
    if (auto lstm = std::dynamic_pointer_cast<torch::nn::LSTMImpl>(module))
      return std::get<0>(lstm->forward(seq));
    return std::get<0>(std::dynamic_pointer_cast<torch::nn::GRUImpl>(module)->forward(seq));
  };
  torch::Tensor reference_loss = torch::zeros({}, torch::kDouble);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = lengths[b];
    const auto seq = x[b].narrow(0, 0, n).unsqueeze(0);  // [1, n, I], batch-first
    const auto forward = run("forward", seq)[0];
    const auto backward = run("backward", seq.flip(1))[0].flip(0);
    const auto expected = torch::cat({forward, backward}, 1);
    EXPECT_TRUE(torch::allclose(y[b].narrow(0, 0, n), expected, 1e-10, 1e-12)) << "sentence " << b;
    reference_loss = reference_loss + (expected * weighting[b].narrow(0, 0, n)).sum();
  }
  const auto reference_grads = torch::autograd::grad({reference_loss}, inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(torch::allclose(fused_grads[i], reference_grads[i], 1e-9, 1e-11)) << "input " << i;

  // Float runs its own vectorised exp and tanh: equal to the double reference up to float rounding.
  layer->to(torch::kFloat);
  std::vector<torch::Tensor> float_inputs{x.detach().to(torch::kFloat).requires_grad_(true)};
  for (const auto& p : layer->parameters()) float_inputs.push_back(p);
  const auto y32 =
      layer->forward(float_inputs[0], SequenceLayout::Make(torch::tensor(lengths), L, torch::kCPU));
  EXPECT_TRUE(torch::allclose(y32.to(torch::kDouble), y.detach(), 1e-5, 1e-6));
  const auto float_grads = torch::autograd::grad({(y32 * weighting.to(torch::kFloat)).sum()}, float_inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(torch::allclose(float_grads[i].to(torch::kDouble), reference_grads[i], 1e-4, 1e-5))
        << "input " << i;
}

// Float recurrent products run a packed kernel (4-row blocks x 16-column panels, model/fused_rnn.cc): sizes
// with several panels, a partial one and a row remainder, against the double path checked above.
TEST_P(BiRnnPadding, FloatKernelMatchesDoubleAtSizesWithSeveralPanels) {
  torch::manual_seed(13);
  const int64_t I = 9, H = 20, L = 9;  // LSTM: 80 gate columns (5 panels); GRU: 60 (3 full + 1 partial)
  const std::vector<int64_t> lengths = {9, 3, 7, 1, 9, 5, 2};  // 7 rows: a 4-row block and a 3-row remainder
  const int64_t B = static_cast<int64_t>(lengths.size());
  BiRnnLayer layer(GetParam(), I, H);
  const auto layout = SequenceLayout::Make(torch::tensor(lengths), L, torch::kCPU);
  const auto x = torch::randn({B, L, I});
  const auto weighting = torch::randn({B, L, 2 * H});
  auto run = [&](torch::ScalarType type) {
    layer->to(type);
    std::vector<torch::Tensor> inputs{x.to(type).requires_grad_(true)};
    for (const auto& p : layer->parameters()) inputs.push_back(p);
    const auto y = layer->forward(inputs[0], layout);
    auto grads = torch::autograd::grad({(y * weighting.to(type)).sum()}, inputs);
    grads.insert(grads.begin(), y);
    for (auto& g : grads) g = g.detach().to(torch::kDouble);
    return grads;
  };
  const auto reference = run(torch::kDouble);
  const auto single = run(torch::kFloat);
  {
    torch::NoGradGuard no_grad;  // no backward pass to come: the layer saves nothing, same output
    EXPECT_TRUE(torch::equal(layer->forward(x, layout).to(torch::kDouble), single[0]));
  }
  for (std::size_t i = 0; i < reference.size(); ++i)
    EXPECT_TRUE(torch::allclose(single[i], reference[i], 1e-4, 1e-5))
        << (i == 0 ? "output" : "gradient " + std::to_string(i - 1)) << ", max difference "
        << (single[i] - reference[i]).abs().max().item<double>();
}

// Autograd keeps the first gradient it receives as the parameter's .grad; the layer's gradients must be
// tensors of their own (the LSTM's b_ih and b_hh have equal gradients), or a later backward pass would
// accumulate one parameter's gradient into another's.
TEST_P(BiRnnPadding, AccumulatedGradientsStayThoseOfEachParameter) {
  torch::manual_seed(17);
  BiRnnLayer layer(GetParam(), 5, 6);
  const auto layout = SequenceLayout::Make(torch::tensor({4, 2, 3}), 4, torch::kCPU);
  const auto x = torch::randn({3, 4, 5});
  const auto loss = [&] { return (layer->forward(x, layout) * torch::linspace(-1, 1, 12)).sum(); };
  const auto expected = torch::autograd::grad({loss()}, layer->parameters());
  for (int step = 0; step < 3; ++step) {
    for (auto& p : layer->parameters())
      if (p.grad().defined()) p.mutable_grad().zero_();
    loss().backward();
    const auto params = layer->parameters();
    for (std::size_t i = 0; i < params.size(); ++i)
      EXPECT_TRUE(torch::allclose(params[i].grad(), expected[i])) << "step " << step << ", parameter " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Cells, BiRnnPadding,
                         ::testing::Values(config::CellType::kLstm, config::CellType::kGru),
                         [](const auto& info) {
                           return info.param == config::CellType::kLstm ? "Lstm" : "Gru";
                         });

}  // namespace
}  // namespace dts::model
