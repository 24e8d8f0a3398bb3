#include "model/conv_attention.hpp"

#include "model/matrix_product.hpp"
#include "model/vector_math.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace achrome {

namespace {

// (Group, gene) rows handled per task when the fused passes are split across threads: a training
// batch stays on one thread, where a fork/join would cost more than the work.
constexpr int64_t kRowsPerTask = 64;

// Floats of convolution features per scoring chunk: 1 MB.
constexpr int64_t kChunkFloats = 1 << 18;

float* float_data(const torch::Tensor& tensor) { return tensor.data_ptr<float>(); }

using vector_math::Floats16;
using vector_math::Ints16;
using vector_math::load16;
using vector_math::store16;
constexpr int64_t kLanes = 16;

// The sum of the lanes by halving (four shuffles and adds, not fifteen dependent scalar adds).
__attribute__((always_inline)) inline float lane_sum(Floats16 v) {
  v += __builtin_shuffle(v, Ints16{8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7});
  v += __builtin_shuffle(v, Ints16{4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11});
  v += __builtin_shuffle(v, Ints16{2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13});
  v += __builtin_shuffle(v, Ints16{1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14});
  return v[0];
}

// row[0, n) = ReLU(row + bias) in place, returning the result's dot product with u.
__attribute__((always_inline)) inline float bias_relu_dot(float* __restrict row, const float* __restrict bias,
                                                          const float* __restrict u, int64_t n) {
  Floats16 acc = {};
  const Floats16 zero = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Floats16 v = load16(row + i) + load16(bias + i);
    v = v < zero ? zero : v;
    store16(row + i, v);
    acc += v * load16(u + i);
  }
  float sum = lane_sum(acc);
  for (; i < n; ++i) {
    const float v = row[i] + bias[i];
    row[i] = v < 0.0f ? 0.0f : v;
    sum += row[i] * u[i];
  }
  return sum;
}

__attribute__((always_inline)) inline float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  Floats16 acc = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) acc += load16(a + i) * load16(b + i);
  float sum = lane_sum(acc);
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

__attribute__((always_inline)) inline float sum(const float* __restrict a, int64_t n) {
  Floats16 acc = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) acc += load16(a + i);
  float total = lane_sum(acc);
  for (; i < n; ++i) total += a[i];
  return total;
}

// out[f] = sum_t weights[t] * rows[t * n + f] for f in [0, n): sixteen filters at a time, summed over
// the bins in registers (accumulating into memory bin by bin would chain every bin's add through a
// store and a load), four bins in flight so that the adds do not wait on each other.
__attribute__((always_inline)) inline void weighted_rows(float* __restrict out, const float* __restrict weights,
                                                         const float* __restrict rows, int64_t steps, int64_t n) {
  int64_t f = 0;
  for (; f + kLanes <= n; f += kLanes) {
    Floats16 acc[4] = {};
    int64_t t = 0;
    for (; t + 4 <= steps; t += 4)
      for (int64_t j = 0; j < 4; ++j) acc[j] += weights[t + j] * load16(rows + (t + j) * n + f);
    for (; t < steps; ++t) acc[0] += weights[t] * load16(rows + t * n + f);
    store16(out + f, (acc[0] + acc[1]) + (acc[2] + acc[3]));
  }
  for (; f < n; ++f) {
    float acc = 0;
    for (int64_t t = 0; t < steps; ++t) acc += weights[t] * rows[t * n + f];
    out[f] = acc;
  }
}

struct AttendPass {
  int64_t batch = 0;    // B (a row r = g * B + b)
  int64_t steps = 0;    // T
  int64_t filters = 0;  // F
  const float* context = nullptr;  // [G, F]
  const float* bias = nullptr;     // [G, F]
  // Forward: in, the convolution's products without the bias [G*B, T, F]; out, ReLU(product + bias)
  // (kept for backward). Adding the bias here saves the matrix product a pass over its output.
  float* features = nullptr;
  float* alpha = nullptr;   // out [G*B, T]
  float* pooled = nullptr;  // out [G*B, F]
  // Backward.
  const float* grad_pooled = nullptr;  // [G*B, F]
  const float* grad_alpha = nullptr;   // [G*B, T], or null when alpha fed nothing
  float* grad_features = nullptr;      // out: dL/d(pre-activations) [G*B, T, F]
  float* grad_context = nullptr;       // out: each row's share of dL/d(context) [G*B, F]
  float* grad_bias = nullptr;          // out: each row's share of dL/d(bias) [G*B, F]
  float* scratch = nullptr;            // [G*B, T]
};

// ReLU, scores h_t . u, softmax over t (max subtracted, as ATen's), pooled = sum_t alpha_t h_t.
__attribute__((always_inline)) inline void attend_forward_rows(const AttendPass& pass, int64_t begin, int64_t end) {
  const int64_t T = pass.steps, F = pass.filters;
  for (int64_t r = begin; r < end; ++r) {
    float* __restrict h = pass.features + r * T * F;
    const float* __restrict u = pass.context + (r / pass.batch) * F;
    const float* __restrict bias = pass.bias + (r / pass.batch) * F;
    float* __restrict alpha = pass.alpha + r * T;
    float* __restrict pooled = pass.pooled + r * F;
    float top = -std::numeric_limits<float>::infinity();
    for (int64_t t = 0; t < T; ++t) {
      alpha[t] = bias_relu_dot(h + t * F, bias, u, F);
      top = std::max(top, alpha[t]);
    }
    for (int64_t t = 0; t < T; ++t) alpha[t] = vector_math::exp_approx(alpha[t] - top);
    const float total = sum(alpha, T);
    for (int64_t t = 0; t < T; ++t) alpha[t] /= total;
    weighted_rows(pooled, alpha, h, T, F);
  }
}

// The same rows backwards: dL/dalpha_t = h_t . dpooled (+ alpha's own gradient), the softmax's
// Jacobian, then per bin dL/dh_t = alpha_t dpooled + dscore_t u through ReLU's mask, and the
// context's gradient sum_t dscore_t h_t.
__attribute__((always_inline)) inline void attend_backward_rows(const AttendPass& pass, int64_t begin, int64_t end) {
  const int64_t T = pass.steps, F = pass.filters;
  for (int64_t r = begin; r < end; ++r) {
    const float* __restrict h = pass.features + r * T * F;
    const float* __restrict u = pass.context + (r / pass.batch) * F;
    const float* __restrict alpha = pass.alpha + r * T;
    const float* __restrict grad_pooled = pass.grad_pooled + r * F;
    float* __restrict grad_score = pass.scratch + r * T;
    float* __restrict grad_h = pass.grad_features + r * T * F;
    float* __restrict grad_u = pass.grad_context + r * F;
    float* __restrict grad_b = pass.grad_bias + r * F;
    float weighted = 0;
    for (int64_t t = 0; t < T; ++t) {
      float g = dot(h + t * F, grad_pooled, F);
      if (pass.grad_alpha) g += pass.grad_alpha[r * T + t];
      grad_score[t] = g;
      weighted += alpha[t] * g;
    }
    for (int64_t t = 0; t < T; ++t) grad_score[t] = alpha[t] * (grad_score[t] - weighted);  // dL/dscore_t
    // Sixteen filters at a time over all bins, the context's and the bias's sums kept in registers.
    const Floats16 zero = {};
    int64_t f = 0;
    for (; f + kLanes <= F; f += kLanes) {
      const Floats16 dp = load16(grad_pooled + f), uu = load16(u + f);
      Floats16 sum_u = {}, sum_b = {};
      for (int64_t t = 0; t < T; ++t) {
        const Floats16 v = load16(h + t * F + f);
        const Floats16 g = v > zero ? alpha[t] * dp + grad_score[t] * uu : zero;
        store16(grad_h + t * F + f, g);
        sum_b += g;
        sum_u += grad_score[t] * v;
      }
      store16(grad_u + f, sum_u);
      store16(grad_b + f, sum_b);
    }
    for (; f < F; ++f) {
      float sum_u = 0, sum_b = 0;
      for (int64_t t = 0; t < T; ++t) {
        const float v = h[t * F + f];
        const float g = v > 0.0f ? alpha[t] * grad_pooled[f] + grad_score[t] * u[f] : 0.0f;
        grad_h[t * F + f] = g;
        sum_b += g;
        sum_u += grad_score[t] * v;
      }
      grad_u[f] = sum_u;
      grad_b[f] = sum_b;
    }
  }
}

struct PoolPass {
  int64_t outputs = 0;  // Q = P * pool convolution positions per gene
  int64_t pool = 0;
  int64_t filters = 0;  // F
  const float* products = nullptr;  // the convolution's products without the bias [B, Q, F]
  const float* bias = nullptr;      // [F]
  float* out = nullptr;             // ReLU(max-pooled products + bias) [B, F * P], filter-major
  int32_t* argmax = nullptr;        // each pooled value's position in its window [B, F * P], or none
};

// Max over each window of `pool` positions (the first of equal values, NaN winning, as ATen's
// max_pool1d), then ReLU (which commutes with max), written filter-major as flatten(1) lays out
// [B, F, P]. The filters are the inner loop, so the compares are vector compares.
__attribute__((always_inline)) inline void pool_forward_rows(const PoolPass& pass, float* __restrict best,
                                                             int32_t* __restrict index, int64_t begin, int64_t end) {
  const int64_t F = pass.filters, pool = pass.pool, P = pass.outputs / pass.pool;
  const float* __restrict bias = pass.bias;
  for (int64_t b = begin; b < end; ++b) {
    const float* __restrict products = pass.products + b * pass.outputs * F;
    float* __restrict out = pass.out + b * F * P;
    int32_t* __restrict argmax = pass.argmax ? pass.argmax + b * F * P : nullptr;
    for (int64_t p = 0; p < P; ++p) {
      const float* __restrict first = products + p * pool * F;
      for (int64_t f = 0; f < F; ++f) {
        best[f] = first[f] + bias[f];
        index[f] = 0;
      }
      for (int32_t j = 1; j < pool; ++j) {
        const float* __restrict row = first + j * F;
        for (int64_t f = 0; f < F; ++f) {
          const float v = row[f] + bias[f];
          const bool take = v > best[f] || v != v;
          best[f] = take ? v : best[f];
          index[f] = take ? j : index[f];
        }
      }
      for (int64_t f = 0; f < F; ++f) {
        out[f * P + p] = best[f] < 0.0f ? 0.0f : best[f];
        if (argmax) argmax[f * P + p] = index[f];
      }
    }
  }
}

// The filters' gradient of conv_relu_maxpool, read off the pooled values: each one that ReLU let through
// passes its gradient to the one window that won its pool, so the weight gradient is a sum over those
// winners of gradient x window, about one product in `pool` of the dense windows^T x gradients (and
// fewer still where dropout or ReLU left a zero). Per filter, genes and positions in order.
struct PoolGradientPass {
  int64_t filters = 0, pooled = 0, pool = 0, outputs = 0, batch = 0;
  int64_t width = 0;                 // K * C: a window's values
  const float* grad = nullptr;       // the pooled values' gradient [B, F * P]
  const float* value = nullptr;      // the pooled values [B, F * P]
  const int32_t* argmax = nullptr;   // [B, F * P]
  const float* windows = nullptr;    // [B * Q, K * C]
  float* grad_filters = nullptr;     // [F, K * C] (zeroed), index k * C + c
  float* grad_bias = nullptr;        // [F]
};

__attribute__((always_inline)) inline void pool_gradient_rows(const PoolGradientPass& pass, int64_t begin, int64_t end) {
  const int64_t F = pass.filters, P = pass.pooled, W = pass.width;
  for (int64_t f = begin; f < end; ++f) {
    float* __restrict target = pass.grad_filters + f * W;
    float bias = 0.0f;
    for (int64_t b = 0; b < pass.batch; ++b) {
      for (int64_t p = 0; p < P; ++p) {
        const int64_t i = (b * F + f) * P + p;
        const float g = pass.grad[i];
        if (!(pass.value[i] > 0.0f) || g == 0.0f) continue;
        const float* __restrict window = pass.windows + (b * pass.outputs + p * pass.pool + pass.argmax[i]) * W;
        for (int64_t w = 0; w < W; ++w) target[w] += g * window[w];
        bias += g;
      }
    }
    pass.grad_bias[f] = bias;
  }
}

// One copy of the passes per instruction set, chosen once by what the CPU reports (as
// lstm_kernels.cpp does); the build itself targets baseline x86-64.
__attribute__((target("avx2,fma"))) void attend_forward_avx2(const AttendPass& p, int64_t b, int64_t e) {
  attend_forward_rows(p, b, e);
}
__attribute__((target("avx2,fma"))) void attend_backward_avx2(const AttendPass& p, int64_t b, int64_t e) {
  attend_backward_rows(p, b, e);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void attend_forward_avx512(const AttendPass& p, int64_t b,
                                                                               int64_t e) {
  attend_forward_rows(p, b, e);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void attend_backward_avx512(const AttendPass& p, int64_t b,
                                                                                int64_t e) {
  attend_backward_rows(p, b, e);
}
using PoolRows = void (*)(const PoolPass&, float*, int32_t*, int64_t, int64_t);
__attribute__((target("avx2,fma"))) void pool_forward_avx2(const PoolPass& p, float* best, int32_t* index, int64_t b,
                                                           int64_t e) {
  pool_forward_rows(p, best, index, b, e);
}
// The same max, argmax and ReLU with explicit 16-filter masks (the compiler leaves the loops above
// partly scalar: the NaN test and the two selected arrays). Each gene's [P, F] results go to a small
// position-major tile first and are then copied out filter-major: scattering them lane by lane, or
// storing them one by one as above, cost more than the maxima. Scoring needs no argmax.
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void pool_forward_avx512(const PoolPass& pass, float* tile,
                                                                              int32_t* index_tile, int64_t begin,
                                                                              int64_t end) {
  const int64_t F = pass.filters, pool = pass.pool, P = pass.outputs / pass.pool;
  const int64_t width = (F + kLanes - 1) / kLanes * kLanes;  // a tile row: F rounded up to whole vectors
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t b = begin; b < end; ++b) {
    const float* products = pass.products + b * pass.outputs * F;
    for (int64_t p = 0; p < P; ++p) {
      const float* first = products + p * pool * F;
      for (int64_t f0 = 0; f0 < F; f0 += kLanes) {
        const __mmask16 lanes = static_cast<__mmask16>((1u << std::min<int64_t>(kLanes, F - f0)) - 1u);
        const __m512 bias = _mm512_maskz_loadu_ps(lanes, pass.bias + f0);
        __m512 best = _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, first + f0), bias);
        __m512i index = _mm512_setzero_si512();
        for (int32_t j = 1; j < pool; ++j) {
          const __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, first + j * F + f0), bias);
          const __mmask16 take = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
          best = _mm512_mask_mov_ps(best, take, v);
          index = _mm512_mask_mov_epi32(index, take, _mm512_set1_epi32(j));
        }
        best = _mm512_mask_mov_ps(best, _mm512_cmp_ps_mask(best, zero, _CMP_LT_OQ), zero);  // ReLU; NaN stays
        _mm512_storeu_ps(tile + p * width + f0, best);
        _mm512_storeu_si512(index_tile + p * width + f0, index);
      }
    }
    float* out = pass.out + b * F * P;
    for (int64_t f = 0; f < F; ++f)
      for (int64_t p = 0; p < P; ++p) out[f * P + p] = tile[p * width + f];
    if (pass.argmax) {
      int32_t* argmax = pass.argmax + b * F * P;
      for (int64_t f = 0; f < F; ++f)
        for (int64_t p = 0; p < P; ++p) argmax[f * P + p] = index_tile[p * width + f];
    }
  }
}
using PoolGradientRows = void (*)(const PoolGradientPass&, int64_t, int64_t);
__attribute__((target("avx2,fma"))) void pool_gradient_avx2(const PoolGradientPass& p, int64_t b, int64_t e) {
  pool_gradient_rows(p, b, e);
}
// For windows of at most 64 values: each filter's gradient row in four registers, and the winners
// first gathered without branches (which ones pass ReLU and dropout is a coin flip per value, and
// mispredicted branches cost more than the products).
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void pool_gradient_avx512(const PoolGradientPass& pass,
                                                                               int64_t begin, int64_t end) {
  const int64_t F = pass.filters, P = pass.pooled, W = pass.width;
  if (W > 4 * kLanes) return pool_gradient_rows(pass, begin, end);
  __mmask16 lanes[4];
  for (int v = 0; v < 4; ++v)
    lanes[v] = static_cast<__mmask16>((1u << std::clamp<int64_t>(W - v * kLanes, 0, kLanes)) - 1u);
  std::vector<int64_t> rows(static_cast<size_t>(pass.batch * P) + 1);
  std::vector<float> grads(rows.size());
  for (int64_t f = begin; f < end; ++f) {
    int64_t count = 0;
    for (int64_t b = 0; b < pass.batch; ++b) {
      for (int64_t p = 0; p < P; ++p) {
        const int64_t i = (b * F + f) * P + p;
        const float g = pass.grad[i];
        rows[count] = b * pass.outputs + p * pass.pool + pass.argmax[i];
        grads[count] = g;
        count += (pass.value[i] > 0.0f) & (g != 0.0f);
      }
    }
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    float bias = 0.0f;
    for (int64_t n = 0; n < count; ++n) {
      const float* window = pass.windows + rows[n] * W;
      const __m512 g = _mm512_set1_ps(grads[n]);
      for (int v = 0; v < 4; ++v)
        acc[v] = _mm512_fmadd_ps(g, _mm512_maskz_loadu_ps(lanes[v], window + v * kLanes), acc[v]);
      bias += grads[n];
    }
    for (int v = 0; v < 4; ++v) _mm512_mask_storeu_ps(pass.grad_filters + f * W + v * kLanes, lanes[v], acc[v]);
    pass.grad_bias[f] = bias;
  }
}
void pool_gradient_plain(const PoolGradientPass& p, int64_t b, int64_t e) { pool_gradient_rows(p, b, e); }
void pool_forward_plain(const PoolPass& p, float* best, int32_t* index, int64_t b, int64_t e) {
  pool_forward_rows(p, best, index, b, e);
}
void attend_forward_plain(const AttendPass& p, int64_t b, int64_t e) { attend_forward_rows(p, b, e); }
void attend_backward_plain(const AttendPass& p, int64_t b, int64_t e) { attend_backward_rows(p, b, e); }

using RowsFunction = void (*)(const AttendPass&, int64_t, int64_t);

struct Dispatch {
  RowsFunction forward = attend_forward_plain;
  RowsFunction backward = attend_backward_plain;
  PoolRows pool = pool_forward_plain;
  PoolGradientRows pool_gradient = pool_gradient_plain;
  Dispatch() {
    if (vector_math::cpu_has_avx512()) {
      forward = attend_forward_avx512;
      backward = attend_backward_avx512;
      pool = pool_forward_avx512;
      pool_gradient = pool_gradient_avx512;
    } else if (vector_math::cpu_has_avx2_fma()) {
      forward = attend_forward_avx2;
      backward = attend_backward_avx2;
      pool = pool_forward_avx2;
      pool_gradient = pool_gradient_avx2;
    }
  }
};

const Dispatch& dispatch() {
  static const Dispatch chosen;
  return chosen;
}

void run_rows(RowsFunction rows, const AttendPass& pass, int64_t count) {
  at::parallel_for(0, count, kRowsPerTask, [&](int64_t begin, int64_t end) { rows(pass, begin, end); });
}

// The convolution's windows: [G, B, T, C] -> [G, B * outputs, K * C], row (g, b, t) holding bins
// t - before .. t - before + K - 1 of gene b (zeros beyond the ends), channel-minor: index k * C + c.
// "Same" padding is before = (K - 1) / 2 and outputs = T; no padding is before = 0 and outputs <= T - K + 1.
// One pass over the output, reading the series through its strides (the models pass transposed views).
torch::Tensor bin_windows(const torch::Tensor& series, int64_t kernel, int64_t before, int64_t outputs) {
  const int64_t groups = series.size(0), batch = series.size(1), steps = series.size(2), channels = series.size(3);
  const int64_t width = kernel * channels, padded_steps = outputs + kernel - 1;
  const int64_t read = std::min(steps, padded_steps - before);  // the bins some window reads
  const int64_t stride_g = series.stride(0), stride_b = series.stride(1), stride_t = series.stride(2),
                stride_c = series.stride(3);
  auto windows = torch::empty({groups, batch * outputs, width}, series.options());
  const float* source = series.data_ptr<float>();
  float* target = float_data(windows);
  at::parallel_for(0, groups * batch, kRowsPerTask, [&](int64_t begin, int64_t end) {
    // One gene's series gathered once into a zero-padded contiguous row; each window is then a
    // contiguous slice of it.
    std::vector<float> padded(padded_steps * channels, 0.0f);
    for (int64_t r = begin; r < end; ++r) {
      const float* gene = source + (r / batch) * stride_g + (r % batch) * stride_b;
      float* row = padded.data() + before * channels;
      for (int64_t t = 0; t < read; ++t)
        for (int64_t c = 0; c < channels; ++c) row[t * channels + c] = gene[t * stride_t + c * stride_c];
      float* out = target + r * outputs * width;
      for (int64_t t = 0; t < outputs; ++t)
        std::memcpy(out + t * width, padded.data() + t * channels, width * sizeof(float));
    }
  });
  return windows;
}

// The transpose of bin_windows: each window's gradient [G, B * outputs, K * C] added back onto the bins
// it read -> [G, B, T, C].
torch::Tensor window_gradient(const torch::Tensor& grad_windows, const std::vector<int64_t>& series_sizes,
                              int64_t kernel, int64_t before, int64_t outputs) {
  const int64_t groups = series_sizes[0], batch = series_sizes[1], steps = series_sizes[2],
                channels = series_sizes[3];
  const auto grad = grad_windows.view({groups, batch, outputs, kernel, channels});
  const int64_t padded_steps = std::max(outputs + kernel - 1, before + steps);
  auto grad_padded = torch::zeros({groups, batch, padded_steps, channels}, grad_windows.options());
  for (int64_t k = 0; k < kernel; ++k) grad_padded.narrow(2, k, outputs).add_(grad.select(3, k));
  return grad_padded.narrow(2, before, steps);
}

// The filters as the windows' matrix: [G, F, C, K] -> [G, K*C, F].
torch::Tensor filter_matrix(const torch::Tensor& weight) {
  return weight.permute({0, 3, 2, 1}).contiguous().view({weight.size(0), weight.size(3) * weight.size(2), weight.size(1)});
}

struct Forward {
  torch::Tensor windows, matrix, features, alpha, pooled;
};

Forward run_forward(const torch::Tensor& series, const torch::Tensor& weight, const torch::Tensor& bias,
                    const torch::Tensor& context) {
  const int64_t groups = series.size(0), batch = series.size(1), steps = series.size(2), filters = weight.size(1);
  Forward out;
  const int64_t kernel = weight.size(3);
  out.windows = bin_windows(series, kernel, (kernel - 1) / 2, steps);
  out.matrix = filter_matrix(weight);
  out.features = matrix_product(out.windows, out.matrix);  // [G, B*T, F], the bias still to add
  out.alpha = torch::empty({groups, batch, steps}, series.options());
  out.pooled = torch::empty({groups, batch, filters}, series.options());
  const auto context_c = context.contiguous(), bias_c = bias.contiguous();
  AttendPass pass;
  pass.bias = float_data(bias_c);
  pass.batch = batch;
  pass.steps = steps;
  pass.filters = filters;
  pass.context = float_data(context_c);
  pass.features = float_data(out.features);
  pass.alpha = float_data(out.alpha);
  pass.pooled = float_data(out.pooled);
  run_rows(dispatch().forward, pass, groups * batch);
  return out;
}

// The parameters as the passes read them: weight [G, F, C, K], bias and context [G, F] (views; the
// callers pass their modules' own tensors, a Conv1d's weight [G * F, C, K], so that no view of a
// parameter needs an autograd node of its own).
struct GroupedParameters {
  torch::Tensor weight, bias, context;
};

GroupedParameters group_parameters(int64_t groups, const torch::Tensor& weight, const torch::Tensor& bias,
                                   const torch::Tensor& context) {
  const int64_t filters = weight.size(0) / groups;
  return {weight.view({groups, filters, weight.size(1), weight.size(2)}), bias.view({groups, filters}),
          context.reshape({groups, filters})};
}

class ConvAttentionFunction : public torch::autograd::Function<ConvAttentionFunction> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& series,
                                                const torch::Tensor& weight, const torch::Tensor& bias,
                                                const torch::Tensor& context) {
    const auto grouped = group_parameters(series.size(0), weight, bias, context);
    auto out = run_forward(series, grouped.weight, grouped.bias, grouped.context);
    ctx->save_for_backward({out.windows, out.matrix, out.features, out.alpha, grouped.context});
    ctx->saved_data["weight_sizes"] = grouped.weight.sizes().vec();
    ctx->saved_data["series_sizes"] = series.sizes().vec();
    ctx->saved_data["parameter_sizes"] = c10::List<std::vector<int64_t>>(
        {weight.sizes().vec(), bias.sizes().vec(), context.sizes().vec()});
    return {out.alpha, out.pooled};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &windows = saved[0], &matrix = saved[1], &features = saved[2], &alpha = saved[3];
    const auto context = saved[4].contiguous();
    const auto weight_sizes = ctx->saved_data["weight_sizes"].toIntVector();
    const auto series_sizes = ctx->saved_data["series_sizes"].toIntVector();
    const int64_t groups = alpha.size(0), batch = alpha.size(1), steps = alpha.size(2), filters = features.size(2);
    const auto options = features.options();
    const auto grad_alpha = grad_outputs[0].defined() ? grad_outputs[0].contiguous() : torch::Tensor();
    const auto grad_pooled =
        grad_outputs[1].defined() ? grad_outputs[1].contiguous() : torch::zeros({groups, batch, filters}, options);
    auto grad_features = torch::empty_like(features);
    // Each row's share of the context's and the bias's gradients, summed over the genes below.
    auto grad_rows = torch::empty({2, groups, batch, filters}, options);
    auto scratch = torch::empty({groups, batch, steps}, options);
    AttendPass pass;
    pass.batch = batch;
    pass.steps = steps;
    pass.filters = filters;
    pass.context = float_data(context);
    pass.features = float_data(features);
    pass.alpha = float_data(alpha);
    pass.grad_pooled = float_data(grad_pooled);
    pass.grad_alpha = grad_alpha.defined() ? float_data(grad_alpha) : nullptr;
    pass.grad_features = float_data(grad_features);
    pass.grad_context = float_data(grad_rows[0]);
    pass.grad_bias = float_data(grad_rows[1]);
    pass.scratch = float_data(scratch);
    run_rows(dispatch().backward, pass, groups * batch);

    // [G, K*C, F] -> the weight's [G, F, C, K].
    const int64_t kernel = weight_sizes[3], channels = weight_sizes[2];
    auto grad_weight = matrix_product(windows.transpose(1, 2), grad_features)
                           .view({groups, kernel, channels, filters})
                           .permute({0, 3, 2, 1})
                           .contiguous();
    const auto grad_sums = grad_rows.sum(2);  // [2, G, F]
    auto grad_context = grad_sums[0], grad_bias = grad_sums[1];
    torch::Tensor grad_series;
    if (ctx->needs_input_grad(0)) {
      grad_series = window_gradient(matrix_product(grad_features, matrix.transpose(1, 2)), series_sizes, kernel,
                                    (kernel - 1) / 2, steps);
      TORCH_CHECK(grad_series.sizes().vec() == series_sizes);
    }
    // In the shapes the caller passed.
    const auto parameter_sizes = ctx->saved_data["parameter_sizes"].toList();
    return {grad_series, grad_weight.view(parameter_sizes.get(0).toIntVector()),
            grad_bias.reshape(parameter_sizes.get(1).toIntVector()),
            grad_context.reshape(parameter_sizes.get(2).toIntVector())};
  }
};

// DeepChrome's convolution (no padding), ReLU and max-pooling: the windows of the pooled positions
// times the filters in one product, then one pass for bias, max and ReLU.
struct PoolForward {
  torch::Tensor windows, matrix, out, argmax;
};

PoolForward run_pool_forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                             int64_t pool, bool with_argmax) {
  const int64_t batch = x.size(0), filters = weight.size(0), kernel = weight.size(2);
  const int64_t pooled = (x.size(1) - kernel + 1) / pool, outputs = pooled * pool;
  PoolForward result;
  result.windows = bin_windows(x.unsqueeze(0), kernel, 0, outputs);  // [1, B*Q, K*C]
  result.matrix = filter_matrix(weight.unsqueeze(0));                 // [1, K*C, F]
  const auto products = matrix_product(result.windows, result.matrix);
  result.out = torch::empty({batch, filters * pooled}, x.options());
  if (with_argmax) result.argmax = torch::empty({batch, filters * pooled}, x.options().dtype(torch::kInt32));
  const auto bias_c = bias.contiguous();
  PoolPass pass;
  pass.outputs = outputs;
  pass.pool = pool;
  pass.filters = filters;
  pass.products = float_data(products);
  pass.bias = float_data(bias_c);
  pass.out = float_data(result.out);
  pass.argmax = with_argmax ? result.argmax.data_ptr<int32_t>() : nullptr;
  const auto rows = dispatch().pool;
  at::parallel_for(0, batch, kRowsPerTask, [&](int64_t begin, int64_t end) {
    // Scratch: one gene's [P, F rounded up to whole vectors] maxima and their positions.
    const size_t scratch = static_cast<size_t>(pooled * ((filters + kLanes - 1) / kLanes * kLanes));
    std::vector<float> best(scratch);
    std::vector<int32_t> index(scratch);
    rows(pass, best.data(), index.data(), begin, end);
  });
  return result;
}

class ConvPoolFunction : public torch::autograd::Function<ConvPoolFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, int64_t pool) {
    auto result = run_pool_forward(x, weight, bias, pool, /*with_argmax=*/true);
    ctx->save_for_backward({result.windows, result.matrix, result.out, result.argmax});
    ctx->saved_data["pool"] = pool;
    ctx->saved_data["x_sizes"] = x.sizes().vec();
    ctx->saved_data["weight_sizes"] = weight.sizes().vec();
    return result.out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &windows = saved[0], &matrix = saved[1], &out = saved[2], &argmax = saved[3];
    const int64_t pool = ctx->saved_data["pool"].toInt();
    const auto x_sizes = ctx->saved_data["x_sizes"].toIntVector();
    const auto weight_sizes = ctx->saved_data["weight_sizes"].toIntVector();
    const int64_t batch = out.size(0), filters = weight_sizes[0], channels = weight_sizes[1],
                  kernel = weight_sizes[2];
    const int64_t pooled = out.size(1) / filters, outputs = pooled * pool;
    const auto grad_out = grad_outputs[0].contiguous();
    const float* grad = float_data(grad_out);
    const float* value = float_data(out);
    const int32_t* index = argmax.data_ptr<int32_t>();
    torch::Tensor grad_weight, grad_bias;
    if (ctx->needs_input_grad(1) || ctx->needs_input_grad(2)) {
      auto grad_filters = torch::zeros({filters, kernel * channels}, out.options());
      grad_bias = torch::empty({filters}, out.options());
      PoolGradientPass pass;
      pass.filters = filters;
      pass.pooled = pooled;
      pass.pool = pool;
      pass.outputs = outputs;
      pass.batch = batch;
      pass.width = kernel * channels;
      pass.grad = grad;
      pass.value = value;
      pass.argmax = index;
      pass.windows = float_data(windows);
      pass.grad_filters = float_data(grad_filters);
      pass.grad_bias = float_data(grad_bias);
      const auto rows = dispatch().pool_gradient;
      at::parallel_for(0, filters, 1, [&](int64_t begin, int64_t end) { rows(pass, begin, end); });
      // [F, K*C] -> the weight's [F, C, K].
      grad_weight = grad_filters.view({filters, kernel, channels}).permute({0, 2, 1}).contiguous();
    }
    torch::Tensor grad_x;
    if (ctx->needs_input_grad(0)) {
      // The input's gradient (saliency): each pooled value's gradient placed at the position that won
      // its window, where ReLU let it through, then through the filters and back onto the bins.
      auto grad_products = torch::zeros({1, batch * outputs, filters}, out.options());
      float* target = float_data(grad_products);
      at::parallel_for(0, batch, kRowsPerTask, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b)
          for (int64_t f = 0; f < filters; ++f)
            for (int64_t p = 0; p < pooled; ++p) {
              const int64_t i = (b * filters + f) * pooled + p;
              if (value[i] > 0.0f) target[(b * outputs + p * pool + index[i]) * filters + f] = grad[i];
            }
      });
      grad_x = window_gradient(matrix_product(grad_products, matrix.transpose(1, 2)),
                               {1, x_sizes[0], x_sizes[1], x_sizes[2]}, kernel, 0, outputs)[0];
    }
    return {grad_x, grad_weight, grad_bias, torch::Tensor()};
  }
};

}  // namespace

bool conv_attention_supports(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat32;
}

ConvAttentionResult conv_attention(const torch::Tensor& series, const torch::Tensor& weight,
                                   const torch::Tensor& bias, const torch::Tensor& context) {
  TORCH_CHECK(series.dim() == 4 && weight.dim() == 3 && series.size(0) >= 1 && weight.size(0) % series.size(0) == 0 &&
                  weight.size(1) == series.size(3) && bias.numel() == weight.size(0) &&
                  context.numel() == weight.size(0) && weight.is_contiguous() && bias.is_contiguous(),
              "conv_attention: series [G, B, T, C], weight [G * F, C, K], bias and context G * F values");
  const bool grad = torch::GradMode::is_enabled() &&
                    (series.requires_grad() || weight.requires_grad() || bias.requires_grad() || context.requires_grad());
  if (grad) {
    const auto outputs = ConvAttentionFunction::apply(series, weight, bias, context);
    return {outputs[0], outputs[1]};
  }
  // Scoring: genes in chunks whose features ([G, chunk * T, F]) fit in a core's L2 cache, so that the
  // attention pass reads them where the matrix product left them; one scoring-sized block (25 MB for
  // cnn-alpha-beta's 256 genes) would go out to memory and back, and leave the heap fragmented.
  const int64_t batch = series.size(1);
  const int64_t per_gene = series.size(2) * weight.size(0);
  const int64_t chunk = std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, per_gene));
  const auto grouped = group_parameters(series.size(0), weight, bias, context);
  if (batch <= chunk) {
    const auto out = run_forward(series, grouped.weight, grouped.bias, grouped.context);
    return {out.alpha, out.pooled};
  }
  std::vector<torch::Tensor> alphas, pooled;
  for (int64_t start = 0; start < batch; start += chunk) {
    const auto out = run_forward(series.narrow(1, start, std::min(chunk, batch - start)), grouped.weight,
                                 grouped.bias, grouped.context);
    alphas.push_back(out.alpha);
    pooled.push_back(out.pooled);
  }
  return {torch::cat(alphas, 1), torch::cat(pooled, 1)};
}

torch::Tensor conv_relu_maxpool(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                int64_t pool) {
  TORCH_CHECK(x.dim() == 3 && weight.dim() == 3 && bias.dim() == 1 && weight.size(1) == x.size(2) &&
                  bias.size(0) == weight.size(0) && pool >= 1 && (x.size(1) - weight.size(2) + 1) / pool >= 1,
              "conv_relu_maxpool: x [B, T, C], weight [F, C, K], bias [F], at least one pooled position");
  const bool grad =
      torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad() || bias.requires_grad());
  if (grad) return ConvPoolFunction::apply(x, weight, bias, pool);
  // Scoring: in chunks of genes whose products fit in L2, as conv_attention.
  const int64_t batch = x.size(0);
  const int64_t per_gene = (x.size(1) - weight.size(2) + 1) / pool * pool * weight.size(0);
  const int64_t chunk = std::max<int64_t>(1, kChunkFloats / per_gene);
  if (batch <= chunk) return run_pool_forward(x, weight, bias, pool, /*with_argmax=*/false).out;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < batch; start += chunk)
    parts.push_back(
        run_pool_forward(x.narrow(0, start, std::min(chunk, batch - start)), weight, bias, pool, /*with_argmax=*/false).out);
  return torch::cat(parts);
}

}  // namespace achrome
