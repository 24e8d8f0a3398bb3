// achrome-train: one epigenome's binned marks + labels in, a trained AttentiveChrome run folder out.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "dataset/study.hpp"
#include "train/run_folder.hpp"
#include "train/trainer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage(
      "achrome-train",
      "Train AttentiveChrome (or another model of the paper, --model; docs/models.md) on one epigenome as\n"
      "the published code does (raw counts, the model's init, Adam, batch 16, gradient norm clip 1,\n"
      "BCE-with-logits) and keep the epoch with the best validation AUROC. Writes OUT/model.pt, model.json,\n"
      "predictions.tsv, history.tsv, alpha.npy and beta.npy (when the model has them), saliency.npy,\n"
      "attention_genes.tsv and metrics.json.");
  auto& app = stage.app();
  std::string genes, labels, out, epigenome, device = "cpu", model_name = "attentivechrome";
  std::vector<std::string> mark_specs;
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
                 "Stop after this many epochs without a better validation AUROC (0 = run all epochs, as the paper)")
      ->check(achrome::non_negative())->capture_default_str();
  app.add_option("--device", device, "cpu or cuda (cuda fails if no GPU is usable)")->capture_default_str();

  return stage.run(argc, argv, [&] {
    options.device = device;
    options.model = model_name;
    achrome::configure_cpu(stage.threads());
    std::vector<achrome::MarkFile> marks;
    for (const auto& spec : mark_specs) marks.push_back(achrome::parse_mark_spec(spec));
    std::vector<achrome::PathArg> inputs{{"--genes", genes}, {"--labels", labels}};
    for (const auto& mark : marks) inputs.push_back({"--mark " + mark.mark, mark.path});
    std::vector<achrome::PathArg> outputs{{"--out", out}};
    for (const char* file : {"model.pt", "model.json", "metrics.json", "predictions.tsv", "history.tsv", "alpha.npy",
                             "beta.npy", "attention_genes.tsv", "saliency.npy"})
      outputs.push_back({"--out", std::filesystem::path(out) / file});
    achrome::refuse_outputs_over_inputs(inputs, outputs);
    achrome::parse_device(device);  // fail on an unusable device before reading any data
    // The run folder is replaced as a whole when training is done; creating its temporary sibling now
    // makes an output that cannot be written fail before the training, not after it.
    achrome::AtomicFolder run_dir(out, achrome::run_folder_files());

    const auto data = achrome::assemble_training_set(genes, labels, marks);
    spdlog::info("{} labelled genes ({} train, {} valid, {} test), {} marks x {} bins", data.genes(),
                 data.rows(achrome::Split::Train).size(), data.rows(achrome::Split::Valid).size(),
                 data.rows(achrome::Split::Test).size(), data.marks.size(), data.bins);

    const auto result = achrome::train_model(data, options, [&](const achrome::EpochRecord& r) {
      spdlog::info("epoch {}/{} train loss {:.4f} auroc {:.4f} | valid auroc {:.4f} | test auroc {:.4f} | {:.1f} s", r.epoch,
                   options.epochs, r.train_loss, r.train_auroc, r.valid_auroc, r.test_auroc, r.seconds);
    });
    const auto& best = result.history.at(static_cast<std::size_t>(result.best_epoch - 1));
    spdlog::info("best epoch {} of {}: valid auroc {:.4f}, test auroc {:.4f}", result.best_epoch, result.epochs_run,
                 best.valid_auroc, best.test_auroc);

    achrome::RunProvenance provenance{epigenome, genes, labels, marks, stage.threads()};
    achrome::write_run_folder(run_dir.path(), data, result, options, provenance);
    run_dir.commit();
    spdlog::info("run written to {}", out);
  });
}
