#include "model/lstm_kernels.hpp"

#include <algorithm>
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

// 16 floats as one value: GCC lowers its arithmetic to one AVX-512, two AVX2 or four SSE instructions,
// depending on the target of the function it is inlined into. aligned(4): loads need no alignment.
typedef float Floats16 __attribute__((vector_size(64), aligned(4)));

// out[r, :] = a[r, :] . w for `rows` rows of one sequence: a [rows, K] (row stride K), w [K, N]
// row-major, out [rows, N] (row stride N). Blocks of up to 4 rows x 32 columns keep their sums in
// registers (8 AVX-512 or 16 AVX2 registers) while the loop over K streams w, so each weight loaded
// serves 4 rows. Sums run over k in order, one multiply-add each.
template <int Rows, int Vectors>
__attribute__((always_inline)) inline void product_block(const float* __restrict a, const float* __restrict w,
                                                         float* __restrict out, int64_t K, int64_t N, int64_t c0) {
  Floats16 acc[Rows][Vectors];
#pragma GCC unroll 4
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) acc[r][v] = Floats16{};
  for (int64_t k = 0; k < K; ++k) {
    const Floats16* w_row = reinterpret_cast<const Floats16*>(w + k * N + c0);
    Floats16 weights[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) weights[v] = w_row[v];
#pragma GCC unroll 4
    for (int r = 0; r < Rows; ++r) {
      const float a_rk = a[r * K + k];
#pragma GCC unroll 2
      for (int v = 0; v < Vectors; ++v) acc[r][v] += a_rk * weights[v];
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) *reinterpret_cast<Floats16*>(out + r * N + c0 + 16 * v) = acc[r][v];
}

template <int Rows>
__attribute__((always_inline)) inline void product_rows(const float* __restrict a, const float* __restrict w,
                                                        float* __restrict out, int64_t K, int64_t N) {
  int64_t c0 = 0;
  for (; c0 + 32 <= N; c0 += 32) product_block<Rows, 2>(a, w, out, K, N, c0);
  for (; c0 + 16 <= N; c0 += 16) product_block<Rows, 1>(a, w, out, K, N, c0);
  for (; c0 < N; ++c0)  // hidden sizes that are not a multiple of 4
    for (int r = 0; r < Rows; ++r) {
      float sum = 0;
      for (int64_t k = 0; k < K; ++k) sum += a[r * K + k] * w[k * N + c0];
      out[r * N + c0] = sum;
    }
}

__attribute__((always_inline)) inline void product(const float* a, const float* w, float* out, int64_t rows,
                                                   int64_t K, int64_t N) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) product_rows<4>(a + r * K, w, out + r * N, K, N);
  for (; r < rows; ++r) product_rows<1>(a + r * K, w, out + r * N, K, N);
}

// Rows per block of the fused product + cell maths: a block's gates (32 x 4H floats) stay in the L1 cache.
constexpr int64_t kBlockRows = 16;

// h of row (s, b) in the layer output (see StepForward::output).
inline float* output_row(const LayerOutput& out, int64_t s, int64_t b, int64_t batch, int64_t hidden) {
  const int64_t direction = s / out.groups, group = s % out.groups;
  const int64_t position = direction == 0 ? out.time : out.steps - 1 - out.time;
  return out.data + ((group * out.steps + position) * batch + b) * 2 * hidden + direction * hidden;
}

__attribute__((always_inline)) inline void cell_forward_rows(const StepForward& step, int64_t row_begin,
                                                              int64_t row_end) {
  const int64_t H = step.hidden, B = step.batch;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t s = row / B, b = row % B;
    float* __restrict g = step.gates + s * step.gates_sequence_stride + b * 4 * H;
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
    float* __restrict out = output_row(step.output, s, b, B, H);
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
      out[j] = o * t;
    }
  }
}

__attribute__((always_inline)) inline void cell_backward_rows(const StepBackward& step, int64_t row_begin,
                                                               int64_t row_end) {
  const int64_t H = step.hidden, B = step.batch;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t gate_offset = row / B * step.gates_sequence_stride + row % B * 4 * H;
    const float* __restrict g = step.gates + gate_offset;
    const float* __restrict c_prev = step.cell_previous + row * H;
    const float* __restrict tc = step.tanh_cell + row * H;
    const float* __restrict dh_out = output_row(step.grad_output, row / B, row % B, B, H);
    const float* __restrict dh_rec = step.grad_recurrent + row * H;
    float* __restrict dc = step.grad_cell + row * H;
    float* __restrict dg = step.grad_gates + gate_offset;
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

// End of the block of rows from `row` that share a sequence (and so its weights), at most kBlockRows
// long. (The blocks are plain loops, not a helper taking a lambda: a lambda's body would not get the
// AVX target of the function it is written in.)
inline int64_t block_end(int64_t row, int64_t row_end, int64_t batch) {
  return std::min({row_end, (row / batch + 1) * batch, row + kBlockRows});
}

__attribute__((always_inline)) inline void forward_rows(const StepForward& step, int64_t row_begin, int64_t row_end) {
  const int64_t H = step.hidden;
  for (int64_t begin = row_begin, end; begin < row_end; begin = end) {
    end = block_end(begin, row_end, step.batch);
    const int64_t sequence = begin / step.batch;
    float* gates = step.gates + sequence * step.gates_sequence_stride + (begin - sequence * step.batch) * 4 * H;
    if (step.hidden_previous)
      product(step.hidden_previous + begin * H, step.w_hh_transposed + sequence * H * 4 * H, gates,
              end - begin, H, 4 * H);
    else
      std::memset(gates, 0, sizeof(float) * (end - begin) * 4 * H);
    cell_forward_rows(step, begin, end);
  }
}

__attribute__((always_inline)) inline void backward_rows(const StepBackward& step, int64_t row_begin,
                                                         int64_t row_end) {
  const int64_t H = step.hidden;
  for (int64_t begin = row_begin, end; begin < row_end; begin = end) {
    end = block_end(begin, row_end, step.batch);
    cell_backward_rows(step, begin, end);  // reads grad_recurrent of these rows before it is overwritten
    const int64_t sequence = begin / step.batch;
    if (step.w_hh)
      product(step.grad_gates + sequence * step.gates_sequence_stride + (begin - sequence * step.batch) * 4 * H,
              step.w_hh + sequence * 4 * H * H,
              step.grad_recurrent + begin * H, end - begin, 4 * H, H);
  }
}

// Each kernel is compiled three times: for AVX-512 CPUs (16 floats per instruction), for AVX2+FMA
// CPUs (8) and for the baseline x86-64 the build targets, chosen once by what the CPU reports. The
// maths is element-wise, so every variant gives the same numbers up to FMA contraction. (GCC's target_clones("arch=...")
// would dispatch on the CPU model name, not its features, and miss newer CPUs.)
#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx2,fma"))) void forward_rows_avx2(const StepForward& step, int64_t begin, int64_t end) {
  forward_rows(step, begin, end);
}
__attribute__((target("avx2,fma"))) void backward_rows_avx2(const StepBackward& step, int64_t begin, int64_t end) {
  backward_rows(step, begin, end);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void forward_rows_avx512(const StepForward& step, int64_t begin,
                                                                             int64_t end) {
  forward_rows(step, begin, end);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void backward_rows_avx512(const StepBackward& step, int64_t begin,
                                                                              int64_t end) {
  backward_rows(step, begin, end);
}
bool cpu_has_avx512() {
  static const bool supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return supported;
}
bool cpu_has_avx2_fma() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
}
#endif

}  // namespace

void step_forward(const StepForward& step, int64_t row_begin, int64_t row_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx512()) return forward_rows_avx512(step, row_begin, row_end);
  if (cpu_has_avx2_fma()) return forward_rows_avx2(step, row_begin, row_end);
#endif
  forward_rows(step, row_begin, row_end);
}

void step_backward(const StepBackward& step, int64_t row_begin, int64_t row_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx512()) return backward_rows_avx512(step, row_begin, row_end);
  if (cpu_has_avx2_fma()) return backward_rows_avx2(step, row_begin, row_end);
#endif
  backward_rows(step, row_begin, row_end);
}

}  // namespace achrome::lstm_kernels
