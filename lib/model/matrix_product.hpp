#pragma once
// Matrix products for the convolutional models' small shapes, on AVX-512 where the CPU has it.
//
// A training batch of 16 genes gives products such as [625, 900] x [900, 16] (DeepChrome's first
// dense layer) or [1440, 50] x [50, 50] (a convolution's windows times its filters). Debian's
// OpenBLAS 0.3.21 runs its AVX2 (Haswell) kernel on CPUs it does not know, which includes recent
// AVX-512 ones, and packs both operands for every call. Here one register-blocked kernel broadcasts
// the left operand's entries straight from memory (any strides) against a packed panel of up to 64
// columns of the right one, the small dimension laid along the vector lanes. Each output is one sum
// over k in order 0, 1, ..., K - 1, so results do not depend on the thread count. Without AVX-512 the
// functions fall back on ATen (OpenBLAS).
#include <torch/torch.h>

namespace achrome {

// a [M, K] times b [K, N], or batched: a [G, M, K] times b [G, K, N]; float32 on the CPU, any strides
// (views and transposes are read in place). Returns a contiguous [M, N] / [G, M, N] tensor. Not
// differentiable: the models' hand-written backward passes call it.
torch::Tensor matrix_product(const torch::Tensor& a, const torch::Tensor& b);

// A dense layer, x [B, in] -> x W^T + bias [B, out], with ReLU when `relu` (DeepChrome's hidden
// layers). Differentiable with respect to x, weight and bias. The result is a transposed view of a
// contiguous [out, B] tensor: the next dense layer reads it in that order, and the product keeps the
// batch, not the layer's width, along the vector lanes. When the weight already has a gradient buffer
// (a contiguous float32 tensor, as the trainer keeps), backward adds the weight's gradient into it
// directly instead of handing it to autograd to add.
torch::Tensor dense_layer(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, bool relu);

}  // namespace achrome
