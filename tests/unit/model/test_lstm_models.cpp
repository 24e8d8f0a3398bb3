// The LSTM baselines' lockstep forward (lockstep_lstm.hpp) and its hand-written backward against
// forward_reference (torch::nn::LSTM and autograd): logits, attention, parameter and input gradients.
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/lstm_models.hpp"
#include "forward_pass.hpp"

using namespace achrome;

namespace {

using achrome::model_test::max_abs;
using achrome::model_test::max_abs_diff;
using achrome::model_test::run;

template <typename Model>
void expect_lockstep_equals_reference(Model& model, const torch::Tensor& x) {
  model->eval();  // no dropout: both passes see the same function
  const auto fast = run(model, x, [&](const torch::Tensor& in) { return model->forward(in); }, true);
  const auto reference = run(model, x, [&](const torch::Tensor& in) { return model->forward_reference(in); }, true);
  EXPECT_LT(max_abs_diff(fast.out.logits, reference.out.logits), 1e-5);
  ASSERT_EQ(fast.out.alpha.defined(), reference.out.alpha.defined());
  if (fast.out.alpha.defined()) {
    EXPECT_LT(max_abs_diff(fast.out.alpha, reference.out.alpha), 1e-6);
  }
  for (const auto& [name, expected] : reference.grads) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(fast.grads.count(name));
    EXPECT_LT(max_abs_diff(fast.grads.at(name), expected), 1e-4 * (1 + max_abs(expected)));
  }
  // The input saliency achrome-predict writes.
  EXPECT_LT(max_abs_diff(fast.input_grad, reference.input_grad), 1e-4 * (1 + max_abs(reference.input_grad)));
  // The genes differ (otherwise agreement would prove little).
  EXPECT_GT(max_abs(reference.out.logits - reference.out.logits.mean()), 1e-3);

  // Training mode: dropout draws its masks in the same order in both forwards, so a seeded training
  // step gives the same numbers as the torch::nn::LSTM version did.
  model->train();
  torch::manual_seed(5);
  const auto fast_train = model->forward(x);
  torch::manual_seed(5);
  const auto reference_train = model->forward_reference(x);
  EXPECT_LT(max_abs_diff(fast_train.logits, reference_train.logits), 1e-5);
}

// Odd sizes (4H = 52, 28: every column path of the kernels' blocked products) and a gene count that is
// neither a multiple of 4 nor of the row block.
TEST(LstmModels, LockstepEqualsReferenceWithGradients) {
  for (int64_t hidden : {32, 16, 13, 7}) {  // 32 and 16 take the vector paths of the kernels
    SCOPED_TRACE(hidden);
    torch::manual_seed(17 + hidden);
    LstmOptions options;
    options.marks = 5;
    options.bins = 11;
    options.hidden = hidden;
    const auto x = torch::poisson(torch::full({37, options.bins, options.marks}, 3.0));
    {
      SCOPED_TRACE("lstm");
      LstmModel model(options);
      expect_lockstep_equals_reference(model, x);
    }
    {
      SCOPED_TRACE("lstm-attn");
      LstmAttn model(options);
      expect_lockstep_equals_reference(model, x);
    }
    {
      SCOPED_TRACE("lstm-alpha");
      LstmAlpha model(options);
      expect_lockstep_equals_reference(model, x);
    }
  }
}

}  // namespace
