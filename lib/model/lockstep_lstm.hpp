#pragma once
// Several single-layer bidirectional LSTMs run in lockstep: at every step one batched matrix product
// and one fused element-wise kernel (lstm_kernels.hpp) advance all sequences (LSTMs x directions) at
// once, and training runs a hand-written backpropagation through time instead of ATen's per-step
// autograd graph. The arithmetic is PyTorch's LSTM cell, so the results equal torch::nn::LSTM's to
// float rounding. AttentiveChrome (both levels) and the LSTM baselines (lstm, lstm-attn, lstm-alpha)
// run their LSTMs here; their torch::nn::LSTM modules only hold the parameters under PyTorch's names.
#include <vector>

#include <torch/torch.h>

namespace achrome {

// Stacked weights of several bidirectional LSTMs, index d * G + g = direction d of LSTM g.
struct StackedLstmWeights {
  torch::Tensor w_ih;  // [2G, 4H, I]
  torch::Tensor w_hh;  // [2G, 4H, H]
  torch::Tensor bias;  // [2G, 4H] = b_ih + b_hh (they only ever appear summed)
};

StackedLstmWeights stack_lstm_weights(const std::vector<torch::nn::LSTM>& lstms);

// G independent single-layer bidirectional LSTMs evaluated in lockstep (2G recurrences), with zero
// initial states. x [G, T, B, I] -> [G, T, B, 2H], PyTorch's bidirectional output per LSTM (forward-
// direction features first, positions in input order). One input per step (I = 1) is added in the
// kernel as a rank-1 term; wider inputs get all steps' input terms from one matrix product first.
// Differentiable (w.r.t. the weights and, for I > 1, the input) when grad mode is on.
torch::Tensor lockstep_bilstm(const torch::Tensor& x, const StackedLstmWeights& weights);

}  // namespace achrome
