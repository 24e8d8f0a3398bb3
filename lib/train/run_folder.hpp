#pragma once
// The run folder of one trained model (docs/formats.md "Run folder"): model.pt, model.json,
// predictions.tsv, history.tsv, alpha.npy, beta.npy, attention_genes.tsv and metrics.json. The folder
// is replaced as a whole (AtomicFolder), so a rerun that fails never mixes old files with new ones.
#include <filesystem>
#include <string>
#include <vector>

#include "dataset/study.hpp"
#include "train/trainer.hpp"

namespace achrome {

struct RunProvenance {
  std::string epigenome;
  std::filesystem::path genes_tsv;
  std::filesystem::path labels_tsv;
  std::vector<MarkFile> marks;
  int threads = 1;
};

// Every file a run folder holds: what an AtomicFolder for it may replace.
const std::vector<std::string>& run_folder_files();

// Writes every file of the run into dir, an empty folder (AtomicFolder::path(); commit it afterwards).
void write_run_folder(const std::filesystem::path& dir, const TrainingSet& data, const TrainResult& result,
                      const TrainOptions& options, const RunProvenance& provenance);

}  // namespace achrome
