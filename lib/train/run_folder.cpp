#include "train/run_folder.hpp"

#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include "achrome/version.hpp"
#include "annotation/genes.hpp"
#include "signal/bin_geometry.hpp"
#include "util/atomic_file.hpp"
#include "util/hash.hpp"
#include "util/npy.hpp"

namespace achrome {

namespace {

// Shortest text that reads back as the same float32: keeps ranks (and so AUROC) exact for anyone
// re-scoring predictions.tsv.
std::string number(float value) { return fmt::format("{}", value); }

float probability(float logit) { return 1.0f / (1.0f + std::exp(-logit)); }

}  // namespace

nlohmann::json split_metrics_json(const SplitMetrics& metrics) {
  return {{"auroc", metrics.auroc}, {"aupr", metrics.aupr}, {"loss", metrics.loss}, {"genes", metrics.genes}};
}

void write_predictions_tsv(const std::filesystem::path& path, const std::vector<std::string>& gene_ids,
                           const float* logits, const TrainingSet* labelled) {
  AtomicFile out(path);
  auto& stream = out.stream();
  stream << (labelled ? "gene_id\tsplit\tlabel\tlogit\tprobability\n" : "gene_id\tlogit\tprobability\n");
  for (std::size_t i = 0; i < gene_ids.size(); ++i) {
    stream << gene_ids[i] << '\t';
    if (labelled) stream << split_name(labelled->splits[i]) << '\t' << labelled->labels[i] << '\t';
    stream << number(logits[i]) << '\t' << number(probability(logits[i])) << '\n';
  }
  out.commit();
}

const std::vector<std::string>& run_folder_files() {
  static const std::vector<std::string> files{"model.pt",     "model.json", "metrics.json", "predictions.tsv",
                                              "history.tsv",  "alpha.npy",  "beta.npy",     "attention_genes.tsv",
                                              "saliency.npy", "options.yaml", "geometry.json"};
  return files;
}

void write_run_folder(const std::filesystem::path& dir, const TrainingSet& data, const TrainResult& result,
                      const TrainOptions& options, const RunProvenance& provenance) {
  auto model = result.model;

  // Every labelled gene, scored once by the best model; metrics.json, predictions.tsv and the
  // attention arrays all come from this one pass so they agree exactly.
  const auto scores = score_genes(model, inputs_tensor(data), torch::kCPU, options.eval_batch_size, true);
  const auto logits = scores.logits.contiguous();
  const float* logit = logits.data_ptr<float>();

  save_state_dict_file(model, dir / "model.pt");

  // The transform is part of the model: whoever scores with these weights applies it first.
  nlohmann::json model_json = {{"model", model->model_name()},
                               {"marks", data.marks},
                               {"bins", data.bins},
                               {"input_transform", options.input_transform}};
  for (const auto& [size, value] : model->sizes()) model_json[size] = value;
  write_file_atomic(dir / "model.json", model_json.dump(2) + "\n");

  write_predictions_tsv(dir / "predictions.tsv", data.gene_ids, logit, &data);

  {
    AtomicFile out(dir / "history.tsv");
    auto& stream = out.stream();
    stream << "epoch\ttrain_loss\ttrain_auroc\tvalid_loss\tvalid_auroc\ttest_auroc\tseconds\n";
    for (const auto& r : result.history)
      stream << fmt::format("{}\t{:.6f}\t{:.6f}\t{:.6f}\t{:.6f}\t{:.6f}\t{:.3f}\n", r.epoch, r.train_loss, r.train_auroc,
                            r.valid_loss, r.valid_auroc, r.test_auroc, r.seconds);
    out.commit();
  }

  const auto test_rows = data.rows(Split::Test);
  std::vector<int64_t> test_index(test_rows.begin(), test_rows.end());
  const auto test_tensor = torch::tensor(test_index, torch::kLong);
  // Only the arrays the model has (docs/models.md). Their rows, and saliency.npy's, are the test genes
  // in predictions.tsv order, which attention_genes.tsv lists where there is attention (a run folder
  // reader takes attention_genes.tsv without alpha.npy or beta.npy for a broken run).
  if (scores.alpha.defined()) {
    const auto alpha = scores.alpha.index_select(0, test_tensor).contiguous();
    write_npy(dir / "alpha.npy", alpha.data_ptr<float>(),
              {test_rows.size(), static_cast<std::size_t>(alpha.size(1)), static_cast<std::size_t>(alpha.size(2))});
  }
  if (scores.beta.defined()) {
    const auto beta = scores.beta.index_select(0, test_tensor).contiguous();
    write_npy(dir / "beta.npy", beta.data_ptr<float>(), {test_rows.size(), static_cast<std::size_t>(beta.size(1))});
  }
  {
    const auto saliency = input_saliency(model, inputs_tensor(data).index_select(0, test_tensor), torch::kCPU,
                                         options.eval_batch_size);
    write_npy(dir / "saliency.npy", saliency.data_ptr<float>(),
              {test_rows.size(), static_cast<std::size_t>(saliency.size(1)), static_cast<std::size_t>(saliency.size(2))});
  }
  {
    // The rows of alpha, beta and saliency, for every model, with each gene's strand: a report draws
    // a genomic-order profile of a minus-strand gene reversed, 5' to 3'.
    std::unordered_map<std::string, char> strands;
    for (const auto& gene : read_genes_tsv(provenance.genes_tsv)) strands.emplace(gene.id, static_cast<char>(gene.strand));
    AtomicFile out(dir / "attention_genes.tsv");
    auto& stream = out.stream();
    stream << "gene_id\tlabel\tlogit\tprobability\tstrand\n";
    for (auto row : test_rows)
      stream << data.gene_ids[row] << '\t' << data.labels[row] << '\t' << number(logit[row]) << '\t'
             << number(probability(logit[row])) << '\t' << strands.at(data.gene_ids[row]) << '\n';
    out.commit();
  }
  if (provenance.geometry) write_geometry(dir / "geometry.json", *provenance.geometry);

  nlohmann::json splits;
  for (Split split : {Split::Train, Split::Valid, Split::Test}) {
    const auto rows = data.rows(split);
    std::vector<int64_t> index(rows.begin(), rows.end());
    std::vector<int> labels;
    for (auto row : rows) labels.push_back(data.labels[row]);
    splits[split_name(split)] = split_metrics_json(split_metrics(logits.index_select(0, torch::tensor(index, torch::kLong)), labels));
  }
  nlohmann::json inputs;
  for (const auto& mark : provenance.marks) inputs[mark.mark] = md5_file(mark.path);
  double seconds = 0;
  for (const auto& r : result.history) seconds += r.seconds;

  nlohmann::json metrics = {
      {"model", model->model_name()},
      {"epigenome", provenance.epigenome},
      {"marks", data.marks},
      {"bins", data.bins},
      {"best_epoch", result.best_epoch},
      {"epochs_run", result.epochs_run},
      {"seed", options.seed},
      {"device", options.device},
      {"threads", provenance.threads},
      {"seconds", seconds},
      {"seconds_per_epoch", result.epochs_run ? seconds / result.epochs_run : 0.0},
      {"splits", splits},
      {"data",
       {{"genes", md5_file(provenance.genes_tsv)}, {"labels", md5_file(provenance.labels_tsv)}, {"inputs", inputs}}},
      {"software", {{"achrome", kVersion}, {"libtorch", TORCH_VERSION}}},
      {"hyperparameters",
       {{"epochs", options.epochs},
        {"batch_size", options.batch_size},
        {"learning_rate", options.learning_rate},
        {"optimizer", "adam"},
        {"clip_grad_norm", options.clip_norm},
        {"patience", options.patience},
        {"init", model->init_description()},
        {"input_transform", options.input_transform},
        {"loss", "binary_cross_entropy_with_logits"},
        {"selection", "epoch with the best validation AUROC"}}},
  };
  for (const auto& [size, value] : model->sizes()) metrics["hyperparameters"][size] = value;
  write_file_atomic(dir / "metrics.json", metrics.dump(2) + "\n");
}

}  // namespace achrome
