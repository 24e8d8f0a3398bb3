// The convolutional models' fast forward (conv_attention.hpp and its hand-written backward) against
// forward_reference (ATen's conv1d and autograd, as the PyTorch twins): logits, attention, every
// parameter gradient and the input gradient (saliency), at the default sizes and at odd ones.
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/achrome_net.hpp"
#include "model/cnn_models.hpp"
#include "forward_pass.hpp"

using namespace achrome;

namespace {

using achrome::model_test::max_abs;
using achrome::model_test::max_abs_diff;
using achrome::model_test::Pass;
using achrome::model_test::run;

void expect_same(const Pass& fast, const Pass& reference) {
  EXPECT_LT(max_abs_diff(fast.out.logits, reference.out.logits), 1e-5 * (1 + max_abs(reference.out.logits)));
  // The genes differ (otherwise agreement would prove little).
  EXPECT_GT(max_abs(reference.out.logits - reference.out.logits.mean()), 1e-4);
  for (const auto& [name, fast_value, reference_value] :
       {std::tuple{"alpha", fast.out.alpha, reference.out.alpha}, std::tuple{"beta", fast.out.beta, reference.out.beta}}) {
    SCOPED_TRACE(name);
    ASSERT_EQ(fast_value.defined(), reference_value.defined());
    if (!reference_value.defined()) continue;
    ASSERT_EQ(fast_value.sizes(), reference_value.sizes());
    EXPECT_LT(max_abs_diff(fast_value, reference_value), 1e-6);
  }
  EXPECT_EQ(fast.grads.size(), reference.grads.size());
  for (const auto& [name, expected] : reference.grads) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(fast.grads.count(name));
    ASSERT_EQ(fast.grads.at(name).sizes(), expected.sizes());
    EXPECT_GT(max_abs(expected), 0);  // every parameter is used
    EXPECT_LT(max_abs_diff(fast.grads.at(name), expected), 1e-5 * (1 + max_abs(expected)));
  }
  ASSERT_EQ(fast.input_grad.defined(), reference.input_grad.defined());
  if (reference.input_grad.defined()) {
    EXPECT_LT(max_abs_diff(fast.input_grad, reference.input_grad), 1e-5 * (1 + max_abs(reference.input_grad)));
  }
}

// Training and eval mode, with and without the input's gradient (training skips it; saliency needs it).
template <typename Model>
void expect_fast_equals_reference(Model& model, const torch::Tensor& x) {
  for (bool training : {true, false}) {
    for (bool input_grad : {false, true}) {
      SCOPED_TRACE(std::string(training ? "train" : "eval") + (input_grad ? ", input gradient" : ""));
      model->train(training);
      torch::manual_seed(5);  // the same dropout draws in both passes where the model has dropout
      const auto fast = run(model, x, [&](const torch::Tensor& in) { return model->forward(in); }, input_grad);
      torch::manual_seed(5);
      const auto reference =
          run(model, x, [&](const torch::Tensor& in) { return model->forward_reference(in); }, input_grad);
      expect_same(fast, reference);
    }
  }
  // Scoring runs without gradients, in chunks of genes at scoring sizes.
  torch::NoGradGuard no_grad;
  model->eval();
  const auto many = x.repeat({8, 1, 1}) * torch::rand({8 * x.size(0), 1, 1});
  const auto fast = model->forward(many), reference = model->forward_reference(many);
  EXPECT_LT(max_abs_diff(fast.logits, reference.logits), 1e-5 * (1 + max_abs(reference.logits)));
  if (reference.alpha.defined()) {
    EXPECT_LT(max_abs_diff(fast.alpha, reference.alpha), 1e-6);
  }
  if (reference.beta.defined()) {
    EXPECT_LT(max_abs_diff(fast.beta, reference.beta), 1e-6);
  }
}

// Counts as the data has them: mostly small, some zero, a few large.
torch::Tensor counts(int64_t genes, int64_t bins, int64_t marks) {
  return torch::poisson(torch::full({genes, bins, marks}, 2.0)) * torch::randint(1, 4, {genes, bins, marks});
}

// DeepChrome has dropout: training mode compares the two forwards on the same draws.
TEST(CnnModels, DeepChromeFastEqualsReference) {
  struct Sizes {
    int64_t filters, kernel, pool, hidden1, hidden2, bins;
  };
  // The last: windows of 14 bins x 5 marks, wider than the filter gradient's four-register path.
  for (const auto& sizes : {Sizes{50, 10, 5, 625, 125, 100}, Sizes{7, 4, 3, 11, 3, 23}, Sizes{13, 5, 2, 9, 5, 16},
                            Sizes{9, 14, 3, 10, 4, 40}}) {
    SCOPED_TRACE(sizes.filters);
    torch::manual_seed(19 + sizes.filters);
    DeepChromeOptions options;
    options.marks = sizes.filters == 13 ? 3 : 5;
    options.bins = sizes.bins;
    options.filters = sizes.filters;
    options.kernel = sizes.kernel;
    options.pool = sizes.pool;
    options.hidden1 = sizes.hidden1;
    options.hidden2 = sizes.hidden2;
    DeepChrome model(options);
    expect_fast_equals_reference(model, counts(37, sizes.bins, options.marks));
  }
}

TEST(CnnModels, CnnAttnFastEqualsReference) {
  // Default sizes, then odd ones (an even and an odd kernel: uneven padding; filters not a multiple of 8;
  // fewer bins than the kernel is wide).
  for (const auto& [filters, kernel, bins] :
       {std::tuple<int64_t, int64_t, int64_t>{50, 10, 100}, {13, 7, 23}, {9, 4, 11}, {6, 10, 3}}) {
    SCOPED_TRACE(filters);
    torch::manual_seed(7 + filters);
    CnnAttentionOptions options;
    options.bins = bins;
    options.filters = filters;
    options.kernel = kernel;
    CnnAttn model(options);
    expect_fast_equals_reference(model, counts(37, bins, options.marks));
  }
}

TEST(CnnModels, CnnAlphaBetaFastEqualsReference) {
  for (const auto& [filters, kernel, bins] : {std::tuple<int64_t, int64_t, int64_t>{50, 10, 100}, {13, 7, 23}, {9, 4, 11}}) {
    SCOPED_TRACE(filters);
    torch::manual_seed(11 + filters);
    CnnAttentionOptions options;
    options.marks = filters == 9 ? 3 : 5;
    options.bins = bins;
    options.filters = filters;
    options.kernel = kernel;
    CnnAlphaBeta model(options);
    expect_fast_equals_reference(model, counts(37, bins, options.marks));
  }
}

TEST(CnnModels, AchromeNetFastEqualsReference) {
  for (const auto& [channels, kernel, bins] : {std::tuple<int64_t, int64_t, int64_t>{32, 10, 100}, {13, 7, 23}, {5, 4, 11}}) {
    SCOPED_TRACE(channels);
    torch::manual_seed(13 + channels);
    AchromeNetOptions options;
    options.marks = channels == 5 ? 3 : 5;
    options.bins = bins;
    options.channels = channels;
    options.kernel = kernel;
    options.hidden = channels == 32 ? 32 : 7;
    AchromeNet model(options);
    expect_fast_equals_reference(model, counts(37, bins, options.marks));
  }
}

}  // namespace
