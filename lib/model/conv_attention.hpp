#pragma once
// The encoder that cnn-attn, cnn-alpha-beta and achrome-net share: per group (one mark, or all marks
// as channels) a 1-D convolution over the bins with "same" zero padding (pad_same: (kernel - 1) / 2
// bins before, the rest after), ReLU, and a context attention over the bin positions (AttentiveChrome's
// eq. 2-3: alpha = softmax_t(h_t . u), pooled = sum_t alpha_t h_t).
//
// Written as ATen's conv1d, transposes and attention it is ~10 operations per group and an autograd
// graph of as many nodes, for a batch of 16 genes: per-call overhead and copies outweighed the
// arithmetic. Here all groups go at once: the convolution is one batched matrix product of the bins'
// windows (im2col) [G, B*T, K*C] with the filters [G, K*C, F], laid out [G, B*T, F] so that the
// attention reads each gene's [T, F] block as it is, and ReLU, scores, softmax and pooling are one
// fused pass per (group, gene). Training runs a hand-written backward (one pass per (group, gene),
// then one matrix product for the filters' gradient, and one more for the input's only when the
// input needs a gradient, as saliency does). The arithmetic is the reference's, so results equal
// ATen's to float rounding (tests/unit/model/test_cnn_models.cpp).
#include <torch/torch.h>

namespace achrome {

struct ConvAttentionResult {
  torch::Tensor alpha;   // [G, B, T], rows sum to 1
  torch::Tensor pooled;  // [G, B, F]
};

// series [G, B, T, C]: group g's C input channels at each of T bins (any strides), float32 on the CPU;
// weight [G * F, C, K], contiguous: the groups' filters in order, as a Conv1d with groups = G holds them
// (rows g * F .. g * F + F - 1 are group g's); bias: G * F values in the same order (contiguous);
// context: G * F values, group-major (a [G, F] tensor, or an attention's [F, 1] vector for G = 1).
// Differentiable with respect to all four when grad mode is on.
ConvAttentionResult conv_attention(const torch::Tensor& series, const torch::Tensor& weight,
                                   const torch::Tensor& bias, const torch::Tensor& context);

// DeepChrome's first stage: a 1-D convolution over the bins without padding (the marks as channels),
// ReLU and max-pooling over windows of `pool` positions (stride = window), flattened filter-major as
// flatten(1) of [B, F, P] lays it out: x [B, T, C], weight [F, C, K], bias [F] -> [B, F * P], P =
// (T - K + 1) / pool. The same windows-times-filters product, one fused pass for bias, max and ReLU,
// and a hand-written backward (the gradient goes to each window's winning position). Differentiable
// with respect to x, weight and bias when grad mode is on.
torch::Tensor conv_relu_maxpool(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                int64_t pool);

// Whether conv_attention and conv_relu_maxpool can run on this input (float32 on the CPU); other inputs take the models'
// ATen reference path.
bool conv_attention_supports(const torch::Tensor& x);

}  // namespace achrome
