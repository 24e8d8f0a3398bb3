#include "model/lstm_kernels.hpp"

#include "model/vector_math.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace achrome::lstm_kernels {

namespace {

using vector_math::exp_approx;
using vector_math::exp_approx_each;

__attribute__((always_inline)) inline float sigmoid(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

// tanh(x) = 2 sigmoid(2x) - 1: absolute error ~1e-7, which is what the hidden states carry.
__attribute__((always_inline)) inline float tanh_approx(float x) { return 2.0f / (1.0f + exp_approx(-2.0f * x)) - 1.0f; }

using vector_math::Floats16;
using vector_math::load16;
using vector_math::store16;

// The instruction set a kernel variant is compiled for: the cell maths picks its reciprocal by it.
enum Isa { kBaseline, kAvx2, kAvx512 };

// 1 / y. A division is the slowest instruction of the cell maths (five per hidden unit: one in each
// sigmoid and tanh), so the vector variants start from the CPU's reciprocal estimate (14 bits on
// AVX-512, 12 on AVX2) and refine it with one Newton step, r' = r (2 - y r), to about 1 ulp.
// The estimate is one instruction written as assembly: its intrinsic would need this helper, and every
// template that calls it, compiled for the instruction set, while only the variant functions are.
typedef float Floats8 __attribute__((vector_size(32), aligned(4)));

template <Isa isa>
__attribute__((always_inline)) inline Floats16 reciprocal(Floats16 y) {
#if defined(__GNUC__) && defined(__x86_64__)
  if constexpr (isa == kAvx512) {
    Floats16 r;
    asm("vrcp14ps %1, %0" : "=v"(r) : "v"(y));
    return r * (2.0f - y * r);
  } else if constexpr (isa == kAvx2) {
    Floats8 halves[2], estimates[2];
    std::memcpy(halves, &y, sizeof y);
    for (int k = 0; k < 2; ++k) asm("vrcpps %1, %0" : "=x"(estimates[k]) : "x"(halves[k]));
    Floats16 r;
    std::memcpy(&r, estimates, sizeof r);
    return r * (2.0f - y * r);
  }
#endif
  return 1.0f / y;
}

// v <- 1 / (1 + e^v) on N vectors: sigmoid(x) from v = -x, and (2 times it, less 1) tanh(x) from
// v = -2x. The exp is interleaved across the N (see exp_approx_each); the reciprocals, three
// instructions each, are short chains that the core overlaps itself.
template <Isa isa, int N>
__attribute__((always_inline)) inline void logistic_each(Floats16 (&v)[N]) {
  exp_approx_each<N>(v);
#pragma GCC unroll 8
  for (int k = 0; k < N; ++k) v[k] = reciprocal<isa>(1.0f + v[k]);
}

// What a product's sums start from, per row r of a block (all null: zero). The LSTM step starts its
// gate pre-activations from the input term and the bias, x_r w_ih + b (one count per bin) or
// term_r + b (a wider input, its term precomputed), so that the product's result is final and no
// second pass over the gates adds them.
struct StartTerms {
  const float* bias = nullptr;  // [N], shared by the rows
  const float* w_ih = nullptr;  // [N], times the row's x
  const float* x = nullptr;     // [rows], one value per row
  const float* term = nullptr;  // [rows, N]
  StartTerms rows_from(int64_t r, int64_t N) const {
    StartTerms shifted = *this;
    if (x) shifted.x += r;
    if (term) shifted.term += r * N;
    return shifted;
  }
  float at(int64_t r, int64_t n, int64_t N) const {
    if (!bias) return 0.0f;
    return w_ih ? x[r] * w_ih[n] + bias[n] : term[r * N + n] + bias[n];
  }
};

// out[r, :] = a[r, :] . w for `rows` rows of one sequence: a [rows, K] (row stride K), w [K, N]
// row-major, out [rows, N] (row stride N). Blocks of up to 4 rows x 32 columns keep their sums in
// registers (8 AVX-512 or 16 AVX2 registers) while the loop over K streams w, so each weight loaded
// serves 4 rows. Sums run over k in order, one multiply-add each.
template <int Rows, int Vectors>
__attribute__((always_inline)) inline void product_block(const float* __restrict a, const float* __restrict w,
                                                         float* __restrict out, int64_t K, int64_t N, int64_t c0,
                                                         const StartTerms& start) {
  Floats16 acc[Rows][Vectors];
#pragma GCC unroll 4
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      const int64_t n = c0 + 16 * v;
      if (!start.bias)
        acc[r][v] = Floats16{};
      else if (start.w_ih)
        acc[r][v] = start.x[r] * load16(start.w_ih + n) + load16(start.bias + n);
      else
        acc[r][v] = load16(start.term + r * N + n) + load16(start.bias + n);
    }
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
                                                        float* __restrict out, int64_t K, int64_t N,
                                                        const StartTerms& start) {
  int64_t c0 = 0;
  for (; c0 + 32 <= N; c0 += 32) product_block<Rows, 2>(a, w, out, K, N, c0, start);
  for (; c0 + 16 <= N; c0 += 16) product_block<Rows, 1>(a, w, out, K, N, c0, start);
  for (; c0 < N; ++c0)  // hidden sizes that are not a multiple of 4
    for (int r = 0; r < Rows; ++r) {
      float sum = start.at(r, c0, N);
      for (int64_t k = 0; k < K; ++k) sum += a[r * K + k] * w[k * N + c0];
      out[r * N + c0] = sum;
    }
}

// out = start + a w for `rows` rows; K = 0 gives the start terms alone.
__attribute__((always_inline)) inline void product(const float* a, const float* w, float* out, int64_t rows,
                                                   int64_t K, int64_t N, const StartTerms& start = {}) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) product_rows<4>(a + r * K, w, out + r * N, K, N, start.rows_from(r, N));
  for (; r < rows; ++r) product_rows<1>(a + r * K, w, out + r * N, K, N, start.rows_from(r, N));
}

// out[n, k] += sum_r a[r, n] b[r, k] for the `rows` rows of one sequence: a [rows, N] (row stride N), b [rows, K]
// (row stride K), out [N, K] row-major (a weight gradient in PyTorch's layout). Tiles of 4 x 32 outputs
// keep their sums in registers over the rows; each tile's sum over the rows is then added to out once,
// so every output sums the same terms in the same order whatever the block sizes.
template <int Columns, int Vectors>
__attribute__((always_inline)) inline void outer_tile(const float* __restrict a, const float* __restrict b,
                                                      float* __restrict out, int64_t rows, int64_t N, int64_t K,
                                                      int64_t n0, int64_t k0) {
  Floats16 acc[Columns][Vectors];
#pragma GCC unroll 4
  for (int j = 0; j < Columns; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) acc[j][v] = Floats16{};
  for (int64_t r = 0; r < rows; ++r) {
    const Floats16* b_row = reinterpret_cast<const Floats16*>(b + r * K + k0);
    Floats16 values[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) values[v] = b_row[v];
#pragma GCC unroll 4
    for (int j = 0; j < Columns; ++j) {
      const float a_rn = a[r * N + n0 + j];
#pragma GCC unroll 2
      for (int v = 0; v < Vectors; ++v) acc[j][v] += a_rn * values[v];
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < Columns; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) *reinterpret_cast<Floats16*>(out + (n0 + j) * K + k0 + 16 * v) += acc[j][v];
}

__attribute__((always_inline)) inline void accumulate_outer(const float* a, const float* b, float* out, int64_t rows,
                                                            int64_t N, int64_t K) {
  int64_t n0 = 0;
  for (; n0 + 4 <= N; n0 += 4) {
    int64_t k0 = 0;
    for (; k0 + 32 <= K; k0 += 32) outer_tile<4, 2>(a, b, out, rows, N, K, n0, k0);
    for (; k0 + 16 <= K; k0 += 16) outer_tile<4, 1>(a, b, out, rows, N, K, n0, k0);
  }
  // Widths that are not a multiple of 16 (one count per bin: K = 1), 16 outputs n at a time.
  const int64_t k_tail = K - K % 16;
  for (int64_t k = k_tail; k < K; ++k) {
    int64_t n = 0;
    for (; n + 16 <= N; n += 16) {
      Floats16 sum{};
      for (int64_t r = 0; r < rows; ++r) sum += load16(a + r * N + n) * b[r * K + k];
      for (int j = 0; j < 16; ++j) out[(n + j) * K + k] += sum[j];
    }
    for (; n < N; ++n) {
      float sum = 0;
      for (int64_t r = 0; r < rows; ++r) sum += a[r * N + n] * b[r * K + k];
      out[n * K + k] += sum;
    }
  }
  n0 = N - N % 4;
  for (; n0 < N; ++n0)
    for (int64_t k = 0; k < k_tail; ++k) {
      float sum = 0;
      for (int64_t r = 0; r < rows; ++r) sum += a[r * N + n0] * b[r * K + k];
      out[n0 * K + k] += sum;
    }
}

// Rows per block of the fused product + cell maths: a block's gates (32 x 4H floats) stay in the L1 cache.
constexpr int64_t kBlockRows = 16;

// h of row (s, b) in the layer output (see StepForward::output).
inline float* output_row(const LayerOutput& out, int64_t s, int64_t b, int64_t batch, int64_t hidden) {
  const int64_t direction = s / out.groups, group = s % out.groups;
  const int64_t position = direction == 0 ? out.time : out.steps - 1 - out.time;
  return out.data + ((group * out.steps + position) * batch + b) * 2 * hidden + direction * hidden;
}

// Asks the cache for `floats` values from `data` on (read: 0, write: 1), one request per 64-byte line.
template <int Write>
__attribute__((always_inline)) inline void prefetch(const float* data, int64_t floats) {
  const char* bytes = reinterpret_cast<const char*>(data);
  for (int64_t offset = 0; offset < floats * static_cast<int64_t>(sizeof(float)); offset += 64)
    __builtin_prefetch(bytes + offset, Write, 3);
}

// store16 for a value read back only much later (the training trace): a streaming store on
// AVX-512, which writes the line to memory without first reading it into the cache.
template <Isa isa>
__attribute__((always_inline)) inline void store_streaming(float* p, Floats16 v) {
#if defined(__GNUC__) && defined(__x86_64__)
  if constexpr (isa == kAvx512) {
    if (reinterpret_cast<uintptr_t>(p) % 64 == 0) {
      asm("vmovntps %1, %0" : "=m"(*reinterpret_cast<Floats16*>(p)) : "v"(v));
      return;
    }
  }
#endif
  store16(p, v);
}

// The cell maths of 16 U hidden units of one row, with the fast reciprocal: from the pre-activations
// (gate q of unit j at pre[q H + j]) to the activated gates (into `kept`, the training trace, if set),
// c, h and the output copy of h.
// Each sigmoid and tanh is a chain of about twenty dependent instructions, and one unit's five are
// three links deep (gates, c, tanh(c)), so unit by unit the core waited on latency most of the time
// (timed alone, with the matrix product left out: 96 ns per row of 32 units). Here every instruction
// is applied to all 4 U gate vectors before the next, so that independent chains fill the pipelines;
// each lane still sees the same operations in the same order as the scalar sigmoid() and tanh_approx().
template <Isa isa, int U>
__attribute__((always_inline)) inline void cell_forward_units(const float* __restrict pre, float* __restrict kept,
                                                               int64_t H, const float* __restrict c_prev,
                                                               float* __restrict c, float* __restrict h,
                                                               float* __restrict out) {
  constexpr int kGates = 4 * U;  // i (U vectors), f, g, o; gate q of unit j at q * H + j
  Floats16 v[kGates];
#pragma GCC unroll 8
  for (int k = 0; k < kGates; ++k) {
    const Floats16 x = load16(pre + k / U * H + 16 * (k % U));
    v[k] = k / U == 2 ? -2.0f * x : -x;  // tanh(x) = 2 sigmoid(2x) - 1 for the candidate g
  }
  logistic_each<isa, kGates>(v);
#pragma GCC unroll 8
  for (int k = 0; k < kGates; ++k) {
    if (k / U == 2) v[k] = 2.0f * v[k] - 1.0f;
    if (kept) store_streaming<isa>(kept + k / U * H + 16 * (k % U), v[k]);
  }
  Floats16 cell[U], t[U];
#pragma GCC unroll 2
  for (int u = 0; u < U; ++u) {
    cell[u] = v[U + u] * load16(c_prev + 16 * u) + v[u] * v[2 * U + u];
    store16(c + 16 * u, cell[u]);
    t[u] = -2.0f * cell[u];
  }
  logistic_each<isa, U>(t);
#pragma GCC unroll 2
  for (int u = 0; u < U; ++u) {
    t[u] = 2.0f * t[u] - 1.0f;
    const Floats16 hidden = v[3 * U + u] * t[u];
    store16(h + 16 * u, hidden);
    store16(out + 16 * u, hidden);
  }
}

template <Isa isa>
__attribute__((always_inline)) inline void cell_forward_rows(const StepForward& step, int64_t row_begin,
                                                              int64_t row_end, float* block_pre, float* block_kept) {
  const int64_t H = step.hidden, B = step.batch;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t s = row / B, b = row % B;
    float* __restrict pre = block_pre + (row - row_begin) * 4 * H;  // the pre-activations (forward_rows)
    float* __restrict kept = block_kept ? block_kept + (row - row_begin) * 4 * H : nullptr;
    const float* __restrict c_prev = step.cell_previous + row * H;
    float* __restrict c = step.cell + row * H;
    float* __restrict h = step.hidden_state + row * H;
    float* __restrict out = output_row(step.output, s, b, B, H);
    if (H % 32 == 0) {  // the models' size, H = 32: 32 hidden units at a time
      for (int64_t j = 0; j < H; j += 32)
        cell_forward_units<isa, 2>(pre + j, kept ? kept + j : nullptr, H, c_prev + j, c + j, h + j, out + j);
      continue;
    }
    if (H % 16 == 0) {
      for (int64_t j = 0; j < H; j += 16)
        cell_forward_units<isa, 1>(pre + j, kept ? kept + j : nullptr, H, c_prev + j, c + j, h + j, out + j);
      continue;
    }
    // Other sizes, unit by unit. The buffers never overlap (separate tensors); says so to the
    // vectoriser, which otherwise gives up on the many run-time alias checks.
    float* __restrict g = kept ? kept : pre;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const float i = sigmoid(pre[j]), f = sigmoid(pre[H + j]), candidate = tanh_approx(pre[2 * H + j]),
                  o = sigmoid(pre[3 * H + j]);
      g[j] = i;
      g[H + j] = f;
      g[2 * H + j] = candidate;
      g[3 * H + j] = o;
      const float cell = f * c_prev[j] + i * candidate;
      c[j] = cell;
      const float t = tanh_approx(cell);
      h[j] = o * t;
      out[j] = o * t;
    }
  }
}

// Row `row`'s trace of the step before `step` (see StepBackward::earlier), fetched ahead.
__attribute__((always_inline)) inline void prefetch_earlier_row(const StepBackward& earlier, int64_t row,
                                                                 int64_t gate_offset, int64_t grad_gate_offset) {
  const int64_t H = earlier.hidden, B = earlier.batch;
  prefetch<0>(earlier.gates + gate_offset, 4 * H);
  if (earlier.grad_gates) prefetch<1>(earlier.grad_gates + grad_gate_offset, 4 * H);
  prefetch<0>(earlier.cell_previous + row * H, H);
  prefetch<0>(output_row(earlier.grad_output, row / B, row % B, B, H), H);
  if (earlier.hidden_previous) prefetch<0>(earlier.hidden_previous + row * H, H);
}

// tanh(c) of one row, as the forward pass computed it (cell_forward_units on 16-unit vectors, the scalar
// tanh_approx for other sizes): the same operations lane by lane, so the same bits.
template <Isa isa>
__attribute__((always_inline)) inline void tanh_of_cells(const float* __restrict cell, float* __restrict t, int64_t H) {
  if (H % 16 == 0) {
    for (int64_t j = 0; j < H; j += 16) {
      Floats16 x[1] = {-2.0f * load16(cell + j)};
      logistic_each<isa, 1>(x);
      store16(t + j, 2.0f * x[0] - 1.0f);
    }
    return;
  }
  for (int64_t j = 0; j < H; ++j) t[j] = tanh_approx(cell[j]);
}

template <Isa isa>
__attribute__((always_inline)) inline void cell_backward_rows(const StepBackward& step, int64_t row_begin,
                                                               int64_t row_end) {
  const int64_t H = step.hidden, B = step.batch;
  thread_local std::vector<float> tanh_cell;
  tanh_cell.resize(H);
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t gate_offset = row / B * step.gates_sequence_stride + row % B * 4 * H,
                  grad_gate_offset = row / B * step.grad_gates_sequence_stride + row % B * 4 * H;
    if (step.earlier) prefetch_earlier_row(*step.earlier, row, gate_offset, grad_gate_offset);
    const float* __restrict g = step.gates + gate_offset;
    const float* __restrict c_prev = step.cell_previous + row * H;
    tanh_of_cells<isa>(step.cell + row * H, tanh_cell.data(), H);
    const float* __restrict tc = tanh_cell.data();
    const float* __restrict dh_out = output_row(step.grad_output, row / B, row % B, B, H);
    const float* __restrict dh_rec = step.grad_recurrent + row * H;
    float* __restrict dc = step.grad_cell + row * H;
    float* __restrict dg = step.grad_gates + grad_gate_offset;
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

template <Isa isa>
__attribute__((always_inline)) inline void forward_rows(const StepForward& step, int64_t row_begin, int64_t row_end) {
  const int64_t H = step.hidden;
  // Each block's pre-activations live in this buffer, which stays in the L1 cache; the activated gates
  // go to the trace (training) or nowhere (scoring).
  thread_local std::vector<float> scratch;
  scratch.resize(kBlockRows * 4 * H);
  float* const pre = scratch.data();
  for (int64_t begin = row_begin, end; begin < row_end; begin = end) {
    end = block_end(begin, row_end, step.batch);
    const int64_t sequence = begin / step.batch;
    float* kept = step.gates ? step.gates + sequence * step.gates_sequence_stride +
                                   (begin - sequence * step.batch) * 4 * H
                             : nullptr;
    // Pre-activations: input term + bias + h_{t-1} W_hh^T (none at t = 0, where h_{-1} = 0).
    const int64_t first_gene = begin - sequence * step.batch;
    StartTerms start;
    start.bias = step.bias + sequence * 4 * H;
    if (step.input) {
      start.w_ih = step.w_ih + sequence * 4 * H;
      start.x = step.input + sequence * step.input_sequence_stride + first_gene;
    } else {
      start.term = step.input_term + sequence * step.input_term_sequence_stride + first_gene * 4 * H;
    }
    // (With K = 0 the product reads no row of its first operand: any valid pointer does.)
    product(step.hidden_previous ? step.hidden_previous + begin * H : pre, step.w_hh_transposed + sequence * H * 4 * H,
            pre, end - begin, step.hidden_previous ? H : 0, 4 * H, start);
    cell_forward_rows<isa>(step, begin, end, pre, kept);
  }
#if defined(__GNUC__) && defined(__x86_64__)
  // Streaming stores are weakly ordered: fence them before another thread may read the trace.
  if (isa == kAvx512 && step.gates) asm volatile("sfence" ::: "memory");
#endif
}

template <Isa isa>
__attribute__((always_inline)) inline void backward_rows(const StepBackward& step, int64_t row_begin,
                                                         int64_t row_end) {
  const int64_t H = step.hidden;
  for (int64_t begin = row_begin, end; begin < row_end; begin = end) {
    end = block_end(begin, row_end, step.batch);
    const int64_t sequence = begin / step.batch, first_gene = begin - sequence * step.batch, rows = end - begin;
    cell_backward_rows<isa>(step, begin, end);  // reads grad_recurrent of these rows before it is overwritten
    const float* grad_gates = step.grad_gates + sequence * step.grad_gates_sequence_stride + first_gene * 4 * H;
    if (step.w_hh)
      product(grad_gates, step.w_hh + sequence * 4 * H * H, step.grad_recurrent + begin * H, rows, 4 * H, H);
    if (step.grad_w_hh && step.hidden_previous)
      accumulate_outer(grad_gates, step.hidden_previous + begin * H, step.grad_w_hh + sequence * 4 * H * H, rows,
                       4 * H, H);
    if (step.grad_w_ih)
      accumulate_outer(grad_gates, step.input + sequence * step.input_sequence_stride + first_gene * step.inputs,
                       step.grad_w_ih + sequence * 4 * H * step.inputs, rows, 4 * H, step.inputs);
    if (step.grad_bias) {
      float* __restrict bias = step.grad_bias + sequence * 4 * H;
      for (int64_t r = 0; r < rows; ++r)
#pragma GCC ivdep
        for (int64_t n = 0; n < 4 * H; ++n) bias[n] += grad_gates[r * 4 * H + n];
    }
  }
}

// Each kernel is compiled three times: for AVX-512 CPUs (16 floats per instruction), for AVX2+FMA
// CPUs (8) and for the baseline x86-64 the build targets, chosen once by what the CPU reports. The
// maths is element-wise, so every variant gives the same numbers up to FMA contraction. (GCC's target_clones("arch=...")
// would dispatch on the CPU model name, not its features, and miss newer CPUs.)
#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx2,fma"))) void forward_rows_avx2(const StepForward& step, int64_t begin, int64_t end) {
  forward_rows<kAvx2>(step, begin, end);
}
__attribute__((target("avx2,fma"))) void backward_rows_avx2(const StepBackward& step, int64_t begin, int64_t end) {
  backward_rows<kAvx2>(step, begin, end);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void forward_rows_avx512(const StepForward& step, int64_t begin,
                                                                             int64_t end) {
  forward_rows<kAvx512>(step, begin, end);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void backward_rows_avx512(const StepBackward& step, int64_t begin,
                                                                              int64_t end) {
  backward_rows<kAvx512>(step, begin, end);
}
using vector_math::cpu_has_avx2_fma;
using vector_math::cpu_has_avx512;
#endif

}  // namespace

void step_forward(const StepForward& step, int64_t row_begin, int64_t row_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx512()) return forward_rows_avx512(step, row_begin, row_end);
  if (cpu_has_avx2_fma()) return forward_rows_avx2(step, row_begin, row_end);
#endif
  forward_rows<kBaseline>(step, row_begin, row_end);
}

void step_backward(const StepBackward& step, int64_t row_begin, int64_t row_end) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (cpu_has_avx512()) return backward_rows_avx512(step, row_begin, row_end);
  if (cpu_has_avx2_fma()) return backward_rows_avx2(step, row_begin, row_end);
#endif
  backward_rows<kBaseline>(step, row_begin, row_end);
}

}  // namespace achrome::lstm_kernels
