// The model interface: every model's shapes, parameter count (docs/models.md), weight round trip and
// shape inference, and the factory's errors. Numbers against PyTorch: tests/stages/test_model_parity.sh.
#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/attentive_chrome.hpp"
#include "model/expression_model.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {

fs::path scratch(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("achrome-models-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    fs::remove_all(fs::temp_directory_path() / ("achrome-models-test-" + std::to_string(::getpid())));
  }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

struct Expected {
  int64_t parameters;  // for 5 marks, 100 bins: docs/models.md
  int64_t alpha_rows;  // 0: no alpha
  bool beta;
};

const std::map<std::string, Expected> kExpected{
    {"deepchrome", {644051, 0, false}},   {"lstm", {10049, 0, false}},        {"cnn-attn", {2651, 1, false}},
    {"cnn-alpha-beta", {3101, 5, true}},  {"lstm-attn", {10113, 1, false}},   {"lstm-alpha", {45441, 5, false}},
    {"attentivechrome", {55681, 5, true}}, {"achrome-net", {10529, 5, true}},
};

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Models, EveryNameHasItsShapesAndDocumentedParameterCount) {
  ASSERT_EQ(model_names().size(), kExpected.size());
  const auto x = torch::poisson(torch::full({3, 100, 5}, 2.0));
  for (const auto& name : model_names()) {
    SCOPED_TRACE(name);
    const auto& expected = kExpected.at(name);
    auto model = make_model(name, 5, 100);
    EXPECT_EQ(model->model_name(), name);
    EXPECT_EQ(parameter_count(model), expected.parameters);
    EXPECT_FALSE(model->init_description().empty());
    model->eval();
    const auto out = model->forward(x);
    EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{3}));
    EXPECT_TRUE(torch::isfinite(out.logits).all().item<bool>());
    ASSERT_EQ(out.alpha.defined(), expected.alpha_rows > 0);
    if (out.alpha.defined()) {
      EXPECT_EQ(out.alpha.sizes(), (std::vector<int64_t>{3, expected.alpha_rows, 100}));
      EXPECT_LT((out.alpha.sum(2) - 1).abs().max().item<double>(), 1e-5);
    }
    ASSERT_EQ(out.beta.defined(), expected.beta);
    if (out.beta.defined()) {
      EXPECT_EQ(out.beta.sizes(), (std::vector<int64_t>{3, 5}));
    }
    // Trainable: every parameter gets a gradient.
    model->train();
    model->forward(x).logits.sum().backward();
    for (const auto& item : model->named_parameters()) EXPECT_TRUE(item.value().grad().defined()) << item.key();
  }
}

TEST(Models, AttentiveChromeFromTheFactoryIsTheSameDraw) {
  // The trainer builds models through make_model: AttentiveChrome must come out with the weights the
  // direct constructor gives for the same seed, so its training runs are unchanged.
  torch::manual_seed(9);
  AttentiveChrome direct(AttentiveChromeOptions{});
  torch::manual_seed(9);
  auto made = make_model("attentivechrome", 5, 100);
  const auto a = direct->named_parameters(), b = made->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
}

TEST(Models, WeightsRoundTripAndImplyTheirShape) {
  for (const auto& name : model_names()) {
    SCOPED_TRACE(name);
    ModelSizes sizes;
    if (name == "deepchrome") sizes = {{"filters", 7}, {"hidden1", 11}, {"hidden2", 3}, {"kernel", 4}};
    if (name == "lstm" || name == "lstm-attn") sizes = {{"hidden", 5}};
    if (name == "lstm-alpha") sizes = {{"bin_hidden", 6}};
    if (name == "cnn-attn" || name == "cnn-alpha-beta") sizes = {{"filters", 9}, {"kernel", 3}};
    if (name == "attentivechrome") sizes = {{"bin_hidden", 6}, {"mark_hidden", 4}};
    if (name == "achrome-net") sizes = {{"channels", 5}, {"kernel", 4}, {"hidden", 7}};
    auto saved = make_model(name, 3, 30, sizes);
    const auto path = scratch(name + ".pt");
    save_state_dict_file(saved, path);
    const auto shape = infer_model_shape(name, path);
    EXPECT_EQ(shape.marks, 3);
    auto expected = saved->sizes();
    if (name == "deepchrome") {
      EXPECT_EQ(expected.erase("pool"), 1u);  // not recoverable from the weights
    }
    EXPECT_EQ(shape.sizes, expected);
    auto loaded = make_model(name, shape.marks, 30, shape.sizes);
    load_state_dict_file(loaded, path);
    const auto x = torch::rand({2, 30, 3}) * 5;
    saved->eval();
    loaded->eval();
    EXPECT_TRUE(torch::equal(saved->forward(x).logits, loaded->forward(x).logits));
  }
}

TEST(Models, FactoryAndInputErrorsAreOneLine) {
  EXPECT_NE(message_of([] { make_model("cnn", 5, 100); }).find("unknown model 'cnn' (expected one of deepchrome,"),
            std::string::npos);
  EXPECT_NE(message_of([] { make_model("lstm", 5, 100, {{"filters", 3}}); })
                .find("model lstm has no size 'filters' (its sizes: hidden)"),
            std::string::npos);
  EXPECT_NE(message_of([] { make_model("deepchrome", 5, 100, {{"pool", 0}}); }).find("pool must be positive"),
            std::string::npos);
  EXPECT_NE(message_of([] { make_model("deepchrome", 5, 12); }).find("12 bins are too few"), std::string::npos);
  auto model = make_model("cnn-attn", 5, 100);
  EXPECT_NE(message_of([&] { model->forward(torch::zeros({2, 100, 4})); })
                .find("cnn-attn expects input [genes, bins, 5], got [2, 100, 4]"),
            std::string::npos);
  const auto path = scratch("lstm.pt");
  save_state_dict_file(make_model("lstm", 5, 100), path);
  EXPECT_NE(message_of([&] { infer_model_shape("lstm-alpha", path); })
                .find("missing key 'rnn_hms.0.rnn.weight_ih_l0' (not a lstm-alpha state_dict)"),
            std::string::npos);
}
