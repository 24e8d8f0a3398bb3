// The run folder's files written from records and read back: every field as it went in (floats as
// their shortest float32 text, history numbers to the decimals the format keeps), and a folder read
// and written again is byte for byte the one read.
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "run/run_folder.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using namespace achrome;
using ::testing::HasSubstr;

namespace {

class RunFolderFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("achrome-run-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  fs::path dir_;
};

// Logits whose shortest text is long or unusual: the reader must get the same float32 back.
const std::vector<float> kLogits{0.1f, -2.5f, 1e-8f, 123456.79f, -0.0f, 3.4028235e38f, 1.1754944e-38f, 7.0f};

RunFolder sample_run() {
  RunFolder run;
  auto& m = run.metrics;
  m.model = "attentivechrome";
  m.epigenome = "E003";
  m.marks = {"H3K4me3", "H3K27me3"};
  m.bins = 4;
  m.best_epoch = 2;
  m.epochs_run = 3;
  m.seed = "18446744073709551615";  // the largest --seed
  m.device = "cpu";
  m.threads = 2;
  m.seconds = 12.345678901234;
  m.seconds_per_epoch = 4.115226300411333;
  m.splits[0] = {0.9123456789012345, 0.8, 0.41, 4};
  m.splits[1] = {0.85, 0.1 + 0.2, 0.45, 2};
  m.splits[2] = {0.75, std::numeric_limits<double>::quiet_NaN(), 0.5, 2};  // written as null
  m.data = {{"genes", "0123456789abcdef0123456789abcdef"},
            {"labels", "fedcba9876543210fedcba9876543210"},
            {"inputs", {{"H3K4me3", "aa"}, {"H3K27me3", "bb"}}}};
  m.software = {{"achrome", "0.1.0"}, {"libtorch", "1.13.0"}};
  m.hyperparameters = {{"epochs", 3}, {"learning_rate", 0.0002}, {"optimizer", "adam"}, {"bin_hidden", 32}};

  run.model = ModelDescription{"attentivechrome", m.marks, 4, "log1p", {{"bin_hidden", 32}, {"mark_hidden", 16}}};

  const Split splits[] = {Split::Train, Split::Train, Split::Train, Split::Train,
                          Split::Valid, Split::Valid, Split::Test,  Split::Test};
  run.predictions.emplace();
  for (std::size_t i = 0; i < kLogits.size(); ++i)
    run.predictions->push_back({"ENSG0000" + std::to_string(i), splits[i], static_cast<int>(i % 2), kLogits[i],
                                logit_probability(kLogits[i])});
  // Numbers with at most the decimals history.tsv keeps (6; seconds 3).
  run.history = std::vector<EpochRecord>{{1, 0.693147, 0.5, 0.69, 0.512345, 0.49, 1.25},
                                         {2, 0.6, 0.71, 0.65, 0.8, 0.79, 0.5},
                                         {3, 0.55, 0.75, 0.66, 0.79, 0.78, 1234.567}};
  for (std::size_t i = 6; i < kLogits.size(); ++i)
    run.genes.push_back({run.predictions->at(i).gene_id, run.predictions->at(i).label, kLogits[i],
                         logit_probability(kLogits[i]), i % 2 ? '-' : '+'});
  Attention attention;
  attention.alpha.shape = {2, 2, 4};
  for (int i = 0; i < 16; ++i) attention.alpha.data.push_back(0.0625f * static_cast<float>(i));
  attention.beta = NpyArray{{2, 2}, {0.25f, 0.75f, 0.5f, 0.5f}};
  run.attention = attention;
  run.saliency = NpyArray{{2, 2, 4}, std::vector<float>(16, -1.5e-7f)};
  BinGeometry geometry;
  geometry.upstream = 200;
  geometry.downstream = 200;
  geometry.bin_size = 100;
  geometry.bins = 4;
  geometry.anchor_offset = 1;
  run.geometry = geometry;
  return run;
}

void expect_same_split(const SplitMetrics& a, const SplitMetrics& b) {
  const auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  EXPECT_TRUE(same(a.auroc, b.auroc)) << a.auroc << " vs " << b.auroc;
  EXPECT_TRUE(same(a.aupr, b.aupr)) << a.aupr << " vs " << b.aupr;
  EXPECT_TRUE(same(a.loss, b.loss)) << a.loss << " vs " << b.loss;
  EXPECT_EQ(a.genes, b.genes);
  ASSERT_EQ(a.pearson.has_value(), b.pearson.has_value());
  ASSERT_EQ(a.spearman.has_value(), b.spearman.has_value());
  if (a.pearson) EXPECT_TRUE(same(*a.pearson, *b.pearson)) << *a.pearson << " vs " << *b.pearson;
  if (a.spearman) EXPECT_TRUE(same(*a.spearman, *b.spearman)) << *a.spearman << " vs " << *b.spearman;
}

// A regression run (--target regression): the sample run with r and squared error per split, values and
// their log in predictions.tsv, Pearson r in history.tsv.
RunFolder sample_regression_run() {
  auto run = sample_run();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  run.metrics.target = "regression";
  run.model->target = "regression";
  for (auto& split : run.metrics.splits) split = SplitMetrics{nan, nan, 0.123456789, split.genes};
  run.metrics.splits[0].pearson = 0.6123456789012345;
  run.metrics.splits[0].spearman = 0.55;
  run.metrics.splits[1].pearson = -0.25;
  run.metrics.splits[1].spearman = 0.1 + 0.2;
  run.metrics.splits[2].pearson = nan;  // constant predictions: written as null
  run.metrics.splits[2].spearman = nan;
  for (std::size_t i = 0; i < run.predictions->size(); ++i) {
    auto& p = run.predictions->at(i);
    p.probability = 0;
    p.value = i == 0 ? 0.0 : 12.3456789 * static_cast<double>(i) + 0.1;
    p.target = std::log1p(p.value);
  }
  return run;
}

// Bitwise, so that -0.0 and 0.0 are told apart.
void expect_same_float(float a, float b) {
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << a << " vs " << b;
}

TEST_F(RunFolderFiles, EveryFieldReadsBackAsWritten) {
  const auto run = sample_run();
  write_run_folder(dir_, run);
  const auto back = read_run_folder(dir_);

  const auto& m = run.metrics;
  const auto& b = back.metrics;
  EXPECT_EQ(b.model, m.model);
  EXPECT_EQ(b.epigenome, m.epigenome);
  EXPECT_EQ(b.marks, m.marks);
  EXPECT_EQ(b.bins, m.bins);
  EXPECT_EQ(b.best_epoch, m.best_epoch);
  EXPECT_EQ(b.epochs_run, m.epochs_run);
  EXPECT_EQ(b.seed, m.seed);
  EXPECT_EQ(b.device, m.device);
  EXPECT_EQ(b.threads, m.threads);
  EXPECT_EQ(b.seconds, m.seconds);
  EXPECT_EQ(b.seconds_per_epoch, m.seconds_per_epoch);
  for (int s = 0; s < 3; ++s) expect_same_split(b.splits[s], m.splits[s]);
  EXPECT_EQ(b.data, m.data);
  EXPECT_EQ(b.software, m.software);
  EXPECT_EQ(b.hyperparameters, m.hyperparameters);
  EXPECT_THAT(text(dir_ / "metrics.json"), HasSubstr("\"seed\": 18446744073709551615"));  // a number, not a string
  EXPECT_THAT(text(dir_ / "metrics.json"), HasSubstr("\"aupr\": null"));

  ASSERT_TRUE(back.model);
  EXPECT_EQ(back.model->model, run.model->model);
  EXPECT_EQ(back.model->marks, run.model->marks);
  EXPECT_EQ(back.model->bins, run.model->bins);
  EXPECT_EQ(back.model->input_transform, run.model->input_transform);
  EXPECT_EQ(back.model->sizes, run.model->sizes);

  ASSERT_TRUE(back.predictions);
  ASSERT_EQ(back.predictions->size(), run.predictions->size());
  for (std::size_t i = 0; i < run.predictions->size(); ++i) {
    const auto& p = run.predictions->at(i);
    const auto& q = back.predictions->at(i);
    EXPECT_EQ(q.gene_id, p.gene_id);
    EXPECT_EQ(q.split, p.split);
    EXPECT_EQ(q.label, p.label);
    expect_same_float(q.logit, p.logit);
    expect_same_float(q.probability, p.probability);
  }

  ASSERT_TRUE(back.history);
  ASSERT_EQ(back.history->size(), run.history->size());
  for (std::size_t i = 0; i < run.history->size(); ++i) {
    const auto& r = run.history->at(i);
    const auto& s = back.history->at(i);
    EXPECT_EQ(s.epoch, r.epoch);
    EXPECT_EQ(s.train_loss, r.train_loss);
    EXPECT_EQ(s.train_auroc, r.train_auroc);
    EXPECT_EQ(s.valid_loss, r.valid_loss);
    EXPECT_EQ(s.valid_auroc, r.valid_auroc);
    EXPECT_EQ(s.test_auroc, r.test_auroc);
    EXPECT_EQ(s.seconds, r.seconds);
  }

  ASSERT_EQ(back.genes.size(), run.genes.size());
  for (std::size_t i = 0; i < run.genes.size(); ++i) {
    EXPECT_EQ(back.genes[i].gene_id, run.genes[i].gene_id);
    EXPECT_EQ(back.genes[i].label, run.genes[i].label);
    expect_same_float(back.genes[i].logit, run.genes[i].logit);
    expect_same_float(back.genes[i].probability, run.genes[i].probability);
    EXPECT_EQ(back.genes[i].strand, run.genes[i].strand);
  }

  ASSERT_TRUE(back.attention);
  EXPECT_EQ(back.attention->alpha.shape, run.attention->alpha.shape);
  EXPECT_EQ(back.attention->alpha.data, run.attention->alpha.data);
  ASSERT_TRUE(back.attention->beta);
  EXPECT_EQ(back.attention->beta->shape, run.attention->beta->shape);
  EXPECT_EQ(back.attention->beta->data, run.attention->beta->data);
  ASSERT_TRUE(back.saliency);
  EXPECT_EQ(back.saliency->shape, run.saliency->shape);
  EXPECT_EQ(back.saliency->data, run.saliency->data);
  ASSERT_TRUE(back.geometry);
  EXPECT_EQ(geometry_json(*back.geometry), geometry_json(*run.geometry));
}

TEST_F(RunFolderFiles, WrittenAgainFromWhatWasReadIsByteIdentical) {
  write_run_folder(dir_ / "a", sample_run());
  write_run_folder(dir_ / "b", read_run_folder(dir_ / "a"));
  for (const auto& name : run_folder_files()) {
    if (name == "model.pt" || name == "options.yaml") continue;  // not this module's
    ASSERT_TRUE(fs::exists(dir_ / "a" / name)) << name;
    EXPECT_EQ(text(dir_ / "b" / name), text(dir_ / "a" / name)) << name;
  }
}

TEST_F(RunFolderFiles, HistoryKeepsSixDecimalsAndIntegerEpochs) {
  write_history_tsv(dir_ / "history.tsv", {{7, 0.12345678, 0.5, 0.5, 0.5, 0.5, 2.0004}});
  EXPECT_EQ(text(dir_ / "history.tsv"),
            "epoch\ttrain_loss\ttrain_auroc\tvalid_loss\tvalid_auroc\ttest_auroc\tseconds\n"
            "7\t0.123457\t0.500000\t0.500000\t0.500000\t0.500000\t2.000\n");
  std::ofstream(dir_ / "bad.tsv") << "epoch\ttrain_loss\ttrain_auroc\tvalid_loss\tvalid_auroc\ttest_auroc\tseconds\n"
                                     "1.5\t0.1\t0.5\t0.5\t0.5\t0.5\t2\n";
  try {
    read_history_tsv(dir_ / "bad.tsv");
    FAIL() << "a fractional epoch was read";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("bad.tsv:2"));
  }
}

TEST_F(RunFolderFiles, UnlabelledPredictionsAndPredictMetrics) {
  const std::vector<Prediction> predictions{{"A", Split::Test, 0, 0.3f, logit_probability(0.3f)},
                                            {"B", Split::Test, 0, -1e-30f, logit_probability(-1e-30f)}};
  write_predictions_tsv(dir_ / "predictions.tsv", predictions, /*labelled=*/false);
  EXPECT_THAT(text(dir_ / "predictions.tsv"), ::testing::StartsWith("gene_id\tlogit\tprobability\nA\t0.3\t"));
  const auto back = read_predictions_tsv(dir_ / "predictions.tsv", /*labelled=*/false);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].gene_id, "B");
  expect_same_float(back[1].logit, -1e-30f);
  expect_same_float(back[1].probability, predictions[1].probability);
  EXPECT_THROW(read_predictions_tsv(dir_ / "predictions.tsv", /*labelled=*/true), Error);

  PredictionMetrics metrics;
  metrics.model = "lstm";
  metrics.weights = "runs/E003/lstm/model.pt";
  metrics.genes = "genes.tsv";
  metrics.labels = "labels/E004.tsv";
  metrics.all = {0.8123, 0.7, 0.5, 300};
  metrics.splits[2] = SplitMetrics{0.9, 0.85, 0.4, 100};  // train and valid had one class
  write_prediction_metrics_json(dir_ / "metrics.json", metrics);
  const auto read = read_prediction_metrics_json(dir_ / "metrics.json");
  EXPECT_EQ(read.model, metrics.model);
  EXPECT_EQ(read.weights, metrics.weights);
  EXPECT_EQ(read.genes, metrics.genes);
  EXPECT_EQ(read.labels, metrics.labels);
  expect_same_split(read.all, metrics.all);
  EXPECT_FALSE(read.splits[0]);
  EXPECT_FALSE(read.splits[1]);
  ASSERT_TRUE(read.splits[2]);
  expect_same_split(*read.splits[2], *metrics.splits[2]);
}

TEST_F(RunFolderFiles, RegressionRunReadsBackAsWritten) {
  const auto run = sample_regression_run();
  write_run_folder(dir_ / "a", run);
  EXPECT_THAT(text(dir_ / "a" / "predictions.tsv"),
              ::testing::StartsWith("gene_id\tsplit\tlabel\tvalue\ttarget\tprediction\nENSG00000\ttrain\t0\t0\t0\t0.1\n"));
  EXPECT_THAT(text(dir_ / "a" / "history.tsv"),
              ::testing::StartsWith("epoch\ttrain_loss\ttrain_pearson\tvalid_loss\tvalid_pearson\ttest_pearson\tseconds\n"));
  const auto metrics_text = text(dir_ / "a" / "metrics.json");
  EXPECT_THAT(metrics_text, HasSubstr("\"target\": \"regression\""));
  EXPECT_THAT(metrics_text, HasSubstr("\"mse\": 0.123456789"));
  EXPECT_THAT(metrics_text, HasSubstr("\"pearson\": null"));
  EXPECT_THAT(metrics_text, ::testing::Not(HasSubstr("auroc")));
  EXPECT_THAT(text(dir_ / "a" / "model.json"), HasSubstr("\"target\": \"regression\""));

  const auto back = read_run_folder(dir_ / "a");
  EXPECT_EQ(back.metrics.target, "regression");
  for (int s = 0; s < 3; ++s) expect_same_split(back.metrics.splits[s], run.metrics.splits[s]);
  EXPECT_TRUE(std::isnan(back.metrics.splits[1].auroc));
  ASSERT_TRUE(back.model);
  EXPECT_EQ(back.model->target, "regression");
  ASSERT_TRUE(back.predictions);
  ASSERT_EQ(back.predictions->size(), run.predictions->size());
  for (std::size_t i = 0; i < run.predictions->size(); ++i) {
    const auto& p = run.predictions->at(i);
    const auto& q = back.predictions->at(i);
    EXPECT_EQ(q.gene_id, p.gene_id);
    EXPECT_EQ(q.split, p.split);
    EXPECT_EQ(q.label, p.label);
    EXPECT_EQ(q.value, p.value);
    EXPECT_EQ(q.target, p.target);
    expect_same_float(q.logit, p.logit);
  }
  ASSERT_TRUE(back.history);
  EXPECT_EQ(back.history->at(1).valid_auroc, run.history->at(1).valid_auroc);

  // Read and written again: byte for byte the same files.
  write_run_folder(dir_ / "b", back);
  for (const auto& name : run_folder_files()) {
    if (name == "model.pt" || name == "options.yaml") continue;
    EXPECT_EQ(text(dir_ / "b" / name), text(dir_ / "a" / name)) << name;
  }

  // The layouts belong to the target: a class reader refuses a regression's files and the other way round.
  EXPECT_THROW(read_predictions_tsv(dir_ / "a" / "predictions.tsv", true, "class"), Error);
  EXPECT_THROW(read_history_tsv(dir_ / "a" / "history.tsv", "class"), Error);
  write_run_folder(dir_ / "c", sample_run());
  EXPECT_THROW(read_history_tsv(dir_ / "c" / "history.tsv", "regression"), Error);
}

TEST_F(RunFolderFiles, TargetsMustAgreeAndBeKnown) {
  auto run = sample_regression_run();
  run.model->target = "class";
  write_run_folder(dir_ / "a", run);
  try {
    read_run_folder(dir_ / "a");
    FAIL() << "model.json and metrics.json disagreed on the target";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("model.json"));
  }
  std::ofstream(dir_ / "model.json") << R"({"model": "deepchrome", "marks": ["a"], "target": "ranking"})";
  try {
    read_model_json(dir_ / "model.json");
    FAIL() << "an unknown target was read";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("ranking"));
  }
  // A class run's model.json from before the target: class.
  std::ofstream(dir_ / "old.json") << R"({"model": "deepchrome", "marks": ["a"]})";
  EXPECT_EQ(read_model_json(dir_ / "old.json").target, "class");
}

TEST_F(RunFolderFiles, RegressionPredictionsOfAchromePredict) {
  std::vector<Prediction> predictions{{"A", Split::Test, 0, 2.5f, 0}, {"B", Split::Test, 0, -1e-30f, 0}};
  write_predictions_tsv(dir_ / "unlabelled.tsv", predictions, /*labelled=*/false, "regression");
  EXPECT_EQ(text(dir_ / "unlabelled.tsv"), "gene_id\tprediction\nA\t2.5\nB\t-1e-30\n");
  const auto back = read_predictions_tsv(dir_ / "unlabelled.tsv", false, "regression");
  ASSERT_EQ(back.size(), 2u);
  expect_same_float(back[1].logit, -1e-30f);

  PredictionMetrics metrics;
  metrics.model = "attentivechrome";
  metrics.weights = "runs/E003/attentivechrome/model.pt";
  metrics.genes = "genes.tsv";
  metrics.labels = "labels/E004.tsv";
  metrics.target = "regression";
  metrics.all = {std::nan(""), std::nan(""), 1.75, 300};
  metrics.all.pearson = 0.71;
  metrics.all.spearman = 0.69;
  write_prediction_metrics_json(dir_ / "metrics.json", metrics);
  const auto read = read_prediction_metrics_json(dir_ / "metrics.json");
  EXPECT_EQ(read.target, "regression");
  expect_same_split(read.all, metrics.all);
  EXPECT_FALSE(read.splits[2]);
}

TEST_F(RunFolderFiles, AttentionGenesWithoutStrandsKeepTheOlderFourColumns) {
  std::vector<AttentionGene> genes{{"A", 1, 0.5f, logit_probability(0.5f), 0}};
  write_attention_genes_tsv(dir_ / "attention_genes.tsv", genes);
  EXPECT_THAT(text(dir_ / "attention_genes.tsv"), ::testing::StartsWith("gene_id\tlabel\tlogit\tprobability\nA\t1\t0.5\t"));
  EXPECT_EQ(read_attention_genes_tsv(dir_ / "attention_genes.tsv").at(0).strand, 0);
  genes.push_back({"B", 0, -0.5f, logit_probability(-0.5f), '+'});
  EXPECT_THROW(write_attention_genes_tsv(dir_ / "mixed.tsv", genes), Error);
  EXPECT_FALSE(fs::exists(dir_ / "mixed.tsv"));
}

TEST_F(RunFolderFiles, ModelJsonWithoutTransformMeansRaw) {
  std::ofstream(dir_ / "model.json") << R"({"model": "deepchrome", "marks": ["a", "b"], "bins": 100, "conv_channels": 50})";
  const auto model = read_model_json(dir_ / "model.json");
  EXPECT_EQ(model.input_transform, "raw");
  EXPECT_EQ(model.bins, 100);
  EXPECT_EQ(model.sizes, (std::map<std::string, long long>{{"conv_channels", 50}}));
  std::ofstream(dir_ / "bad.json") << R"({"model": "deepchrome", "marks": "a", "bins": 100})";
  try {
    read_model_json(dir_ / "bad.json");
    FAIL() << "marks as a string was read";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("bad.json: \"marks\" must be a list of strings"));
  }
}

}  // namespace
