#include "model/dropout.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/DistributionsHelper.h>

#include <mutex>

namespace achrome {

namespace {

// The default CPU generator's engine, stepped here: random64() as CPUGeneratorImpl::random64 forms it
// (the first 32-bit output in the high half, the second in the low half).
struct InlineEngine {
  at::mt19937 engine;
  uint64_t random64() {
    const uint32_t high = engine();
    const uint32_t low = engine();
    return (static_cast<uint64_t>(high) << 32) | low;
  }
  uint32_t random() { return engine(); }  // the float draws' source; bernoulli<double> compiles but never calls it
};

// noise as at::native::dropout makes it: contiguous, bernoulli(1 - p) in memory order, over 1 - p.
torch::Tensor dropout_noise(const torch::Tensor& x, double p) {
  auto noise = torch::empty(x.sizes(), x.options().requires_grad(false));
  float* out = noise.data_ptr<float>();
  const int64_t n = noise.numel();
  auto generator = at::detail::getDefaultCPUGenerator();
  auto* cpu = at::check_generator<at::CPUGeneratorImpl>(generator);
  {
    std::lock_guard<std::mutex> lock(cpu->mutex_);
    InlineEngine state{cpu->engine()};
    InlineEngine* rng = &state;
    at::bernoulli_distribution<double> bernoulli(1 - p);
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(bernoulli(rng));
    cpu->set_engine(state.engine);
  }
  noise.div_(1 - p);
  return noise;
}

}  // namespace

torch::Tensor libtorch_dropout(const torch::Tensor& x, double p, bool training) {
  TORCH_CHECK(p >= 0 && p <= 1, "libtorch_dropout: p must be in [0, 1]");
  if (!training || p == 0) return x;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat32 || p == 1)
    return torch::nn::functional::dropout(x, torch::nn::functional::DropoutFuncOptions().p(p).training(true));
  return x * dropout_noise(x, p);
}

}  // namespace achrome
