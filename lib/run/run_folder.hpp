#pragma once
// The run folder of one trained model (docs/formats.md "Run folder") and the files of achrome-predict in
// the same formats (predictions.tsv, its metrics.json): for every file its record type, its writer and
// its reader side by side. achrome-train writes run folders, achrome-report reads them, achrome-predict
// writes predictions; all of them go through here.
//
// No LibTorch: the records are plain numbers and strings, computed by the trainer and achrome-predict
// (scores, AUROC, attention) before they are handed over, so achrome-report (a data stage) reads run
// folders without linking LibTorch.
#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset/labels.hpp"
#include "signal/bin_geometry.hpp"
#include "util/npy.hpp"

namespace achrome {

// The text of every logit and probability in the TSV files: the shortest that reads back as the same
// float32, which keeps ranks (and so AUROC) exact for anyone re-scoring the file.
std::string float_text(float value);

// The probability column: the logistic function of the logit, in float32.
float logit_probability(float logit);

// What a run predicts (achrome-train's --target): "class", the 0/1 label (the paper's), or "regression",
// log(1 + value) of the labels file's expression value, where the model's output is that prediction, not
// a logit. A file that does not say is a class run's.
const std::vector<std::string>& target_names();

// ---- metrics.json: one split's metrics -------------------------------------------------------------

// The metrics of a set of genes, as metrics.json holds them per split ({"auroc", "aupr", "loss",
// "genes"}). NaN stands for a metric the file does not have (JSON null, or no key): written as null,
// read back as NaN. A new metric goes in as an std::optional member, written only when set, so that
// files without it stay as they are.
//
// A regression run's (--target regression) metrics are Pearson and Spearman r of the prediction and
// log(1 + value) and the squared error: {"pearson", "spearman", "mse", "genes"}, with auroc and aupr NaN
// and loss holding the mean squared error (the regression's training loss, "mse" in the file).
struct SplitMetrics {
  double auroc = 0;
  double aupr = 0;
  double loss = 0;  // mean BCE-with-logits over the genes; a regression's mean squared error
  long long genes = 0;
  // Set for a regression only (NaN inside for constant predictions, where r is undefined).
  std::optional<double> pearson, spearman;
  bool regression() const { return pearson.has_value(); }
  // What selects the best epoch: AUROC, or a regression's Pearson r.
  double score() const { return pearson ? *pearson : auroc; }
};
nlohmann::json split_metrics_json(const SplitMetrics& metrics);
// `where` names the object in messages ("run/metrics.json: splits.test").
SplitMetrics read_split_metrics(const nlohmann::json& object, const std::string& where);

// ---- metrics.json ----------------------------------------------------------------------------------

struct RunMetrics {
  std::string model;
  std::string epigenome;  // as given to achrome-train (may be empty)
  std::vector<std::string> marks;
  long long bins = 0;        // 0: not recorded (older runs; model.json says)
  std::string target = "class";  // of target_names(); splits hold Pearson r and the like for a regression
  long long best_epoch = 0;  // 1-based
  long long epochs_run = 0;
  std::string seed;    // as written: the digits of a number (achrome-train's --seed), or a string; empty: none
  std::string device;  // empty: not recorded
  long long threads = 0;                     // 0: not recorded
  std::optional<double> seconds;             // training time over all epochs run
  std::optional<double> seconds_per_epoch;
  std::array<SplitMetrics, 3> splits{};  // indexed by Split; those of the best epoch's model
  // What the run was made from and with, each a JSON object of scalars or objects (null: not recorded):
  // "data" (MD5s of genes.tsv, the labels and every mark's matrix), "software" (versions) and
  // "hyperparameters" (options and model sizes); docs/formats.md lists their keys.
  nlohmann::json data, software, hyperparameters;
};
void write_metrics_json(const std::filesystem::path& path, const RunMetrics& metrics);
RunMetrics read_metrics_json(const std::filesystem::path& path);
// "data", "software" and "hyperparameters" flattened to (dotted key, value as text) in file order, as a
// report lists them ("data.inputs.H3K4me3", "hyperparameters.learning_rate").
std::vector<std::pair<std::string, std::string>> provenance_entries(const RunMetrics& metrics);

// ---- model.json ------------------------------------------------------------------------------------

// What a scorer needs besides the weights: the architecture, the marks in the model's order, the bins it
// was trained on, the transform applied to the inputs before the model, and the model's sizes.
struct ModelDescription {
  std::string model;
  std::vector<std::string> marks;
  long long bins = 0;                   // 0: not recorded
  std::string input_transform = "raw";  // a model.json without it means raw
  std::map<std::string, long long> sizes;  // every other integer key ("bin_hidden", ...)
  std::string target = "class";            // of target_names(); a model.json without it means class
};
void write_model_json(const std::filesystem::path& path, const ModelDescription& model);
ModelDescription read_model_json(const std::filesystem::path& path);

// ---- predictions.tsv -------------------------------------------------------------------------------

struct Prediction {
  std::string gene_id;
  Split split = Split::Test;  // labelled predictions only
  int label = 0;              // labelled predictions only
  float logit = 0;            // a regression's prediction of log(1 + value)
  float probability = 0;      // a class run's only
  double value = 0;           // a labelled regression's: the labels file's value
  double target = 0;          // and log(1 + value), what the model predicts
};
// A class run: labelled, `gene_id split label logit probability` (a run folder; achrome-predict with
// --labels); else `gene_id logit probability` (achrome-predict without labels).
// A regression (no probability; value and target are written as the shortest text of the double, so r
// recomputed from the file is the run's): labelled, `gene_id split label value target prediction`; else
// `gene_id prediction`.
void write_predictions_tsv(const std::filesystem::path& path, const std::vector<Prediction>& predictions,
                           bool labelled, const std::string& target = "class");
// The header must be the one of the layout asked for; logits (predictions), probabilities and targets
// must be finite.
std::vector<Prediction> read_predictions_tsv(const std::filesystem::path& path, bool labelled = true,
                                             const std::string& target = "class");

// ---- history.tsv -----------------------------------------------------------------------------------

// The scores are AUROC for a class run and Pearson r for a regression (history.tsv names its columns
// after the target).
struct EpochRecord {
  int epoch = 0;             // 1-based
  double train_loss = 0;     // mean over the epoch's training batches (the model changes during it)
  double train_auroc = 0;    // of the predictions made while training, as train.py reports it
  double valid_loss = 0;     // mean over valid genes, after the epoch
  double valid_auroc = 0;    // the score that selects the epoch
  double test_auroc = 0;
  double seconds = 0;        // training plus evaluation
};
// Losses and scores with 6 decimals, seconds with 3. Columns `epoch train_loss train_auroc valid_loss
// valid_auroc test_auroc seconds`; a regression's name the scores train_pearson, valid_pearson and
// test_pearson. The reader wants the header of the target given.
void write_history_tsv(const std::filesystem::path& path, const std::vector<EpochRecord>& history,
                       const std::string& target = "class");
std::vector<EpochRecord> read_history_tsv(const std::filesystem::path& path, const std::string& target = "class");

// ---- attention_genes.tsv ---------------------------------------------------------------------------

// A test gene: a row of alpha.npy, beta.npy and saliency.npy.
struct AttentionGene {
  std::string gene_id;
  int label = 0;
  float logit = 0;
  float probability = 0;
  char strand = 0;  // '+' or '-'; 0 when the run folder does not say (older runs)
};
// With a strand column when the genes have strands (all of them or none: an Error otherwise); without,
// the four columns of older runs.
void write_attention_genes_tsv(const std::filesystem::path& path, const std::vector<AttentionGene>& genes);
std::vector<AttentionGene> read_attention_genes_tsv(const std::filesystem::path& path);

// ---- the run folder as a whole -----------------------------------------------------------------------

struct Attention {
  // [genes, marks, bins] for per-mark attention (alpha of AttentiveChrome, lstm-alpha, cnn-alpha-beta),
  // [genes, 1, bins] for one attention over bins shared by all marks (cnn-attn, lstm-attn).
  NpyArray alpha;
  std::optional<NpyArray> beta;  // [genes, marks], for models with mark attention
};

// Every file of a run folder but model.pt (the weights, LibTorch's) and options.yaml (the command
// line's, train/yaml_config).
struct RunFolder {
  std::filesystem::path dir;
  RunMetrics metrics;
  std::optional<ModelDescription> model;  // model.json
  std::optional<std::vector<Prediction>> predictions;
  std::optional<std::vector<EpochRecord>> history;
  // The rows of alpha, beta and saliency: attention_genes.tsv, else (older runs of models without
  // attention) the test genes of predictions.tsv in order, without strands.
  std::vector<AttentionGene> genes;
  std::optional<Attention> attention;
  std::optional<NpyArray> saliency;     // [genes, marks, bins]
  std::optional<BinGeometry> geometry;  // geometry.json: what the bins are
};

// Every file a run folder holds: what an AtomicFolder for it may replace.
const std::vector<std::string>& run_folder_files();

// Writes the run's files into dir, an empty folder (AtomicFolder::path(); commit it afterwards): those
// of the optional members that are set, attention_genes.tsv when there are attention or saliency rows.
void write_run_folder(const std::filesystem::path& dir, const RunFolder& run);

// Only metrics.json is required, so a summary can be built from metrics alone and a model without
// attention still gets a page; a file that is present must be well formed and consistent with the
// others. metrics_only: skip everything but metrics.json (the summary page needs no more).
RunFolder read_run_folder(const std::filesystem::path& dir, bool metrics_only = false);

// The mark attention of a run without its bin attention: what a summary across many runs reads
// (beta.npy is [test genes, marks]; alpha.npy is a hundred times larger and not needed there).
struct MarkAttention {
  NpyArray beta;                     // [genes, marks of metrics.json]
  std::vector<AttentionGene> genes;  // attention_genes.tsv: the rows of beta
};
// nullopt when the folder has no beta.npy (a model without mark attention); an error when beta.npy
// is there without attention_genes.tsv or their shapes disagree.
std::optional<MarkAttention> read_mark_attention(const std::filesystem::path& dir, const RunMetrics& metrics);

// ---- achrome-predict's metrics.json --------------------------------------------------------------------

// With --labels: the metrics over all labelled genes and per split; a split with a single class has none.
struct PredictionMetrics {
  std::string model;
  std::string weights;  // the paths as given
  std::string genes;
  std::string labels;
  SplitMetrics all;
  std::array<std::optional<SplitMetrics>, 3> splits{};  // indexed by Split
  std::string target = "class";  // the run's (model.json); a regression's metrics are r and squared error
};
void write_prediction_metrics_json(const std::filesystem::path& path, const PredictionMetrics& metrics);
PredictionMetrics read_prediction_metrics_json(const std::filesystem::path& path);

}  // namespace achrome
