// AttentiveChrome against the published PyTorch model (fixture computed by models.py with fixed
// weights), the fast lockstep forward against the per-mark torch::nn::LSTM forward, and weight I/O.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/attentive_chrome.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"

namespace fs = std::filesystem;
using achrome::AttentiveChrome;
using achrome::AttentiveChromeOptions;

namespace {

const fs::path kFixture = fs::path(ACHROME_TEST_DATA) / "reference-model";

torch::Tensor load_npy_tensor(const fs::path& path) {
  auto array = achrome::read_npy(path);
  std::vector<int64_t> shape(array.shape.begin(), array.shape.end());
  return torch::from_blob(array.data.data(), shape, torch::kFloat32).clone();
}

fs::path scratch_dir() { return fs::temp_directory_path() / ("achrome-model-test-" + std::to_string(::getpid())); }

fs::path scratch(const std::string& name) {
  fs::create_directories(scratch_dir());
  return scratch_dir() / name;
}

// Removes the scratch folder after all tests.
class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(scratch_dir()); }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace

TEST(AttentiveChrome, ParameterNamesAreThePublishedStateDictKeys) {
  AttentiveChrome model(AttentiveChromeOptions{});
  std::vector<std::string> names;
  for (const auto& item : model->named_parameters()) names.push_back(item.key());
  EXPECT_EQ(names.size(), 5u * 9u + 9u + 2u);
  EXPECT_EQ(names.front(), "rnn_hms.0.rnn.weight_ih_l0");
  EXPECT_NE(std::find(names.begin(), names.end(), "rnn_hms.4.rnn.bias_hh_l0_reverse"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "rnn_hms.2.bin_attention.bin_context_vector"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "hm_level_rnn_1.rnn.weight_ih_l0_reverse"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "hm_level_rnn_1.bin_attention.bin_context_vector"), names.end());
  EXPECT_EQ(names.back(), "fdiff1_1.bias");
  const auto params = model->named_parameters();
  EXPECT_EQ(params["hm_level_rnn_1.rnn.weight_ih_l0"].sizes(), (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(params["hm_level_rnn_1.bin_attention.bin_context_vector"].sizes(), (std::vector<int64_t>{32, 1}));
  // The published initialisation: U(-0.1, 0.1) everywhere.
  for (const auto& p : model->parameters()) EXPECT_LE(p.abs().max().item<float>(), 0.1f);
}

TEST(AttentiveChrome, MatchesThePublishedModelOnTheFixture) {
  AttentiveChrome model(AttentiveChromeOptions{});
  achrome::load_state_dict_file(model, kFixture / "weights.pt");
  model->eval();
  const auto inputs = load_npy_tensor(kFixture / "inputs.npy");
  const auto logits = load_npy_tensor(kFixture / "logits.npy");
  const auto alpha = load_npy_tensor(kFixture / "alpha.npy");
  const auto beta = load_npy_tensor(kFixture / "beta.npy");
  torch::NoGradGuard no_grad;
  for (bool fast : {true, false}) {
    const auto out = fast ? model->forward(inputs) : model->forward_reference(inputs);
    SCOPED_TRACE(fast ? "lockstep forward" : "reference forward");
    ASSERT_EQ(out.logits.sizes(), logits.sizes());
    ASSERT_EQ(out.alpha.sizes(), alpha.sizes());
    ASSERT_EQ(out.beta.sizes(), beta.sizes());
    EXPECT_LT(max_abs_diff(out.logits, logits), 1e-5);
    EXPECT_LT(max_abs_diff(out.alpha, alpha), 1e-5);
    EXPECT_LT(max_abs_diff(out.beta, beta), 1e-5);
  }
  // The fixture's genes differ from each other (otherwise parity would prove little).
  EXPECT_GT((logits.max() - logits.min()).item<float>(), 1.0f);
}

// The fast forward and its hand-written backward against torch::nn::LSTM and autograd.
void expect_lockstep_equals_reference(const AttentiveChromeOptions& options, int64_t genes) {
  AttentiveChrome model(options);
  const auto x = torch::poisson(torch::full({genes, options.bins, options.marks}, 3.0));

  const auto fast = model->forward(x);
  EXPECT_LT((fast.alpha.sum(2) - 1).abs().max().item<double>(), 1e-5);
  EXPECT_LT((fast.beta.sum(1) - 1).abs().max().item<double>(), 1e-5);
  (fast.logits.square().sum() + fast.alpha.pow(3).sum() + fast.beta.pow(3).sum()).backward();
  std::map<std::string, torch::Tensor> fast_grads;
  for (const auto& item : model->named_parameters()) fast_grads[item.key()] = item.value().grad().clone();
  model->zero_grad();

  const auto reference = model->forward_reference(x);
  (reference.logits.square().sum() + reference.alpha.pow(3).sum() + reference.beta.pow(3).sum()).backward();
  EXPECT_LT(max_abs_diff(fast.logits, reference.logits), 1e-5);
  EXPECT_LT(max_abs_diff(fast.alpha, reference.alpha), 1e-6);
  EXPECT_LT(max_abs_diff(fast.beta, reference.beta), 1e-6);
  for (const auto& item : model->named_parameters()) {
    SCOPED_TRACE(item.key());
    const auto& expected = item.value().grad();
    ASSERT_TRUE(expected.defined());
    EXPECT_LT(max_abs_diff(fast_grads[item.key()], expected), 1e-4 * (1 + expected.abs().max().item<double>()));
  }
}

TEST(AttentiveChrome, LockstepForwardAndGradientsEqualPerMarkLstms) {
  torch::manual_seed(7);
  AttentiveChromeOptions options;
  options.marks = 3;
  options.bins = 17;
  expect_lockstep_equals_reference(options, 6);
  // 6 sequences x 50 genes = 300 rows per step: more than one task's worth, so the backward pass takes
  // the parameter gradients from matrix products instead of summing them in the step kernel.
  expect_lockstep_equals_reference(options, 50);
}

// The kernels' matrix products work in blocks of 4 rows (genes) x 32 and 16 columns with scalar
// tails, and in row blocks that must not cross from one sequence to the next: odd hidden sizes
// (4H = 52 and 28: every column path) and a gene count that is neither a multiple of 4 nor of the
// row block exercise the edges the default sizes never reach.
TEST(AttentiveChrome, LockstepEqualsReferenceAtOddSizes) {
  torch::manual_seed(11);
  AttentiveChromeOptions options;
  options.marks = 2;
  options.bins = 9;
  options.bin_hidden = 13;
  options.mark_hidden = 7;
  expect_lockstep_equals_reference(options, 37);
}

// The lockstep layers and attention levels return each parameter's gradient as a slice of one summed
// buffer, which autograd may keep as the parameter's .grad and add the next backward pass into in
// place: a second pass must double every gradient exactly, the two biases of a direction (the same
// values) included, and leave no parameter's gradient sharing memory with another's.
TEST(AttentiveChrome, GradientsAccumulateOverTwoBackwardPassesPerParameter) {
  torch::manual_seed(13);
  AttentiveChromeOptions options;
  options.marks = 3;
  options.bins = 7;
  AttentiveChrome model(options);
  const auto x = torch::poisson(torch::full({5, options.bins, options.marks}, 3.0));
  const auto loss = [&] {
    const auto out = model->forward(x);
    return out.logits.square().sum() + out.alpha.pow(3).sum() + out.beta.pow(3).sum();
  };
  loss().backward();
  std::map<std::string, torch::Tensor> once;
  for (const auto& item : model->named_parameters()) once[item.key()] = item.value().grad().clone();
  loss().backward();
  for (const auto& item : model->named_parameters()) {
    SCOPED_TRACE(item.key());
    EXPECT_GT(once[item.key()].abs().max().item<double>(), 0.0);
    EXPECT_TRUE(torch::equal(item.value().grad(), 2 * once[item.key()]));
  }
}

TEST(AttentiveChrome, SavedWeightsLoadBackExactly) {
  torch::manual_seed(3);
  AttentiveChrome saved(AttentiveChromeOptions{});
  const auto path = scratch("roundtrip.pt");
  achrome::save_state_dict_file(saved, path);
  AttentiveChrome loaded(AttentiveChromeOptions{});
  achrome::load_state_dict_file(loaded, path);
  const auto loaded_params = loaded->named_parameters();
  for (const auto& item : saved->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), loaded_params[item.key()])) << item.key();
  const auto inferred = achrome::infer_options_from_state_dict_file(path);
  EXPECT_EQ(inferred.marks, 5);
  EXPECT_EQ(inferred.bin_hidden, 32);
  EXPECT_EQ(inferred.mark_hidden, 16);
  // No temporary file is left beside the output.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) files += entry.path() == path ? 0 : 1;
  EXPECT_EQ(files, 0u);
}

TEST(AttentiveChrome, BadWeightFilesNameTheFileAndKey) {
  const auto expect_error = [](AttentiveChrome& model, const fs::path& path, const std::string& needle) {
    try {
      achrome::load_state_dict_file(model, path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const achrome::Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find(needle), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  };
  AttentiveChrome five(AttentiveChromeOptions{});
  AttentiveChromeOptions four_marks;
  four_marks.marks = 4;
  AttentiveChrome four(four_marks);
  const auto four_path = scratch("four.pt");
  achrome::save_state_dict_file(four, four_path);
  expect_error(five, four_path, "missing key 'rnn_hms.4.rnn.weight_ih_l0'");
  expect_error(four, kFixture / "weights.pt", "unexpected key 'rnn_hms.4.");

  AttentiveChromeOptions narrow;
  narrow.bin_hidden = 16;
  AttentiveChrome small(narrow);
  expect_error(small, kFixture / "weights.pt", "'rnn_hms.0.rnn.weight_ih_l0' has shape [128, 1], the model expects [64, 1]");

  const auto garbage = scratch("garbage.pt");
  std::ofstream(garbage) << "not a pickle";
  expect_error(five, garbage, "not a PyTorch weights file");
  expect_error(five, scratch("absent.pt"), "cannot open");
}
