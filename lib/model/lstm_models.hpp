#pragma once
// The LSTM baselines of AttentiveChrome's Table 1, built as the authors' Lua code builds them
// (QData/AttentiveChrome OLD-v1LuaTorch/2_model.lua, models rnn, rnn-attention, rnn-hie-attention):
// bidirectional LSTMs of 32 units per direction, dropout 0.5 on the LSTM outputs, attention as a
// dot product with a learned context vector and a softmax over bins. docs/models.md has the details.
//
// State_dict names (tests/models/twins.py builds the same):
//   lstm        rnn.*, output.{weight,bias}
//   lstm-attn   rnn.*, bin_attention.bin_context_vector, output.*
//   lstm-alpha  rnn_hms.{m}.rnn.*, rnn_hms.{m}.bin_attention.bin_context_vector, output.*
// where rnn.* are PyTorch's LSTM names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, and _reverse).
//
// forward() runs the LSTMs on the lockstep kernels (lockstep_lstm.hpp; torch::nn::LSTM modules only
// hold the weights); forward_reference() calls torch::nn::LSTM as the PyTorch twins do. Slow; kept as an
// independent implementation that tests compare forward() with.
#include <vector>

#include <torch/torch.h>

#include "model/attentive_chrome.hpp"
#include "model/expression_model.hpp"

namespace achrome {

struct LstmOptions {
  int64_t marks = 5;
  int64_t bins = 100;
  int64_t hidden = 32;  // per direction (lstm-alpha: per mark and direction), the Lua code's rnn_size
};

// "lstm": one bidirectional LSTM over the bins, the marks of a bin as its input vector; the last
// state of each direction (after bin T forwards, after bin 1 backwards) concatenated, one linear output.
class LstmModelImpl : public ExpressionModelImpl {
 public:
  explicit LstmModelImpl(LstmOptions options = {});
  ModelOutput forward(const torch::Tensor& x) override;
  ModelOutput forward_reference(const torch::Tensor& x);
  void reset_parameters() override;
  std::string init_description() const override { return "uniform(-0.1, 0.1)"; }
  ModelSizes sizes() const override { return {{"hidden", options_.hidden}}; }

  torch::nn::LSTM rnn{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear output{nullptr};

 private:
  LstmOptions options_;
};
TORCH_MODULE(LstmModel);

// "lstm-attn": the same LSTM, its outputs at every bin pooled by one attention over bins.
// alpha [B, 1, bins] (one attention for all marks), no beta.
class LstmAttnImpl : public ExpressionModelImpl {
 public:
  explicit LstmAttnImpl(LstmOptions options = {});
  ModelOutput forward(const torch::Tensor& x) override;
  ModelOutput forward_reference(const torch::Tensor& x);
  void reset_parameters() override;
  std::string init_description() const override { return "uniform(-0.1, 0.1)"; }
  ModelSizes sizes() const override { return {{"hidden", options_.hidden}}; }

  torch::nn::LSTM rnn{nullptr};
  ContextAttention bin_attention{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear output{nullptr};

 private:
  ModelOutput attend_and_output(const torch::Tensor& states);  // states [B, T, 2H]
  LstmOptions options_;
};
TORCH_MODULE(LstmAttn);

// "lstm-alpha": AttentiveChrome's level 1 alone (per mark a bidirectional LSTM over its bins with
// attention alpha); the mark embeddings concatenated in mark order into one linear output.
// alpha [B, marks, bins], no beta.
class LstmAlphaImpl : public ExpressionModelImpl {
 public:
  explicit LstmAlphaImpl(LstmOptions options = {});
  ModelOutput forward(const torch::Tensor& x) override;
  ModelOutput forward_reference(const torch::Tensor& x);
  void reset_parameters() override;
  std::string init_description() const override { return "uniform(-0.1, 0.1)"; }
  ModelSizes sizes() const override { return {{"bin_hidden", options_.hidden}}; }

  torch::nn::ModuleList rnn_hms{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear output{nullptr};

 private:
  ModelOutput attend_and_output(const std::vector<torch::Tensor>& states);  // per mark [B, T, 2H]
  LstmOptions options_;
  std::vector<RecurrentEncoder> encoders_;  // the elements of rnn_hms, typed
};
TORCH_MODULE(LstmAlpha);

}  // namespace achrome
