#pragma once
// Scalar maths that the compiler vectorises, shared by the fused kernels (lstm_kernels.cpp,
// attention_kernels.cpp, conv_attention.cpp). Inlined into each kernel's per-instruction-set copy.
#include <cstdint>
#include <cstring>

#include "model/cpu_features.hpp"

namespace achrome::vector_math {

// The body of exp_approx after the clamp, for N values at once (floats or 16-float vectors): round
// x / ln 2 to the nearest integer n by the 1.5 * 2^23 trick (no SSE4.1 round instruction needed),
// reduce to r = x - n ln 2 and return the polynomial for e^r in p; the caller scales it by 2^n.
// Each step is applied to all N values before the next: the steps form one chain of dependent
// instructions per value, and interleaving N of them lets the core overlap their latencies.
template <int N, typename T>
__attribute__((always_inline)) inline void exp_reduced_each(const T (&x)[N], T (&n)[N], T (&p)[N]) {
  T r[N];
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) {
    const T shifted = x[k] * 1.44269504088896341f + 12582912.0f;
    n[k] = shifted - 12582912.0f;
  }
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) r[k] = x[k] - n[k] * 0.693359375f + n[k] * 2.12194440e-4f;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) p[k] = T{} + 1.9875691500e-4f;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) p[k] = p[k] * r[k] + 1.3981999507e-3f;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) p[k] = p[k] * r[k] + 8.3334519073e-3f;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) p[k] = p[k] * r[k] + 4.1665795894e-2f;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) p[k] = p[k] * r[k] + 1.6666665459e-1f;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) p[k] = p[k] * r[k] + 5.0000001201e-1f;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) p[k] = p[k] * r[k] * r[k] + r[k] + 1.0f;
}

// exp(x) as Cephes expf (range reduction to r in [-ln2/2, ln2/2], degree-6 polynomial, scale by 2^n):
// a few ulp, and unlike a call to expf the compiler vectorises it. The clamp to [-80, 80] keeps the
// result far from denormal floats (which cost ~100 cycles per operation on x86). The kernels use exp
// in 1 / (1 + exp(.)), where e^-80 vanishes next to 1 and 1 / (1 + e^80) ~ 2e-35 is as good as 0, and
// in softmax as exp(score - max score), where a term of e^-80 instead of less vanishes next to the 1
// of the largest score.
__attribute__((always_inline)) inline float exp_approx(float x) {
  const float clamped[1] = {x < -80.0f ? -80.0f : (x > 80.0f ? 80.0f : x)};
  float n[1], p[1];
  exp_reduced_each<1>(clamped, n, p);
  const int32_t bits = (static_cast<int32_t>(n[0]) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p[0] * scale;
}

// Sixteen floats, one AVX-512 register (two AVX2 ones, four SSE ones: GCC splits the type for
// whatever target the function it is inlined into has). aligned(4): loads need no alignment.
typedef float Floats16 __attribute__((vector_size(64), aligned(4)));
typedef int32_t Ints16 __attribute__((vector_size(64), aligned(4)));

__attribute__((always_inline)) inline Floats16 load16(const float* p) { return *reinterpret_cast<const Floats16*>(p); }
__attribute__((always_inline)) inline void store16(float* p, Floats16 v) { *reinterpret_cast<Floats16*>(p) = v; }

// exp_approx on 16 lanes, for N vectors at once (see exp_reduced_each): the same operations, lane by
// lane, so each lane gives what the scalar exp_approx gives (up to FMA contraction).
template <int N>
__attribute__((always_inline)) inline void exp_approx_each(Floats16 (&x)[N]) {
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) {
    x[k] = x[k] < -80.0f ? Floats16{} - 80.0f : x[k];
    x[k] = x[k] > 80.0f ? Floats16{} + 80.0f : x[k];
  }
  Floats16 n[N], p[N];
  exp_reduced_each<N>(x, n, p);
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) {
    const Ints16 bits = (__builtin_convertvector(n[k], Ints16) + 127) << 23;
    x[k] = p[k] * (Floats16)bits;  // a cast between vector types of one size keeps the bits
  }
}

__attribute__((always_inline)) inline Floats16 exp_approx(Floats16 x) {
  Floats16 xs[1] = {x};
  exp_approx_each<1>(xs);
  return xs[0];
}

}  // namespace achrome::vector_math
