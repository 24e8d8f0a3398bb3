// The training loop on a small in-memory set with a planted signal.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/adam.hpp"
#include "train/checkpoint.hpp"
#include "train/progress.hpp"
#include "train/run_folder.hpp"
#include "train/trainer.hpp"
#include "util/error.hpp"

using namespace achrome;

namespace {

// Mark 1's middle bins are high in ON genes; everything else is Poisson noise.
TrainingSet planted_set(std::size_t genes, std::size_t bins, unsigned seed) {
  TrainingSet set;
  set.marks = {"m0", "m1", "m2"};
  set.bins = bins;
  std::mt19937 rng(seed);
  std::poisson_distribution<int> noise(2.0), on(7.0);
  for (std::size_t g = 0; g < genes; ++g) {
    const int label = static_cast<int>(rng() % 2);
    set.gene_ids.push_back("G" + std::to_string(g));
    set.labels.push_back(label);
    set.splits.push_back(g % 3 == 0 ? Split::Train : g % 3 == 1 ? Split::Valid : Split::Test);
    for (std::size_t b = 0; b < bins; ++b)
      for (std::size_t m = 0; m < 3; ++m) {
        const bool planted = m == 1 && b >= bins / 2 - 2 && b < bins / 2 + 2 && label == 1;
        set.inputs.push_back(static_cast<float>(planted ? on(rng) : noise(rng)));
      }
  }
  return set;
}

TrainOptions quick_options() {
  TrainOptions options;
  options.epochs = 3;
  options.learning_rate = 0.01;
  options.seed = 5;
  return options;
}

}  // namespace

TEST(Trainer, LearnsAPlantedSignalAndKeepsTheBestValidationEpoch) {
  torch::set_num_threads(1);
  const auto set = planted_set(180, 20, 1);
  std::vector<EpochRecord> seen;
  const auto result = train_model(set, quick_options(), [&](const EpochRecord& r) { seen.push_back(r); });
  ASSERT_EQ(result.history.size(), 3u);
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(result.epochs_run, 3);
  int best = 0;
  for (int i = 0; i < 3; ++i)
    if (result.history[i].valid_auroc >= result.history[best].valid_auroc) best = i;
  EXPECT_EQ(result.best_epoch, best + 1);

  // The returned model is the best epoch's: scoring valid genes reproduces that epoch's AUROC.
  const auto inputs = inputs_tensor(set);
  const auto valid_rows = set.rows(Split::Valid);
  std::vector<int64_t> index(valid_rows.begin(), valid_rows.end());
  std::vector<int> labels;
  for (auto r : valid_rows) labels.push_back(set.labels[r]);
  auto model = result.model;
  const auto scores = score_genes(model, inputs.index_select(0, torch::tensor(index)), torch::kCPU, 7, false);
  EXPECT_NEAR(split_metrics(scores.logits, labels).auroc, result.history[best].valid_auroc, 1e-9);
  EXPECT_GT(result.history[best].test_auroc, 0.8);
}

TEST(Trainer, SameSeedSameModel) {
  torch::set_num_threads(1);
  const auto set = planted_set(60, 10, 2);
  auto options = quick_options();
  options.epochs = 1;
  const auto a = train_model(set, options);
  const auto b = train_model(set, options);
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i]));
  options.seed = 6;
  const auto c = train_model(set, options);
  EXPECT_FALSE(torch::equal(pa[0], c.model->parameters()[0]));
}

TEST(Trainer, RejectsSplitsWithoutBothClassesAndUnusableDevices) {
  auto set = planted_set(30, 6, 3);
  for (std::size_t g = 0; g < set.genes(); ++g)
    if (set.splits[g] == Split::Valid) set.labels[g] = 1;
  try {
    train_model(set, quick_options());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the valid split has only label-1 genes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_device("gpu"), Error);
  if (!torch::cuda::is_available()) {
    EXPECT_THROW(parse_device("cuda"), Error);
  }
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
}

// Scoring splits the genes into batches and, with several threads, scores the batches in parallel
// (and the fused LSTM kernels split large batches by rows): every split must give the same scores
// as one serial pass, in gene order, with attention rows that still sum to 1.
TEST(Trainer, ParallelScoringEqualsOneSerialBatch) {
  const auto data = planted_set(150, 20, 11);
  torch::manual_seed(2);
  AttentiveChromeOptions model_options;
  model_options.marks = 3;
  model_options.bins = 20;
  AttentiveChrome model(model_options);
  const auto inputs = inputs_tensor(data);
  const int threads_before = at::get_num_threads();
  at::set_num_threads(1);
  const auto serial = score_genes(model, inputs, torch::kCPU, 1000, true);
  at::set_num_threads(2);
  for (int batch_size : {7, 64, 1000}) {
    SCOPED_TRACE(batch_size);
    const auto parallel = score_genes(model, inputs, torch::kCPU, batch_size, true);
    ASSERT_EQ(parallel.logits.sizes(), serial.logits.sizes());
    EXPECT_LT((parallel.logits - serial.logits).abs().max().item<double>(), 1e-5);
    EXPECT_LT((parallel.alpha - serial.alpha).abs().max().item<double>(), 1e-6);
    EXPECT_LT((parallel.beta - serial.beta).abs().max().item<double>(), 1e-6);
    EXPECT_LT((parallel.alpha.sum(2) - 1).abs().max().item<double>(), 1e-5);
  }
  at::set_num_threads(threads_before);
  EXPECT_GT((serial.logits.max() - serial.logits.min()).item<double>(), 0.0);
}

// Any model trains through the same loop; scores carry only the attention the model has.
TEST(Trainer, TrainsOtherModelsAndScoresOnlyTheirAttention) {
  torch::set_num_threads(1);
  const auto set = planted_set(90, 20, 4);
  auto options = quick_options();
  options.epochs = 2;
  for (const char* name : {"deepchrome", "lstm-attn"}) {
    SCOPED_TRACE(name);
    options.model = name;
    const auto result = train_model(set, options);
    EXPECT_EQ(result.model->model_name(), name);
    EXPECT_EQ(result.epochs_run, 2);
    const auto scores = score_genes(result.model, inputs_tensor(set), torch::kCPU, 32, true);
    EXPECT_EQ(scores.logits.size(0), 90);
    EXPECT_EQ(scores.alpha.defined(), std::string(name) == "lstm-attn");
    EXPECT_FALSE(scores.beta.defined());
    const auto empty = score_genes(result.model, inputs_tensor(set).narrow(0, 0, 0), torch::kCPU, 32, true);
    EXPECT_EQ(empty.logits.size(0), 0);
    EXPECT_EQ(empty.alpha.defined(), scores.alpha.defined());
  }
}

namespace {

void expect_same_training(const TrainResult& a, const TrainResult& b) {
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  EXPECT_EQ(a.epochs_run, b.epochs_run);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].train_loss, b.history[i].train_loss) << i;
    EXPECT_EQ(a.history[i].valid_auroc, b.history[i].valid_auroc) << i;
    EXPECT_EQ(a.history[i].test_auroc, b.history[i].test_auroc) << i;
  }
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
}

}  // namespace

// A training stopped after its second epoch (here by an exception, as a kill would) and started again
// continues from the checkpoint and ends exactly where an uninterrupted one does: weights, Adam's
// moments, the generator of the shuffles and dropout (lstm has dropout), the best epoch and patience.
// A checkpoint with another fingerprint is ignored.
TEST(Trainer, ResumesFromItsCheckpointBitForBit) {
  torch::set_num_threads(1);
  const auto set = planted_set(90, 10, 4);
  const auto dir = std::filesystem::temp_directory_path() / ("achrome-checkpoint-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"attentivechrome", "lstm"}) {
    SCOPED_TRACE(name);
    auto options = quick_options();
    options.epochs = 4;
    options.patience = 3;
    options.model = name;
    const auto uninterrupted = train_model(set, options);

    const Checkpointing where{dir / (std::string(name) + ".checkpoint"), "run.checkpoint", {{"seed", 5}}};
    TrainCallbacks stop_after_two;
    stop_after_two.epoch = [](const EpochRecord& r) {
      if (r.epoch == 2) throw std::runtime_error("killed");
    };
    EXPECT_THROW(train_model(set, options, stop_after_two, where), std::runtime_error);
    ASSERT_TRUE(std::filesystem::exists(where.path));

    int epochs_run_here = 0;
    TrainCallbacks count;
    count.epoch = [&](const EpochRecord&) { ++epochs_run_here; };
    const auto resumed = train_model(set, options, count, where);
    EXPECT_EQ(epochs_run_here, 2);
    expect_same_training(uninterrupted, resumed);

    // The checkpoint now holds epoch 4 of a seed-5 training; a seed-6 training must not take it.
    options.seed = 6;
    const auto fresh = train_model(set, options);
    Checkpointing other = where;
    other.fingerprint = {{"seed", 6}};
    epochs_run_here = 0;
    const auto ignoring = train_model(set, options, count, other);
    EXPECT_EQ(epochs_run_here, 4);
    expect_same_training(fresh, ignoring);
    remove_checkpoint(other);
    EXPECT_FALSE(std::filesystem::exists(where.path));
  }
  std::filesystem::remove_all(dir);
}

TEST(Trainer, InputTransforms) {
  std::vector<float> values{0.0f, 1.0f, 9.0f, -0.5f};
  transform_inputs("raw", values.data(), values.size(), [](std::size_t) { return std::string(); });
  EXPECT_EQ(values[2], 9.0f);
  transform_inputs("log1p", values.data(), values.size(), [](std::size_t) { return std::string(); });
  EXPECT_EQ(values[0], 0.0f);
  EXPECT_FLOAT_EQ(values[1], std::log(2.0f));
  EXPECT_FLOAT_EQ(values[2], std::log(10.0f));
  std::vector<float> bad{1.0f, -1.0f};
  try {
    transform_inputs("log1p", bad.data(), bad.size(), [](std::size_t i) { return "value " + std::to_string(i); });
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("value 1 is -1, where log1p is undefined"), std::string::npos) << e.what();
  }
}

TEST(Progress, BarsAndDurations) {
  EXPECT_EQ(progress_bar(0, 10, 10), "[..........]");
  EXPECT_EQ(progress_bar(5, 10, 10), "[#####.....]");
  EXPECT_EQ(progress_bar(12, 10, 4), "[####]");
  EXPECT_EQ(duration_text(4.4), "4 s");
  EXPECT_EQ(duration_text(200), "3 min 20 s");
  EXPECT_EQ(duration_text(7500), "2 h 05 min");
}

namespace {

// planted_set with an expression value per gene: ON genes around 20 (RPKM), OFF genes around 1, and
// within each class the value grows with the planted signal's strength, so r has something to find.
TrainingSet planted_regression_set(std::size_t genes, std::size_t bins, unsigned seed) {
  auto set = planted_set(genes, bins, seed);
  std::mt19937 rng(seed + 100);
  std::uniform_real_distribution<double> jitter(0.0, 0.5);
  for (std::size_t g = 0; g < genes; ++g) {
    double signal = 0;
    for (std::size_t b = bins / 2 - 2; b < bins / 2 + 2; ++b) signal += set.inputs[(g * bins + b) * 3 + 1];
    set.values.push_back(set.labels[g] ? 10.0 + signal : jitter(rng));
  }
  return set;
}

}  // namespace

TEST(Trainer, RegressionFitsLogExpressionAndKeepsTheBestValidationR) {
  torch::set_num_threads(1);
  const auto set = planted_regression_set(180, 20, 1);
  auto options = quick_options();
  options.target = "regression";
  const auto result = train_model(set, options);
  ASSERT_EQ(result.history.size(), 3u);
  int best = 0;
  for (int i = 0; i < 3; ++i)
    if (result.history[i].valid_auroc >= result.history[best].valid_auroc) best = i;
  EXPECT_EQ(result.best_epoch, best + 1);
  // The kept model's validation r is the history's, recomputed from its predictions.
  const auto valid_rows = set.rows(Split::Valid);
  const auto targets = regression_targets(set, "labels.tsv");
  std::vector<double> valid_targets;
  std::vector<int> valid_labels;
  for (auto row : valid_rows) {
    valid_targets.push_back(targets[row]);
    valid_labels.push_back(set.labels[row]);
  }
  const auto inputs = inputs_tensor(set).index_select(
      0, torch::tensor(std::vector<int64_t>(valid_rows.begin(), valid_rows.end()), torch::kLong));
  const auto scores = score_genes(result.model, inputs, torch::kCPU, 64, false);
  const auto metrics = target_metrics("regression", scores.logits, valid_labels, valid_targets);
  ASSERT_TRUE(metrics.regression());
  EXPECT_NEAR(*metrics.pearson, result.history[best].valid_auroc, 1e-9);
  EXPECT_GT(*metrics.pearson, 0.5);
  EXPECT_GT(result.history[best].test_auroc, 0.5);
}

TEST(Trainer, RegressionRefusesLabelsWithoutExpression) {
  auto set = planted_set(30, 6, 2);
  for (int label : set.labels) set.values.push_back(label);  // what achrome-import writes
  try {
    regression_targets(set, "published/E003/labels.tsv");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("published/E003/labels.tsv: every value is the gene's 0/1 label"),
              std::string::npos)
        << e.what();
  }
  set.values[3] = 2.5;  // one gene with a real value: the column carries expression
  EXPECT_NO_THROW(regression_targets(set, "labels.tsv"));
  set.values[4] = -1;
  EXPECT_THROW(regression_targets(set, "labels.tsv"), Error);
  auto options = quick_options();
  options.target = "regression";
  for (auto& value : set.values) value = 1.5;  // one value everywhere: r is undefined
  EXPECT_THROW(train_model(set, options), Error);
}

// A checkpoint of a class training must not resume a regression one: the target is in the fingerprint.
TEST(Trainer, TargetIsPartOfTheCheckpointFingerprint) {
  torch::set_num_threads(1);
  const auto dir = std::filesystem::temp_directory_path() / ("achrome-target-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* file : {"genes.tsv", "labels.tsv", "m0.npy"}) std::ofstream(dir / file) << file;
  RunProvenance provenance;
  provenance.genes_tsv = dir / "genes.tsv";
  provenance.labels_tsv = dir / "labels.tsv";
  provenance.marks = {{"m0", dir / "m0.npy"}};
  auto options = quick_options();
  const auto class_fingerprint = training_fingerprint(options, provenance);
  options.target = "regression";
  const auto regression_fingerprint = training_fingerprint(options, provenance);
  EXPECT_NE(class_fingerprint, regression_fingerprint);
  EXPECT_EQ(regression_fingerprint.at("target"), "regression");

  const auto set = planted_regression_set(90, 10, 4);
  options.target = "class";
  const Checkpointing class_run{dir / "run.checkpoint", "run.checkpoint", class_fingerprint};
  TrainCallbacks stop_after_two;
  stop_after_two.epoch = [](const EpochRecord& r) {
    if (r.epoch == 2) throw std::runtime_error("killed");
  };
  EXPECT_THROW(train_model(set, options, stop_after_two, class_run), std::runtime_error);
  ASSERT_TRUE(std::filesystem::exists(class_run.path));
  options.target = "regression";
  int epochs_run_here = 0;
  TrainCallbacks count;
  count.epoch = [&](const EpochRecord&) { ++epochs_run_here; };
  const Checkpointing regression_run{class_run.path, class_run.shown, regression_fingerprint};
  const auto result = train_model(set, options, count, regression_run);
  EXPECT_EQ(epochs_run_here, 3);  // from epoch 1, not resumed
  EXPECT_EQ(result.epochs_run, 3);
  std::filesystem::remove_all(dir);
}

namespace {

// The trainer's Adam step against LibTorch's own: bit for bit the same parameters and moments, on a
// parameter of several thread-sized pieces and a ragged end, and on small ones (shorter than a vector),
// with and without clip_grad_norm_'s scaling folded in.
TEST(Trainer, AdamStepEqualsLibTorchAdamBitForBit) {
  for (int64_t size : {100003, 1000, 7}) {
    SCOPED_TRACE(size);
    torch::manual_seed(3);
    const auto start = torch::randn({size});
    auto ours = start.clone().requires_grad_(true), theirs = start.clone().requires_grad_(true);
    torch::optim::Adam ours_optimizer({ours}, torch::optim::AdamOptions(2e-4));
    torch::optim::Adam theirs_optimizer({theirs}, torch::optim::AdamOptions(2e-4));
    for (int step = 0; step < 30; ++step) {
      // Gradients of mixed scales, some zero, as clipped training gradients are.
      const auto gradient = torch::randn({size}) * torch::pow(10.0, torch::randint(-8, 1, {size})) *
                            (torch::rand({size}) > 0.1);
      ours.mutable_grad() = gradient.clone();
      theirs.mutable_grad() = gradient.clone();
      // Every third step clips as the trainer does: the coefficient handed to the pass against
      // clip_grad_norm_'s scaling pass, with a norm small enough that some steps are not scaled.
      if (step % 3 == 0) {
        const double max_norm = size > 10 ? 0.5 : 50.0;
        adam_step(ours_optimizer, clip_coefficient(ours.grad(), max_norm));
        torch::nn::utils::clip_grad_norm_(theirs, max_norm);
      } else {
        adam_step(ours_optimizer);
      }
      theirs_optimizer.step();
    }
    EXPECT_TRUE(torch::equal(ours.detach(), theirs.detach()));
    EXPECT_FALSE(torch::equal(ours.detach(), start));
    const auto key = [](const torch::Tensor& t) { return c10::guts::to_string(t.unsafeGetTensorImpl()); };
    const auto& ours_state =
        static_cast<const torch::optim::AdamParamState&>(*ours_optimizer.state().at(key(ours)));
    const auto& theirs_state =
        static_cast<const torch::optim::AdamParamState&>(*theirs_optimizer.state().at(key(theirs)));
    EXPECT_EQ(ours_state.step(), theirs_state.step());
    EXPECT_TRUE(torch::equal(ours_state.exp_avg(), theirs_state.exp_avg()));
    EXPECT_TRUE(torch::equal(ours_state.exp_avg_sq(), theirs_state.exp_avg_sq()));
  }
}

}  // namespace
