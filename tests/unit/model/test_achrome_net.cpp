// achrome-net's structure (docs/models.md): per-mark filter banks, counts read through log1p, the bins' position
// seen, scores of one gene independent of the batch. Numbers against PyTorch: tests/stages/test_model_parity.sh.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/achrome_net.hpp"
#include "model/expression_model.hpp"

using namespace achrome;

TEST(AchromeNet, EachMarksBinAttentionReadsThatMarkAlone) {
  torch::manual_seed(3);
  auto model = make_model("achrome-net", 5, 100);
  model->eval();
  const auto x = torch::poisson(torch::full({4, 100, 5}, 3.0));
  auto changed = x.clone();
  changed.select(2, 2).mul_(4).add_(7);  // only mark 2
  const auto a = model->forward(x), b = model->forward(changed);
  for (int64_t mark = 0; mark < 5; ++mark) {
    const bool same = torch::equal(a.alpha.select(1, mark), b.alpha.select(1, mark));
    EXPECT_EQ(same, mark != 2) << "mark " << mark;
  }
  EXPECT_FALSE(torch::allclose(a.beta, b.beta));  // the mark attention sees every mark
}

TEST(AchromeNet, ReadsLogCountsAndScoresEachGeneOnItsOwn) {
  torch::manual_seed(4);
  auto model = make_model("achrome-net", 5, 60, {{"channels", 8}, {"kernel", 5}, {"hidden", 6}});
  model->eval();
  const auto x = torch::poisson(torch::full({6, 60, 5}, 2.0));
  const auto together = model->forward(x).logits;
  for (int64_t gene = 0; gene < 6; ++gene)
    EXPECT_NEAR(model->forward(x.narrow(0, gene, 1)).logits.item<float>(), together[gene].item<float>(), 1e-5);
  // Negative values (no count is negative) are read as 0: the log stays finite.
  const auto negative = model->forward(-x).logits;
  EXPECT_TRUE(torch::allclose(negative, model->forward(torch::zeros_like(x)).logits));
  // d logit / d count carries the log's 1 / (1 + count): the saliency of a huge count is tiny.
  auto big = x.clone();
  big.select(2, 0).fill_(1e6);
  const auto saliency = input_saliency(model, big, torch::kCPU, 16);
  EXPECT_LT(saliency.select(1, 0).abs().max().item<double>(), 1e-4);
  EXPECT_TRUE(torch::isfinite(saliency).all().item<bool>());
}

TEST(AchromeNet, TellsWhereAroundTheTssAPeakIs) {
  // Without the position channels a "same"-padded convolution slides and the attention pools, so a
  // peak at bin 30 and the same peak at bin 70 (both far from the edges) would score the same.
  torch::manual_seed(5);
  auto model = make_model("achrome-net", 5, 100);
  model->eval();
  auto early = torch::zeros({1, 100, 5}), late = torch::zeros({1, 100, 5});
  early.select(1, 30).fill_(20);
  late.select(1, 70).fill_(20);
  const auto a = model->forward(early), b = model->forward(late);
  EXPECT_GT(std::abs(a.logits.item<float>() - b.logits.item<float>()), 1e-3);
  // The bin attention follows the peak: its weight at the peak's bin is not the mirror image's.
  EXPECT_FALSE(torch::allclose(a.alpha.select(2, 30), b.alpha.select(2, 70)));
}
