// achrome-train: one epigenome's binned marks + labels in, a trained AttentiveChrome run folder out.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "dataset/study.hpp"
#include "train/run_folder.hpp"
#include "train/trainer.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage(
      "achrome-train",
      "Train AttentiveChrome on one epigenome as the published code does (raw counts, U(-0.1,0.1) init,\n"
      "Adam, batch 16, gradient norm clip 1, BCE-with-logits) and keep the epoch with the best validation\n"
      "AUROC. Writes OUT/model.pt, model.json, predictions.tsv, history.tsv, alpha.npy, beta.npy,\n"
      "attention_genes.tsv and, last, metrics.json.");
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
  app.add_option("--model", model_name, "Model to train (only attentivechrome)")->check(CLI::IsMember({"attentivechrome"}))->capture_default_str();
  app.add_option("--epochs", options.epochs, "Maximum number of epochs")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--batch-size", options.batch_size, "Training mini-batch size")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--lr", options.learning_rate, "Adam learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the initial weights and the per-epoch shuffles")->capture_default_str();
  app.add_option("--patience", options.patience,
                 "Stop after this many epochs without a better validation AUROC (0 = run all epochs, as the paper)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--device", device, "cpu or cuda (cuda fails if no GPU is usable)")->capture_default_str();

  return stage.run(argc, argv, [&] {
    options.device = device;
    achrome::configure_cpu(stage.threads());
    std::vector<achrome::MarkFile> marks;
    for (const auto& spec : mark_specs) marks.push_back(achrome::parse_mark_spec(spec));
    achrome::parse_device(device);  // fail on an unusable device before reading any data

    const auto data = achrome::assemble_training_set(genes, labels, marks);
    spdlog::info("{} labelled genes ({} train, {} valid, {} test), {} marks x {} bins", data.genes(),
                 data.rows(achrome::Split::Train).size(), data.rows(achrome::Split::Valid).size(),
                 data.rows(achrome::Split::Test).size(), data.marks.size(), data.bins);

    const auto result = achrome::train_attentive_chrome(data, options, [&](const achrome::EpochRecord& r) {
      spdlog::info("epoch {}/{} train loss {:.4f} auroc {:.4f} | valid auroc {:.4f} | test auroc {:.4f} | {:.1f} s", r.epoch,
                   options.epochs, r.train_loss, r.train_auroc, r.valid_auroc, r.test_auroc, r.seconds);
    });
    const auto& best = result.history.at(static_cast<std::size_t>(result.best_epoch - 1));
    spdlog::info("best epoch {} of {}: valid auroc {:.4f}, test auroc {:.4f}", result.best_epoch, result.epochs_run,
                 best.valid_auroc, best.test_auroc);

    achrome::RunProvenance provenance{epigenome, genes, labels, marks, stage.threads()};
    achrome::write_run_folder(out, data, result, options, provenance);
    spdlog::info("run written to {}", out);
  });
}
