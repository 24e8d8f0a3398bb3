#include "model/lstm_kernels.hpp"

#include <cstring>

namespace achrome::lstm_kernels {

namespace {

// exp(x) as Cephes expf (range reduction to r in [-ln2/2, ln2/2], degree-6 polynomial, scale by 2^n):
// a few ulp, and unlike a call to expf the compiler vectorises it. The clamp to [-80, 80] keeps the
// result far from denormal floats (which cost ~100 cycles per operation on x86); the kernels only use
// exp in 1 / (1 + exp(.)), where e^-80 vanishes next to 1 and 1 / (1 + e^80) ~ 2e-35 is as good as 0.
__attribute__((always_inline)) inline float exp_approx(float x) {
  x = x < -80.0f ? -80.0f : (x > 80.0f ? 80.0f : x);
  // Round to nearest by the 1.5 * 2^23 trick (no SSE4.1 round instruction needed).
  const float shifted = x * 1.44269504088896341f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

__attribute__((always_inline)) inline float sigmoid(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

// tanh(x) = 2 sigmoid(2x) - 1: absolute error ~1e-7, which is what the hidden states carry.
__attribute__((always_inline)) inline float tanh_approx(float x) { return 2.0f / (1.0f + exp_approx(-2.0f * x)) - 1.0f; }

__attribute__((always_inline)) inline void forward_rows(const StepForward& step, int64_t row_begin, int64_t row_end) {
  const int64_t H = step.hidden, B = step.batch;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t s = row / B, b = row % B;
    float* __restrict g = step.gates + row * 4 * H;
    const float* __restrict bias = step.bias + s * 4 * H;
    // Pre-activations: recurrent term (already in g) + input term + bias.
    if (step.input) {
      const float x = step.input[s * step.input_sequence_stride + b];
      const float* __restrict w = step.w_ih + s * 4 * H;
#pragma GCC ivdep
      for (int64_t k = 0; k < 4 * H; ++k) g[k] += x * w[k] + bias[k];
    } else {
      const float* __restrict term = step.input_term + s * step.input_term_sequence_stride + b * 4 * H;
#pragma GCC ivdep
      for (int64_t k = 0; k < 4 * H; ++k) g[k] += term[k] + bias[k];
    }
    const float* __restrict c_prev = step.cell_previous + row * H;
    float* __restrict c = step.cell + row * H;
    float* __restrict h = step.hidden_state + row * H;
    float* __restrict tc = step.tanh_cell + row * H;
    float* __restrict gi = g;
    float* __restrict gf = g + H;
    float* __restrict gg = g + 2 * H;
    float* __restrict go = g + 3 * H;
    // The buffers never overlap (separate tensors); says so to the vectoriser, which otherwise gives up
    // on the many run-time alias checks.
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const float i = sigmoid(gi[j]), f = sigmoid(gf[j]), candidate = tanh_approx(gg[j]), o = sigmoid(go[j]);
      gi[j] = i;
      gf[j] = f;
      gg[j] = candidate;
      go[j] = o;
      const float cell = f * c_prev[j] + i * candidate;
      c[j] = cell;
      const float t = tanh_approx(cell);
      tc[j] = t;
      h[j] = o * t;
    }
  }
}

__attribute__((always_inline)) inline void backward_rows(const StepBackward& step, int64_t row_begin, int64_t row_end) {
  const int64_t H = step.hidden;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const float* __restrict g = step.gates + row * 4 * H;
    const float* __restrict c_prev = step.cell_previous + row * H;
    const float* __restrict tc = step.tanh_cell + row * H;
    const float* __restrict dh_out = step.grad_output + row * H;
    const float* __restrict dh_rec = step.grad_recurrent + row * H;
    float* __restrict dc = step.grad_cell + row * H;
    float* __restrict dg = step.grad_gates + row * 4 * H;
    // The buffers never overlap (separate tensors); says so to the vectoriser, which otherwise gives up
    // on the many run-time alias checks.
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const float i = g[j], f = g[H + j], candidate = g[2 * H + j], o = g[3 * H + j], t = tc[j];
      const float dh = dh_out[j] + dh_rec[j];
      // dc_t = dh o (1 - tanh(c)^2) + dc through the next step; sigmoid' = s (1 - s), tanh' = 1 - t^2.
      const float grad_cell = dc[j] + dh * o * (1.0f - t * t);
      dg[j] = grad_cell * candidate * i * (1.0f - i);
      dg[H + j] = grad_cell * c_prev[j] * f * (1.0f - f);
      dg[2 * H + j] = grad_cell * i * (1.0f - candidate * candidate);
      dg[3 * H + j] = dh * t * o * (1.0f - o);
      dc[j] = grad_cell * f;
    }
  }
}

// Each kernel is compiled twice: for AVX2+FMA CPUs (8 floats per instruction) and for the baseline
// x86-64 the build targets, chosen once by what the CPU reports. (GCC's target_clones("arch=...")
// would dispatch on the CPU model name, not its features, and miss newer CPUs.)
#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx2,fma"))) void forward_rows_avx2(const StepForward& step, int64_t begin, int64_t end) {
  forward_rows(step, begin, end);
}
__attribute__((target("avx2,fma"))) void backward_rows_avx2(const StepBackward& step, int64_t begin, int64_t end) {
  backward_rows(step, begin, end);
}
bool cpu_has_avx2_fma() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
}
#endif

}  // namespace

void step_forward(const StepForward& step, int64_t row_begin, int64_t row_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx2_fma()) return forward_rows_avx2(step, row_begin, row_end);
#endif
  forward_rows(step, row_begin, row_end);
}

void step_backward(const StepBackward& step, int64_t row_begin, int64_t row_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx2_fma()) return backward_rows_avx2(step, row_begin, row_end);
#endif
  backward_rows(step, row_begin, row_end);
}

}  // namespace achrome::lstm_kernels
