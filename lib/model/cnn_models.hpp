#pragma once
// The convolutional models of AttentiveChrome's Table 1. docs/models.md has the details.
//
//   deepchrome      DeepChrome (Singh et al., Bioinformatics 2016) as its Torch code builds it
//                   (QData/DeepChrome deepChrome-TorchCode/2_model.lua, model convnet): a convolution
//                   with the marks as channels, ReLU, max-pool, dropout, two ReLU dense layers, output.
//   cnn-attn        one convolution over the bins of all marks, one attention over bin positions.
//   cnn-alpha-beta  per mark a convolution over its bins with attention alpha, then attention beta
//                   over the marks' embeddings.
//
// The attention models keep one position per bin: the convolution is zero-padded (kernel - 1) / 2
// bins before and the rest after (4 and 5 for width 10), and there is no pooling.
//
// cnn-attn and cnn-alpha-beta run their convolutions and bin attention through conv_attention
// (conv_attention.hpp: one batched matrix product for all marks, a fused attention pass and a
// hand-written backward), deepchrome its convolution and pooling through conv_relu_maxpool (the same
// product, one fused pass for ReLU and max); forward_reference() builds each from ATen's conv1d and
// autograd as the PyTorch twins do. Slower; kept as an independent implementation that tests compare
// forward() with.
//
// State_dict names (tests/models/twins.py builds the same):
//   deepchrome      conv.{weight,bias}, hidden1.*, hidden2.*, output.*
//   cnn-attn        conv.*, bin_attention.bin_context_vector, output.*
//   cnn-alpha-beta  conv_hms.{m}.conv.*, conv_hms.{m}.bin_attention.bin_context_vector,
//                   mark_attention.bin_context_vector, output.*
#include <vector>

#include <torch/torch.h>

#include "model/attentive_chrome.hpp"
#include "model/expression_model.hpp"

namespace achrome {

// Zero padding of the last axis that keeps one convolution output per bin: (kernel - 1) / 2 before,
// the rest after. x [B, channels, bins].
torch::Tensor pad_same(const torch::Tensor& x, int64_t kernel);

struct DeepChromeOptions {
  int64_t marks = 5;
  int64_t bins = 100;
  int64_t filters = 50;   // nstates[1]
  int64_t kernel = 10;    // filtsize
  int64_t pool = 5;       // poolsize (window = stride, no padding)
  int64_t hidden1 = 625;  // nstates[2]
  int64_t hidden2 = 125;  // nstates[3]
};

class DeepChromeImpl : public ExpressionModelImpl {
 public:
  explicit DeepChromeImpl(DeepChromeOptions options = {});
  ModelOutput forward(const torch::Tensor& x) override;
  ModelOutput forward_reference(const torch::Tensor& x);
  void reset_parameters() override;
  std::string init_description() const override;
  ModelSizes sizes() const override;

  // Pooled positions per filter: floor((bins - kernel + 1) / pool); 18 for 100 bins, so the first
  // dense layer reads 50 x 18 = 900 values.
  int64_t pooled_positions() const;

  torch::nn::Conv1d conv{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear hidden1{nullptr};
  torch::nn::Linear hidden2{nullptr};
  torch::nn::Linear output{nullptr};

 private:
  DeepChromeOptions options_;
};
TORCH_MODULE(DeepChrome);

struct CnnAttentionOptions {
  int64_t marks = 5;
  int64_t bins = 100;
  int64_t filters = 50;  // DeepChrome's and the AttentiveChrome Lua code's nstates[1]
  int64_t kernel = 10;   // their filtsize / cnn_size
};

class CnnAttnImpl : public ExpressionModelImpl {
 public:
  explicit CnnAttnImpl(CnnAttentionOptions options = {});
  ModelOutput forward(const torch::Tensor& x) override;  // alpha [B, 1, bins], no beta
  ModelOutput forward_reference(const torch::Tensor& x);
  void reset_parameters() override;
  std::string init_description() const override;
  ModelSizes sizes() const override { return {{"filters", options_.filters}, {"kernel", options_.kernel}}; }

  torch::nn::Conv1d conv{nullptr};
  ContextAttention bin_attention{nullptr};
  torch::nn::Linear output{nullptr};

 private:
  CnnAttentionOptions options_;
};
TORCH_MODULE(CnnAttn);

// One mark's encoder of cnn-alpha-beta.
class ConvEncoderImpl : public torch::nn::Module {
 public:
  ConvEncoderImpl(int64_t filters, int64_t kernel);
  torch::nn::Conv1d conv{nullptr};
  ContextAttention bin_attention{nullptr};
};
TORCH_MODULE(ConvEncoder);

class CnnAlphaBetaImpl : public ExpressionModelImpl {
 public:
  explicit CnnAlphaBetaImpl(CnnAttentionOptions options = {});
  ModelOutput forward(const torch::Tensor& x) override;  // alpha [B, marks, bins], beta [B, marks]
  ModelOutput forward_reference(const torch::Tensor& x);
  void reset_parameters() override;
  std::string init_description() const override;
  ModelSizes sizes() const override { return {{"filters", options_.filters}, {"kernel", options_.kernel}}; }

  torch::nn::ModuleList conv_hms{nullptr};
  ContextAttention mark_attention{nullptr};
  torch::nn::Linear output{nullptr};

 private:
  CnnAttentionOptions options_;
  std::vector<ConvEncoder> encoders_;  // the elements of conv_hms, typed
};
TORCH_MODULE(CnnAlphaBeta);

}  // namespace achrome
