#include "model/attentive_chrome.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "model/attention_kernels.hpp"
#include "model/lockstep_lstm.hpp"
#include "util/error.hpp"

namespace achrome {

ContextAttentionImpl::ContextAttentionImpl(int64_t representation_size) {
  bin_context_vector = register_parameter("bin_context_vector", torch::empty({representation_size, 1}));
  torch::NoGradGuard no_grad;
  bin_context_vector.uniform_(-0.1, 0.1);  // as the published rec_attention
}

namespace {

float* float_data(const torch::Tensor& tensor) { return tensor.data_ptr<float>(); }

// Paper eqs. 2-3 (and 5-6) for G encoders at once, forward and backward written out in
// attention_kernels.cpp: a training step costs two passes over the sequence each way instead of
// a dozen ATen operations and their temporaries. The encoders' context vectors come as a list, packed
// here, and backward returns each one's gradient, so that no stack (and its backward) runs per batch.
class AttentionPoolFunction : public torch::autograd::Function<AttentionPoolFunction> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& sequence,
                                                torch::TensorList contexts) {
    const auto shape = shape_of(sequence);
    auto context = torch::empty({shape.groups, shape.features}, sequence.options().requires_grad(false));
    for (int64_t g = 0; g < shape.groups; ++g) {
      const auto vector = contexts[g].contiguous();
      std::copy_n(float_data(vector), shape.features, float_data(context) + g * shape.features);
    }
    auto weights = torch::empty({shape.groups, shape.positions, shape.genes}, sequence.options());
    auto pooled = torch::empty({shape.groups, shape.genes, shape.features}, sequence.options());
    attention_kernels::pool_forward(shape, float_data(sequence), float_data(context), float_data(weights),
                                    float_data(pooled), 0, shape.genes);
    ctx->save_for_backward({sequence, context, weights});
    return {weights, pooled};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &sequence = saved[0], &context = saved[1], &weights = saved[2];
    const auto shape = shape_of(sequence);
    const auto grad_weights = grad_outputs[0].defined() ? grad_outputs[0].contiguous() : torch::Tensor();
    const auto grad_pooled = grad_outputs[1].defined() ? grad_outputs[1].contiguous()
                                                       : torch::zeros({shape.groups, shape.genes, shape.features},
                                                                      sequence.options());
    bool context_grad = false;
    for (int64_t g = 0; g < shape.groups; ++g) context_grad = context_grad || ctx->needs_input_grad(1 + g);
    auto scratch = torch::empty_like(weights);
    torch::Tensor grad_sequence, grad_context;
    if (ctx->needs_input_grad(0)) grad_sequence = torch::empty_like(sequence);
    if (context_grad) grad_context = torch::zeros_like(context);
    attention_kernels::pool_backward(shape, float_data(sequence), float_data(context), float_data(weights),
                                     float_data(grad_pooled), grad_weights.defined() ? float_data(grad_weights) : nullptr,
                                     float_data(scratch), grad_sequence.defined() ? float_data(grad_sequence) : nullptr,
                                     grad_context.defined() ? float_data(grad_context) : nullptr, 0, shape.genes);
    torch::autograd::variable_list grads(1 + shape.groups);
    grads[0] = grad_sequence;
    // Each encoder's context vector is a [D, 1] parameter.
    if (context_grad)
      for (int64_t g = 0; g < shape.groups; ++g) grads[1 + g] = grad_context[g].unsqueeze(1);
    return grads;
  }

 private:
  static attention_kernels::Shape shape_of(const torch::Tensor& sequence) {
    return {sequence.size(0), sequence.size(1), sequence.size(2), sequence.size(3)};
  }
};

}  // namespace

std::tuple<torch::Tensor, torch::Tensor> ContextAttentionImpl::attend(const torch::Tensor& sequence,
                                                                      const std::vector<torch::Tensor>& contexts) {
  TORCH_CHECK(sequence.dim() == 4 && sequence.scalar_type() == torch::kFloat32 && sequence.device().is_cpu(),
              "attend expects a float32 CPU sequence [G, T, B, D], got ", sequence.sizes());
  TORCH_CHECK(static_cast<int64_t>(contexts.size()) == sequence.size(0), "attend: ", contexts.size(),
              " context vectors for ", sequence.size(0), " encoders");
  for (const auto& context : contexts)
    TORCH_CHECK(context.numel() == sequence.size(3) && context.scalar_type() == torch::kFloat32 &&
                    context.device().is_cpu(),
                "attend: context ", context.sizes(), " does not fit sequence ", sequence.sizes());
  auto out = AttentionPoolFunction::apply(sequence.contiguous(), torch::TensorList(contexts));
  return {out[0], out[1]};
}

RecurrentEncoderImpl::RecurrentEncoderImpl(int64_t input_size, int64_t hidden_size) {
  rnn = register_module("rnn", torch::nn::LSTM(torch::nn::LSTMOptions(input_size, hidden_size)
                                                   .num_layers(1)
                                                   .bidirectional(true)));
  bin_attention = register_module("bin_attention", ContextAttention(2 * hidden_size));
}

AttentiveChromeImpl::AttentiveChromeImpl(AttentiveChromeOptions options)
    : ExpressionModelImpl("attentivechrome", options.marks, options.bins), options_(options) {
  if (options_.marks < 1 || options_.bin_hidden < 1 || options_.mark_hidden < 1)
    fail("AttentiveChrome needs at least one mark and positive hidden sizes");
  rnn_hms = register_module("rnn_hms", torch::nn::ModuleList());
  for (int64_t mark = 0; mark < options_.marks; ++mark) {
    mark_encoders_.emplace_back(1, options_.bin_hidden);  // one count per bin: input size 1
    rnn_hms->push_back(mark_encoders_.back());
  }
  hm_level_rnn_1 = register_module("hm_level_rnn_1", RecurrentEncoder(2 * options_.bin_hidden, options_.mark_hidden));
  fdiff1_1 = register_module("fdiff1_1", torch::nn::Linear(2 * options_.mark_hidden, 1));
  reset_uniform();
}

void AttentiveChromeImpl::reset_uniform(double bound) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : parameters()) parameter.uniform_(-bound, bound);
}

AttentiveChromeOutput AttentiveChromeImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options_.marks, "AttentiveChrome expects input [genes, bins, ",
              options_.marks, "], got ", x.sizes());
  // Level 1: every mark's bin sequence, marks first: [M, T, B, 1].
  const auto bins_by_mark = x.permute({2, 1, 0}).unsqueeze(3);
  std::vector<torch::nn::LSTM> bin_lstms;
  std::vector<torch::Tensor> bin_contexts;
  for (const auto& encoder : mark_encoders_) {
    bin_lstms.push_back(encoder->rnn);
    bin_contexts.push_back(encoder->bin_attention->bin_context_vector);
  }
  const auto bin_states = lockstep_bilstm(bins_by_mark, bin_lstms);  // [M, T, B, 2Hb]
  auto [alpha, mark_embeddings] = ContextAttentionImpl::attend(bin_states, bin_contexts);

  // Level 2: the sequence of mark embeddings in column order, one LSTM: [1, M, B, 2Hb].
  const auto mark_states = lockstep_bilstm(mark_embeddings.unsqueeze(0), {hm_level_rnn_1->rnn});
  auto [beta, gene_representation] = ContextAttentionImpl::attend(
      mark_states, {hm_level_rnn_1->bin_attention->bin_context_vector});

  AttentiveChromeOutput out;
  out.logits = fdiff1_1->forward(gene_representation.squeeze(0)).squeeze(1);
  out.alpha = alpha.permute({2, 0, 1});  // [M, T, B] -> [B, M, T]
  out.beta = beta.squeeze(0).t();        // [1, M, B] -> [B, M]
  return out;
}

AttentiveChromeOutput AttentiveChromeImpl::forward_reference(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options_.marks, "AttentiveChrome expects input [genes, bins, ",
              options_.marks, "], got ", x.sizes());
  // As models.py: each mark's column becomes a sequence-first [T, B, 1] LSTM input.
  auto encode = [](RecurrentEncoder& encoder, const torch::Tensor& sequence_first) {
    const auto states = std::get<0>(encoder->rnn->forward(sequence_first)).permute({1, 0, 2});  // [B, T, D]
    const auto scores = torch::matmul(states, encoder->bin_attention->bin_context_vector).squeeze(2);
    const auto weights = torch::softmax(scores, 1);
    const auto pooled = torch::bmm(weights.unsqueeze(1), states);  // [B, 1, D]
    return std::make_pair(pooled, weights);
  };
  std::vector<torch::Tensor> embeddings, alphas;
  for (std::size_t mark = 0; mark < mark_encoders_.size(); ++mark) {
    const auto column = x.select(2, static_cast<int64_t>(mark)).t().unsqueeze(2);
    auto [embedding, alpha] = encode(mark_encoders_[mark], column);
    embeddings.push_back(embedding);
    alphas.push_back(alpha.unsqueeze(1));
  }
  const auto level1 = torch::cat(embeddings, 1).permute({1, 0, 2});  // [M, B, 2Hb]
  auto [representation, beta] = encode(hm_level_rnn_1, level1);
  AttentiveChromeOutput out;
  out.logits = fdiff1_1->forward(representation.squeeze(1)).squeeze(1);
  out.alpha = torch::cat(alphas, 1);
  out.beta = beta;
  return out;
}

// ---------------------------------------------------------------------------------------------

AttentiveChromeOptions infer_options_from_state_dict_file(const std::filesystem::path& path) {
  const auto tensors = read_tensor_dict(path);
  AttentiveChromeOptions options;
  options.marks = 0;
  while (tensors.count(fmt::format("rnn_hms.{}.rnn.weight_ih_l0", options.marks))) ++options.marks;
  if (options.marks == 0) fail("{}: missing key 'rnn_hms.0.rnn.weight_ih_l0' (not an AttentiveChrome state_dict)", path.string());
  const auto bin_hh = tensors.find("rnn_hms.0.rnn.weight_hh_l0");
  const auto mark_hh = tensors.find("hm_level_rnn_1.rnn.weight_hh_l0");
  if (bin_hh == tensors.end()) fail("{}: missing key 'rnn_hms.0.rnn.weight_hh_l0'", path.string());
  if (mark_hh == tensors.end()) fail("{}: missing key 'hm_level_rnn_1.rnn.weight_hh_l0'", path.string());
  if (bin_hh->second.dim() != 2 || mark_hh->second.dim() != 2)
    fail("{}: LSTM hidden weights must be matrices", path.string());
  options.bin_hidden = bin_hh->second.size(1);
  options.mark_hidden = mark_hh->second.size(1);
  return options;
}

}  // namespace achrome
