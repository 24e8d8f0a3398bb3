// achrome-train: one epigenome's binned marks + labels in, a trained AttentiveChrome run folder out.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "dataset/study.hpp"
#include "run/run_folder.hpp"
#include "train/checkpoint.hpp"
#include "train/progress.hpp"
#include "train/run_folder.hpp"
#include "train/trainer.hpp"
#include "train/yaml_config.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

namespace {

// The path as given, without a trailing separator ("runs/E003/lstm/" -> "runs/E003/lstm").
std::string without_trailing_separator(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::string absolute_text(const std::string& path) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

}  // namespace

int main(int argc, char** argv) {
  achrome::Stage stage(
      "achrome-train",
      "Train AttentiveChrome (or another model of the paper, --model; docs/models.md) on one epigenome as\n"
      "the published code does (raw counts, the model's init, Adam, batch 16, gradient norm clip 1,\n"
      "BCE-with-logits) and keep the epoch with the best validation AUROC. Writes OUT/model.pt, model.json,\n"
      "predictions.tsv, history.tsv, alpha.npy and beta.npy (when the model has them), saliency.npy,\n"
      "attention_genes.tsv, metrics.json and options.yaml (the effective options, a valid --config).\n\n"
      "After every epoch the state of the training is saved beside the run folder as OUT.checkpoint; a job\n"
      "killed (a time limit, preemption) and started again with the same command continues from the last\n"
      "finished epoch and ends with the same run folder as an uninterrupted one. The checkpoint is removed\n"
      "when the run folder is written; one of another training (other options, data or --threads) is\n"
      "ignored with a warning.\n\n"
      "--target regression predicts log(1 + value) of the labels' expression values (RPKM) instead of the 0/1\n"
      "label, with a mean-squared-error loss, and keeps the epoch with the best validation Pearson r.");
  auto& app = stage.app();
  std::string genes, labels, out, epigenome, device = "cpu", model_name = "attentivechrome";
  std::vector<std::string> mark_specs, size_specs;
  achrome::TrainOptions options;
  app.add_option("--genes", genes, "genes.tsv of the study (the row order of every .npy)")->required()->check(CLI::ExistingFile);
  app.add_option("--labels", labels, "labels/{eid}.tsv: gene_id value label split")->required()->check(CLI::ExistingFile);
  app.add_option("--mark", mark_specs,
                 "MARK=FILE.npy, float32 [genes, bins], repeatable; the order of the flags is the model's mark order")
      ->required();
  app.add_option("-o,--out", out, "Run folder to write")->required();
  app.add_option("--epigenome", epigenome, "Epigenome id recorded in metrics.json (e.g. E003)");
  app.add_option("--model", model_name, "Model to train (docs/models.md)")->check(CLI::IsMember(achrome::model_names()))->capture_default_str();
  app.add_option("--epochs", options.epochs, "Maximum number of epochs")->check(achrome::positive())->capture_default_str();
  app.add_option("--batch-size", options.batch_size, "Training mini-batch size")->check(achrome::positive())->capture_default_str();
  app.add_option("--lr", options.learning_rate, "Adam learning rate")->check(achrome::positive())->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the initial weights and the per-epoch shuffles")->capture_default_str();
  app.add_option("--patience", options.patience,
                 "Stop after this many epochs without a better validation AUROC (Pearson r for --target regression; 0 = run all epochs, as the paper)")
      ->check(achrome::non_negative())->capture_default_str();
  app.add_option("--input-transform", options.input_transform,
                 "raw: the counts as they are (the paper's); log1p: log(1 + count), recorded in model.json and "
                 "applied again by achrome-predict")
      ->check(CLI::IsMember(achrome::input_transform_names()))->capture_default_str();
  app.add_option("--target", options.target,
                 "class: the 0/1 label (the paper's); regression: log(1 + value) of the labels file's expression "
                 "values, scored by Pearson and Spearman r")
      ->check(CLI::IsMember(achrome::target_names()))->capture_default_str();
  app.add_option("--device", device, "cpu or cuda (cuda fails if no GPU is usable)")->capture_default_str();
  app.add_option("--size", size_specs,
                 "NAME=VALUE, repeatable: a model size other than its default, e.g. hidden=64 for lstm or "
                 "filters=100 for deepchrome (docs/models.md lists each model's sizes); recorded in model.json");
  achrome::add_yaml_config(app);

  return stage.run(argc, argv, [&] {
    options.device = device;
    options.model = model_name;
    for (const auto& spec : size_specs) achrome::add_size_spec(spec, options.model_sizes);
    achrome::check_size_names(model_name, options.model_sizes);
    achrome::configure_cpu(stage.threads());
    std::vector<achrome::MarkFile> marks;
    for (const auto& spec : mark_specs) marks.push_back(achrome::parse_mark_spec(spec));
    const std::string shown_out = without_trailing_separator(out);
    const std::string checkpoint_path = shown_out + ".checkpoint";
    std::vector<achrome::PathArg> inputs{{"--genes", genes}, {"--labels", labels}};
    for (const auto& mark : marks) inputs.push_back({"--mark " + mark.mark, mark.path});
    std::vector<achrome::PathArg> outputs{{"--out", out}, {"--out (its checkpoint)", checkpoint_path}};
    for (const auto& file : achrome::run_folder_files())
      outputs.push_back({"--out", std::filesystem::path(out) / file});
    achrome::refuse_outputs_over_inputs(inputs, outputs);
    achrome::parse_device(device);  // fail on an unusable device before reading any data
    // The run folder is replaced as a whole when training is done; creating its temporary sibling now
    // makes an output that cannot be written fail before the training, not after it.
    achrome::AtomicFolder run_dir(out, achrome::run_folder_files());

    auto data = achrome::assemble_training_set(genes, labels, marks);
    const bool regression = options.target == "regression";
    if (regression) achrome::regression_targets(data, labels);  // labels without expression fail here, naming the file
    const char* score = regression ? "r" : "auroc";
    achrome::transform_inputs(options.input_transform, data.inputs.data(), data.inputs.size(), [&](std::size_t i) {
      const std::size_t per_gene = data.bins * data.marks.size();
      const auto& mark = marks.at(i % data.marks.size());
      return fmt::format("{}: gene {}, bin {}", mark.path.string(), data.gene_ids.at(i / per_gene),
                         (i % per_gene) / data.marks.size() + 1);
    });
    spdlog::info("{} labelled genes ({} train, {} valid, {} test), {} marks x {} bins", data.genes(),
                 data.rows(achrome::Split::Train).size(), data.rows(achrome::Split::Valid).size(),
                 data.rows(achrome::Split::Test).size(), data.marks.size(), data.bins);

    achrome::RunProvenance provenance{epigenome, genes, labels, marks, stage.threads(), std::nullopt};
    {
      std::vector<std::pair<std::string, std::filesystem::path>> sidecars;
      for (const auto& mark : marks) sidecars.emplace_back(mark.mark, mark.path);
      provenance.geometry = achrome::marks_geometry(sidecars, genes);
    }
    // Beside the run folder, under a name that is neither one of its files nor a temporary of it: a
    // SIGKILL leaves it, and the next run neither refuses it nor removes it as stale.
    achrome::Checkpointing checkpointing{checkpoint_path, checkpoint_path,
                                         achrome::training_fingerprint(options, provenance)};

    // Time left from the mean time of the epochs this process ran (a resumed job may run on another
    // machine than the epochs before it).
    achrome::TerminalProgress bar;
    auto epoch_started = std::chrono::steady_clock::now();
    int epochs_here = 0;
    double seconds_here = 0;
    achrome::TrainCallbacks callbacks;
    callbacks.epoch = [&](const achrome::EpochRecord& r) {
      ++epochs_here;
      seconds_here += r.seconds;
      const double left = seconds_here / epochs_here * (options.epochs - r.epoch);
      spdlog::info("epoch {}/{} train loss {:.4f} {} {:.4f} | valid {} {:.4f} | test {} {:.4f} | {:.1f} s, {} left",
                   r.epoch, options.epochs, r.train_loss, score, r.train_auroc, score, r.valid_auroc, score,
                   r.test_auroc, r.seconds, achrome::duration_text(left));
      epoch_started = std::chrono::steady_clock::now();
    };
    callbacks.batch = [&](int epoch, int64_t batch, int64_t batches) {
      if (!bar.active()) return;
      const double in_epoch = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_started).count();
      // Training takes most of an epoch; scoring valid and test after it is left out of this estimate.
      const double per_epoch = epochs_here ? seconds_here / epochs_here : in_epoch / batch * batches;
      const double left = in_epoch / batch * (batches - batch) + per_epoch * (options.epochs - epoch);
      bar.show(fmt::format("epoch {}/{} {} {}/{} batches, {} left", epoch, options.epochs,
                           achrome::progress_bar(static_cast<double>(batch), static_cast<double>(batches), 30), batch,
                           batches, achrome::duration_text(left)),
               batch == batches);
    };
    const auto result = achrome::train_model(data, options, callbacks, checkpointing);
    bar.clear();
    const auto& best = result.history.at(static_cast<std::size_t>(result.best_epoch - 1));
    spdlog::info("best epoch {} of {}: valid {} {:.4f}, test {} {:.4f}", result.best_epoch, result.epochs_run, score,
                 best.valid_auroc, score, best.test_auroc);

    achrome::write_trained_run(run_dir.path(), data, result, options, provenance);
    // The effective options, a valid --config: the inputs as absolute paths (the file works from any
    // folder) and the thread count actually used (it changes the numbers); not --out, so that a
    // retraining from it names its own folder.
    std::vector<std::string> mark_values;
    for (const auto& mark : marks) mark_values.push_back(mark.mark + "=" + absolute_text(mark.path.string()));
    const std::string yaml = achrome::options_yaml(
        app,
        {{"genes", {absolute_text(genes)}},
         {"labels", {absolute_text(labels)}},
         {"mark", mark_values},
         {"threads", {std::to_string(stage.threads())}}},
        {"out", "quiet", "verbose"});
    achrome::write_file_atomic(run_dir.path() / "options.yaml", yaml);
    run_dir.commit();
    achrome::remove_checkpoint(checkpointing);
    spdlog::info("run written to {}", out);
  });
}
