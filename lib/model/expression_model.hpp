#pragma once
// What every expression model of the paper (Singh et al., NIPS 2017, Table 1) looks like to the
// trainer, the scorer and the stages: one forward pass from a gene's binned marks to one logit and,
// where the architecture has them, its attention weights. docs/models.md describes each model.
//
// Weights are a plain dict {state_dict name: tensor} pickled in PyTorch's zip format, the format of
// torch.save(model.state_dict()) and what torch.load reads back; every model's parameter names are
// those of its PyTorch twin (tests/models/twins.py), so weights move between the two unrenamed.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <torch/torch.h>

namespace achrome {

struct ModelOutput {
  torch::Tensor logits;  // [B]
  // Bin attention [B, A, bins], rows sum to 1: A = marks where each mark has its own attention,
  // A = 1 where one attention over bin positions is shared by all marks. Undefined without one.
  torch::Tensor alpha;
  torch::Tensor beta;  // mark attention [B, marks], rows sum to 1; undefined without one
};

// Size hyperparameters by name (bin_hidden, filters, ...). Each model has its own names and
// defaults (docs/models.md); make_model rejects names the model does not have.
using ModelSizes = std::map<std::string, int64_t>;

class ExpressionModelImpl : public torch::nn::Module {
 public:
  ExpressionModelImpl(std::string model_name, int64_t marks, int64_t bins);

  // x [B, bins, marks]: raw counts, the published data's layout.
  virtual ModelOutput forward(const torch::Tensor& x) = 0;
  // Draws every parameter from the model's initial distribution with the global torch generator
  // (torch::manual_seed makes it reproducible). Constructors have already called it once.
  virtual void reset_parameters() = 0;
  // The initial distribution in words, for metrics.json.
  virtual std::string init_description() const = 0;
  // Every size the model was built with, defaults included (model.json records them).
  virtual ModelSizes sizes() const = 0;

  const std::string& model_name() const { return model_name_; }
  int64_t marks() const { return marks_; }
  int64_t bins() const { return bins_; }

 protected:
  // An achrome::Error unless x is [B, bins, marks] (bins only where the model depends on it).
  void check_input(const torch::Tensor& x, bool fixed_bins) const;

 private:
  std::string model_name_;
  int64_t marks_;
  int64_t bins_;
};

// A shared handle to any model. Converts from the holder of a concrete model (AttentiveChrome, ...).
class ExpressionModel : public torch::nn::ModuleHolder<ExpressionModelImpl> {
 public:
  ExpressionModel(std::nullptr_t) : torch::nn::ModuleHolder<ExpressionModelImpl>(nullptr) {}  // NOLINT
  explicit ExpressionModel(std::shared_ptr<ExpressionModelImpl> impl)
      : torch::nn::ModuleHolder<ExpressionModelImpl>(std::move(impl)) {}
  template <typename Impl, typename = std::enable_if_t<std::is_base_of_v<ExpressionModelImpl, Impl>>>
  ExpressionModel(const torch::nn::ModuleHolder<Impl>& holder)  // NOLINT: implicit on purpose
      : torch::nn::ModuleHolder<ExpressionModelImpl>(std::shared_ptr<ExpressionModelImpl>(holder.ptr())) {}
};

// The names make_model accepts: the paper's Table 1 in its order (AttentiveChrome last), then
// achrome's own model, achrome-net.
const std::vector<std::string>& model_names();

// One achrome-train --size NAME=VALUE into `sizes`: VALUE a positive whole number, NAME given once.
void add_size_spec(const std::string& spec, ModelSizes& sizes);

// Fails, naming the model's sizes, if `sizes` has a name the model does not have (make_model checks the
// same, once the data has said how many marks and bins there are; this lets a command fail first).
void check_size_names(const std::string& name, const ModelSizes& sizes);

// A freshly initialised model; sizes not given take the model's defaults.
ExpressionModel make_model(const std::string& name, int64_t marks, int64_t bins, const ModelSizes& sizes = {});

// What a weights file implies about the model that wrote it: its marks and sizes, read from tensor
// shapes (bins are not always recoverable and come from the input).
struct ModelShape {
  int64_t marks = 0;
  ModelSizes sizes;
};
ModelShape infer_model_shape(const std::string& name, const std::filesystem::path& weights);

// The tensors of a weights file by key; an achrome::Error naming the file if it is not a dict of tensors.
std::map<std::string, torch::Tensor> read_tensor_dict(const std::filesystem::path& path);

// Loading requires exactly the model's keys and shapes; every mismatch is an achrome::Error naming
// the file and the key.
void load_state_dict_file(const ExpressionModel& model, const std::filesystem::path& path);
// Written atomically (temporary name, then rename). Tensors are saved from the CPU.
void save_state_dict_file(const ExpressionModel& model, const std::filesystem::path& path);

// Number of scalar parameters (docs/models.md lists them for 5 marks and 100 bins).
int64_t parameter_count(const ExpressionModel& model);

// d logit / d input for every gene, [genes, marks, bins] (the transposed input layout, as alpha),
// in eval mode, in batches of at most batch_size (and 64) genes. inputs [genes, bins, marks] on the CPU;
// the result is on the CPU.
torch::Tensor input_saliency(ExpressionModel model, const torch::Tensor& inputs, torch::Device device,
                             int batch_size);

// The attention of one encoder: softmax over positions of <state_t, context>, and the weighted sum
// of the states (AttentiveChrome's eq. 2-3, used by every attention model).
// states [B, T, D], context [D, 1] -> (weights [B, T], pooled [B, D]).
std::pair<torch::Tensor, torch::Tensor> context_attention(const torch::Tensor& states, const torch::Tensor& context);

}  // namespace achrome
