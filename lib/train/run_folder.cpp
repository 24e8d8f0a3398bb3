#include "train/run_folder.hpp"

#include <unordered_map>

#include <nlohmann/json.hpp>
#include <torch/version.h>

#include "achrome/version.hpp"
#include "annotation/genes.hpp"
#include "util/hash.hpp"

namespace achrome {

namespace {

// A float32 tensor as the record of a .npy file.
NpyArray npy_of(const torch::Tensor& tensor) {
  const auto values = tensor.contiguous();
  NpyArray array;
  for (const auto size : values.sizes()) array.shape.push_back(static_cast<std::size_t>(size));
  array.data.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
  return array;
}

}  // namespace

void write_trained_run(const std::filesystem::path& dir, const TrainingSet& data, const TrainResult& result,
                       const TrainOptions& options, const RunProvenance& provenance) {
  auto model = result.model;

  // Every labelled gene, scored once by the best model; metrics.json, predictions.tsv and the
  // attention arrays all come from this one pass so they agree exactly.
  const auto scores = score_genes(model, inputs_tensor(data), torch::kCPU, options.eval_batch_size, true);
  const auto logits = scores.logits.contiguous();
  const float* logit = logits.data_ptr<float>();

  save_state_dict_file(model, dir / "model.pt");

  RunFolder run;
  // The transform is part of the model: whoever scores with these weights applies it first.
  ModelDescription description{model->model_name(), data.marks, static_cast<long long>(data.bins),
                               options.input_transform, {}, options.target};
  for (const auto& [size, value] : model->sizes()) description.sizes.emplace(size, value);
  run.model = description;

  // A regression's output is the predicted log(1 + value), with no probability; predictions.tsv gives
  // the labels file's value and its log beside it.
  const bool regression = options.target == "regression";
  const auto targets = regression ? regression_targets(data, provenance.labels_tsv.string()) : std::vector<double>{};
  run.predictions.emplace();
  for (std::size_t i = 0; i < data.gene_ids.size(); ++i) {
    Prediction p{data.gene_ids[i], data.splits[i], data.labels[i], logit[i], logit_probability(logit[i])};
    if (regression) {
      p.probability = 0;
      p.value = data.values[i];
      p.target = targets[i];
    }
    run.predictions->push_back(std::move(p));
  }
  run.history = result.history;

  const auto test_rows = data.rows(Split::Test);
  std::vector<int64_t> test_index(test_rows.begin(), test_rows.end());
  const auto test_tensor = torch::tensor(test_index, torch::kLong);
  // Only the arrays the model has (docs/models.md). Their rows, and saliency.npy's, are the test genes
  // in predictions.tsv order, which attention_genes.tsv lists for every model, with each gene's strand:
  // a report draws a genomic-order profile of a minus-strand gene reversed, 5' to 3'.
  if (scores.alpha.defined()) {
    Attention attention;
    attention.alpha = npy_of(scores.alpha.index_select(0, test_tensor));
    if (scores.beta.defined()) attention.beta = npy_of(scores.beta.index_select(0, test_tensor));
    run.attention = std::move(attention);
  }
  run.saliency = npy_of(input_saliency(model, inputs_tensor(data).index_select(0, test_tensor), torch::kCPU,
                                       options.eval_batch_size));
  {
    // One layout for every target, as the readers expect it: for a regression `logit` holds the
    // prediction and `probability` its logistic, which is no probability (docs/formats.md).
    std::unordered_map<std::string, char> strands;
    for (const auto& gene : read_genes_tsv(provenance.genes_tsv)) strands.emplace(gene.id, static_cast<char>(gene.strand));
    for (auto row : test_rows)
      run.genes.push_back({data.gene_ids[row], data.labels[row], logit[row], logit_probability(logit[row]),
                           strands.at(data.gene_ids[row])});
  }
  run.geometry = provenance.geometry;

  auto& metrics = run.metrics;
  metrics.model = model->model_name();
  metrics.epigenome = provenance.epigenome;
  metrics.marks = data.marks;
  metrics.bins = static_cast<long long>(data.bins);
  metrics.target = options.target;
  metrics.best_epoch = result.best_epoch;
  metrics.epochs_run = result.epochs_run;
  metrics.seed = std::to_string(options.seed);
  metrics.device = options.device;
  metrics.threads = provenance.threads;
  double seconds = 0;
  for (const auto& r : result.history) seconds += r.seconds;
  metrics.seconds = seconds;
  metrics.seconds_per_epoch = result.epochs_run ? seconds / result.epochs_run : 0.0;
  for (Split split : {Split::Train, Split::Valid, Split::Test}) {
    const auto rows = data.rows(split);
    std::vector<int64_t> index(rows.begin(), rows.end());
    std::vector<int> labels;
    std::vector<double> values;
    for (auto row : rows) labels.push_back(data.labels[row]);
    if (regression)
      for (auto row : rows) values.push_back(targets[row]);
    metrics.splits[static_cast<int>(split)] =
        target_metrics(options.target, logits.index_select(0, torch::tensor(index, torch::kLong)), labels, values);
  }
  nlohmann::json inputs;
  for (const auto& mark : provenance.marks) inputs[mark.mark] = md5_file(mark.path);
  metrics.data = {{"genes", md5_file(provenance.genes_tsv)}, {"labels", md5_file(provenance.labels_tsv)}, {"inputs", inputs}};
  metrics.software = {{"achrome", kVersion}, {"libtorch", TORCH_VERSION}};
  metrics.hyperparameters = {{"epochs", options.epochs},
                             {"batch_size", options.batch_size},
                             {"learning_rate", options.learning_rate},
                             {"optimizer", "adam"},
                             {"clip_grad_norm", options.clip_norm},
                             {"patience", options.patience},
                             {"init", model->init_description()},
                             {"input_transform", options.input_transform},
                             {"loss", regression ? "mse_of_log1p_value" : "binary_cross_entropy_with_logits"},
                             {"selection", regression ? "epoch with the best validation Pearson r"
                                                      : "epoch with the best validation AUROC"}};
  for (const auto& [size, value] : model->sizes()) metrics.hyperparameters[size] = value;

  write_run_folder(dir, run);
}

}  // namespace achrome
