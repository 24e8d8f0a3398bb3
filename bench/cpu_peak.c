/* The float32 multiply-add peak of one core, for the README's kernel efficiencies: 24 independent
 * chains of 16-lane AVX-512 FMAs (more than the FMA units' latency x throughput, so the units never
 * wait), timed over 2e8 vector operations.
 *
 *   gcc -O2 -mavx512f bench/cpu_peak.c -o /tmp/cpu_peak && /tmp/cpu_peak
 *
 * Prints GFLOP/s (one FMA = 2 floating-point operations per lane). Needs a CPU with AVX-512. */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

int main(void) {
  __m512 chain[24];
  for (int i = 0; i < 24; i++) chain[i] = _mm512_set1_ps(i * 0.001f);
  const __m512 factor = _mm512_set1_ps(0.999f), term = _mm512_set1_ps(0.0001f);
  const long rounds = 200000000L / 24;
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long k = 0; k < rounds; k++) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; i++) chain[i] = _mm512_fmadd_ps(chain[i], factor, term);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  const double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9;
  float sum = 0; /* the chains' results, so that the compiler keeps the loop */
  for (int i = 0; i < 24; i++) sum += _mm512_reduce_add_ps(chain[i]);
  printf("%.1f GFLOP/s float32 FMA peak, one core (checksum %g)\n", rounds * 24.0 * 32 / seconds / 1e9, sum);
  return 0;
}
