#pragma once
// achrome-net: achrome's own model, a convolutional alternative to AttentiveChrome that keeps its two
// attention maps (alpha per mark and bin, beta per mark) for the reports and trains far faster than
// the LSTM models. docs/models.md gives every choice and the parameter count.
//
//   z_m,t     = (log1p(max(x_m,t, 0)), p_t, |p_t|)                  read counts span 0..hundreds;
//               p_t = (t - (T - 1) / 2) / T                          the bin's place around the TSS
//   h_m       = ReLU(conv_m(z_m))        [channels, bins]             one filter bank per mark
//   alpha_m,t = softmax_t(h_m,t . u_m)                                bin attention
//   e_m       = sum_t alpha_m,t h_m,t    [channels]                   mark embedding
//   s_m       = ReLU(LayerNorm(W_m e_m + b_m))  [hidden]              per-mark encoder, shared LayerNorm
//   beta_m    = softmax_m(s_m . c)                                    mark attention
//   logit     = 10 (w . sum_m beta_m s_m + b0)                        fixed output scale
//
// State_dict names (tests/models/twins.py builds the same):
//   conv.{weight [marks * channels, 3, kernel], bias}   the marks' filter banks as one grouped convolution
//   bin_context [marks, channels], encoder_weight [marks, channels, hidden], encoder_bias [marks, hidden],
//   norm.{weight, bias}, mark_attention.bin_context_vector [hidden, 1], output.{weight, bias}
#include <string>

#include <torch/torch.h>

#include "model/attentive_chrome.hpp"
#include "model/expression_model.hpp"

namespace achrome {

struct AchromeNetOptions {
  int64_t marks = 5;
  int64_t bins = 100;
  int64_t channels = 32;  // convolution filters per mark
  int64_t kernel = 10;    // filter width in bins (1 kb of 100 bp bins)
  int64_t hidden = 32;    // mark embedding size after the encoder
};

class AchromeNetImpl : public ExpressionModelImpl {
 public:
  // The logit is the output layer's value times this: with Adam's fixed step (lr 2e-4) and a few
  // hundred steps on small studies, an unscaled output layer moves the logits too little to converge.
  static constexpr double kOutputScale = 10.0;
  // Each mark's convolution reads its log counts and two position channels (p_t and |p_t|).
  static constexpr int64_t kInputChannels = 3;

  explicit AchromeNetImpl(AchromeNetOptions options = {});
  ModelOutput forward(const torch::Tensor& x) override;  // alpha [B, marks, bins], beta [B, marks]
  // The same model from ATen's grouped conv1d, einsum and autograd, as the PyTorch twin builds it;
  // forward() runs the convolutions and bin attention through conv_attention (conv_attention.hpp).
  // Slower; kept as an independent implementation that tests compare forward() with.
  ModelOutput forward_reference(const torch::Tensor& x);
  void reset_parameters() override;
  // The convolutions' input [B, T, marks, 3]: each mark's log counts and the position channels.
  torch::Tensor conv_input(const torch::Tensor& x) const;
  std::string init_description() const override;
  ModelSizes sizes() const override {
    return {{"channels", options_.channels}, {"kernel", options_.kernel}, {"hidden", options_.hidden}};
  }

  torch::nn::Conv1d conv{nullptr};
  torch::Tensor bin_context;     // [marks, channels]
  torch::Tensor encoder_weight;  // [marks, channels, hidden]
  torch::Tensor encoder_bias;    // [marks, hidden]
  torch::nn::LayerNorm norm{nullptr};
  ContextAttention mark_attention{nullptr};
  torch::nn::Linear output{nullptr};

 private:
  AchromeNetOptions options_;
};
TORCH_MODULE(AchromeNet);

}  // namespace achrome
