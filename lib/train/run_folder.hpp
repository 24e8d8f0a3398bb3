#pragma once
// The run folder of one trained model (docs/formats.md "Run folder"): model.pt, model.json,
// predictions.tsv, history.tsv, alpha.npy, beta.npy, attention_genes.tsv and, written last so that
// its presence means the run is complete, metrics.json.
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

void write_run_folder(const std::filesystem::path& dir, const TrainingSet& data, const TrainResult& result,
                      const TrainOptions& options, const RunProvenance& provenance);

}  // namespace achrome
