#pragma once
// The files of a trained run folder (docs/formats.md "Run folder"), read for reporting:
// metrics.json (required), predictions.tsv, history.tsv, the attention and saliency of the test
// genes (alpha.npy, beta.npy, saliency.npy, their rows in attention_genes.tsv) and geometry.json.
// Only metrics.json is required, so a summary can be built from metrics alone and a model without
// attention still gets a page; a file that is present must be well formed and consistent with the
// others.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dataset/labels.hpp"
#include "dataset/study.hpp"
#include "signal/bin_geometry.hpp"
#include "util/npy.hpp"

namespace achrome::report {

struct SplitMetrics {
  double auroc = 0;  // NaN when the run did not record it
  double aupr = 0;
  double loss = 0;
  long long genes = 0;
};

struct RunMetrics {
  std::string model;
  std::string epigenome;
  std::vector<std::string> marks;
  long long bins = 0;
  long long best_epoch = 0;
  long long epochs_run = 0;
  std::string seed;    // as written (number or string)
  std::string device;
  std::array<SplitMetrics, 3> splits{};  // indexed by Split
  std::vector<std::pair<std::string, std::string>> provenance;  // flattened "data", "software", "hyperparameters"
};

struct Prediction {
  std::string gene_id;
  Split split = Split::Test;
  int label = 0;
  float logit = 0;
  float probability = 0;
};

struct EpochRecord {
  double epoch = 0;
  double train_loss = 0, train_auroc = 0, valid_loss = 0, valid_auroc = 0, test_auroc = 0, seconds = 0;
};

// A test gene: a row of alpha.npy, beta.npy and saliency.npy.
struct AttentionGene {
  std::string gene_id;
  int label = 0;
  float logit = 0;
  float probability = 0;
  char strand = 0;  // '+' or '-'; 0 when the run folder does not say (older runs)
};

struct Attention {
  // [genes, marks, bins] for per-mark attention (alpha of AttentiveChrome, lstm-alpha, cnn-alpha-beta),
  // [genes, 1, bins] for one attention over bins shared by all marks (cnn-attn, lstm-attn).
  NpyArray alpha;
  std::optional<NpyArray> beta;  // [genes, marks], for models with mark attention
};

struct RunFolder {
  std::filesystem::path dir;
  RunMetrics metrics;
  std::optional<std::vector<Prediction>> predictions;
  std::optional<std::vector<EpochRecord>> history;
  // The rows of alpha, beta and saliency: attention_genes.tsv, else (older runs of models without
  // attention) the test genes of predictions.tsv in order, without strands.
  std::vector<AttentionGene> genes;
  std::optional<Attention> attention;
  std::optional<NpyArray> saliency;  // [genes, marks, bins]
  std::optional<BinGeometry> geometry;  // geometry.json: what the bins are
};

RunMetrics read_metrics_json(const std::filesystem::path& path);
std::vector<Prediction> read_predictions_tsv(const std::filesystem::path& path);
std::vector<EpochRecord> read_history_tsv(const std::filesystem::path& path);
std::vector<AttentionGene> read_attention_genes_tsv(const std::filesystem::path& path);

// metrics_only: skip everything but metrics.json (the summary page needs no more).
RunFolder read_run_folder(const std::filesystem::path& dir, bool metrics_only = false);

// The mark attention of a run without its bin attention: what a summary across many runs reads
// (beta.npy is [test genes, marks]; alpha.npy is a hundred times larger and not needed there).
struct MarkAttention {
  NpyArray beta;                    // [genes, marks of metrics.json]
  std::vector<AttentionGene> genes;  // attention_genes.tsv: the rows of beta
};
// nullopt when the folder has no beta.npy (a model without mark attention); an error when beta.npy
// is there without attention_genes.tsv or their shapes disagree.
std::optional<MarkAttention> read_mark_attention(const std::filesystem::path& dir, const RunMetrics& metrics);

// The input signal of the run's genes, [genes, marks, bins] in run.genes order, from the study's
// genes.tsv and one matrix per mark of the run (all of metrics.json's marks, any order). Error when
// a mark is missing or extra, or a gene of the run is not in genes.tsv.
NpyArray read_run_signal(const RunFolder& run, const std::filesystem::path& genes_tsv,
                         const std::vector<MarkFile>& marks);

// The same from the files geometry.json names (genes.tsv and each mark's matrix, paths as given to
// achrome-train), when they are still there unchanged: their MD5s must be those of metrics.json's
// "data". nullopt with the reason in `why` otherwise.
std::optional<NpyArray> read_recorded_signal(const RunFolder& run, std::string& why);

}  // namespace achrome::report
