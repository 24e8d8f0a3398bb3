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

// G independent single-layer bidirectional LSTMs evaluated in lockstep (2G recurrences), with zero
// initial states. x [G, T, B, I] (any strides) -> [G, T, B, 2H], PyTorch's bidirectional output per
// LSTM (forward-direction features first, positions in input order). The LSTMs must agree in input and
// hidden size. One input per step (I = 1) is added in the kernel as a rank-1 term; wider inputs get all
// steps' input terms from one matrix product first. Differentiable (w.r.t. the LSTMs' parameters and,
// for a differentiable x, the input) when grad mode is on.
torch::Tensor lockstep_bilstm(const torch::Tensor& x, const std::vector<torch::nn::LSTM>& lstms);

}  // namespace achrome
