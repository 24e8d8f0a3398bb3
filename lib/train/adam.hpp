#pragma once
// The trainer's Adam step: LibTorch's torch::optim::Adam, element for element the same arithmetic, in one
// pass over memory. LibTorch's step is seven whole-tensor operations and two temporaries per parameter
// (m = m b1 + (1 - b1) g; v = v b2 + (1 - b2) g^2; p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps));
// for DeepChrome's 644,051 parameters that was ~1 ms of every training batch streaming 2.6 MB arrays,
// where one fused pass takes a third of it. The state (step, exp_avg, exp_avg_sq) is kept in the
// optimizer's own state map under LibTorch's key, so checkpoints save and load it as before, and
// tests/unit/train/test_trainer.cpp checks that parameters and moments stay bit for bit LibTorch's.
#include <torch/torch.h>

namespace achrome {

// One step of `optimizer` for every parameter with a gradient, each gradient multiplied by
// `gradient_scale` as it is read (the same float product as grad.mul_(gradient_scale) before the step,
// without that pass over memory; the gradients themselves are left as they were). Parameters that are
// not contiguous float32 CPU tensors, and the options the pass does not cover (amsgrad, weight decay),
// take grad.mul_ and optimizer.step().
void adam_step(torch::optim::Adam& optimizer, float gradient_scale = 1.0f);

// The factor by which LibTorch's clip_grad_norm_ scales the gradients, min(1, max_norm / (|g| + 1e-6)),
// computed with the same tensor operations (so the same float) for one flat gradient tensor; the
// trainer hands it to adam_step instead of scaling the gradients in a pass of their own.
float clip_coefficient(const torch::Tensor& gradients, double max_norm);

}  // namespace achrome
