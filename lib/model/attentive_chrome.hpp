#pragma once
// AttentiveChrome (Singh et al., NIPS 2017, "LSTM-alpha,beta"): a hierarchy of two attention-LSTM
// levels over the histone-mark signal around a gene's TSS.
//
//   level 1, per mark m:  h^m_t = BiLSTM_m(x^m_1..x^m_T)                   (paper eq. 1)
//                         alpha^m_t = softmax_t(h^m_t . W_b^m)             (eq. 2, bin attention)
//                         e_m = sum_t alpha^m_t h^m_t                      (eq. 3, mark embedding)
//   level 2, over marks:  s_j = BiLSTM_s(e_1..e_M)                         (eq. 4)
//                         beta_j = softmax_j(s_j . W_s)                    (eq. 5, mark attention)
//                         v = sum_j beta_j s_j                             (eq. 6)
//   output:               logit = W_out v + b_out                          (eq. 7; sigmoid is in the loss)
//
// Parameter names equal those of the published PyTorch model's state_dict (QData/AttentiveChrome,
// v2PyTorch/models.py), so weights move between the two without renaming:
//   rnn_hms.{m}.rnn.{weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0}[_reverse]
//   rnn_hms.{m}.bin_attention.bin_context_vector
//   hm_level_rnn_1.rnn.*, hm_level_rnn_1.bin_attention.bin_context_vector
//   fdiff1_1.weight, fdiff1_1.bias
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include <torch/torch.h>

#include "model/expression_model.hpp"

namespace achrome {

struct AttentiveChromeOptions {
  int64_t marks = 5;         // histone marks (input columns), in the order of the input's last axis
  int64_t bins = 100;        // bins per gene window
  int64_t bin_hidden = 32;   // level-1 LSTM hidden size per direction
  int64_t mark_hidden = 16;  // level-2 LSTM hidden size per direction (published: bin_hidden / 2)
};

// The attention vector of one encoder: scores each position of a sequence of representations
// by a dot product with a learned context vector; the published code names it bin_context_vector
// at both levels.
class ContextAttentionImpl : public torch::nn::Module {
 public:
  explicit ContextAttentionImpl(int64_t representation_size);
  // sequence [G, T, B, D], contexts: G encoders' context vectors of D values (their [D, 1] parameters)
  // -> (weights [G, T, B], pooled [G, B, D])
  static std::tuple<torch::Tensor, torch::Tensor> attend(const torch::Tensor& sequence,
                                                         const std::vector<torch::Tensor>& contexts);

  torch::Tensor bin_context_vector;  // [D, 1]
};
TORCH_MODULE(ContextAttention);

// One level-1 or level-2 encoder: a single-layer bidirectional LSTM plus its attention. The LSTM
// module holds the parameters under PyTorch's names; AttentiveChrome's fast forward reads them
// directly (see forward() in the .cpp), forward_reference() calls the module as the published code does.
class RecurrentEncoderImpl : public torch::nn::Module {
 public:
  RecurrentEncoderImpl(int64_t input_size, int64_t hidden_size);

  torch::nn::LSTM rnn{nullptr};
  ContextAttention bin_attention{nullptr};
};
TORCH_MODULE(RecurrentEncoder);

// alpha [B, marks, bins] and beta [B, marks] are always defined.
using AttentiveChromeOutput = ModelOutput;

class AttentiveChromeImpl : public ExpressionModelImpl {
 public:
  explicit AttentiveChromeImpl(AttentiveChromeOptions options = {});

  // x [B, bins, marks] (raw read counts, the published data's layout).
  // Runs the level-1 LSTMs of all marks and both directions in lockstep (one batched matrix
  // product per bin instead of 2 x marks), which is what makes training fast on a CPU.
  AttentiveChromeOutput forward(const torch::Tensor& x) override;

  // The same computation written as the published code runs it (torch::nn::LSTM per mark, one at
  // a time). Slow; kept as an independent implementation that tests compare forward() with.
  AttentiveChromeOutput forward_reference(const torch::Tensor& x);

  // The published initialisation: every parameter U(-0.1, 0.1).
  void reset_uniform(double bound = 0.1);
  void reset_parameters() override { reset_uniform(); }
  std::string init_description() const override { return "uniform(-0.1, 0.1)"; }
  ModelSizes sizes() const override {
    return {{"bin_hidden", options_.bin_hidden}, {"mark_hidden", options_.mark_hidden}};
  }

  const AttentiveChromeOptions& options() const { return options_; }

  torch::nn::ModuleList rnn_hms{nullptr};
  RecurrentEncoder hm_level_rnn_1{nullptr};
  torch::nn::Linear fdiff1_1{nullptr};

 private:
  AttentiveChromeOptions options_;
  std::vector<RecurrentEncoder> mark_encoders_;  // the elements of rnn_hms, typed
};
TORCH_MODULE(AttentiveChrome);

// Weight files: load_state_dict_file / save_state_dict_file in model/expression_model.hpp.

// Reads only the shapes a weights file implies (marks from rnn_hms.*, bins cannot be inferred),
// so that predict can build a model for a model.pt without model.json.
AttentiveChromeOptions infer_options_from_state_dict_file(const std::filesystem::path& path);

}  // namespace achrome
