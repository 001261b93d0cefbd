// Optimizers: LibTorch's Adam with a fused CPU update, and Nesterov Adam, which LibTorch 1.13 lacks. NAdam
// follows PyTorch's torch.optim.NAdam (Dozat 2016 with the momentum schedule of Keras' Nadam, psi =
// momentum_decay = 0.004); the update is written out in docs/model.md and checked step by step in
// tests/model/optimizer_test.cc.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <tuple>
#include <vector>

#include "config/train_config.h"

namespace dts::model {

struct NAdamOptions : public torch::optim::OptimizerCloneableOptions<NAdamOptions> {
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}  // NOLINT(google-explicit-constructor): mirrors AdamOptions
  TORCH_ARG(double, lr) = 2e-3;
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(double, momentum_decay) = 4e-3;

 public:
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct NAdamParamState : public torch::optim::OptimizerCloneableParamState<NAdamParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(double, mu_product) = 1.0;  // prod_{i<=t} mu_i
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
};

class NAdam : public torch::optim::Optimizer {
 public:
  explicit NAdam(std::vector<torch::optim::OptimizerParamGroup> param_groups, NAdamOptions defaults = {});
  explicit NAdam(std::vector<torch::Tensor> params, NAdamOptions defaults = {})
      : NAdam({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  template <typename Self, typename Archive>
  static void serialize(Self& self, Archive& archive) {
    _TORCH_OPTIM_SERIALIZE_WITH_TEMPLATE_ARG(NAdam);
  }
};

// LibTorch's Adam (same options, state, checkpoints and update), with each CPU float parameter updated in
// one vectorised pass instead of six tensor ops and their temporaries; other parameters (and amsgrad) take
// LibTorch's own step.
class Adam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// Drops every parameter's gradient, as PyTorch's zero_grad(set_to_none=True) (its default since 2.0): the
// next backward pass hands each parameter its gradient as is, without zero-filling it first and adding into
// it (for the word embedding, megabytes per step); the optimizers skip a parameter that received none.
void ClearGradients(torch::optim::Optimizer& optimizer);

// The optimizer [train] asks for, over `params` (pass JointModel::TrainableParameters()).
std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const config::OptimConfig& config,
                                                       std::vector<torch::Tensor> params);

}  // namespace dts::model
