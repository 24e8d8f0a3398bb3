#pragma once
// Scalar maths that the compiler vectorises, shared by the fused kernels (lstm_kernels.cpp,
// conv_attention.cpp). Inlined into each kernel's per-instruction-set copy.
#include <cstdint>
#include <cstring>

namespace achrome::vector_math {

// exp(x) as Cephes expf (range reduction to r in [-ln2/2, ln2/2], degree-6 polynomial, scale by 2^n):
// a few ulp, and unlike a call to expf the compiler vectorises it. The clamp to [-80, 80] keeps the
// result far from denormal floats (which cost ~100 cycles per operation on x86). The kernels use exp
// in 1 / (1 + exp(.)), where e^-80 vanishes next to 1 and 1 / (1 + e^80) ~ 2e-35 is as good as 0, and
// in softmax as exp(score - max score), where a term of e^-80 instead of less vanishes next to the 1
// of the largest score.
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

}  // namespace achrome::vector_math
