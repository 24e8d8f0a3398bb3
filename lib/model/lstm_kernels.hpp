#pragma once
// The element-wise part of one LSTM time step, fused into one pass over raw float buffers.
//
// A time step of the lockstep LSTMs (attentive_chrome.cpp) is one matrix product plus element-wise
// maths on [S sequences, B genes, H hidden] values: four gate nonlinearities, the cell update and
// the hidden state (and in backward their derivatives). Written as ATen operations that is ~15
// calls per step, each with dispatch overhead, a temporary and a full sweep over memory; at the
// model's sizes (H = 32, B = 16 while training) the sweeps dominate a training epoch. Here each
// (sequence, gene) row is handled once, in registers, with a vectorisable exp.
//
// Layout (all contiguous, row r = s * B + b): gates [S, B, 4H] in PyTorch's gate order (input,
// forget, cell candidate, output); cell, hidden [S, B, H]. The functions handle rows
// [row_begin, row_end) so that callers can split the work across threads. Every pointer is required
// (callers pass zero buffers for the missing terms at the sequence ends) so the loops have no branches.
#include <cstdint>

namespace achrome::lstm_kernels {

struct StepForward {
  int64_t batch = 0;   // B (to split a row into sequence and gene)
  int64_t hidden = 0;  // H
  // In: the recurrent term h_{t-1} W_hh^T (zeros at t = 0) plus, if input_term is null, nothing
  // else. Out: the activated gates i, f, g, o (what backward needs).
  float* gates = nullptr;
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
  float* tanh_cell = nullptr;         // out [S, B, H] (backward reuses it)
  float* hidden_state = nullptr;      // out [S, B, H]
};
void step_forward(const StepForward& step, int64_t row_begin, int64_t row_end);

struct StepBackward {
  int64_t hidden = 0;                 // H
  const float* gates = nullptr;       // activated gates of this step [S, B, 4H]
  const float* cell_previous = nullptr;  // [S, B, H] (zeros at t = 0)
  const float* tanh_cell = nullptr;   // tanh(c_t) [S, B, H]
  const float* grad_output = nullptr;   // dL/dh_t from the layer's outputs [S, B, H]
  const float* grad_recurrent = nullptr;  // dL/dh_t through step t + 1 (g_{t+1} W_hh); zeros at the last step
  float* grad_cell = nullptr;         // in: dL/dc_t through step t + 1 (zeros at the last step); out: dL/dc_{t-1}
  float* grad_gates = nullptr;        // out: dL/d(pre-activation gates) [S, B, 4H]
};
void step_backward(const StepBackward& step, int64_t row_begin, int64_t row_end);

}  // namespace achrome::lstm_kernels
