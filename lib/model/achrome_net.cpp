#include "model/achrome_net.hpp"

#include <cmath>

#include "model/cnn_models.hpp"
#include "model/conv_attention.hpp"
#include "util/error.hpp"

namespace achrome {

AchromeNetImpl::AchromeNetImpl(AchromeNetOptions options)
    : ExpressionModelImpl("achrome-net", options.marks, options.bins), options_(options) {
  if (options_.marks < 1 || options_.bins < 1 || options_.channels < 1 || options_.kernel < 1 || options_.hidden < 1)
    fail("achrome-net needs at least one mark and bin and positive channels, kernel and hidden");
  const int64_t marks = options_.marks, channels = options_.channels, hidden = options_.hidden;
  // groups = marks: output channels [m * channels, (m + 1) * channels) read mark m's three input
  // channels (3m .. 3m + 2) alone.
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(marks * kInputChannels, marks * channels,
                                                                            options_.kernel)
                                                       .groups(marks)));
  bin_context = register_parameter("bin_context", torch::empty({marks, channels}));
  encoder_weight = register_parameter("encoder_weight", torch::empty({marks, channels, hidden}));
  encoder_bias = register_parameter("encoder_bias", torch::empty({marks, hidden}));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
  mark_attention = register_module("mark_attention", ContextAttention(hidden));
  output = register_module("output", torch::nn::Linear(hidden, 1));
  reset_parameters();
}

void AchromeNetImpl::reset_parameters() {
  conv->reset_parameters();  // U(-1/sqrt(3 kernel), 1/sqrt(3 kernel)): fan-in is one mark's 3 channels x kernel
  norm->reset_parameters();  // weight 1, bias 0
  output->reset_parameters();
  torch::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(options_.channels));  // a dense layer's fan-in rule
  encoder_weight.uniform_(-bound, bound);
  encoder_bias.uniform_(-bound, bound);
  bin_context.uniform_(-0.1, 0.1);
  mark_attention->bin_context_vector.uniform_(-0.1, 0.1);
}

std::string AchromeNetImpl::init_description() const {
  return "convolution, encoder and output weights and biases uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)); "
         "LayerNorm weight 1, bias 0; attention context vectors uniform(-0.1, 0.1)";
}

torch::Tensor AchromeNetImpl::conv_input(const torch::Tensor& x) const {
  // Convolution and attention alone cannot tell a bin at the TSS from one 4 kb away (the filters slide,
  // the attention pools): the position channels let filters and attention weigh a mark by where it is,
  // as the LSTM models' order and DeepChrome's dense layer over pooled positions do.
  const int64_t bins = x.size(1);
  const auto position = (torch::arange(bins, x.options()) - 0.5 * static_cast<double>(bins - 1)) / bins;  // [T]
  const auto counts = torch::log1p(x.clamp_min(0));                                                   // [B, T, M]
  const auto signed_place = position.view({1, bins, 1}).expand_as(counts);
  return torch::stack({counts, signed_place, signed_place.abs()}, 3);  // [B, T, M, 3]
}

ModelOutput AchromeNetImpl::forward(const torch::Tensor& x) {
  if (!conv_attention_supports(x)) return forward_reference(x);
  check_input(x, false);
  // The grouped convolution's filter banks (weight [M * C, 3, K]) are conv_attention's groups.
  const auto result = conv_attention(conv_input(x).permute({2, 0, 1, 3}), conv->weight, conv->bias, bin_context);
  // Per-mark encoders as one batched product over the marks: [M, B, C] x [M, C, D] -> [M, B, D].
  const auto projected = torch::bmm(result.pooled, encoder_weight).transpose(0, 1) + encoder_bias;  // [B, M, D]
  const auto encoded = torch::relu(norm->forward(projected));
  auto [beta, representation] = context_attention(encoded, mark_attention->bin_context_vector);
  ModelOutput out;
  out.logits = output->forward(representation).squeeze(1) * kOutputScale;
  out.alpha = result.alpha.transpose(0, 1);  // [B, M, T]
  out.beta = beta;
  return out;
}

ModelOutput AchromeNetImpl::forward_reference(const torch::Tensor& x) {
  check_input(x, false);
  const int64_t genes = x.size(0), bins = x.size(1), marks = options_.marks;
  // [B, T, M, 3] -> [B, M * 3, T]: the grouped convolution's channels 3m .. 3m + 2 are mark m's.
  const auto z = conv_input(x).permute({0, 2, 3, 1}).reshape({genes, marks * kInputChannels, bins});
  const auto h = torch::relu(conv->forward(pad_same(z, options_.kernel))).view({genes, marks, options_.channels, bins});
  const auto alpha = torch::softmax(torch::einsum("bmct,mc->bmt", {h, bin_context}), 2);  // [B, M, T]
  const auto embeddings = torch::einsum("bmct,bmt->bmc", {h, alpha});                      // [B, M, C]
  const auto encoded =
      torch::relu(norm->forward(torch::einsum("bmc,mcd->bmd", {embeddings, encoder_weight}) + encoder_bias));
  auto [beta, representation] = context_attention(encoded, mark_attention->bin_context_vector);
  ModelOutput out;
  out.logits = output->forward(representation).squeeze(1) * kOutputScale;
  out.alpha = alpha;
  out.beta = beta;
  return out;
}

}  // namespace achrome
