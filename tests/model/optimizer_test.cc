#include "model/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace dts::model {
namespace {

// The NAdam update written out in scalars (docs/model.md), for one coordinate.
struct ScalarNadam {
  double lr, beta1, beta2, eps, psi;
  double m = 0, v = 0, mu_product = 1, theta;
  int t = 0;
  void Step(double g) {
    ++t;
    const double mu = beta1 * (1 - 0.5 * std::pow(0.96, t * psi));
    const double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));
    mu_product *= mu;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const double v_hat = v / (1 - std::pow(beta2, t));
    theta -= lr * (1 - mu) / (1 - mu_product) * g / (std::sqrt(v_hat) + eps) +
             lr * mu_next / (1 - mu_product * mu_next) * m / (std::sqrt(v_hat) + eps);
  }
};

// Six NAdam steps on parameters of `dtype` against the scalar formula. A loss whose gradient changes with the
// parameters and the step: sum(theta^3 / 3 + step * theta).
void ExpectNadamFollowsTheFormula(torch::ScalarType dtype, double tolerance) {
  auto param = torch::tensor({0.5, -1.5, 2.0}, torch::dtype(dtype)).requires_grad_(true);
  NAdam optimizer({param}, NAdamOptions(0.01));
  std::vector<ScalarNadam> reference;
  for (int i = 0; i < 3; ++i)
    reference.push_back({0.01, 0.9, 0.999, 1e-8, 4e-3, 0, 0, 1, param[i].item<double>()});
  for (int step = 0; step < 6; ++step) {
    optimizer.zero_grad();
    (param.pow(3) / 3 + step * param).sum().backward();
    const auto grad = param.grad().to(torch::kDouble);
    optimizer.step();
    for (int i = 0; i < 3; ++i) {
      reference[i].Step(grad[i].item<double>());
      EXPECT_NEAR(param[i].item<double>(), reference[i].theta, tolerance)
          << "step " << step << " coordinate " << i;
    }
  }
}

TEST(NAdam, FollowsTheFormulaStepByStep) { ExpectNadamFollowsTheFormula(torch::kDouble, 1e-12); }

// Float parameters take the fused update; it follows the same formula to float precision.
TEST(NAdam, FusedFloatUpdateFollowsTheFormula) { ExpectNadamFollowsTheFormula(torch::kFloat, 1e-6); }

// dts's Adam is LibTorch's with a fused CPU update: the same parameters after every step (to float rounding),
// the same state, and each loads the other's saved state.
TEST(Adam, FusedUpdateMatchesLibTorchsAdamAndSharesItsState) {
  torch::manual_seed(5);
  const auto init = torch::randn({4, 7});
  auto ours = init.clone().requires_grad_(true), theirs = init.clone().requires_grad_(true);
  const auto options = torch::optim::AdamOptions(0.05).weight_decay(0.01);
  Adam fused({ours}, options);
  torch::optim::Adam reference({theirs}, options);
  for (int step = 0; step < 20; ++step) {
    fused.zero_grad();
    reference.zero_grad();
    (ours.pow(3) / 3 + step * ours).sum().backward();
    (theirs.pow(3) / 3 + step * theirs).sum().backward();
    fused.step();
    reference.step();
    ASSERT_TRUE(torch::allclose(ours, theirs, 1e-5, 1e-5)) << "step " << step;
  }
  torch::serialize::OutputArchive out;
  reference.save(out);
  std::stringstream bytes;
  out.save_to(bytes);
  Adam loaded({ours}, options);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  loaded.load(in);
  ASSERT_EQ(loaded.state().size(), 1u);
  const auto& state = static_cast<const torch::optim::AdamParamState&>(*loaded.state().begin()->second);
  const auto& saved = static_cast<const torch::optim::AdamParamState&>(*reference.state().begin()->second);
  EXPECT_EQ(state.step(), 20);
  EXPECT_TRUE(torch::equal(state.exp_avg(), saved.exp_avg()));
  EXPECT_TRUE(torch::equal(state.exp_avg_sq(), saved.exp_avg_sq()));
}

TEST(ClearGradients, LeavesNoGradientAndTheNextBackwardGivesExactlyTheNewOne) {
  auto a = torch::tensor({1.0f, -2.0f}, torch::requires_grad(true)),
       b = torch::tensor({3.0f}, torch::requires_grad(true));
  Adam optimizer({a, b}, torch::optim::AdamOptions(0.1));
  (a * a).sum().backward();
  (b * a.sum()).sum().backward();  // accumulates into a's gradient
  ClearGradients(optimizer);
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  (a * b).sum().backward();
  EXPECT_TRUE(torch::equal(a.grad(), torch::tensor({3.0f, 3.0f})));
  EXPECT_TRUE(torch::equal(b.grad(), torch::tensor({-1.0f})));
}

TEST(NAdam, StateSurvivesSaveAndLoad) {
  auto a = torch::tensor({1.0, 2.0}, torch::requires_grad(true));
  NAdam first({a}, NAdamOptions(0.1));
  for (int i = 0; i < 3; ++i) {
    first.zero_grad();
    (a * a).sum().backward();
    first.step();
  }
  torch::serialize::OutputArchive out;
  first.save(out);
  std::stringstream bytes;
  out.save_to(bytes);
  auto b = a.detach().clone().requires_grad_(true);
  NAdam second({b}, NAdamOptions(0.1));
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  second.load(in);
  for (auto* opt :
       {static_cast<torch::optim::Optimizer*>(&first), static_cast<torch::optim::Optimizer*>(&second)}) {
    opt->zero_grad();
  }
  (a * a).sum().backward();
  (b * b).sum().backward();
  first.step();
  second.step();
  EXPECT_TRUE(torch::equal(a, b)) << "a loaded optimizer continues exactly where the saved one stopped";
}

TEST(MakeOptimizer, PicksTheConfiguredOne) {
  auto p = torch::zeros({2}, torch::requires_grad(true));
  config::OptimConfig config;
  config.optimizer = config::OptimizerType::kNadam;
  config.lr = 0.25;
  auto optimizer = MakeOptimizer(config, {p});
  EXPECT_NE(dynamic_cast<NAdam*>(optimizer.get()), nullptr);
  EXPECT_DOUBLE_EQ(optimizer->param_groups()[0].options().get_lr(), 0.25);
  config.optimizer = config::OptimizerType::kAdam;
  EXPECT_NE(dynamic_cast<torch::optim::Adam*>(MakeOptimizer(config, {p}).get()), nullptr);
}

}  // namespace
}  // namespace dts::model
