#pragma once
// Which variant of the hand-written kernels (AVX-512, AVX2+FMA or baseline x86-64) this process runs:
// the LSTM, attention and convolution kernels (vector_math.hpp), the matrix product and the Adam pass
// each choose with these two questions. The build itself targets baseline x86-64.
#include <cstdlib>
#include <cstring>

namespace achrome::vector_math {

// The highest kernel variant the environment allows: ACHROME_SIMD=avx2 or ACHROME_SIMD=baseline caps the
// choice below what the CPU offers, so that the tests run the other variants on an AVX-512 machine
// (tests/CMakeLists.txt); unset or any other value, no cap. Read once.
inline int simd_cap() {
  static const int cap = [] {
    const char* value = std::getenv("ACHROME_SIMD");
    if (value && std::strcmp(value, "baseline") == 0) return 0;
    if (value && std::strcmp(value, "avx2") == 0) return 1;
    return 2;
  }();
  return cap;
}

// What the CPU running the program can do, for the kernels' choice of their AVX-512, AVX2+FMA or
// baseline variant (asked once; __builtin_cpu_supports reads CPUID, not the CPU's model name).
#if defined(__GNUC__) && defined(__x86_64__)
inline bool cpu_has_avx512() {
  static const bool supported = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f") &&
                                                           __builtin_cpu_supports("avx512vl"));
  return supported && simd_cap() >= 2;
}
inline bool cpu_has_avx2_fma() {
  static const bool supported = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
  return supported && simd_cap() >= 1;
}
#endif

}  // namespace achrome::vector_math
