#pragma once
// The checkpoint of a training (docs/formats.md "Checkpoint"): after every epoch, everything needed
// to continue exactly where it stopped, written atomically beside the run folder as OUT.checkpoint.
// A job killed by a scheduler (a time limit, preemption, SIGKILL) and started again with the same
// command continues from the last finished epoch and ends with the same files, byte for byte, as a
// job never interrupted.
//
// The file is a LibTorch archive (torch::serialize) holding: "meta", a JSON text with the
// fingerprint, the epochs done, the best epoch, its validation score (AUROC or Pearson r), the epochs since the last
// improvement and the history so far; "parameters" and "best_parameters", the model's parameters
// flattened in named_parameters() order; "generator", the state of LibTorch's default CPU generator
// (the per-epoch shuffles and dropout draw from it); "optimizer", Adam's state as
// torch::optim::Adam::save writes it.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "train/trainer.hpp"

namespace achrome {

struct RunProvenance;

// Where a training keeps its checkpoint, and what identifies the training.
struct Checkpointing {
  std::filesystem::path path;  // empty: no checkpoints
  std::string shown;           // the path as the user gave it, for messages
  // Every option that changes the numbers, the sizes and checksums of the input files and the thread
  // count: a checkpoint with another fingerprint belongs to another training.
  nlohmann::json fingerprint;
};

// The training loop's state after an epoch, apart from the tensors.
struct TrainProgress {
  int epoch = 0;  // epochs done
  int best_epoch = 0;
  double best_valid_auroc = -1;  // the best validation score: AUROC, or Pearson r for a regression
  int epochs_since_improvement = 0;
  std::vector<EpochRecord> history;
};

// The fingerprint of a training: the options, model sizes, marks, thread count, software versions and
// the byte size and MD5 of every input file.
nlohmann::json training_fingerprint(const TrainOptions& options, const RunProvenance& provenance);

// Writes the checkpoint atomically (temporary name, then rename): a kill at any moment leaves the
// previous checkpoint or the new one.
void save_checkpoint(const Checkpointing& where, const TrainProgress& progress, const torch::Tensor& parameters,
                     const torch::Tensor& best_parameters, const torch::optim::Optimizer& optimizer);

// A checkpoint read back: its progress and tensors, and its Adam state still in the archive.
struct SavedTraining {
  TrainProgress progress;
  torch::Tensor parameters;
  torch::Tensor best_parameters;
  torch::Tensor generator_state;
  torch::serialize::InputArchive optimizer;
};

// The checkpoint at where.path if there is one and its fingerprint is where.fingerprint; nothing if
// there is none. One of another training, or one that cannot be read, is ignored with a one-line
// warning (the next save overwrites it).
std::optional<SavedTraining> load_checkpoint(const Checkpointing& where, int64_t parameter_count);

// Removes the checkpoint (the run folder is committed); a warning if it cannot be removed.
void remove_checkpoint(const Checkpointing& where);

// The state of LibTorch's default CPU generator, and setting it back.
torch::Tensor cpu_generator_state();
void set_cpu_generator_state(const torch::Tensor& state);

}  // namespace achrome
