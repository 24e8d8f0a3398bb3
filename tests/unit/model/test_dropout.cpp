// libtorch_dropout (dropout.hpp) against torch::nn::functional::dropout: the same noise from the same seed, the
// generator left in the same state, the same gradient, and x itself outside training.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/dropout.hpp"

using namespace achrome;

TEST(Dropout, SameDrawsAndGeneratorStateAsLibTorch) {
  for (double p : {0.5, 0.1, 0.9}) {
    for (int64_t n : {1, 17, 14400}) {
      SCOPED_TRACE(testing::Message() << "p " << p << ", " << n << " values");
      const auto x = torch::randn({n}).abs() + 1;  // no zeros: a dropped value shows as 0
      // From a fresh seed, and from the middle of the generator's 624-word block (after other draws).
      torch::manual_seed(11);
      const auto ours = libtorch_dropout(x.view({1, n}), p, true);
      const auto ours_next = torch::rand({5});
      torch::rand({301});
      const auto ours_later = libtorch_dropout(x.view({1, n}), p, true);
      torch::manual_seed(11);
      const auto theirs =
          torch::nn::functional::dropout(x.view({1, n}), torch::nn::functional::DropoutFuncOptions().p(p).training(true));
      const auto theirs_next = torch::rand({5});
      torch::rand({301});
      const auto theirs_later =
          torch::nn::functional::dropout(x.view({1, n}), torch::nn::functional::DropoutFuncOptions().p(p).training(true));
      EXPECT_TRUE(torch::equal(ours, theirs));
      EXPECT_TRUE(torch::equal(ours_later, theirs_later));
      EXPECT_TRUE(torch::equal(ours_next, theirs_next));  // the generator moved on by as much
      if (n > 1000) {
        const double dropped = (ours == 0).to(torch::kDouble).mean().item<double>();
        EXPECT_NEAR(dropped, p, 0.05);
      }
    }
  }
}

TEST(Dropout, GradientIsTheNoiseAndEvalIsIdentity) {
  torch::manual_seed(12);
  const auto x = torch::randn({4, 30}).requires_grad_(true);
  const auto y = libtorch_dropout(x, 0.5, true);
  y.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), (y != 0).to(torch::kFloat) * 2.0f));
  EXPECT_TRUE(libtorch_dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(libtorch_dropout(x, 0.0, true).is_same(x));
  EXPECT_THROW(libtorch_dropout(x, 1.5, true), c10::Error);
}
