#include "model/lockstep_lstm.hpp"

#include <stdexcept>
#include <string>

#include "model/lstm_kernels.hpp"

namespace achrome {

namespace {

// PyTorch names the parameters of direction 1 of a bidirectional LSTM with this suffix.
const char* const kDirectionSuffix[2] = {"", "_reverse"};

// By value: named_parameters() returns a new dictionary, so a reference into it would dangle
// (a heap-use-after-free that the ASan build reported).
torch::Tensor lstm_parameter(const torch::nn::LSTM& lstm, const std::string& name) {
  const auto parameters = lstm->named_parameters(/*recurse=*/false);
  const torch::Tensor* found = parameters.find(name);
  if (found == nullptr) throw std::logic_error("LSTM has no parameter " + name);
  return *found;
}

// Rows of a [S, B, .] step handled per task when the element-wise kernels are split across
// threads: a training batch (S = 10, B = 16) stays on one thread, where a fork/join would cost more
// than the work; scoring batches of hundreds of genes are split.
constexpr int64_t kRowsPerTask = 256;

float* float_data(const torch::Tensor& tensor) { return tensor.data_ptr<float>(); }

// What one run of the recurrence leaves for the backward pass ([T, S, B, .] each).
struct RecurrenceTrace {
  torch::Tensor gates;       // activated gates i, f, g, o, [S, T, B, 4H]
  torch::Tensor cells;       // c_t
  torch::Tensor tanh_cells;  // tanh(c_t)
  torch::Tensor states;      // h_t
};

// The recurrence of S independent single-layer LSTMs advanced in lockstep: at every step one
// batched matrix product advances all S sequences (marks x directions) instead of S small ones,
// and one fused kernel (lstm_kernels.cpp) does the cell's element-wise maths.
// The arithmetic per sequence is PyTorch's LSTM cell, gate order (input, forget, cell, output):
//   i, f, o = sigmoid(.), g = tanh(.), c' = f c + i g, h' = o tanh(c').
// Shapes: x [S, T, B, I] contiguous, sequence s = d * G + g being direction d of bidirectional LSTM
// g (direction 1 given the reversed input), w_ih [S, 4H, I], w_hh [S, 4H, H], bias [S, 4H] ->
// [G, T, B, 2H], PyTorch's bidirectional output per LSTM (forward-direction features first). With a trace,
// every step's activations are kept for backward; without, only two steps' cells and states are kept
// (scoring).
torch::Tensor lstm_recurrence(const torch::Tensor& x, const torch::Tensor& w_ih, const torch::Tensor& w_hh,
                              const torch::Tensor& bias, RecurrenceTrace* trace) {
  TORCH_CHECK(x.is_contiguous() && x.scalar_type() == torch::kFloat32 && x.device().is_cpu(),
              "lstm_recurrence needs a contiguous float32 CPU input");
  const int64_t sequences = x.size(0), steps = x.size(1), batch = x.size(2), inputs = x.size(3),
                hidden = w_hh.size(2), rows = sequences * batch;
  const auto options = x.options();
  const auto w_ih_c = w_ih.contiguous(), bias_c = bias.contiguous();
  const auto w_hh_t = w_hh.transpose(1, 2).contiguous();  // [S, H, 4H]: rows of W_hh^T for the kernel's product
  const int64_t groups = sequences / 2;
  auto output = torch::empty({groups, steps, batch, 2 * hidden}, options);
  auto states = torch::empty({trace ? steps : 2, sequences, batch, hidden}, options);
  torch::Tensor gates, cells, tanh_cells;
  if (trace) {
    gates = torch::empty({sequences, steps, batch, 4 * hidden}, options);  // sequence-major, see StepForward
    cells = torch::empty({steps, sequences, batch, hidden}, options);
    tanh_cells = torch::empty({steps, sequences, batch, hidden}, options);
  } else {
    cells = torch::empty({2, sequences, batch, hidden}, options);  // current and previous step
  }
  const auto zero_cell = torch::zeros({sequences, batch, hidden}, options);
  // One count per bin (level 1): the input term x_t * w_ih is a rank-1 product the kernel adds on
  // the fly. Wider inputs (level 2) get all steps' input terms from one matrix product.
  torch::Tensor input_term;
  if (inputs != 1)
    input_term = torch::bmm(x.view({sequences, steps * batch, inputs}), w_ih_c.transpose(1, 2));  // [S, T*B, 4H]

  lstm_kernels::StepForward step;
  step.batch = batch;
  step.hidden = hidden;
  step.bias = float_data(bias_c);
  step.w_hh_transposed = float_data(w_hh_t);
  step.gates_sequence_stride = steps * batch * 4 * hidden;
  step.output = {float_data(output), groups, steps, 0};
  if (inputs == 1) {
    step.w_ih = float_data(w_ih_c);
    step.input_sequence_stride = steps * batch;
  } else {
    step.input_term_sequence_stride = steps * batch * 4 * hidden;
  }
  for (int64_t t = 0; t < steps; ++t) {
    step.gates = trace ? float_data(gates) + t * batch * 4 * hidden : nullptr;
    step.hidden_previous = t == 0 ? nullptr : float_data(states[trace ? t - 1 : (t - 1) % 2]);  // h_0 = 0
    if (inputs == 1)
      step.input = float_data(x) + t * batch;
    else
      step.input_term = float_data(input_term) + t * batch * 4 * hidden;
    step.cell_previous = t == 0 ? float_data(zero_cell) : float_data(cells[trace ? t - 1 : (t - 1) % 2]);
    step.cell = float_data(cells[trace ? t : t % 2]);
    step.tanh_cell = trace ? float_data(tanh_cells[t]) : nullptr;
    step.hidden_state = float_data(states[trace ? t : t % 2]);
    step.output.time = t;
    at::parallel_for(0, rows, kRowsPerTask,
                     [&](int64_t begin, int64_t end) { lstm_kernels::step_forward(step, begin, end); });
  }
  if (trace) *trace = {gates, cells, tanh_cells, states};
  return output;
}

// Backpropagation through time for lstm_recurrence, written out so that a training step costs one
// fused kernel and one matrix product per bin instead of an autograd graph of a dozen nodes per bin.
class LockstepLstmFunction : public torch::autograd::Function<LockstepLstmFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& w_ih, const torch::Tensor& w_hh, const torch::Tensor& bias) {
    RecurrenceTrace trace;
    auto output = lstm_recurrence(x, w_ih, w_hh, bias, &trace);
    ctx->save_for_backward({x, w_ih, w_hh, trace.gates, trace.cells, trace.tanh_cells, trace.states});
    return output;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &w_ih = saved[1], &w_hh = saved[2], &gates = saved[3], &cells = saved[4],
               &tanh_cells = saved[5], &states = saved[6];
    const int64_t steps = x.size(1), sequences = x.size(0), batch = x.size(2), hidden = w_hh.size(2),
                  rows = sequences * batch;
    const auto grad_output = grad_outputs[0].contiguous();  // [G, T, B, 2H]
    auto grad_gates = torch::empty_like(gates);              // w.r.t. the pre-activation gates, [S, T, B, 4H]
    auto grad_recurrent = torch::zeros({sequences, batch, hidden}, x.options());  // dL/dh_t via step t + 1
    auto grad_cell = torch::zeros({sequences, batch, hidden}, x.options());
    const auto zero_cell = torch::zeros({sequences, batch, hidden}, x.options());
    const auto w_hh_c = w_hh.contiguous();
    lstm_kernels::StepBackward step;
    step.batch = batch;
    step.hidden = hidden;
    step.gates_sequence_stride = steps * batch * 4 * hidden;
    step.grad_recurrent = float_data(grad_recurrent);
    step.grad_cell = float_data(grad_cell);
    // A training batch runs each step as one task (rows <= kRowsPerTask): the kernel then also sums the
    // parameter gradients, step by step. Larger batches (saliency over scored genes) are split across
    // threads, and get them from matrix products over all steps afterwards.
    const bool one_task = rows <= kRowsPerTask;
    const int64_t inputs = x.size(3);
    torch::Tensor grad_w_hh, grad_w_ih, grad_bias;
    if (one_task) {
      grad_w_hh = torch::zeros({sequences, 4 * hidden, hidden}, x.options());
      grad_w_ih = torch::zeros({sequences, 4 * hidden, inputs}, x.options());
      grad_bias = torch::zeros({sequences, 4 * hidden}, x.options());
      step.grad_w_hh = float_data(grad_w_hh);
      step.grad_w_ih = float_data(grad_w_ih);
      step.grad_bias = float_data(grad_bias);
      step.input_sequence_stride = steps * batch * inputs;
      step.inputs = inputs;
    }
    for (int64_t t = steps - 1; t >= 0; --t) {
      if (one_task) {
        step.hidden_previous = t > 0 ? float_data(states[t - 1]) : nullptr;
        step.input = float_data(x) + t * batch * inputs;
      }
      step.gates = float_data(gates) + t * batch * 4 * hidden;
      step.cell_previous = t > 0 ? float_data(cells[t - 1]) : float_data(zero_cell);
      step.tanh_cell = float_data(tanh_cells[t]);
      step.grad_output = {float_data(grad_output), sequences / 2, steps, t};
      step.grad_gates = float_data(grad_gates) + t * batch * 4 * hidden;
      step.w_hh = t > 0 ? float_data(w_hh_c) : nullptr;  // grad_recurrent = grad_gates[t] W_hh for step t - 1
      at::parallel_for(0, rows, kRowsPerTask,
                       [&](int64_t begin, int64_t end) { lstm_kernels::step_backward(step, begin, end); });
    }
    const auto grad_flat = grad_gates.view({sequences, steps * batch, 4 * hidden});
    if (!one_task) {
      // Parameter gradients summed over all steps at once: [S, 4H, T*B] x [S, T*B, .].
      const auto previous_states =
          torch::cat({torch::zeros({1, sequences, batch, hidden}, x.options()), states.narrow(0, 0, steps - 1)}, 0)
              .permute({1, 0, 2, 3})
              .reshape({sequences, steps * batch, hidden});
      const auto grad_flat_t = grad_flat.transpose(1, 2);
      grad_w_hh = torch::bmm(grad_flat_t, previous_states);
      grad_w_ih = torch::bmm(grad_flat_t, x.reshape({sequences, steps * batch, inputs}));
      grad_bias = grad_flat.sum(1);
    }
    // A data input (level 1, the LSTM baselines) needs no gradient: saves a [S, T*B, 4H] x [S, 4H, I] product.
    torch::Tensor grad_x;
    if (ctx->needs_input_grad(0)) grad_x = torch::bmm(grad_flat, w_ih).view({sequences, steps, batch, x.size(3)});
    return {grad_x, grad_w_ih, grad_w_hh, grad_bias};
  }
};

}  // namespace

StackedLstmWeights stack_lstm_weights(const std::vector<torch::nn::LSTM>& lstms) {
  std::vector<torch::Tensor> w_ih, w_hh, bias;
  for (int direction = 0; direction < 2; ++direction) {
    const std::string suffix = kDirectionSuffix[direction];
    for (const auto& lstm : lstms) {
      w_ih.push_back(lstm_parameter(lstm, "weight_ih_l0" + suffix));
      w_hh.push_back(lstm_parameter(lstm, "weight_hh_l0" + suffix));
      bias.push_back(lstm_parameter(lstm, "bias_ih_l0" + suffix) + lstm_parameter(lstm, "bias_hh_l0" + suffix));
    }
  }
  return {torch::stack(w_ih), torch::stack(w_hh), torch::stack(bias)};
}

torch::Tensor lockstep_bilstm(const torch::Tensor& x, const StackedLstmWeights& weights) {
  const int64_t groups = x.size(0);
  // The reverse direction reads the sequence from its last position: it is fed the flipped sequence,
  // and the kernel writes its outputs back in position order.
  const auto both = torch::cat({x, x.flip({1})}, 0).contiguous();  // [2G, T, B, I]
  TORCH_CHECK(both.size(0) == 2 * groups);
  if (torch::GradMode::is_enabled()) return LockstepLstmFunction::apply(both, weights.w_ih, weights.w_hh, weights.bias);
  return lstm_recurrence(both, weights.w_ih, weights.w_hh, weights.bias, nullptr);
}

}  // namespace achrome
