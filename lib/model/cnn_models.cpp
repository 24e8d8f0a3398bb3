#include "model/cnn_models.hpp"

#include "model/conv_attention.hpp"
#include "model/dropout.hpp"
#include "model/matrix_product.hpp"
#include "util/error.hpp"

namespace achrome {

namespace {

namespace F = torch::nn::functional;

// Torch7's default for nn.TemporalConvolution and nn.Linear, which DeepChrome's code kept, and
// PyTorch's for Conv1d and Linear: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
const char* const kFanInInit = "uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for convolution and dense weights and biases";

void reset_layers(torch::nn::Module& module) {
  for (auto& child : module.modules(/*include_self=*/false)) {
    if (auto* conv = child->as<torch::nn::Conv1d>()) conv->reset_parameters();
    if (auto* linear = child->as<torch::nn::Linear>()) linear->reset_parameters();
  }
}

// Attention context vectors as AttentiveChrome's.
void reset_context(ContextAttention& attention) {
  torch::NoGradGuard no_grad;
  attention->bin_context_vector.uniform_(-0.1, 0.1);
}

void check_cnn_options(const char* name, const CnnAttentionOptions& options) {
  if (options.marks < 1 || options.bins < 1 || options.filters < 1 || options.kernel < 1)
    fail("{} needs at least one mark and bin and positive filters and kernel", name);
}

}  // namespace

torch::Tensor pad_same(const torch::Tensor& x, int64_t kernel) {
  const int64_t before = (kernel - 1) / 2;
  return F::pad(x, F::PadFuncOptions({before, kernel - 1 - before}));
}

// ---------------------------------------------------------------------------------------------

DeepChromeImpl::DeepChromeImpl(DeepChromeOptions options)
    : ExpressionModelImpl("deepchrome", options.marks, options.bins), options_(options) {
  if (options_.marks < 1 || options_.filters < 1 || options_.kernel < 1 || options_.pool < 1 ||
      options_.hidden1 < 1 || options_.hidden2 < 1)
    fail("deepchrome needs at least one mark and positive sizes");
  if (pooled_positions() < 1)
    fail("deepchrome: {} bins are too few for a kernel of {} and pooling of {}", options_.bins, options_.kernel,
         options_.pool);
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(options_.marks, options_.filters,
                                                                            options_.kernel)));
  dropout = register_module("dropout", torch::nn::Dropout(0.5));
  hidden1 = register_module("hidden1", torch::nn::Linear(options_.filters * pooled_positions(), options_.hidden1));
  hidden2 = register_module("hidden2", torch::nn::Linear(options_.hidden1, options_.hidden2));
  output = register_module("output", torch::nn::Linear(options_.hidden2, 1));
  reset_parameters();
}

int64_t DeepChromeImpl::pooled_positions() const {
  const int64_t convolved = options_.bins - options_.kernel + 1;
  return convolved < options_.pool ? 0 : convolved / options_.pool;
}

void DeepChromeImpl::reset_parameters() { reset_layers(*this); }

std::string DeepChromeImpl::init_description() const { return kFanInInit; }

ModelSizes DeepChromeImpl::sizes() const {
  return {{"filters", options_.filters},
          {"kernel", options_.kernel},
          {"pool", options_.pool},
          {"hidden1", options_.hidden1},
          {"hidden2", options_.hidden2}};
}

ModelOutput DeepChromeImpl::forward(const torch::Tensor& x) {
  if (!conv_attention_supports(x)) return forward_reference(x);
  check_input(x, true);  // the first dense layer's width depends on the bins
  // Convolution, ReLU and max-pooling in one step (conv_attention.hpp), laid out as flatten(1) of
  // [B, F, P]; dropout then draws the same mask as the module in forward_reference (dropout.hpp).
  auto h = conv_relu_maxpool(x, conv->weight, conv->bias, options_.pool);  // [B, F * P]
  h = libtorch_dropout(h, dropout->options.p(), is_training());
  // The hidden layers' products, bias and ReLU in one kernel each (matrix_product.hpp).
  h = dense_layer(h, hidden1->weight, hidden1->bias, /*relu=*/true);
  h = dense_layer(h, hidden2->weight, hidden2->bias, /*relu=*/true);
  ModelOutput out;
  out.logits = output->forward(h).squeeze(1);
  return out;
}

ModelOutput DeepChromeImpl::forward_reference(const torch::Tensor& x) {
  check_input(x, true);
  auto h = torch::relu(conv->forward(x.transpose(1, 2)));   // marks as channels: [B, F, bins - kernel + 1]
  h = F::max_pool1d(h, F::MaxPool1dFuncOptions(options_.pool));  // [B, F, P], window = stride
  h = dropout->forward(h.flatten(1));                        // [B, F * P], filter-major
  h = torch::relu(hidden1->forward(h));
  h = torch::relu(hidden2->forward(h));
  ModelOutput out;
  out.logits = output->forward(h).squeeze(1);
  return out;
}

// ---------------------------------------------------------------------------------------------

CnnAttnImpl::CnnAttnImpl(CnnAttentionOptions options)
    : ExpressionModelImpl("cnn-attn", options.marks, options.bins), options_(options) {
  check_cnn_options("cnn-attn", options_);
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(options_.marks, options_.filters,
                                                                            options_.kernel)));
  bin_attention = register_module("bin_attention", ContextAttention(options_.filters));
  output = register_module("output", torch::nn::Linear(options_.filters, 1));
  reset_parameters();
}

void CnnAttnImpl::reset_parameters() {
  reset_layers(*this);
  reset_context(bin_attention);
}

std::string CnnAttnImpl::init_description() const {
  return std::string(kFanInInit) + "; attention context vectors uniform(-0.1, 0.1)";
}

ModelOutput CnnAttnImpl::forward(const torch::Tensor& x) {
  if (!conv_attention_supports(x)) return forward_reference(x);
  check_input(x, false);
  // One group whose channels are the marks: the input's own [B, T, marks] layout is the windows' source.
  const auto result = conv_attention(x.unsqueeze(0), conv->weight, conv->bias, bin_attention->bin_context_vector);
  ModelOutput out;
  out.logits = output->forward(result.pooled.squeeze(0)).squeeze(1);
  out.alpha = result.alpha.transpose(0, 1);  // [B, 1, T]
  return out;
}

ModelOutput CnnAttnImpl::forward_reference(const torch::Tensor& x) {
  check_input(x, false);
  const auto features = torch::relu(conv->forward(pad_same(x.transpose(1, 2), options_.kernel)));  // [B, F, T]
  auto [weights, pooled] = context_attention(features.transpose(1, 2), bin_attention->bin_context_vector);
  ModelOutput out;
  out.logits = output->forward(pooled).squeeze(1);
  out.alpha = weights.unsqueeze(1);  // [B, 1, T]
  return out;
}

// ---------------------------------------------------------------------------------------------

ConvEncoderImpl::ConvEncoderImpl(int64_t filters, int64_t kernel) {
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(1, filters, kernel)));
  bin_attention = register_module("bin_attention", ContextAttention(filters));
}

CnnAlphaBetaImpl::CnnAlphaBetaImpl(CnnAttentionOptions options)
    : ExpressionModelImpl("cnn-alpha-beta", options.marks, options.bins), options_(options) {
  check_cnn_options("cnn-alpha-beta", options_);
  conv_hms = register_module("conv_hms", torch::nn::ModuleList());
  for (int64_t mark = 0; mark < options_.marks; ++mark) {
    encoders_.emplace_back(options_.filters, options_.kernel);
    conv_hms->push_back(encoders_.back());
  }
  mark_attention = register_module("mark_attention", ContextAttention(options_.filters));
  output = register_module("output", torch::nn::Linear(options_.filters, 1));
  reset_parameters();
}

void CnnAlphaBetaImpl::reset_parameters() {
  reset_layers(*this);
  for (auto& encoder : encoders_) reset_context(encoder->bin_attention);
  reset_context(mark_attention);
}

std::string CnnAlphaBetaImpl::init_description() const {
  return std::string(kFanInInit) + "; attention context vectors uniform(-0.1, 0.1)";
}

ModelOutput CnnAlphaBetaImpl::forward(const torch::Tensor& x) {
  if (!conv_attention_supports(x)) return forward_reference(x);
  check_input(x, false);
  // The marks as groups of one channel each: all five encoders in one conv_attention call. Their
  // parameters stay per-mark modules (the state_dict names); concatenating them is three small copies.
  std::vector<torch::Tensor> weights, biases, contexts;
  for (auto& encoder : encoders_) {
    weights.push_back(encoder->conv->weight);  // [F, 1, K]
    biases.push_back(encoder->conv->bias);
    contexts.push_back(encoder->bin_attention->bin_context_vector);  // [F, 1]
  }
  const auto result = conv_attention(x.permute({2, 0, 1}).unsqueeze(3), torch::cat(weights), torch::cat(biases),
                                     torch::cat(contexts));
  // Mark level: attention straight over the mark embeddings (no mark-level encoder).
  auto [beta, representation] = context_attention(result.pooled.transpose(0, 1), mark_attention->bin_context_vector);
  ModelOutput out;
  out.logits = output->forward(representation).squeeze(1);
  out.alpha = result.alpha.transpose(0, 1);  // [B, M, T]
  out.beta = beta;                           // [B, M]
  return out;
}

ModelOutput CnnAlphaBetaImpl::forward_reference(const torch::Tensor& x) {
  check_input(x, false);
  std::vector<torch::Tensor> embeddings, alphas;
  for (std::size_t mark = 0; mark < encoders_.size(); ++mark) {
    auto& encoder = encoders_[mark];
    const auto column = x.select(2, static_cast<int64_t>(mark)).unsqueeze(1);  // [B, 1, T]
    const auto features = torch::relu(encoder->conv->forward(pad_same(column, options_.kernel)));  // [B, F, T]
    auto [weights, pooled] = context_attention(features.transpose(1, 2), encoder->bin_attention->bin_context_vector);
    embeddings.push_back(pooled);
    alphas.push_back(weights);
  }
  // Mark level: attention straight over the mark embeddings (no mark-level encoder).
  auto [beta, representation] = context_attention(torch::stack(embeddings, 1), mark_attention->bin_context_vector);
  ModelOutput out;
  out.logits = output->forward(representation).squeeze(1);
  out.alpha = torch::stack(alphas, 1);  // [B, M, T]
  out.beta = beta;                      // [B, M]
  return out;
}

}  // namespace achrome
