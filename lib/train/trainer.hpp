#pragma once
// Training any model of model/expression_model.hpp as the published code trains AttentiveChrome
// (QData/AttentiveChrome v2PyTorch/train.py): raw counts in, the model's own initialisation
// (AttentiveChrome: every parameter U(-0.1, 0.1); docs/models.md), Adam, mini-batches of 16 reshuffled every epoch,
// BCE-with-logits loss, gradient norm clipped to 1, train/valid/test AUROC after every epoch, and
// the model of the epoch with the best validation AUROC (ties: the later epoch, as train.py's >=)
// is the result. With target "regression" the same loop fits log(1 + value) of the labels file's
// expression values with a mean-squared-error loss and scores Pearson r in place of AUROC.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "dataset/study.hpp"
#include "model/attentive_chrome.hpp"
#include "model/expression_model.hpp"
#include "run/run_folder.hpp"  // EpochRecord, SplitMetrics: the records of history.tsv and metrics.json

namespace achrome {

struct TrainOptions {
  int epochs = 30;
  int batch_size = 16;
  double learning_rate = 2e-4;
  double clip_norm = 1.0;
  std::uint64_t seed = 1;
  int patience = 0;          // stop after this many epochs without a better validation score; 0 = never
  int eval_batch_size = 256;  // scoring needs no gradients, so big batches amortise per-step overhead
  std::string device = "cpu";
  std::string model = "attentivechrome";  // a name of model_names()
  std::string input_transform = "raw";    // of input_transform_names(), applied by the stage before training
  // Of target_names(): "class", the 0/1 label (the paper's), or "regression", log(1 + value) of the
  // expression value the label came from; the model's one output is then that prediction, not a logit.
  std::string target = "class";
  ModelSizes model_sizes;                 // sizes not given take the model's defaults; marks and bins come from the data
};

// "cpu" or "cuda" / "cuda:N"; an Error if CUDA is asked for and not available.
torch::Device parse_device(const std::string& name);

// Model outputs for a set of genes, on the CPU.
struct Scores {
  torch::Tensor logits;  // [n]
  torch::Tensor alpha;   // [n, marks or 1, bins] (undefined unless attention was asked for and the model has it)
  torch::Tensor beta;    // [n, marks] (likewise)
};

// Scores rows of a [genes, bins, marks] float buffer in eval mode, batch by batch, without gradients.
// alpha and beta stay undefined for a model without them.
Scores score_genes(ExpressionModel model, const torch::Tensor& inputs, torch::Device device, int batch_size,
                   bool attention);

SplitMetrics split_metrics(const torch::Tensor& logits, const std::vector<int>& labels);
// Regression: predictions [n] against targets, log(1 + value) (regression_targets).
SplitMetrics regression_metrics(const torch::Tensor& predictions, const std::vector<double>& targets);
// The split's metrics for the target: split_metrics of labels, or regression_metrics of targets.
SplitMetrics target_metrics(const std::string& target, const torch::Tensor& outputs, const std::vector<int>& labels,
                            const std::vector<double>& targets);

// The targets --target accepts: target_names() of run/run_folder.hpp.
// log(1 + value) of every gene of data, what a regression model predicts (value is RPKM or another
// expression measure, log-scaled so that a few very high genes do not dominate the squared error).
// An Error naming labels_file when the value column carries no expression (every value is the gene's
// 0/1 label again, as achrome-import writes for the published data) or a value is -1 or less.
std::vector<double> regression_targets(const TrainingSet& data, const std::string& labels_file);

struct TrainResult {
  ExpressionModel model{nullptr};  // holds the best epoch's parameters, on the CPU
  int best_epoch = 0;
  int epochs_run = 0;
  std::vector<EpochRecord> history;
};

struct Checkpointing;  // train/checkpoint.hpp

// What the training reports while it runs, for progress logging.
struct TrainCallbacks {
  std::function<void(const EpochRecord&)> epoch;  // after every epoch (not those taken from a checkpoint)
  // After every training batch: the epoch, batches done in it, batches per epoch.
  std::function<void(int epoch, int64_t batch, int64_t batches)> batch;
};

// Trains on the train split, selects on valid, reports test. on_epoch is called after every epoch
// (for progress logging). Throws Error if a split is empty or has a single class (AUROC undefined;
// regression: fewer than 2 genes or one value, where r is undefined),
// and, naming the epoch, when training diverges: a loss or score that is not finite, or a training
// loss so large that the weights have blown up (a learning rate far too high).
TrainResult train_model(const TrainingSet& data, const TrainOptions& options,
                        const std::function<void(const EpochRecord&)>& on_epoch = {});
// The same, with a checkpoint after every epoch at checkpointing.path (when not empty), and resumed
// from the checkpoint there when its fingerprint is checkpointing.fingerprint: the result is then the
// same, bit for bit, as that of a training never interrupted (on the CPU, with the same thread count).
TrainResult train_model(const TrainingSet& data, const TrainOptions& options, const TrainCallbacks& callbacks,
                        const Checkpointing& checkpointing);

// The transforms --input-transform accepts: "raw" (the counts as they are, the paper's) and "log1p"
// (log(1 + x), which tames the long tail of read counts).
const std::vector<std::string>& input_transform_names();
// Applies the transform in place to count values. An Error when a value is outside the transform's
// domain (log1p: at most -1), with the text describe(index) gives for the value's position.
void transform_inputs(const std::string& transform, float* values, std::size_t count,
                      const std::function<std::string(std::size_t)>& describe);

// Process-wide CPU settings for training and scoring, called once by the stages before any tensor
// work: `threads` LibTorch intra-op threads, a single-threaded BLAS (see the .cpp for why) and an
// allocator that keeps freed activation buffers instead of returning them to the kernel.
void configure_cpu(int threads);

// The whole [genes, bins, marks] buffer of a training set as a CPU tensor (shares no memory).
torch::Tensor inputs_tensor(const TrainingSet& data);

}  // namespace achrome
