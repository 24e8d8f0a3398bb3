#pragma once
// What achrome-train puts into its run folder (docs/formats.md "Run folder"): the trained model scored,
// its weights, and the records of run/run_folder.hpp, which writes the files. The folder is replaced as
// a whole (AtomicFolder), so a rerun that fails never mixes old files with new ones.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dataset/study.hpp"
#include "run/run_folder.hpp"
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

// Scores every labelled gene once with the best model (metrics.json, predictions.tsv and the attention
// arrays all come from this one pass, so they agree exactly), computes the test genes' saliency and the
// metrics of every split, and writes model.pt and the run's files (run/run_folder.hpp) into dir, an
// empty folder (AtomicFolder::path(); commit it afterwards).
void write_trained_run(const std::filesystem::path& dir, const TrainingSet& data, const TrainResult& result,
                       const TrainOptions& options, const RunProvenance& provenance);

}  // namespace achrome
