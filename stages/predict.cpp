// achrome-predict: trained weights + a stacked input [genes, bins, marks] in, logits and attention out.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "dataset/published_layout.hpp"
#include "dataset/study.hpp"
#include "model/attentive_chrome.hpp"
#include "run/run_folder.hpp"
#include "signal/bin_geometry.hpp"
#include "train/trainer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"
#include "util/stage.hpp"

namespace {

// achrome-train's model.json beside the weights (docs/formats.md "Run folder"), when there is one: it says
// what the weights are; published weights come without one.
struct RecordedModel {
  std::filesystem::path path;
  achrome::ModelDescription model;
};
std::optional<RecordedModel> recorded_model(const std::string& weights) {
  const auto path = std::filesystem::path(weights).parent_path() / "model.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  return RecordedModel{path, achrome::read_model_json(path)};
}

// The weights do not imply a bin count: the LSTMs and attention run over any number of bins. But a
// model scores only the window it was trained on meaningfully, so model.json (when there is one) is
// held to: the input must have its bins. Published weights were trained on 100 bins, and another
// count is only warned about.
void check_bins(const std::optional<RecordedModel>& recorded, const std::string& weights, int64_t marks,
                const std::string& input, std::size_t bins) {
  if (!recorded) {
    if (bins != achrome::kDeepChromeBins)
      spdlog::warn("{}: {} bins, but no model.json beside {} says what the model was trained on (the published "
                   "model: {} bins)",
                   input, bins, weights, achrome::kDeepChromeBins);
    return;
  }
  const auto& model = recorded->model;
  if (static_cast<int64_t>(model.marks.size()) != marks)
    achrome::fail("{}: {} marks, but {} holds a model for {} marks", recorded->path.string(), model.marks.size(),
                  weights, marks);
  if (model.bins > 0 && static_cast<std::size_t>(model.bins) != bins)
    achrome::fail("{}: {} bins, but the model in {} was trained on {} bins ({})", input, bins, weights, model.bins,
                  recorded->path.string());
}

// model.json names the architecture; --model, when given, must agree.
std::string resolve_model(const std::optional<RecordedModel>& recorded, const std::string& weights,
                          const std::string& flag, bool flag_given) {
  if (!recorded) return flag;
  if (flag_given && recorded->model.model != flag)
    achrome::fail("--model {}: but {} says the weights in {} are a {} model", flag, recorded->path.string(), weights,
                  recorded->model.model);
  return recorded->model.model;
}

// The marks given with --mark must be the model's, in its order: a model trained on H3K4me3 in
// column 4 reads column 4 as H3K4me3, whatever the file is called.
void check_mark_names(const std::optional<RecordedModel>& recorded, const std::string& weights,
                      const std::vector<achrome::MarkFile>& marks) {
  if (!recorded) return;
  std::vector<std::string> given;
  for (const auto& mark : marks) given.push_back(mark.mark);
  if (recorded->model.marks != given)
    achrome::fail("--mark: marks {} given, but the model in {} was trained on {} in this order ({})",
                  fmt::join(given, ","), weights, fmt::join(recorded->model.marks, ","), recorded->path.string());
}

// Equal bin counts do not make equal bins: 100 bins over +-5 kb and over +-10 kb read the same to the
// model. The run's geometry.json (beside the weights) says what it was trained on; the marks' sidecars,
// where they have them, must describe the same window, anchor and orientation.
void check_geometry(const std::string& weights, const std::vector<achrome::MarkFile>& marks,
                    const std::filesystem::path& genes_tsv) {
  const auto run_geometry = std::filesystem::path(weights).parent_path() / "geometry.json";
  if (!std::filesystem::exists(run_geometry)) return;
  const auto trained = achrome::read_geometry(run_geometry);
  std::vector<std::pair<std::string, std::filesystem::path>> files;
  for (const auto& mark : marks) files.emplace_back(mark.mark, mark.path);
  const auto given = achrome::marks_geometry(files, genes_tsv);  // the marks agree with each other, or an error
  if (!given) return;  // matrices of another tool: nothing to compare
  const auto differs = trained.difference(*given);
  if (!differs.empty())
    achrome::fail("{}: its bins are not those the model was trained on ({} vs {}: {})", marks.front().path.string(),
                  achrome::geometry_sidecar(marks.front().path).string(), run_geometry.string(), differs);
}

// The transform achrome-train applied to the inputs before the model (model.json's "input_transform";
// "raw" for published weights and runs from before the option), applied here the same way.
std::string recorded_input_transform(const std::optional<RecordedModel>& recorded) {
  if (!recorded) return "raw";
  const auto& names = achrome::input_transform_names();
  if (std::find(names.begin(), names.end(), recorded->model.input_transform) == names.end())
    achrome::fail("{}: \"input_transform\" must be one of {}", recorded->path.string(), fmt::join(names, ", "));
  return recorded->model.input_transform;
}

// What the model predicts (model.json's "target", which lib/run checks): "class" for published weights
// and runs from before regression; a regression model's output is log(1 + value), not a logit.
std::string recorded_target(const std::optional<RecordedModel>& recorded) {
  return recorded ? recorded->model.target : "class";
}

// Over all labelled genes and per split: AUROC, AUPR and loss (a split with one class has none), or for
// a regression Pearson and Spearman r and the squared error of log(1 + value) (a split with fewer than
// 2 genes or one value has none).
achrome::PredictionMetrics labelled_metrics(const achrome::TrainingSet& data, const torch::Tensor& logits,
                                            const std::string& target, const std::vector<double>& values,
                                            const std::string& model, const std::string& weights,
                                            const std::string& genes_tsv, const std::string& labels_tsv) {
  achrome::PredictionMetrics metrics{
      model, weights, genes_tsv, labels_tsv, achrome::target_metrics(target, logits, data.labels, values), {}, target};
  for (const auto split : {achrome::Split::Train, achrome::Split::Valid, achrome::Split::Test}) {
    const auto rows = data.rows(split);
    std::vector<int> labels;
    std::vector<double> split_values;
    std::vector<int64_t> index(rows.begin(), rows.end());
    for (auto row : rows) labels.push_back(data.labels[row]);
    if (target == "regression") {
      for (auto row : rows) split_values.push_back(values[row]);
      if (split_values.size() < 2 ||
          std::all_of(split_values.begin(), split_values.end(), [&](double v) { return v == split_values.front(); }))
        continue;
    } else {
      const auto positives = std::count(labels.begin(), labels.end(), 1);
      if (positives == 0 || positives == static_cast<long>(labels.size())) continue;
    }
    metrics.splits[static_cast<int>(split)] = achrome::target_metrics(
        target, logits.index_select(0, torch::tensor(index, torch::kLong)), labels, split_values);
  }
  return metrics;
}

}  // namespace

int main(int argc, char** argv) {
  achrome::Stage stage("achrome-predict",
                       "Score genes with trained weights of one of the paper's models (docs/models.md). Writes\n"
                       "OUT/logits.npy [genes], OUT/saliency.npy [genes, marks, bins] (d logit / d input) and, when the\n"
                       "model has them, OUT/alpha.npy [genes, marks or 1, bins] (bin attention) and OUT/beta.npy\n"
                       "[genes, marks] (mark attention).\n"
                       "OUT is replaced as a whole. When achrome-train's model.json lies beside the weights, the\n"
                       "input must have its bin count, and its input transform (log1p) is applied to the input first.\n\n"
                       "Cross-cell-type prediction: train on one epigenome, score another from its bins as\n"
                       "achrome-train takes them:\n"
                       "  achrome-predict --run runs/E003/attentivechrome --genes genes.tsv \\\n"
                       "    --mark H3K27me3=bins/E123/H3K27me3.npy ... --labels labels/E123.tsv --out cross/E003-on-E123\n"
                       "adds OUT/predictions.tsv and, with --labels, OUT/metrics.json (AUROC, AUPR; for a run of\n"
                       "--target regression, whose outputs are predicted log(1 + RPKM), Pearson and Spearman r).");
  auto& app = stage.app();
  std::string model_name = "attentivechrome", weights, input, out, device = "cpu";
  int batch_size = 1024;
  auto* model_option = app.add_option("--model", model_name,
                                      "Model architecture (docs/models.md); default: model.json's beside the weights, "
                                      "else attentivechrome")
                           ->check(CLI::IsMember(achrome::model_names()))
                           ->capture_default_str();
  std::string run_dir, genes_tsv, labels_tsv;
  std::vector<std::string> mark_specs;
  auto* weights_option = app.add_option("--weights", weights,
                 "Weights: achrome-train's model.pt or a published-model state_dict saved with torch.save")
      ->check(CLI::ExistingFile);
  app.add_option("--run", run_dir,
                 "A run folder of achrome-train (its model.pt and model.json) instead of --weights")
      ->check(CLI::ExistingDirectory)->excludes(weights_option);
  auto* input_option = app.add_option("--input", input, "float32 .npy [genes, bins, marks] (raw counts, marks in training order)")
      ->check(CLI::ExistingFile);
  auto* genes_option = app.add_option("--genes", genes_tsv,
                 "Another epigenome's inputs as achrome-train takes them: genes.tsv (the row order of the .npy files)")
      ->check(CLI::ExistingFile)->excludes(input_option);
  app.add_option("--mark", mark_specs,
                 "MARK=FILE.npy [genes, bins], repeatable, with --genes; names and order must be the model's (model.json)")
      ->needs(genes_option);
  app.add_option("--labels", labels_tsv,
                 "labels.tsv of that epigenome: score its labelled genes and write predictions.tsv and metrics.json "
                 "(AUROC, AUPR per split and over all of them; Pearson and Spearman r for a regression run)")
      ->check(CLI::ExistingFile)->needs(genes_option);
  app.add_option("-o,--out", out, "Output folder")->required();
  app.add_option("--batch-size", batch_size, "Genes scored per forward pass")->check(achrome::positive())->capture_default_str();
  app.add_option("--device", device, "cpu or cuda (cuda fails if no GPU is usable)")->capture_default_str();

  return stage.run(argc, argv, [&] {
    if (!run_dir.empty()) weights = (std::filesystem::path(run_dir) / "model.pt").string();
    if (weights.empty()) throw achrome::UsageError("--weights or --run is required");
    if (!std::filesystem::exists(weights)) achrome::fail("{}: no such file (--run {} holds no model.pt)", weights, run_dir);
    if (input.empty() && genes_tsv.empty()) throw achrome::UsageError("--input, or --genes with --mark, is required");
    if (!genes_tsv.empty() && mark_specs.empty()) throw achrome::UsageError("--genes needs --mark MARK=FILE.npy");
    const std::filesystem::path out_dir(out);
    achrome::refuse_outputs_over_inputs({{"--weights", weights}, {"--input", input}, {"--genes", genes_tsv},
                                         {"--labels", labels_tsv}},
                                        {{"--out", out_dir},
                                         {"--out", out_dir / "logits.npy"},
                                         {"--out", out_dir / "alpha.npy"},
                                         {"--out", out_dir / "beta.npy"},
                                         {"--out", out_dir / "saliency.npy"},
                                         {"--out", out_dir / "predictions.tsv"},
                                         {"--out", out_dir / "metrics.json"}});
    achrome::configure_cpu(stage.threads());
    const auto torch_device = achrome::parse_device(device);
    const auto recorded = recorded_model(weights);
    model_name = resolve_model(recorded, weights, model_name, model_option->count() > 0);
    const auto shape = achrome::infer_model_shape(model_name, weights);
    // The genes to score: a stacked array, every gene of another epigenome, or its labelled genes.
    std::vector<achrome::MarkFile> marks;
    for (const auto& spec : mark_specs) marks.push_back(achrome::parse_mark_spec(spec));
    std::vector<std::string> gene_ids;
    std::optional<achrome::TrainingSet> labelled;
    achrome::StackedInputs inputs;
    const auto target = recorded_target(recorded);
    std::vector<double> regression_values;
    if (!labels_tsv.empty()) {
      labelled = achrome::assemble_training_set(genes_tsv, labels_tsv, marks);
      if (target == "regression") regression_values = achrome::regression_targets(*labelled, labels_tsv);
      inputs = {labelled->genes(), labelled->bins, labelled->marks.size(), std::move(labelled->inputs)};
      gene_ids = labelled->gene_ids;
    } else if (!genes_tsv.empty()) {
      auto stacked = achrome::stack_marks(genes_tsv, marks);
      inputs = std::move(stacked.inputs);
      gene_ids = std::move(stacked.gene_ids);
    } else {
      inputs = achrome::read_stacked_inputs(input);
    }
    if (!marks.empty()) {
      check_mark_names(recorded, weights, marks);
      check_geometry(weights, marks, genes_tsv);
      input = marks.front().path.string();  // named in the shape messages below
    }
    if (static_cast<int64_t>(inputs.marks) != shape.marks)
      achrome::fail("{}: {} marks, but the weights in {} are for {} marks", input, inputs.marks, weights, shape.marks);
    check_bins(recorded, weights, shape.marks, input, inputs.bins);
    const auto transform = recorded_input_transform(recorded);
    if (transform != "raw") spdlog::info("inputs transformed with {} as in training (model.json)", transform);
    achrome::transform_inputs(transform, inputs.data.data(), inputs.data.size(), [&](std::size_t i) {
      const std::size_t per_gene = inputs.bins * inputs.marks;
      return fmt::format("{}: gene {}, bin {}, mark {}", input, i / per_gene + 1, (i % per_gene) / inputs.marks + 1,
                         i % inputs.marks + 1);
    });
    auto model = achrome::make_model(model_name, shape.marks, static_cast<int64_t>(inputs.bins), shape.sizes);
    achrome::load_state_dict_file(model, weights);
    // NaN or infinite weights (a diverged training, a damaged file) score every gene NaN; say so
    // instead of writing arrays of NaN.
    for (const auto& item : model->named_parameters(/*recurse=*/true)) {
      const auto bad = (~torch::isfinite(item.value())).sum().item<int64_t>();
      if (bad > 0)
        achrome::fail("{}: parameter {} has non-finite values ({} of {})", weights, item.key(), bad,
                      item.value().numel());
    }
    // Created before the scoring so that an output folder that cannot be written fails early; replaced
    // as a whole so that its arrays always come from one run.
    achrome::AtomicFolder out_folder(
        out, {"logits.npy", "alpha.npy", "beta.npy", "saliency.npy", "predictions.tsv", "metrics.json"});
    model->to(torch_device);

    const auto tensor = torch::from_blob(const_cast<float*>(inputs.data.data()),
                                         {static_cast<int64_t>(inputs.genes), static_cast<int64_t>(inputs.bins),
                                          static_cast<int64_t>(inputs.marks)},
                                         torch::kFloat32);
    const auto scores = achrome::score_genes(model, tensor, torch_device, batch_size, true);
    const auto logits = scores.logits.contiguous();
    const auto saliency = achrome::input_saliency(model, tensor, torch_device, batch_size);
    const auto& dir = out_folder.path();
    achrome::write_npy(dir / "logits.npy", logits.data_ptr<float>(), {inputs.genes});
    achrome::write_npy(dir / "saliency.npy", saliency.data_ptr<float>(), {inputs.genes, inputs.marks, inputs.bins});
    // Only the attention the model has (docs/models.md).
    if (scores.alpha.defined()) {
      const auto alpha = scores.alpha.contiguous();
      achrome::write_npy(dir / "alpha.npy", alpha.data_ptr<float>(),
                         {inputs.genes, static_cast<std::size_t>(alpha.size(1)), inputs.bins});
    }
    if (scores.beta.defined()) {
      const auto beta = scores.beta.contiguous();
      achrome::write_npy(dir / "beta.npy", beta.data_ptr<float>(), {inputs.genes, inputs.marks});
    }
    const bool regression = target == "regression";
    if (!gene_ids.empty()) {
      const float* logit = logits.data_ptr<float>();
      std::vector<achrome::Prediction> predictions;
      for (std::size_t i = 0; i < gene_ids.size(); ++i) {
        achrome::Prediction p{gene_ids[i], achrome::Split::Test, 0, logit[i], achrome::logit_probability(logit[i])};
        if (labelled) p.split = labelled->splits[i], p.label = labelled->labels[i];
        if (regression) {
          p.probability = 0;
          if (labelled) p.value = labelled->values[i], p.target = regression_values[i];
        }
        predictions.push_back(std::move(p));
      }
      achrome::write_predictions_tsv(dir / "predictions.tsv", predictions, labelled.has_value(), target);
    }
    if (labelled) {
      const auto metrics =
          labelled_metrics(*labelled, logits, target, regression_values, model_name, weights, genes_tsv, labels_tsv);
      achrome::write_prediction_metrics_json(dir / "metrics.json", metrics);
      if (regression)
        spdlog::info("{} labelled genes of {}: Pearson r {:.4f}, Spearman r {:.4f}, squared error {:.4f}",
                     labelled->genes(), labels_tsv, *metrics.all.pearson, metrics.all.spearman.value_or(std::nan("")),
                     metrics.all.loss);
      else
        spdlog::info("{} labelled genes of {}: AUROC {:.4f}, AUPR {:.4f}", labelled->genes(), labels_tsv,
                     metrics.all.auroc, metrics.all.aupr);
    }
    out_folder.commit();
    spdlog::info("{} genes scored, written to {}", inputs.genes, out);
  });
}
