// matrix_product and dense_layer (matrix_product.hpp) against ATen's matmul and linear: every panel
// width the kernel picks, row counts that leave a partial last block, transposed and strided views,
// batches, and the dense layer's gradients.
#include <tuple>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/matrix_product.hpp"

using namespace achrome;

namespace {

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

// Sums over K of products of standard normals: a tolerance that grows with the terms summed.
double tolerance(int64_t k) { return 1e-5 * (1.0 + static_cast<double>(k)); }

}  // namespace

TEST(MatrixProduct, EqualsMatmulForEveryPanelWidthAndPartialBlocks) {
  torch::manual_seed(3);
  for (int64_t m : {1, 5, 23, 24, 25, 37}) {
    for (int64_t n : {1, 5, 16, 17, 33, 50, 64, 65, 130}) {
      for (int64_t k : {0, 1, 7, 50}) {
        SCOPED_TRACE(testing::Message() << m << " x " << k << " x " << n);
        const auto a = torch::randn({m, k}), b = torch::randn({k, n});
        const auto product = matrix_product(a, b);
        ASSERT_EQ(product.sizes(), (std::vector<int64_t>{m, n}));
        EXPECT_TRUE(product.is_contiguous());
        if (m * n > 0) {
          EXPECT_LE(max_abs_diff(product, torch::matmul(a, b)), tolerance(k));
        }
      }
    }
  }
}

TEST(MatrixProduct, ReadsTransposedAndStridedViewsInPlace) {
  torch::manual_seed(4);
  const auto a_t = torch::randn({40, 29}).t();                                 // [29, 40], column-major
  const auto b_strided = torch::randn({40, 70}).index({torch::indexing::Slice(), torch::indexing::Slice(0, 70, 2)});  // [40, 35]
  EXPECT_LE(max_abs_diff(matrix_product(a_t, b_strided), torch::matmul(a_t, b_strided)), tolerance(40));
  const auto b_t = torch::randn({19, 40}).t();  // [40, 19]
  EXPECT_LE(max_abs_diff(matrix_product(a_t, b_t), torch::matmul(a_t, b_t)), tolerance(40));
}

TEST(MatrixProduct, BatchedEqualsBmm) {
  torch::manual_seed(5);
  const auto a = torch::randn({3, 31, 12}), b = torch::randn({3, 20, 12}).transpose(1, 2);  // b: [3, 12, 20]
  const auto product = matrix_product(a, b);
  ASSERT_EQ(product.sizes(), (std::vector<int64_t>{3, 31, 20}));
  EXPECT_LE(max_abs_diff(product, torch::bmm(a, b)), tolerance(12));
  EXPECT_THROW(matrix_product(a, torch::randn({3, 13, 20})), c10::Error);
}

TEST(MatrixProduct, DenseLayerEqualsLinearWithGradients) {
  torch::manual_seed(6);
  for (const auto& [batch, inputs, outputs, relu] :
       {std::tuple<int64_t, int64_t, int64_t, bool>{16, 900, 625, true}, {16, 625, 125, true}, {7, 13, 30, false},
        {37, 20, 3, true}, {300, 50, 17, false}}) {
    SCOPED_TRACE(testing::Message() << batch << " x " << inputs << " -> " << outputs << (relu ? " relu" : ""));
    const auto x = torch::randn({batch, inputs}).requires_grad_(true);
    const auto weight = (torch::randn({outputs, inputs}) / std::sqrt(static_cast<double>(inputs))).requires_grad_(true);
    const auto bias = torch::randn({outputs}).requires_grad_(true);
    const auto grad_out = torch::randn({batch, outputs});

    auto fast = dense_layer(x, weight, bias, relu);
    fast.backward(grad_out);
    const auto fast_grads = std::vector<torch::Tensor>{x.grad().clone(), weight.grad().clone(), bias.grad().clone()};
    for (auto t : {x, weight, bias}) t.mutable_grad().reset();

    auto reference = torch::nn::functional::linear(x, weight, bias);
    if (relu) reference = torch::relu(reference);
    reference.backward(grad_out);
    EXPECT_LE(max_abs_diff(fast, reference), tolerance(inputs));
    if (relu) {
      EXPECT_GT((reference == 0).sum().item<int64_t>(), 0);  // ReLU cut some outputs
    }
    EXPECT_LE(max_abs_diff(fast_grads[0], x.grad()), tolerance(outputs));
    EXPECT_LE(max_abs_diff(fast_grads[1], weight.grad()), tolerance(batch));
    EXPECT_LE(max_abs_diff(fast_grads[2], bias.grad()), tolerance(batch));
  }
}

// With a gradient buffer in place (the trainer's), backward adds the weight's gradient into it; a
// gradient that autograd::grad asks for alone (saliency) leaves the buffer as it was.
TEST(MatrixProduct, DenseLayerAddsIntoAnExistingWeightGradient) {
  torch::manual_seed(7);
  const auto x = torch::randn({16, 40}).requires_grad_(true);
  const auto weight = torch::randn({30, 40}).requires_grad_(true);
  const auto bias = torch::randn({30}).requires_grad_(true);
  const auto grad_out = torch::randn({16, 30});
  auto reference = torch::relu(torch::nn::functional::linear(x, weight, bias));
  const auto expected = torch::autograd::grad({reference}, {weight}, {grad_out})[0];

  const auto before = torch::randn({30, 40});
  weight.mutable_grad() = before.clone();
  const auto buffer = weight.grad();
  dense_layer(x, weight, bias, true).backward(grad_out);
  EXPECT_EQ(weight.grad().data_ptr<float>(), buffer.data_ptr<float>());  // the same buffer, added into
  EXPECT_LE(max_abs_diff(weight.grad(), before + expected), tolerance(16));

  const auto held = weight.grad().clone();
  const auto saliency = torch::autograd::grad({dense_layer(x, weight, bias, true)}, {x}, {grad_out})[0];
  EXPECT_TRUE(torch::equal(weight.grad(), held));
  EXPECT_GT(saliency.abs().sum().item<double>(), 0);
}
