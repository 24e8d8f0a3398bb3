#include "model/expression_model.hpp"

#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/serialize.h>

#include "model/achrome_net.hpp"
#include "model/attentive_chrome.hpp"
#include "model/cnn_models.hpp"
#include "model/lstm_models.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace achrome {

ExpressionModelImpl::ExpressionModelImpl(std::string model_name, int64_t marks, int64_t bins)
    : model_name_(std::move(model_name)), marks_(marks), bins_(bins) {}

void ExpressionModelImpl::check_input(const torch::Tensor& x, bool fixed_bins) const {
  if (x.dim() != 3 || x.size(2) != marks_ || (fixed_bins && x.size(1) != bins_)) {
    fail("{} expects input [genes, {}, {}], got [{}]", model_name_, fixed_bins ? std::to_string(bins_) : "bins",
         marks_, fmt::join(x.sizes(), ", "));
  }
}

std::pair<torch::Tensor, torch::Tensor> context_attention(const torch::Tensor& states, const torch::Tensor& context) {
  const auto scores = torch::matmul(states, context).squeeze(2);      // [B, T]
  const auto weights = torch::softmax(scores, 1);                      // over positions
  const auto pooled = torch::bmm(weights.unsqueeze(1), states).squeeze(1);  // [B, D]
  return {weights, pooled};
}

// ---------------------------------------------------------------------------------------------
// Factory

namespace {

// Takes one size out of the caller's map (so that leftovers are names the model does not have).
class SizeReader {
 public:
  SizeReader(std::string model, ModelSizes sizes) : model_(std::move(model)), rest_(std::move(sizes)) {}

  int64_t take(const std::string& key, int64_t fallback) {
    names_.push_back(key);
    const auto found = rest_.find(key);
    if (found == rest_.end()) return fallback;
    const int64_t value = found->second;
    rest_.erase(found);
    if (value < 1) fail("model {}: {} must be positive, got {}", model_, key, value);
    return value;
  }

  void finish() const {
    if (!rest_.empty())
      fail("model {} has no size '{}' (its sizes: {})", model_, rest_.begin()->first, fmt::join(names_, ", "));
  }

 private:
  std::string model_;
  ModelSizes rest_;
  std::vector<std::string> names_;
};

template <typename Impl, typename Options>
ExpressionModel build(SizeReader& reader, const Options& options) {
  reader.finish();
  return ExpressionModel(std::make_shared<Impl>(options));
}

}  // namespace

void add_size_spec(const std::string& spec, ModelSizes& sizes) {
  const auto equals = spec.find('=');
  const std::string name = equals == std::string::npos ? "" : spec.substr(0, equals);
  const std::string text = equals == std::string::npos ? "" : spec.substr(equals + 1);
  const bool digits = !text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos;
  if (name.empty() || !digits || std::stoll(text) < 1)
    fail("--size '{}': expected NAME=VALUE with a positive whole VALUE, e.g. hidden=64 (docs/models.md lists each "
         "model's sizes)",
         spec);
  if (!sizes.emplace(name, std::stoll(text)).second) fail("--size {} is given twice", name);
}

void check_size_names(const std::string& name, const ModelSizes& sizes) {
  const auto defaults = make_model(name, 1, 100)->sizes();  // the default sizes, one mark: a small model
  std::vector<std::string> names;
  for (const auto& entry : defaults) names.push_back(entry.first);
  for (const auto& entry : sizes)
    if (!defaults.count(entry.first))
      fail("model {} has no size '{}' (its sizes: {})", name, entry.first, fmt::join(names, ", "));
}

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"deepchrome", "lstm",       "cnn-attn",       "cnn-alpha-beta",
                                              "lstm-attn",  "lstm-alpha", "attentivechrome", "achrome-net"};
  return names;
}

ExpressionModel make_model(const std::string& name, int64_t marks, int64_t bins, const ModelSizes& sizes) {
  if (marks < 1) fail("model {} needs at least one mark", name);
  if (bins < 1) fail("model {} needs at least one bin", name);
  SizeReader reader(name, sizes);
  if (name == "attentivechrome") {
    AttentiveChromeOptions o;
    o.marks = marks;
    o.bins = bins;
    o.bin_hidden = reader.take("bin_hidden", o.bin_hidden);
    o.mark_hidden = reader.take("mark_hidden", o.mark_hidden);
    return build<AttentiveChromeImpl>(reader, o);
  }
  if (name == "deepchrome") {
    DeepChromeOptions o;
    o.marks = marks;
    o.bins = bins;
    o.filters = reader.take("filters", o.filters);
    o.kernel = reader.take("kernel", o.kernel);
    o.pool = reader.take("pool", o.pool);
    o.hidden1 = reader.take("hidden1", o.hidden1);
    o.hidden2 = reader.take("hidden2", o.hidden2);
    return build<DeepChromeImpl>(reader, o);
  }
  if (name == "cnn-attn" || name == "cnn-alpha-beta") {
    CnnAttentionOptions o;
    o.marks = marks;
    o.bins = bins;
    o.filters = reader.take("filters", o.filters);
    o.kernel = reader.take("kernel", o.kernel);
    if (name == "cnn-attn") return build<CnnAttnImpl>(reader, o);
    return build<CnnAlphaBetaImpl>(reader, o);
  }
  if (name == "lstm" || name == "lstm-attn" || name == "lstm-alpha") {
    LstmOptions o;
    o.marks = marks;
    o.bins = bins;
    if (name == "lstm-alpha") {
      o.hidden = reader.take("bin_hidden", o.hidden);
      return build<LstmAlphaImpl>(reader, o);
    }
    o.hidden = reader.take("hidden", o.hidden);
    if (name == "lstm") return build<LstmModelImpl>(reader, o);
    return build<LstmAttnImpl>(reader, o);
  }
  if (name == "achrome-net") {
    AchromeNetOptions o;
    o.marks = marks;
    o.bins = bins;
    o.channels = reader.take("channels", o.channels);
    o.kernel = reader.take("kernel", o.kernel);
    o.hidden = reader.take("hidden", o.hidden);
    return build<AchromeNetImpl>(reader, o);
  }
  fail("unknown model '{}' (expected one of {})", name, fmt::join(model_names(), ", "));
}

// ---------------------------------------------------------------------------------------------
// Shapes from weight files

namespace {

class ShapeReader {
 public:
  ShapeReader(std::string model, const std::filesystem::path& path)
      : model_(std::move(model)), path_(path), tensors_(read_tensor_dict(path)) {}

  // Size `d` of tensor `key`, which must have `rank` dimensions.
  int64_t dim(const std::string& key, int64_t rank, int64_t d) const {
    const auto found = tensors_.find(key);
    if (found == tensors_.end())
      fail("{}: missing key '{}' (not a {} state_dict)", path_.string(), key, model_);
    if (found->second.dim() != rank)
      fail("{}: key '{}' has {} dimensions, a {} state_dict has {}", path_.string(), key, found->second.dim(), model_,
           rank);
    return found->second.size(d);
  }

  // How many of pattern.format(0), pattern.format(1), ... exist (per-mark encoders).
  int64_t count(const char* pattern) const {
    int64_t n = 0;
    while (tensors_.count(fmt::format(fmt::runtime(pattern), n))) ++n;
    if (n == 0) dim(fmt::format(fmt::runtime(pattern), 0), 0, 0);  // fails, naming the key
    return n;
  }

 private:
  std::string model_;
  std::filesystem::path path_;
  std::map<std::string, torch::Tensor> tensors_;
};

}  // namespace

ModelShape infer_model_shape(const std::string& name, const std::filesystem::path& weights) {
  ModelShape shape;
  if (name == "attentivechrome") {
    const auto options = infer_options_from_state_dict_file(weights);
    shape.marks = options.marks;
    shape.sizes = {{"bin_hidden", options.bin_hidden}, {"mark_hidden", options.mark_hidden}};
    return shape;
  }
  const ShapeReader reader(name, weights);
  if (name == "deepchrome") {
    shape.marks = reader.dim("conv.weight", 3, 1);
    shape.sizes = {{"filters", reader.dim("conv.weight", 3, 0)},
                   {"kernel", reader.dim("conv.weight", 3, 2)},
                   {"hidden1", reader.dim("hidden1.weight", 2, 0)},
                   {"hidden2", reader.dim("hidden2.weight", 2, 0)}};  // pool leaves no trace: the default
  } else if (name == "cnn-attn") {
    shape.marks = reader.dim("conv.weight", 3, 1);
    shape.sizes = {{"filters", reader.dim("conv.weight", 3, 0)}, {"kernel", reader.dim("conv.weight", 3, 2)}};
  } else if (name == "cnn-alpha-beta") {
    shape.marks = reader.count("conv_hms.{}.conv.weight");
    shape.sizes = {{"filters", reader.dim("conv_hms.0.conv.weight", 3, 0)},
                   {"kernel", reader.dim("conv_hms.0.conv.weight", 3, 2)}};
  } else if (name == "lstm" || name == "lstm-attn") {
    shape.marks = reader.dim("rnn.weight_ih_l0", 2, 1);
    shape.sizes = {{"hidden", reader.dim("rnn.weight_hh_l0", 2, 1)}};
  } else if (name == "lstm-alpha") {
    shape.marks = reader.count("rnn_hms.{}.rnn.weight_ih_l0");
    shape.sizes = {{"bin_hidden", reader.dim("rnn_hms.0.rnn.weight_hh_l0", 2, 1)}};
  } else if (name == "achrome-net") {
    shape.marks = reader.dim("bin_context", 2, 0);
    shape.sizes = {{"channels", reader.dim("bin_context", 2, 1)},
                   {"kernel", reader.dim("conv.weight", 3, 2)},
                   {"hidden", reader.dim("encoder_weight", 3, 2)}};
  } else {
    fail("unknown model '{}' (expected one of {})", name, fmt::join(model_names(), ", "));
  }
  return shape;
}

// ---------------------------------------------------------------------------------------------
// Weight files

namespace {

std::vector<char> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open weights file", path.string());
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("{}: read error", path.string());
  return bytes;
}

std::string shape_text(const torch::Tensor& tensor) { return fmt::format("[{}]", fmt::join(tensor.sizes(), ", ")); }

std::string sizes_text(const ModelSizes& sizes) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : sizes) parts.push_back(fmt::format("{} {}", key, value));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

std::map<std::string, torch::Tensor> read_tensor_dict(const std::filesystem::path& path) {
  const auto bytes = read_bytes(path);
  if (bytes.empty()) fail("{}: empty weights file", path.string());
  torch::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const std::exception& e) {
    std::string message = e.what();
    fail("{}: not a PyTorch weights file readable by torch::pickle_load ({})", path.string(),
         message.substr(0, message.find('\n')));
  }
  if (!value.isGenericDict())
    fail("{}: expected a dict of tensors (a state_dict saved with torch.save), found {}", path.string(),
         value.tagKind());
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString()) fail("{}: a key of the weights dict is not a string", path.string());
    const std::string key = entry.key().toStringRef();
    if (!entry.value().isTensor()) fail("{}: '{}' is not a tensor", path.string(), key);
    tensors.emplace(key, entry.value().toTensor());
  }
  return tensors;
}

void load_state_dict_file(const ExpressionModel& model, const std::filesystem::path& path) {
  const auto tensors = read_tensor_dict(path);
  const auto parameters = model->named_parameters(/*recurse=*/true);
  std::set<std::string> expected;
  for (const auto& item : parameters) {
    expected.insert(item.key());
    const auto found = tensors.find(item.key());
    if (found == tensors.end())
      fail("{}: missing key '{}' (the file is not a {} with {} marks, {})", path.string(), item.key(),
           model->model_name(), model->marks(), sizes_text(model->sizes()));
    if (found->second.sizes() != item.value().sizes())
      fail("{}: key '{}' has shape {}, the model expects {}", path.string(), item.key(), shape_text(found->second),
           shape_text(item.value()));
    if (!found->second.is_floating_point())
      fail("{}: key '{}' is not a floating-point tensor", path.string(), item.key());
  }
  for (const auto& [key, tensor] : tensors)
    if (!expected.count(key))
      fail("{}: unexpected key '{}' (the {} model has {} marks)", path.string(), key, model->model_name(),
           model->marks());

  torch::NoGradGuard no_grad;
  for (auto& item : parameters) {
    auto& parameter = item.value();
    parameter.copy_(tensors.at(item.key()).to(parameter.device(), parameter.scalar_type()));
  }
}

void save_state_dict_file(const ExpressionModel& model, const std::filesystem::path& path) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& item : model->named_parameters(/*recurse=*/true))
    dict.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous().clone());
  const std::vector<char> bytes = torch::pickle_save(dict);
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

int64_t parameter_count(const ExpressionModel& model) {
  int64_t total = 0;
  for (const auto& parameter : model->parameters()) total += parameter.numel();
  return total;
}

// ---------------------------------------------------------------------------------------------

torch::Tensor input_saliency(ExpressionModel model, const torch::Tensor& inputs, torch::Device device,
                             int batch_size) {
  model->eval();  // dropout off: the gradient of the function predict computes
  torch::AutoGradMode enable_grad(true);
  const int64_t genes = inputs.size(0);
  // The backward pass keeps every step's activations: a scoring-sized batch (1024 genes) holds ~2 GB
  // for AttentiveChrome and spends its time in page faults; 64 genes cost ~1.5x a forward pass.
  const int64_t step = std::min<int64_t>(batch_size, 64);
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < genes; start += step) {
    auto x = inputs.narrow(0, start, std::min<int64_t>(step, genes - start))
                 .to(device, torch::kFloat32)
                 .detach()
                 .clone()
                 .requires_grad_(true);
    const auto out = model->forward(x);
    // Each logit depends on its own gene only, so the gradient of the sum is every gene's own.
    const auto grad = torch::autograd::grad({out.logits.sum()}, {x})[0];
    parts.push_back(grad.permute({0, 2, 1}).contiguous().to(torch::kCPU));
  }
  if (parts.empty()) return torch::empty({0, inputs.size(2), inputs.size(1)});
  return torch::cat(parts);
}

}  // namespace achrome
