#pragma once
// The run folder of one trained model (docs/formats.md "Run folder"): model.pt, model.json,
// predictions.tsv, history.tsv, alpha.npy, beta.npy, attention_genes.tsv and metrics.json. The folder
// is replaced as a whole (AtomicFolder), so a rerun that fails never mixes old files with new ones.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset/study.hpp"
#include "signal/bin_geometry.hpp"
#include "train/trainer.hpp"

namespace achrome {

struct RunProvenance {
  std::string epigenome;
  std::filesystem::path genes_tsv;
  std::filesystem::path labels_tsv;
  std::vector<MarkFile> marks;
  int threads = 1;
  // What the columns of the inputs are: the marks' shared geometry sidecars (marks_geometry), read before
  // the training so that marks that disagree fail at once; absent for matrices without sidecars.
  std::optional<BinGeometry> geometry;
};

// predictions.tsv, the one writer of the format (run folders and achrome-predict): with `labelled`,
// `gene_id split label logit probability` for its genes; without, `gene_id logit probability` for
// gene_ids. Numbers are the shortest text that reads back as the same float32.
void write_predictions_tsv(const std::filesystem::path& path, const std::vector<std::string>& gene_ids,
                           const float* logits, const TrainingSet* labelled);

// {"auroc", "aupr", "loss", "genes"} as metrics.json holds them per split.
nlohmann::json split_metrics_json(const SplitMetrics& metrics);

// Every file a run folder holds: what an AtomicFolder for it may replace.
const std::vector<std::string>& run_folder_files();

// Writes every file of the run into dir, an empty folder (AtomicFolder::path(); commit it afterwards).
void write_run_folder(const std::filesystem::path& dir, const TrainingSet& data, const TrainResult& result,
                      const TrainOptions& options, const RunProvenance& provenance);

}  // namespace achrome
