#pragma once
// Training AttentiveChrome as the published code does (QData/AttentiveChrome v2PyTorch/train.py):
// raw counts in, every parameter U(-0.1, 0.1), Adam, mini-batches of 16 reshuffled every epoch,
// BCE-with-logits loss, gradient norm clipped to 1, train/valid/test AUROC after every epoch, and
// the model of the epoch with the best validation AUROC (ties: the later epoch, as train.py's >=)
// is the result.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "dataset/study.hpp"
#include "model/attentive_chrome.hpp"

namespace achrome {

struct TrainOptions {
  int epochs = 30;
  int batch_size = 16;
  double learning_rate = 2e-4;
  double clip_norm = 1.0;
  std::uint64_t seed = 1;
  int patience = 0;          // stop after this many epochs without a better validation AUROC; 0 = never
  int eval_batch_size = 256;  // scoring needs no gradients, so big batches amortise per-step overhead
  std::string device = "cpu";
  AttentiveChromeOptions model;  // marks and bins are taken from the data
};

// "cpu" or "cuda" / "cuda:N"; an Error if CUDA is asked for and not available.
torch::Device parse_device(const std::string& name);

struct EpochRecord {
  int epoch = 0;             // 1-based
  double train_loss = 0;     // mean over the epoch's training batches (the model changes during it)
  double train_auroc = 0;    // of the predictions made while training, as train.py reports it
  double valid_loss = 0;     // mean over valid genes, after the epoch
  double valid_auroc = 0;
  double test_auroc = 0;
  double seconds = 0;        // training plus evaluation
};

struct SplitMetrics {
  double auroc = 0;
  double aupr = 0;
  double loss = 0;  // mean BCE-with-logits over the split's genes
  std::size_t genes = 0;
};

// Model outputs for a set of genes, on the CPU.
struct Scores {
  torch::Tensor logits;  // [n]
  torch::Tensor alpha;   // [n, marks, bins] (undefined unless attention was asked for)
  torch::Tensor beta;    // [n, marks]
};

// Scores rows of a [genes, bins, marks] float buffer in eval mode, batch by batch, without gradients.
Scores score_genes(AttentiveChrome& model, const torch::Tensor& inputs, torch::Device device, int batch_size,
                   bool attention);

SplitMetrics split_metrics(const torch::Tensor& logits, const std::vector<int>& labels);

struct TrainResult {
  AttentiveChrome model{nullptr};  // holds the best epoch's parameters, on the CPU
  int best_epoch = 0;
  int epochs_run = 0;
  std::vector<EpochRecord> history;
};

// Trains on the train split, selects on valid, reports test. on_epoch is called after every epoch
// (for progress logging). Throws Error if a split is empty or has a single class (AUROC undefined).
TrainResult train_attentive_chrome(const TrainingSet& data, const TrainOptions& options,
                                   const std::function<void(const EpochRecord&)>& on_epoch = {});

// Process-wide CPU settings for training and scoring, called once by the stages before any tensor
// work: `threads` LibTorch intra-op threads, a single-threaded BLAS (see the .cpp for why) and an
// allocator that keeps freed activation buffers instead of returning them to the kernel.
void configure_cpu(int threads);

// The whole [genes, bins, marks] buffer of a training set as a CPU tensor (shares no memory).
torch::Tensor inputs_tensor(const TrainingSet& data);

}  // namespace achrome
