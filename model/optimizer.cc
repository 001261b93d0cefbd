#include "model/optimizer.h"

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

#include "model/multiversion.h"

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

// One coordinate loop per parameter, in the order of LibTorch's tensor ops (float arithmetic, the scalars
// rounded to float as its CPU kernels do).
DTS_TARGET_CLONES void AdamUpdate(int64_t n, float* __restrict p, const float* __restrict grad,
                                  float* __restrict m, float* __restrict v, float beta1, float beta2,
                                  float weight_decay, float sqrt_bias_correction2, float eps,
                                  float step_size) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + weight_decay * p[i];
    m[i] = m[i] * beta1 + g * (1.0f - beta1);
    v[i] = v[i] * beta2 + (1.0f - beta2) * g * g;
    const float denom = std::sqrt(v[i]) / sqrt_bias_correction2 + eps;
    p[i] = p[i] - step_size * (m[i] / denom);
  }
}

DTS_TARGET_CLONES void NAdamUpdate(int64_t n, float* __restrict p, const float* __restrict grad,
                                   float* __restrict m, float* __restrict v, float beta1, float beta2,
                                   float weight_decay, float bias_correction2, float eps,
                                   float grad_coefficient, float momentum_coefficient) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + weight_decay * p[i];
    m[i] = m[i] + (1.0f - beta1) * (g - m[i]);
    v[i] = v[i] * beta2 + (1.0f - beta2) * g * g;
    const float denom = std::sqrt(v[i] / bias_correction2) + eps;
    p[i] = p[i] + grad_coefficient * (g / denom);
    p[i] = p[i] + momentum_coefficient * (m[i] / denom);
  }
}

// The fused loops apply to dense, contiguous CPU float parameters and gradients.
bool FusedUpdateApplies(const torch::Tensor& p) {
  const auto& grad = p.grad();
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat && p.is_contiguous() && !grad.is_sparse() &&
         grad.scalar_type() == torch::kFloat && grad.is_contiguous();
}

// The state of parameter p in an optimizer's state map, created with zero moments at its first step.
template <typename State, typename StateMap>
State& MomentState(StateMap& states, const torch::Tensor& p) {
  const auto key = StateKey<typename StateMap::key_type>(p);
  auto it = states.find(key);
  if (it == states.end()) {
    auto state = std::make_unique<State>();
    state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    it = states.emplace(key, std::move(state)).first;
  }
  return static_cast<State&>(*it->second);
}

// The loss of an optimizer's closure, evaluated with gradients on; undefined without one.
torch::Tensor EvaluateClosure(const torch::optim::Optimizer::LossClosure& closure) {
  if (closure == nullptr) return {};
  at::AutoGradMode enable_grad(true);
  return closure();
}

}  // namespace

torch::Tensor Adam::step(LossClosure closure) {
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamOptions&>(group.options()).amsgrad())
      return torch::optim::Adam::step(std::move(closure));
    for (const auto& p : group.params())
      if (p.grad().defined() && !FusedUpdateApplies(p)) return torch::optim::Adam::step(std::move(closure));
  }
  const torch::Tensor loss = EvaluateClosure(closure);
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = MomentState<torch::optim::AdamParamState>(state_, p);
      state.step(state.step() + 1);
      const double bias_correction1 = 1 - std::pow(beta1, state.step());
      const double bias_correction2 = 1 - std::pow(beta2, state.step());
      AdamUpdate(p.numel(), p.data_ptr<float>(), p.grad().data_ptr<float>(),
                 state.exp_avg().data_ptr<float>(), state.exp_avg_sq().data_ptr<float>(),
                 static_cast<float>(beta1), static_cast<float>(beta2),
                 static_cast<float>(options.weight_decay()), static_cast<float>(std::sqrt(bias_correction2)),
                 static_cast<float>(options.eps()), static_cast<float>(options.lr() / bias_correction1));
      p.unsafeGetTensorImpl()->bump_version();  // written through its pointer: tell whoever caches on it
    }
  }
  return loss;
}

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
  const torch::Tensor loss = EvaluateClosure(closure);
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const NAdamOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = MomentState<NAdamParamState>(state_, p);
      const int64_t t = state.step() + 1;
      state.step(t);
      const double psi = options.momentum_decay();
      const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * psi));
      const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1) * psi));
      const double mu_product = state.mu_product() * mu;
      state.mu_product(mu_product);
      auto& m = state.exp_avg();
      auto& v = state.exp_avg_sq();
      const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(t));
      const double grad_coefficient = -options.lr() * (1.0 - mu) / (1.0 - mu_product);
      const double momentum_coefficient = -options.lr() * mu_next / (1.0 - mu_product * mu_next);
      if (FusedUpdateApplies(p) && m.is_contiguous() && v.is_contiguous()) {
        NAdamUpdate(p.numel(), p.data_ptr<float>(), p.grad().data_ptr<float>(), m.data_ptr<float>(),
                    v.data_ptr<float>(), static_cast<float>(beta1), static_cast<float>(beta2),
                    static_cast<float>(options.weight_decay()), static_cast<float>(bias_correction2),
                    static_cast<float>(options.eps()), static_cast<float>(grad_coefficient),
                    static_cast<float>(momentum_coefficient));
        p.unsafeGetTensorImpl()->bump_version();  // written through its pointer: tell whoever caches on it
        continue;
      }
      auto grad = p.grad();
      if (options.weight_decay() != 0) grad = grad.add(p, options.weight_decay());
      m.lerp_(grad, 1.0 - beta1);
      v.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
      const auto denom = (v / bias_correction2).sqrt_().add_(options.eps());
      p.addcdiv_(grad, denom, grad_coefficient);
      p.addcdiv_(m, denom, momentum_coefficient);
    }
  }
  return loss;
}

void NAdam::save(torch::serialize::OutputArchive& archive) const { serialize(*this, archive); }
void NAdam::load(torch::serialize::InputArchive& archive) { serialize(*this, archive); }

void ClearGradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const config::OptimConfig& config,
                                                       std::vector<torch::Tensor> params) {
  switch (config.optimizer) {
    case config::OptimizerType::kAdam:
      return std::make_unique<Adam>(std::move(params), torch::optim::AdamOptions(config.lr));
    case config::OptimizerType::kNadam:
      return std::make_unique<NAdam>(std::move(params), NAdamOptions(config.lr));
  }
  throw std::logic_error("MakeOptimizer: unknown optimizer");
}

}  // namespace dts::model
