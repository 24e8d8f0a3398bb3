#include "train/adam.hpp"

#include <cmath>
#include <memory>

#include "model/cpu_features.hpp"

namespace achrome {

namespace {

// The step's constants as ATen's kernels see them: each double scalar converted to float.
struct AdamConstants {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, bias_correction2_sqrt, eps, negative_step_size;
  float gradient_scale;  // clip_grad_norm_'s coefficient: grad.mul_(coefficient) as the pass reads it
};

// LibTorch 1.13's Adam::step per element, operation for operation:
//   exp_avg.mul_(beta1).add_(grad, 1 - beta1)             ATen's add with alpha is one fused multiply-add
//   exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2) self + (value * t1) * t2, fused as ATen's build does
//   denom = (exp_avg_sq.sqrt() / sqrt(bias_correction2)).add_(eps)
//   p.addcdiv_(exp_avg, denom, -step_size)                  self + (value * t1) / t2
// The file is compiled with -ffp-contract=off, so the fused multiply-adds are exactly the std::fma calls.
__attribute__((always_inline)) inline void adam_elements(float* __restrict values, const float* __restrict gradients,
                                                         float* __restrict exp_avg, float* __restrict exp_avg_sq,
                                                         int64_t begin, int64_t end, const AdamConstants& c) {
  for (int64_t i = begin; i < end; ++i) {
    const float g = gradients[i] * c.gradient_scale;
    const float m = std::fma(g, c.one_minus_beta1, exp_avg[i] * c.beta1);
    const float v = std::fma(c.one_minus_beta2 * g, g, exp_avg_sq[i] * c.beta2);
    const float denom = std::sqrt(v) / c.bias_correction2_sqrt + c.eps;
    values[i] = values[i] + c.negative_step_size * m / denom;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
  }
}

// One copy per instruction set, chosen once by what the CPU reports (as lib/model/lstm_kernels.cpp does).
using ElementsFunction = void (*)(float*, const float*, float*, float*, int64_t, int64_t, const AdamConstants&);
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void adam_avx512(float* p, const float* g, float* m, float* v,
                                                                      int64_t b, int64_t e, const AdamConstants& c) {
  adam_elements(p, g, m, v, b, e, c);
}
__attribute__((target("avx2,fma"))) void adam_avx2(float* p, const float* g, float* m, float* v, int64_t b, int64_t e,
                                                   const AdamConstants& c) {
  adam_elements(p, g, m, v, b, e, c);
}
void adam_plain(float* p, const float* g, float* m, float* v, int64_t b, int64_t e, const AdamConstants& c) {
  adam_elements(p, g, m, v, b, e, c);
}

ElementsFunction chosen_elements() {
  if (vector_math::cpu_has_avx512()) return adam_avx512;
  if (vector_math::cpu_has_avx2_fma()) return adam_avx2;
  return adam_plain;
}

bool fused_pass_applies(const torch::Tensor& tensor) {
  return tensor.device().is_cpu() && tensor.scalar_type() == torch::kFloat32 && tensor.is_contiguous();
}

}  // namespace

float clip_coefficient(const torch::Tensor& gradients, double max_norm) {
  torch::NoGradGuard no_grad;
  const auto total_norm = gradients.norm(2.0);
  return torch::clamp(max_norm / (total_norm + 1e-6), c10::nullopt, 1.0).item<float>();
}

void adam_step(torch::optim::Adam& optimizer, float gradient_scale) {
  for (const auto& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    bool applies = !options.amsgrad() && options.weight_decay() == 0;
    for (const auto& parameter : group.params())
      applies = applies && (!parameter.grad().defined() ||
                            (fused_pass_applies(parameter) && fused_pass_applies(parameter.grad())));
    if (!applies) {
      if (gradient_scale != 1.0f) {
        torch::NoGradGuard no_grad;
        for (auto& scaled : optimizer.param_groups())
          for (auto& parameter : scaled.params())
            if (parameter.grad().defined()) parameter.mutable_grad().mul_(gradient_scale);
      }
      optimizer.step();
      return;
    }
  }
  static const ElementsFunction elements = chosen_elements();
  torch::NoGradGuard no_grad;
  auto& states = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& parameter : group.params()) {
      if (!parameter.grad().defined()) continue;
      // The state as LibTorch's Adam creates it (same key, zero moments).
      const auto key = c10::guts::to_string(parameter.unsafeGetTensorImpl());
      auto found = states.find(key);
      if (found == states.end()) {
        auto state = std::make_unique<torch::optim::AdamParamState>();
        state->step(0);
        state->exp_avg(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
        found = states.emplace(key, std::move(state)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*found->second);
      state.step(state.step() + 1);
      const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
      const double bias_correction1 = 1 - std::pow(beta1, state.step());
      const double bias_correction2 = 1 - std::pow(beta2, state.step());
      const AdamConstants constants{static_cast<float>(beta1),
                                    static_cast<float>(1 - beta1),
                                    static_cast<float>(beta2),
                                    static_cast<float>(1 - beta2),
                                    static_cast<float>(std::sqrt(bias_correction2)),
                                    static_cast<float>(options.eps()),
                                    static_cast<float>(-(options.lr() / bias_correction1)),
                                    gradient_scale};
      float* values = parameter.data_ptr<float>();
      const float* gradients = parameter.grad().data_ptr<float>();
      float* exp_avg = state.exp_avg().data_ptr<float>();
      float* exp_avg_sq = state.exp_avg_sq().data_ptr<float>();
      // Element-wise, so any split across threads gives the same numbers; ATen's own grain size.
      at::parallel_for(0, parameter.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
        elements(values, gradients, exp_avg, exp_avg_sq, begin, end, constants);
      });
    }
  }
}

}  // namespace achrome
