#include "model/dropout.hpp"

#include "model/cpu_features.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>

namespace achrome {

namespace {

constexpr int kStateWords = 624;  // at::mt19937's MERSENNE_STATE_N
constexpr int kShift = 397;       // MERSENNE_STATE_M

// at::mt19937's next_state(), in index form: the first 227 words from old ones only, the rest from
// words already renewed 227 places before; the compiler vectorises both loops.
__attribute__((always_inline)) inline void renew_state(uint32_t* __restrict state) {
  const auto twist = [](uint32_t u, uint32_t v) {
    return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
  };
  uint32_t renewed[kStateWords];
  for (int j = 0; j < kStateWords - kShift; ++j) renewed[j] = state[j + kShift] ^ twist(state[j], state[j + 1]);
  for (int j = kStateWords - kShift; j < kStateWords - 1; ++j)
    renewed[j] = renewed[j + kShift - kStateWords] ^ twist(state[j], state[j + 1]);
  renewed[kStateWords - 1] = renewed[kShift - 1] ^ twist(state[kStateWords - 1], renewed[0]);
  std::memcpy(state, renewed, sizeof renewed);
}

__attribute__((always_inline)) inline uint32_t temper(uint32_t y) {
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  return y ^ (y >> 18);
}

// `count` outputs of the engine whose state is `data`, as successive calls of at::mt19937's
// operator() give them (a call renews the state when its count of words left reaches zero), and the
// state left as those calls leave it.
__attribute__((always_inline)) inline void engine_outputs_body(at::mt19937_data_pod& data, uint32_t* __restrict out,
                                                               int64_t count) {
  int64_t done = 0;
  while (done < count) {
    if (data.left_ == 1) {  // this call renews the state and returns its first word
      renew_state(data.state_.data());
      data.left_ = kStateWords;
      data.next_ = 0;
      out[done++] = temper(data.state_[data.next_++]);
      continue;
    }
    const int64_t run = std::min<int64_t>(count - done, data.left_ - 1);
    const uint32_t* words = data.state_.data() + data.next_;
    for (int64_t i = 0; i < run; ++i) out[done + i] = temper(words[i]);
    done += run;
    data.next_ += static_cast<uint32_t>(run);
    data.left_ -= static_cast<int>(run);
  }
}

// One copy per instruction set (the renewal and tempering loops vectorise), chosen once.
__attribute__((target("avx512f,avx512vl,avx2"))) void engine_outputs_avx512(at::mt19937_data_pod& data, uint32_t* out,
                                                                             int64_t count) {
  engine_outputs_body(data, out, count);
}
void engine_outputs_plain(at::mt19937_data_pod& data, uint32_t* out, int64_t count) {
  engine_outputs_body(data, out, count);
}
void engine_outputs(at::mt19937_data_pod& data, uint32_t* out, int64_t count) {
  static const auto chosen = vector_math::cpu_has_avx512() ? engine_outputs_avx512 : engine_outputs_plain;
  chosen(data, out, count);
}

// noise as at::native::dropout makes it: contiguous, bernoulli(1 - p) in memory order, over 1 - p.
// Each draw is bernoulli_distribution<double>: random64() (two outputs, the first in the high half)
// masked to 53 bits and scaled by 2^-53 (exact), kept when below 1 - p; that is the integer test
// bits < ceil((1 - p) 2^53), as exact.
torch::Tensor dropout_noise(const torch::Tensor& x, double p) {
  auto noise = torch::empty(x.sizes(), x.options().requires_grad(false));
  float* out = noise.data_ptr<float>();
  const int64_t n = noise.numel();
  const uint64_t threshold = static_cast<uint64_t>(std::ceil(std::ldexp(1.0 - p, 53)));
  const std::unique_ptr<uint32_t[]> words(new uint32_t[static_cast<size_t>(2 * n)]);
  auto generator = at::detail::getDefaultCPUGenerator();
  auto* cpu = at::check_generator<at::CPUGeneratorImpl>(generator);
  {
    std::lock_guard<std::mutex> lock(cpu->mutex_);
    at::mt19937 engine = cpu->engine();
    auto data = engine.data();
    engine_outputs(data, words.get(), 2 * n);
    engine.set_data(data);
    cpu->set_engine(engine);
  }
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t bits = (static_cast<uint64_t>(words[2 * i] & 0x1fffffu) << 32) | words[2 * i + 1];
    out[i] = bits < threshold ? 1.0f : 0.0f;
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
