#include "model/optimizer.h"

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

namespace dts::model {
namespace {

// The base class keys per-parameter state by the TensorImpl address: as a string in LibTorch 1.13 (what its
// serialisation writes), as the address itself in 2.x.
template <typename Key>
Key StateKey(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream address;
    address << p.unsafeGetTensorImpl();
    return address.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

}  // namespace

void NAdamOptions::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(lr);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(betas);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(eps);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(weight_decay);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(momentum_decay);
}

void NAdamOptions::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, lr);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(betas_t, betas);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, eps);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, weight_decay);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, momentum_decay);
}

void NAdamParamState::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(step);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(mu_product);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(exp_avg);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(exp_avg_sq);
}

void NAdamParamState::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(int64_t, step);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, mu_product);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(torch::Tensor, exp_avg);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(torch::Tensor, exp_avg_sq);
}

NAdam::NAdam(std::vector<torch::optim::OptimizerParamGroup> param_groups, NAdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<NAdamOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Invalid learning rate: ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "Invalid epsilon value: ", defaults.eps());
  const auto [beta1, beta2] = defaults.betas();
  TORCH_CHECK(0 <= beta1 && beta1 < 1.0, "Invalid beta1: ", beta1);
  TORCH_CHECK(0 <= beta2 && beta2 < 1.0, "Invalid beta2: ", beta2);
  TORCH_CHECK(defaults.momentum_decay() >= 0, "Invalid momentum_decay: ", defaults.momentum_decay());
}

torch::Tensor NAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss = {};
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const NAdamOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto grad = p.grad();
      if (options.weight_decay() != 0) grad = grad.add(p, options.weight_decay());
      const auto key = StateKey<std::decay_t<decltype(state_)>::key_type>(p);
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto state = std::make_unique<NAdamParamState>();
        state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(state)).first;
      }
      auto& state = static_cast<NAdamParamState&>(*it->second);
      const int64_t t = state.step() + 1;
      state.step(t);
      const double psi = options.momentum_decay();
      const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * psi));
      const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1) * psi));
      const double mu_product = state.mu_product() * mu;
      state.mu_product(mu_product);
      auto& m = state.exp_avg();
      auto& v = state.exp_avg_sq();
      m.lerp_(grad, 1.0 - beta1);
      v.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
      const auto denom = (v / (1.0 - std::pow(beta2, static_cast<double>(t)))).sqrt_().add_(options.eps());
      p.addcdiv_(grad, denom, -options.lr() * (1.0 - mu) / (1.0 - mu_product));
      p.addcdiv_(m, denom, -options.lr() * mu_next / (1.0 - mu_product * mu_next));
    }
  }
  return loss;
}

void NAdam::save(torch::serialize::OutputArchive& archive) const { serialize(*this, archive); }
void NAdam::load(torch::serialize::InputArchive& archive) { serialize(*this, archive); }

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const config::OptimConfig& config,
                                                       std::vector<torch::Tensor> params) {
  switch (config.optimizer) {
    case config::OptimizerType::kAdam:
      return std::make_unique<torch::optim::Adam>(std::move(params), torch::optim::AdamOptions(config.lr));
    case config::OptimizerType::kNadam:
      return std::make_unique<NAdam>(std::move(params), NAdamOptions(config.lr));
  }
  throw std::logic_error("MakeOptimizer: unknown optimizer");
}

}  // namespace dts::model
