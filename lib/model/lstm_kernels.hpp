#pragma once
// The element-wise part of one LSTM time step, fused into one pass over raw float buffers.
//
// A time step of the lockstep LSTMs (lockstep_lstm.cpp) is one matrix product plus element-wise
// maths on [S sequences, B genes, H hidden] values: four gate nonlinearities, the cell update and
// the hidden state (and in backward their derivatives). Written as ATen operations that is ~15
// calls per step, each with dispatch overhead, a temporary and a full sweep over memory; at the
// model's sizes (H = 32, B = 16 while training) the sweeps dominate a training epoch. Here each
// (sequence, gene) row is handled once, in registers, with a vectorisable exp.
//
// Layout (row r = s * B + b): gates [S, B, 4H] in PyTorch's gate order (input, forget, cell
// candidate, output), with a sequence stride of its own; cell, hidden [S, B, H] contiguous. The functions handle rows
// [row_begin, row_end) so that callers can split the work across threads. Every pointer is required
// (callers pass zero buffers for the missing terms at the sequence ends) so the loops have no branches.
#include <cstdint>

namespace achrome::lstm_kernels {

// Where row (s, b) of step `time` lives in a bidirectional layer's output [G, T, B, 2H]; see StepForward.
struct LayerOutput {
  float* data = nullptr;
  int64_t groups = 0;  // G
  int64_t steps = 0;   // T
  int64_t time = 0;    // t, the step being computed
};

struct StepForward {
  int64_t batch = 0;   // B (to split a row into sequence and gene)
  int64_t hidden = 0;  // H
  // The recurrent term h_{t-1} W_hh^T is computed here, row block by row block, so that it is still in
  // the cache when the cell maths reads it (at these sizes, H = 32 and B = 16, a BLAS call per step
  // cost more in packing and dispatch than the product itself).
  const float* hidden_previous = nullptr;  // h_{t-1} [S, B, H]; null at t = 0 (h_0 = 0)
  const float* w_hh_transposed = nullptr;  // W_hh^T per sequence [S, H, 4H]
  // Out: the activated gates i, f, g, o (what backward needs). Row (s, b) at
  // gates + s * gates_sequence_stride + b * 4H: a stride of T * B * 4H stores a training trace
  // sequence-major [S, T, B, 4H], which backward's per-sequence weight gradients read without a copy.
  // Null when nothing keeps them (scoring): the kernel then works in a scratch buffer of its own.
  float* gates = nullptr;
  int64_t gates_sequence_stride = 0;
  // Level 1 has one count per bin: the input term is the rank-1 product x_t * w_ih added here
  // instead of materialised. x_t of row (s, b) is input[s * input_sequence_stride + b].
  const float* input = nullptr;
  int64_t input_sequence_stride = 0;
  const float* w_ih = nullptr;  // [S, 4H] (with input)
  // Otherwise a precomputed x_t W_ih^T, row (s, b) at input_term + s * input_term_sequence_stride + b * 4H.
  const float* input_term = nullptr;
  int64_t input_term_sequence_stride = 0;
  const float* bias = nullptr;        // [S, 4H] = b_ih + b_hh
  const float* cell_previous = nullptr;  // [S, B, H] (zeros at t = 0)
  float* cell = nullptr;              // out [S, B, H]
  float* hidden_state = nullptr;      // out [S, B, H]
  // Out: h_t again, straight into the bidirectional layer's output [G, T, B, 2H] (G = S / 2 LSTMs,
  // sequence s = d * G + g is direction d of LSTM g; direction 1 ran on the reversed sequence, so its
  // step t is position T - 1 - t), which saves the concatenation, flip and transposition copies.
  // Positions before genes keeps one step's writes together in memory.
  LayerOutput output;
};
void step_forward(const StepForward& step, int64_t row_begin, int64_t row_end);

struct StepBackward {
  int64_t batch = 0;                  // B (to split a row into sequence and gene)
  int64_t hidden = 0;                 // H
  // Activated gates of this step, laid out as in StepForward: row (s, b) at s * gates_sequence_stride + b * 4H.
  const float* gates = nullptr;
  int64_t gates_sequence_stride = 0;
  const float* cell_previous = nullptr;  // [S, B, H] (zeros at t = 0)
  // c_t [S, B, H]. Backward recomputes tanh(c_t) from it, with the forward pass's exact operations:
  // cheaper than writing a tanh trace to memory and reading it back.
  const float* cell = nullptr;
  LayerOutput grad_output;             // dL/dh_t from the layer's outputs, in the output layout (read only)
  // In: dL/dh_t through step t + 1 (g_{t+1} W_hh; zeros at the last step). Out, if w_hh is set:
  // dL/dh_{t-1} through this step, g_t W_hh, computed here while g_t is in the cache.
  float* grad_recurrent = nullptr;
  const float* w_hh = nullptr;        // [S, 4H, H]; null at t = 0 (nothing earlier needs the gradient)
  float* grad_cell = nullptr;         // in: dL/dc_t through step t + 1 (zeros at the last step); out: dL/dc_{t-1}
  // Out: dL/d(pre-activation gates), row (s, b) at s * grad_gates_sequence_stride + b * 4H: all steps
  // kept (T * B * 4H, for products over all steps afterwards) or this step's alone (B * 4H).
  float* grad_gates = nullptr;
  int64_t grad_gates_sequence_stride = 0;
  // Optional: the parameter gradients of this step added (+=) while g_t is in the cache, instead of one
  // matrix product over all steps afterwards (which OpenBLAS spends as long packing as multiplying at
  // these sizes). Only for callers that run the rows of a step as one task: the sums are not atomic.
  float* grad_w_hh = nullptr;              // [S, 4H, H] += g_t^T h_{t-1}
  const float* hidden_previous = nullptr;  // h_{t-1} [S, B, H]; null at t = 0 (h_{-1} = 0 adds nothing)
  float* grad_w_ih = nullptr;              // [S, 4H, I] += g_t^T x_t
  const float* input = nullptr;            // x_t of row (s, b) at input + s * input_sequence_stride + b * I
  int64_t input_sequence_stride = 0;
  int64_t inputs = 0;                      // I
  float* grad_bias = nullptr;              // [S, 4H] += sum over the rows of g_t
  // Optional: the same description for step t - 1. While a row of step t is computed, the kernel asks
  // the cache for that row's data of step t - 1 (software prefetch). The trace was written by the
  // forward pass long before and has left the L1 and L2 caches (12 MB per training batch of
  // AttentiveChrome's first level), and each step reads it in ten 8 KB pieces, one per sequence, too
  // short for the hardware prefetcher to get ahead: waiting for those loads had taken 38% of this
  // kernel's time. (A null grad_gates here: none to fetch, the buffer is step t's.)
  const StepBackward* earlier = nullptr;
};
void step_backward(const StepBackward& step, int64_t row_begin, int64_t row_end);

}  // namespace achrome::lstm_kernels
