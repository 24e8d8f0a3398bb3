#include "model/attention_kernels.hpp"

#include "model/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace achrome::attention_kernels {

namespace {

// A dot product whose sums are kept in 16 lanes (k mod 16) and added at the end: the compiler
// vectorises it without reordering any float addition on its own, so the result does not depend on
// the thread split, and across instruction sets differs only by FMA contraction.
__attribute__((always_inline)) inline float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  constexpr int kLanes = 16;
  float lanes[kLanes] = {};
  int64_t k0 = 0;
  for (; k0 + kLanes <= n; k0 += kLanes)
#pragma GCC unroll 16
    for (int j = 0; j < kLanes; ++j) lanes[j] += a[k0 + j] * b[k0 + j];
  for (int j = 0; k0 + j < n; ++j) lanes[j] += a[k0 + j] * b[k0 + j];
  float sum = 0;
  for (int j = 0; j < kLanes; ++j) sum += lanes[j];
  return sum;
}

__attribute__((always_inline)) inline void forward(const Shape& shape, const float* __restrict sequence,
                                                   const float* __restrict context, float* __restrict weights,
                                                   float* __restrict pooled, int64_t gene_begin, int64_t gene_end) {
  const int64_t T = shape.positions, B = shape.genes, D = shape.features;
  for (int64_t g = 0; g < shape.groups; ++g) {
    const float* c = context + g * D;
    const float* h = sequence + g * T * B * D;
    float* w = weights + g * T * B;
    float* out = pooled + g * B * D;
    // Scores, position by position (each position's genes are one stretch of memory).
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = gene_begin; b < gene_end; ++b) w[t * B + b] = dot(h + (t * B + b) * D, c, D);
    // Softmax over the positions of each gene, shifted by the maximum as PyTorch's.
    for (int64_t b = gene_begin; b < gene_end; ++b) {
      float top = -std::numeric_limits<float>::infinity();
      for (int64_t t = 0; t < T; ++t) top = std::max(top, w[t * B + b]);
      float sum = 0;
      for (int64_t t = 0; t < T; ++t) {
        const float e = std::exp(w[t * B + b] - top);
        w[t * B + b] = e;
        sum += e;
      }
      const float scale = 1.0f / sum;
      for (int64_t t = 0; t < T; ++t) w[t * B + b] *= scale;
    }
    // Pooling: positions outer, so the sequence is read once, in memory order.
    std::fill(out + gene_begin * D, out + gene_end * D, 0.0f);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = gene_begin; b < gene_end; ++b) {
        const float weight = w[t * B + b];
        const float* __restrict row = h + (t * B + b) * D;
        float* __restrict sum = out + b * D;
        for (int64_t k = 0; k < D; ++k) sum[k] += weight * row[k];
      }
  }
}

__attribute__((always_inline)) inline void backward(const Shape& shape, const float* __restrict sequence,
                                                    const float* __restrict context, const float* __restrict weights,
                                                    const float* __restrict grad_pooled,
                                                    const float* __restrict grad_weights, float* __restrict scratch,
                                                    float* __restrict grad_sequence, float* __restrict grad_context,
                                                    int64_t gene_begin, int64_t gene_end) {
  const int64_t T = shape.positions, B = shape.genes, D = shape.features;
  for (int64_t g = 0; g < shape.groups; ++g) {
    const float* c = context + g * D;
    const float* h = sequence + g * T * B * D;
    const float* w = weights + g * T * B;
    const float* dp = grad_pooled + g * B * D;
    float* ds = scratch + g * T * B;
    // dL/dweight of every position.
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = gene_begin; b < gene_end; ++b) {
        const int64_t i = t * B + b;
        ds[i] = dot(dp + b * D, h + i * D, D) + (grad_weights ? grad_weights[g * T * B + i] : 0.0f);
      }
    // Through the softmax: dscore = w (dw - <w, dw>).
    for (int64_t b = gene_begin; b < gene_end; ++b) {
      float mean = 0;
      for (int64_t t = 0; t < T; ++t) mean += w[t * B + b] * ds[t * B + b];
      for (int64_t t = 0; t < T; ++t) ds[t * B + b] = w[t * B + b] * (ds[t * B + b] - mean);
    }
    float* dc = grad_context ? grad_context + g * D : nullptr;
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = gene_begin; b < gene_end; ++b) {
        const int64_t i = t * B + b;
        const float weight = w[i], score = ds[i];
        const float* __restrict row = h + i * D;
        const float* __restrict pooled_grad = dp + b * D;
        if (grad_sequence) {
          float* __restrict out = grad_sequence + g * T * B * D + i * D;
          for (int64_t k = 0; k < D; ++k) out[k] = weight * pooled_grad[k] + score * c[k];
        }
        if (dc)
          for (int64_t k = 0; k < D; ++k) dc[k] += score * row[k];
      }
  }
}

#if defined(__GNUC__) && defined(__x86_64__)
// Compiled for AVX-512, AVX2+FMA and the baseline, chosen by what the CPU reports, as lstm_kernels.cpp.
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void forward_avx512(const Shape& s, const float* x, const float* c,
                                                                         float* w, float* p, int64_t b0, int64_t b1) {
  forward(s, x, c, w, p, b0, b1);
}
__attribute__((target("avx2,fma"))) void forward_avx2(const Shape& s, const float* x, const float* c, float* w, float* p,
                                                      int64_t b0, int64_t b1) {
  forward(s, x, c, w, p, b0, b1);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void backward_avx512(const Shape& s, const float* x, const float* c,
                                                                          const float* w, const float* dp,
                                                                          const float* dw, float* scratch, float* dx,
                                                                          float* dc, int64_t b0, int64_t b1) {
  backward(s, x, c, w, dp, dw, scratch, dx, dc, b0, b1);
}
__attribute__((target("avx2,fma"))) void backward_avx2(const Shape& s, const float* x, const float* c, const float* w,
                                                       const float* dp, const float* dw, float* scratch, float* dx,
                                                       float* dc, int64_t b0, int64_t b1) {
  backward(s, x, c, w, dp, dw, scratch, dx, dc, b0, b1);
}
using vector_math::cpu_has_avx2_fma;
using vector_math::cpu_has_avx512;
#endif

}  // namespace

void pool_forward(const Shape& shape, const float* sequence, const float* context, float* weights, float* pooled,
                  int64_t gene_begin, int64_t gene_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx512()) return forward_avx512(shape, sequence, context, weights, pooled, gene_begin, gene_end);
  if (cpu_has_avx2_fma()) return forward_avx2(shape, sequence, context, weights, pooled, gene_begin, gene_end);
#endif
  forward(shape, sequence, context, weights, pooled, gene_begin, gene_end);
}

void pool_backward(const Shape& shape, const float* sequence, const float* context, const float* weights,
                   const float* grad_pooled, const float* grad_weights, float* scratch, float* grad_sequence,
                   float* grad_context, int64_t gene_begin, int64_t gene_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx512())
    return backward_avx512(shape, sequence, context, weights, grad_pooled, grad_weights, scratch, grad_sequence,
                           grad_context, gene_begin, gene_end);
  if (cpu_has_avx2_fma())
    return backward_avx2(shape, sequence, context, weights, grad_pooled, grad_weights, scratch, grad_sequence,
                         grad_context, gene_begin, gene_end);
#endif
  backward(shape, sequence, context, weights, grad_pooled, grad_weights, scratch, grad_sequence, grad_context,
           gene_begin, gene_end);
}

}  // namespace achrome::attention_kernels
