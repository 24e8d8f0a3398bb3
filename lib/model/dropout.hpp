#pragma once
// Dropout with LibTorch 1.13's own draws, made faster.
//
// On the CPU, torch::nn::Dropout computes x * noise with noise = empty_like(x).bernoulli_(1 - p),
// divided by 1 - p (at::native::dropout). bernoulli_ draws each element through a call into the
// default generator that is not inlined (random64, two Mersenne Twister outputs), ~15 ns apiece:
// DeepChrome's 14,400 per training batch were 7% of its epoch. Here the same generator's Mersenne
// Twister state is copied, run forward in bulk (at::mt19937's renewal and tempering, in loops the
// compiler vectorises), turned into the same Bernoulli draws (bernoulli_distribution<double>'s test as
// an exact integer comparison) and written back, so the draws, the noise and the generator's state
// afterwards are bit for bit those of torch::nn::Dropout (tests/unit/model/test_dropout.cpp), and
// checkpoints that save the generator resume as before.
#include <torch/torch.h>

namespace achrome {

// x * noise as torch::nn::functional::dropout(x, p, training) computes it (differentiable in x).
// Outside training, or for p = 0, x itself.
torch::Tensor libtorch_dropout(const torch::Tensor& x, double p, bool training);

}  // namespace achrome
