#pragma once
// Attention pooling over a sequence of representations, forward and backward, as loops over raw
// float buffers.
//
// AttentiveChrome's two attention levels (and the attention of the LSTM baselines) score every
// position t of a sequence by a dot product with a learned context vector, softmax the scores over
// the positions and pool the representations with those weights (paper eqs. 2-3 and 5-6). As ATen
// operations that is a matrix-vector product that OpenBLAS packs the whole sequence for, a softmax
// over a middle axis and a full-size temporary for the weighted sum, each with the same again in
// backward; at the models' sizes those passes over memory cost more than the arithmetic. Here each
// direction is two passes over the sequence.
//
// Layout: G independent attentions (one per encoder) over T positions for B genes of D features:
//   sequence [G, T, B, D], context [G, D], weights [G, T, B], pooled [G, B, D], all contiguous.
// The functions handle the genes [gene_begin, gene_end) of every group, so that callers may split
// the work across threads; sums run in a fixed order, so results do not depend on the split.
#include <cstdint>

namespace achrome::attention_kernels {

struct Shape {
  int64_t groups = 0;     // G
  int64_t positions = 0;  // T
  int64_t genes = 0;      // B
  int64_t features = 0;   // D
};

// weights = softmax_t(<sequence[g, t, b], context[g]>), pooled[g, b] = sum_t weights[g, t, b] sequence[g, t, b].
void pool_forward(const Shape& shape, const float* sequence, const float* context, float* weights, float* pooled,
                  int64_t gene_begin, int64_t gene_end);

// Given dL/dpooled (and dL/dweights, or null when nothing downstream read the weights):
//   dL/dscore[g, t, b] = w (dw - sum_t' w dw'),  where dw = <dL/dpooled[g, b], sequence[g, t, b]> + dL/dweights
//   dL/dsequence[g, t, b] = w dL/dpooled[g, b] + dL/dscore[g, t, b] context[g]
//   dL/dcontext[g] += sum_{t, b} dL/dscore[g, t, b] sequence[g, t, b]   (over the genes handled)
// `scratch` holds G * T * B floats (dL/dscore). grad_sequence and grad_context may be null when not needed.
void pool_backward(const Shape& shape, const float* sequence, const float* context, const float* weights,
                   const float* grad_pooled, const float* grad_weights, float* scratch, float* grad_sequence,
                   float* grad_context, int64_t gene_begin, int64_t gene_end);

}  // namespace achrome::attention_kernels
