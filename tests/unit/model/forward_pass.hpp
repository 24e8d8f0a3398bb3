#pragma once
// One forward and backward pass of a model, kept for comparing a fast forward with its
// forward_reference (test_lstm_models.cpp, test_cnn_models.cpp).
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/expression_model.hpp"

namespace achrome::model_test {

inline double max_abs(const torch::Tensor& a) { return a.abs().max().item<double>(); }
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return max_abs(a - b); }

struct Pass {
  ModelOutput out;
  std::map<std::string, torch::Tensor> grads;  // every parameter's gradient, by name
  torch::Tensor input_grad;                    // the saliency, when asked for
};

// A loss touching the logits and both attentions, so that every path of the backward pass is used.
template <typename Model>
Pass run(Model& model, const torch::Tensor& inputs, const std::function<ModelOutput(const torch::Tensor&)>& forward,
         bool input_grad) {
  model->zero_grad();
  const auto x = inputs.clone().requires_grad_(input_grad);
  Pass pass;
  pass.out = forward(x);
  auto loss = pass.out.logits.square().sum();
  if (pass.out.alpha.defined()) loss = loss + pass.out.alpha.pow(3).sum();
  if (pass.out.beta.defined()) loss = loss + pass.out.beta.pow(3).sum() * 5;
  loss.backward();
  for (const auto& item : model->named_parameters()) {
    EXPECT_TRUE(item.value().grad().defined()) << item.key();
    if (item.value().grad().defined()) pass.grads[item.key()] = item.value().grad().clone();
  }
  if (input_grad) pass.input_grad = x.grad().clone();
  return pass;
}

}  // namespace achrome::model_test
