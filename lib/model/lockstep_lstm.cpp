#include "model/lockstep_lstm.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/lstm_kernels.hpp"

namespace achrome {

namespace {

// PyTorch's names of one direction's parameters, in the order the parameter list keeps them
// (see lstm_parameters), and the suffix of direction 1 of a bidirectional LSTM.
constexpr int kParametersPerSequence = 4;
const char* const kParameterNames[kParametersPerSequence] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                                             "bias_hh_l0"};
const char* const kDirectionSuffix[2] = {"", "_reverse"};

// The parameters of G bidirectional LSTMs as one list: sequence s = d * G + g (direction d of LSTM g)
// at 4s .. 4s + 3 as w_ih, w_hh, b_ih, b_hh. One named_parameters() per LSTM: each call builds a new
// dictionary, which per parameter and batch cost more than the packing.
std::vector<torch::Tensor> lstm_parameters(const std::vector<torch::nn::LSTM>& lstms) {
  const auto groups = lstms.size();
  std::vector<torch::Tensor> list(kParametersPerSequence * 2 * groups);
  for (std::size_t g = 0; g < groups; ++g) {
    // By value: named_parameters() returns a new dictionary, so a reference into it would dangle
    // (a heap-use-after-free that the ASan build reported).
    const auto parameters = lstms[g]->named_parameters(/*recurse=*/false);
    for (std::size_t direction = 0; direction < 2; ++direction)
      for (int k = 0; k < kParametersPerSequence; ++k) {
        const std::string name = std::string(kParameterNames[k]) + kDirectionSuffix[direction];
        const torch::Tensor* found = parameters.find(name);
        if (found == nullptr) throw std::logic_error("LSTM has no parameter " + name);
        list[kParametersPerSequence * (direction * groups + g) + k] = *found;
      }
  }
  return list;
}

// Rows of a [S, B, .] step handled per task when the element-wise kernels are split across
// threads: a training batch (S = 10, B = 16) stays on one thread, where a fork/join would cost more
// than the work; scoring batches of hundreds of genes are split.
constexpr int64_t kRowsPerTask = 256;

float* float_data(const torch::Tensor& tensor) { return tensor.data_ptr<float>(); }

// The parameters of the 2G sequences in the layouts the kernels read, packed by plain loops: one
// allocation per layout instead of a stack, a bias addition per sequence, a transposed copy and the
// autograd nodes of each (per batch, their overhead cost about as much as a tenth of the recurrence).
struct PackedWeights {
  torch::Tensor w_ih;             // [S, 4H, I]
  torch::Tensor w_hh;             // [S, 4H, H]; only when backward needs it (undefined otherwise)
  torch::Tensor w_hh_transposed;  // [S, H, 4H]: rows of W_hh^T for the forward kernel's product
  torch::Tensor bias;             // [S, 4H] = b_ih + b_hh (they only ever appear summed)
};

const torch::Tensor& checked_parameter(torch::TensorList parameters, std::size_t index, int64_t rows, int64_t columns) {
  const auto& parameter = parameters[index];
  const bool matrix = columns > 0;
  TORCH_CHECK(parameter.scalar_type() == torch::kFloat32 && parameter.device().is_cpu() &&
                  parameter.dim() == (matrix ? 2 : 1) && parameter.size(0) == rows &&
                  (!matrix || parameter.size(1) == columns),
              "lockstep LSTM: parameter ", kParameterNames[index % kParametersPerSequence], " of sequence ",
              index / kParametersPerSequence, " is ", parameter.sizes(), ", expected float32 CPU [", rows,
              matrix ? ", " + std::to_string(columns) : std::string(), "]");
  return parameter;
}

PackedWeights pack_weights(torch::TensorList parameters, bool for_backward) {
  TORCH_CHECK(!parameters.empty() && parameters.size() % (2 * kParametersPerSequence) == 0,
              "lockstep LSTM: expected 8 parameters per bidirectional LSTM, got ", parameters.size());
  const int64_t sequences = static_cast<int64_t>(parameters.size()) / kParametersPerSequence;
  const int64_t gates = parameters[0].size(0), inputs = parameters[0].size(1), hidden = parameters[1].size(1);
  TORCH_CHECK(gates == 4 * hidden, "lockstep LSTM: weight_ih_l0 has ", gates, " rows for hidden size ", hidden);
  const auto options = parameters[0].options().requires_grad(false);
  PackedWeights packed;
  packed.w_ih = torch::empty({sequences, gates, inputs}, options);
  packed.w_hh_transposed = torch::empty({sequences, hidden, gates}, options);
  packed.bias = torch::empty({sequences, gates}, options);
  if (for_backward) packed.w_hh = torch::empty({sequences, gates, hidden}, options);
  for (int64_t s = 0; s < sequences; ++s) {
    const std::size_t first = kParametersPerSequence * s;
    const auto w_ih = checked_parameter(parameters, first, gates, inputs).contiguous();
    const auto w_hh = checked_parameter(parameters, first + 1, gates, hidden).contiguous();
    const auto b_ih = checked_parameter(parameters, first + 2, gates, 0).contiguous();
    const auto b_hh = checked_parameter(parameters, first + 3, gates, 0).contiguous();
    std::copy_n(float_data(w_ih), gates * inputs, float_data(packed.w_ih) + s * gates * inputs);
    const float* hh = float_data(w_hh);
    if (for_backward) std::copy_n(hh, gates * hidden, float_data(packed.w_hh) + s * gates * hidden);
    float* transposed = float_data(packed.w_hh_transposed) + s * hidden * gates;
    for (int64_t n = 0; n < gates; ++n)
      for (int64_t j = 0; j < hidden; ++j) transposed[j * gates + n] = hh[n * hidden + j];
    const float *bi = float_data(b_ih), *bh = float_data(b_hh);
    float* bias = float_data(packed.bias) + s * gates;
    for (int64_t n = 0; n < gates; ++n) bias[n] = bi[n] + bh[n];
  }
  return packed;
}

// Genes per block of both_directions' copy: a level-1 input is a view of the batch [B, T, M], so
// consecutive genes of one (mark, position) lie a whole gene window apart; a block's windows stay in
// the cache while its marks and positions are copied out (one gene at a time, every read missed).
constexpr int64_t kGenesPerCopyBlock = 16;

// The input of all 2G sequences, [2G, T, B, I] contiguous, from x [G, T, B, I] (any strides): the
// reverse direction reads the sequence from its last position, so it is fed the flipped sequence (the
// kernel writes its outputs back in position order).
torch::Tensor both_directions(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.scalar_type() == torch::kFloat32 && x.device().is_cpu(),
              "lockstep LSTM: expected a float32 CPU input [G, T, B, I], got ", x.sizes());
  const int64_t groups = x.size(0), steps = x.size(1), batch = x.size(2), inputs = x.size(3);
  auto both = torch::empty({2 * groups, steps, batch, inputs}, x.options().requires_grad(false));
  const float* source = x.data_ptr<float>();
  const int64_t sg = x.stride(0), st = x.stride(1), sb = x.stride(2), si = x.stride(3);
  float* forward = float_data(both);
  float* reverse = forward + groups * steps * batch * inputs;
  for (int64_t block = 0; block < batch; block += kGenesPerCopyBlock) {
    const int64_t block_end = std::min(batch, block + kGenesPerCopyBlock);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t t = 0; t < steps; ++t) {
        float* f = forward + (g * steps + t) * batch * inputs;
        float* r = reverse + (g * steps + (steps - 1 - t)) * batch * inputs;
        const float* from = source + g * sg + t * st;
        if (inputs == 1) {  // level 1: one count per bin
          for (int64_t b = block; b < block_end; ++b) f[b] = r[b] = from[b * sb];
        } else {
          for (int64_t b = block; b < block_end; ++b)
            for (int64_t i = 0; i < inputs; ++i) f[b * inputs + i] = r[b * inputs + i] = from[b * sb + i * si];
        }
      }
  }
  return both;
}

// What one run of the recurrence leaves for the backward pass.
struct RecurrenceTrace {
  torch::Tensor gates;   // activated gates i, f, g, o, [S, T, B, 4H]
  torch::Tensor cells;   // c_t, [T, S, B, H] (backward recomputes tanh(c_t) from them)
  torch::Tensor states;  // h_t, [T, S, B, H]
};

// The recurrence of S independent single-layer LSTMs advanced in lockstep: at every step one
// batched matrix product advances all S sequences (marks x directions) instead of S small ones,
// and one fused kernel (lstm_kernels.cpp) does the cell's element-wise maths.
// The arithmetic per sequence is PyTorch's LSTM cell, gate order (input, forget, cell, output):
//   i, f, o = sigmoid(.), g = tanh(.), c' = f c + i g, h' = o tanh(c').
// Shapes: x [S, T, B, I] contiguous, sequence s = d * G + g being direction d of bidirectional LSTM
// g (direction 1 given the reversed input), weights packed for S sequences ->
// [G, T, B, 2H], PyTorch's bidirectional output per LSTM (forward-direction features first). With a trace,
// every step's activations are kept for backward; without, only two steps' cells and states are kept
// (scoring). The steps' buffers are addressed by pointer arithmetic: indexing a tensor per step is an
// ATen operation each, several per step.
torch::Tensor lstm_recurrence(const torch::Tensor& x, const PackedWeights& weights, RecurrenceTrace* trace) {
  TORCH_CHECK(x.is_contiguous() && x.scalar_type() == torch::kFloat32 && x.device().is_cpu(),
              "lstm_recurrence needs a contiguous float32 CPU input");
  const int64_t sequences = x.size(0), steps = x.size(1), batch = x.size(2), inputs = x.size(3),
                hidden = weights.w_hh_transposed.size(1), rows = sequences * batch;
  TORCH_CHECK(weights.w_ih.size(0) == sequences && weights.w_ih.size(2) == inputs, "lockstep LSTM: input ",
              x.sizes(), " does not fit weights ", weights.w_ih.sizes());
  const auto options = x.options();
  const int64_t groups = sequences / 2;
  auto output = torch::empty({groups, steps, batch, 2 * hidden}, options);
  auto states = torch::empty({trace ? steps : 2, sequences, batch, hidden}, options);
  torch::Tensor gates, cells;
  if (trace) {
    gates = torch::empty({sequences, steps, batch, 4 * hidden}, options);  // sequence-major, see StepForward
    cells = torch::empty({steps, sequences, batch, hidden}, options);
  } else {
    cells = torch::empty({2, sequences, batch, hidden}, options);  // current and previous step
  }
  const auto zero_cell = torch::zeros({sequences, batch, hidden}, options);
  // One count per bin (level 1): the input term x_t * w_ih is a rank-1 product the kernel adds on
  // the fly. Wider inputs (level 2) get all steps' input terms from one matrix product.
  torch::Tensor input_term;
  if (inputs != 1)
    input_term = torch::bmm(x.view({sequences, steps * batch, inputs}), weights.w_ih.transpose(1, 2));  // [S, T*B, 4H]

  lstm_kernels::StepForward step;
  step.batch = batch;
  step.hidden = hidden;
  step.bias = float_data(weights.bias);
  step.w_hh_transposed = float_data(weights.w_hh_transposed);
  step.gates_sequence_stride = steps * batch * 4 * hidden;
  step.output = {float_data(output), groups, steps, 0};
  if (inputs == 1) {
    step.w_ih = float_data(weights.w_ih);
    step.input_sequence_stride = steps * batch;
  } else {
    step.input_term_sequence_stride = steps * batch * 4 * hidden;
  }
  // Step t's slice of the [T or 2, S, B, H] buffers: a trace keeps every step, scoring alternates two.
  const int64_t step_size = sequences * batch * hidden;
  float *states_data = float_data(states), *cells_data = float_data(cells);
  auto slot = [&](int64_t t) { return (trace ? t : t % 2) * step_size; };
  for (int64_t t = 0; t < steps; ++t) {
    step.gates = trace ? float_data(gates) + t * batch * 4 * hidden : nullptr;
    step.hidden_previous = t == 0 ? nullptr : states_data + slot(t - 1);  // h_0 = 0
    if (inputs == 1)
      step.input = float_data(x) + t * batch;
    else
      step.input_term = float_data(input_term) + t * batch * 4 * hidden;
    step.cell_previous = t == 0 ? float_data(zero_cell) : cells_data + slot(t - 1);
    step.cell = cells_data + slot(t);
    step.hidden_state = states_data + slot(t);
    step.output.time = t;
    at::parallel_for(0, rows, kRowsPerTask,
                     [&](int64_t begin, int64_t end) { lstm_kernels::step_forward(step, begin, end); });
  }
  if (trace) *trace = {gates, cells, states};
  return output;
}

// Backpropagation through time for lstm_recurrence, written out so that a training step costs one
// fused kernel and one matrix product per bin instead of an autograd graph of a dozen nodes per bin.
// The function takes the LSTMs' parameters themselves (a list, see lstm_parameters) and the input of
// the forward direction: packing the weights and both directions' input happens inside, so that
// autograd sees one node per layer, and backward returns each parameter's gradient directly.
class LockstepLstmFunction : public torch::autograd::Function<LockstepLstmFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               torch::TensorList parameters) {
    const auto weights = pack_weights(parameters, /*for_backward=*/true);
    const auto both = both_directions(x);
    RecurrenceTrace trace;
    auto output = lstm_recurrence(both, weights, &trace);
    ctx->save_for_backward({both, weights.w_ih, weights.w_hh, trace.gates, trace.cells, trace.states});
    return output;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &w_ih = saved[1], &w_hh = saved[2], &gates = saved[3], &cells = saved[4],
               &states = saved[5];
    const int64_t steps = x.size(1), sequences = x.size(0), batch = x.size(2), hidden = w_hh.size(2),
                  rows = sequences * batch, step_size = sequences * batch * hidden;
    const auto grad_output = grad_outputs[0].contiguous();  // [G, T, B, 2H]
    auto grad_recurrent = torch::zeros({sequences, batch, hidden}, x.options());  // dL/dh_t via step t + 1
    auto grad_cell = torch::zeros({sequences, batch, hidden}, x.options());
    const auto zero_cell = torch::zeros({sequences, batch, hidden}, x.options());
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
    // The gradients w.r.t. the pre-activation gates, [S, T, B, 4H], are kept for all steps only where
    // products over all steps read them afterwards (the parameter gradients of a large batch, the
    // input gradient). Otherwise each step's, [S, B, 4H], is used up within the step and stays in the
    // cache: at AttentiveChrome's first level that saves writing 8 MB per training batch to memory.
    const bool keep_all_steps = !one_task || ctx->needs_input_grad(0);
    const int64_t kept_steps = keep_all_steps ? steps : 1;
    auto grad_gates = torch::empty({sequences, kept_steps, batch, 4 * hidden}, x.options());
    step.grad_gates_sequence_stride = kept_steps * batch * 4 * hidden;
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
    const float *states_data = float_data(states), *cells_data = float_data(cells);
    // Step t's buffers in `described` (the rest stays as set above).
    auto describe = [&](int64_t t, lstm_kernels::StepBackward& described) {
      if (one_task) {
        described.hidden_previous = t > 0 ? states_data + (t - 1) * step_size : nullptr;
        described.input = float_data(x) + t * batch * inputs;
      }
      described.gates = float_data(gates) + t * batch * 4 * hidden;
      described.cell_previous = t > 0 ? cells_data + (t - 1) * step_size : float_data(zero_cell);
      described.cell = cells_data + t * step_size;
      described.grad_output = {float_data(grad_output), sequences / 2, steps, t};
      described.grad_gates = float_data(grad_gates) + (keep_all_steps ? t : 0) * batch * 4 * hidden;
      described.w_hh = t > 0 ? float_data(w_hh) : nullptr;  // grad_recurrent = grad_gates[t] W_hh for step t - 1
    };
    lstm_kernels::StepBackward earlier = step;  // step t - 1, whose rows the kernel fetches ahead
    for (int64_t t = steps - 1; t >= 0; --t) {
      describe(t, step);
      if (t > 0) describe(t - 1, earlier);
      if (!keep_all_steps) earlier.grad_gates = nullptr;  // the same buffer as step t's: in the cache
      step.earlier = t > 0 ? &earlier : nullptr;
      at::parallel_for(0, rows, kRowsPerTask,
                       [&](int64_t begin, int64_t end) { lstm_kernels::step_backward(step, begin, end); });
    }
    torch::Tensor grad_flat;  // [S, T*B, 4H]
    if (keep_all_steps) grad_flat = grad_gates.view({sequences, steps * batch, 4 * hidden});
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

    torch::autograd::variable_list grads(1 + kParametersPerSequence * sequences);
    // A data input (level 1, the LSTM baselines) needs no gradient: saves a [S, T*B, 4H] x [S, 4H, I] product.
    if (ctx->needs_input_grad(0)) {
      // Both directions' input gradients, summed per position of x (direction 1 saw it reversed); a sum
      // of two, so the order is immaterial.
      const auto grad_both = torch::bmm(grad_flat, w_ih);  // [S, T*B, I]
      const int64_t groups = sequences / 2, per_step = batch * inputs;
      auto grad_x = torch::empty({groups, steps, batch, inputs}, x.options());
      const float* forward = float_data(grad_both);
      const float* reverse = forward + groups * steps * per_step;
      float* out = float_data(grad_x);
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t t = 0; t < steps; ++t) {
          const float* a = forward + (g * steps + t) * per_step;
          const float* b = reverse + (g * steps + (steps - 1 - t)) * per_step;
          float* o = out + (g * steps + t) * per_step;
          for (int64_t k = 0; k < per_step; ++k) o[k] = a[k] + b[k];
        }
      grads[0] = grad_x;
    }
    // Each parameter's gradient is its sequence's slice of the summed buffers. The two biases get the
    // same values in separate memory: autograd may keep a returned gradient as the parameter's .grad
    // and accumulate into it in place later, which must not change the other bias's.
    const auto grad_bias_hh = grad_bias.clone();
    for (int64_t s = 0; s < sequences; ++s) {
      const std::size_t first = 1 + kParametersPerSequence * s;
      grads[first] = grad_w_ih[s];
      grads[first + 1] = grad_w_hh[s];
      grads[first + 2] = grad_bias[s];
      grads[first + 3] = grad_bias_hh[s];
    }
    return grads;
  }
};

}  // namespace

torch::Tensor lockstep_bilstm(const torch::Tensor& x, const std::vector<torch::nn::LSTM>& lstms) {
  TORCH_CHECK(x.dim() == 4 && x.size(0) == static_cast<int64_t>(lstms.size()), "lockstep_bilstm: input ",
              x.sizes(), " for ", lstms.size(), " LSTMs");
  const auto parameters = lstm_parameters(lstms);
  bool differentiable = x.requires_grad();
  for (const auto& parameter : parameters) differentiable = differentiable || parameter.requires_grad();
  if (torch::GradMode::is_enabled() && differentiable) return LockstepLstmFunction::apply(x, torch::TensorList(parameters));
  return lstm_recurrence(both_directions(x), pack_weights(parameters, /*for_backward=*/false), nullptr);
}

}  // namespace achrome
