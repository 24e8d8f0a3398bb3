#include "model/lstm_models.hpp"

#include "model/lockstep_lstm.hpp"
#include "util/error.hpp"

namespace achrome {

namespace {

// The authors' Lua code puts nn.Dropout(0.5) after every LSTM (create_lstm in 2_model.lua).
constexpr double kLstmDropout = 0.5;

torch::nn::LSTM bidirectional_lstm(int64_t inputs, int64_t hidden) {
  return torch::nn::LSTM(torch::nn::LSTMOptions(inputs, hidden).num_layers(1).bidirectional(true));
}

// AttentiveChrome's initialisation, kept for every LSTM model of the same code base.
void uniform_all(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters()) parameter.uniform_(-0.1, 0.1);
}

void check_options(const char* name, const LstmOptions& options) {
  if (options.marks < 1 || options.bins < 1 || options.hidden < 1)
    fail("{} needs at least one mark and bin and a positive hidden size", name);
}

}  // namespace

LstmModelImpl::LstmModelImpl(LstmOptions options)
    : ExpressionModelImpl("lstm", options.marks, options.bins), options_(options) {
  check_options("lstm", options_);
  rnn = register_module("rnn", bidirectional_lstm(options_.marks, options_.hidden));
  dropout = register_module("dropout", torch::nn::Dropout(kLstmDropout));
  output = register_module("output", torch::nn::Linear(2 * options_.hidden, 1));
  reset_parameters();
}

void LstmModelImpl::reset_parameters() { uniform_all(*this); }

ModelOutput LstmModelImpl::forward(const torch::Tensor& x) {
  check_input(x, false);
  // One LSTM, the marks of a bin as its input vector: [1, T, B, marks] -> states [T, B, 2H].
  const auto states = lockstep_bilstm(x.transpose(0, 1).unsqueeze(0), {rnn})[0];
  // The last step of each direction: the forward direction after bin T, the backward one after bin 1
  // (the Lua code's Select(2, len) on each; PyTorch's h_n).
  const int64_t hidden = options_.hidden, bins = states.size(0);
  const auto pooled = torch::cat({states[bins - 1].narrow(1, 0, hidden), states[0].narrow(1, hidden, hidden)}, 1);
  ModelOutput out;
  out.logits = output->forward(dropout->forward(pooled)).squeeze(1);
  return out;
}

ModelOutput LstmModelImpl::forward_reference(const torch::Tensor& x) {
  check_input(x, false);
  // Sequence-first [T, B, marks]; h_n [2, B, H] is the last step of each direction.
  const auto final_states = std::get<0>(std::get<1>(rnn->forward(x.transpose(0, 1))));
  const auto pooled = torch::cat({final_states[0], final_states[1]}, 1);  // [B, 2H]
  ModelOutput out;
  out.logits = output->forward(dropout->forward(pooled)).squeeze(1);
  return out;
}

LstmAttnImpl::LstmAttnImpl(LstmOptions options)
    : ExpressionModelImpl("lstm-attn", options.marks, options.bins), options_(options) {
  check_options("lstm-attn", options_);
  rnn = register_module("rnn", bidirectional_lstm(options_.marks, options_.hidden));
  bin_attention = register_module("bin_attention", ContextAttention(2 * options_.hidden));
  dropout = register_module("dropout", torch::nn::Dropout(kLstmDropout));
  output = register_module("output", torch::nn::Linear(2 * options_.hidden, 1));
  reset_parameters();
}

void LstmAttnImpl::reset_parameters() { uniform_all(*this); }

ModelOutput LstmAttnImpl::forward(const torch::Tensor& x) {
  check_input(x, false);
  // [T, B, 2H] contiguous, seen as [B, T, 2H]: the same layout as torch::nn::LSTM's output transposed,
  // so that dropout draws its mask in the same order as forward_reference (and earlier versions).
  const auto states = lockstep_bilstm(x.transpose(0, 1).unsqueeze(0), {rnn})[0].transpose(0, 1);
  return attend_and_output(states);
}

ModelOutput LstmAttnImpl::forward_reference(const torch::Tensor& x) {
  check_input(x, false);
  return attend_and_output(std::get<0>(rnn->forward(x.transpose(0, 1))).transpose(0, 1));  // [B, T, 2H]
}

ModelOutput LstmAttnImpl::attend_and_output(const torch::Tensor& states) {
  auto [weights, pooled] = context_attention(dropout->forward(states), bin_attention->bin_context_vector);
  ModelOutput out;
  out.logits = output->forward(pooled).squeeze(1);
  out.alpha = weights.unsqueeze(1);  // [B, 1, T]
  return out;
}

LstmAlphaImpl::LstmAlphaImpl(LstmOptions options)
    : ExpressionModelImpl("lstm-alpha", options.marks, options.bins), options_(options) {
  check_options("lstm-alpha", options_);
  rnn_hms = register_module("rnn_hms", torch::nn::ModuleList());
  for (int64_t mark = 0; mark < options_.marks; ++mark) {
    encoders_.emplace_back(1, options_.hidden);  // one count per bin
    rnn_hms->push_back(encoders_.back());
  }
  dropout = register_module("dropout", torch::nn::Dropout(kLstmDropout));
  output = register_module("output", torch::nn::Linear(options_.marks * 2 * options_.hidden, 1));
  reset_parameters();
}

void LstmAlphaImpl::reset_parameters() { uniform_all(*this); }

ModelOutput LstmAlphaImpl::forward(const torch::Tensor& x) {
  check_input(x, false);
  // AttentiveChrome's level 1: every mark's bin sequence, marks first [M, T, B, 1], all in lockstep.
  std::vector<torch::nn::LSTM> lstms;
  for (const auto& encoder : encoders_) lstms.push_back(encoder->rnn);
  const auto states = lockstep_bilstm(x.permute({2, 1, 0}).unsqueeze(3), lstms);  // [M, T, B, 2H]
  std::vector<torch::Tensor> per_mark;
  for (int64_t mark = 0; mark < states.size(0); ++mark) per_mark.push_back(states[mark].transpose(0, 1));  // [B, T, 2H]
  return attend_and_output(per_mark);
}

ModelOutput LstmAlphaImpl::forward_reference(const torch::Tensor& x) {
  check_input(x, false);
  std::vector<torch::Tensor> per_mark;
  for (std::size_t mark = 0; mark < encoders_.size(); ++mark) {
    const auto column = x.select(2, static_cast<int64_t>(mark)).t().unsqueeze(2);  // [T, B, 1]
    per_mark.push_back(std::get<0>(encoders_[mark]->rnn->forward(column)).transpose(0, 1));  // [B, T, 2H]
  }
  return attend_and_output(per_mark);
}

ModelOutput LstmAlphaImpl::attend_and_output(const std::vector<torch::Tensor>& states) {
  // Each mark's states are [T, B, 2H] in memory, as torch::nn::LSTM leaves them, and dropout runs mark
  // by mark: the masks are drawn in the same order by both forwards.
  std::vector<torch::Tensor> embeddings, alphas;
  for (std::size_t mark = 0; mark < states.size(); ++mark) {
    auto [weights, pooled] =
        context_attention(dropout->forward(states[mark]), encoders_[mark]->bin_attention->bin_context_vector);
    embeddings.push_back(pooled);
    alphas.push_back(weights);
  }
  ModelOutput out;
  out.logits = output->forward(torch::cat(embeddings, 1)).squeeze(1);  // marks in input order
  out.alpha = torch::stack(alphas, 1);                                 // [B, M, T]
  return out;
}

}  // namespace achrome
