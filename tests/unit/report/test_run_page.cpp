#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/run_folder.hpp"
#include "report/run_page.hpp"
#include "report/summary_page.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"

namespace fs = std::filesystem;
using namespace achrome;  // the run folder's records (run/run_folder.hpp)
using namespace achrome::report;
using achrome::Split;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// A small run folder following docs/formats.md "Run folder": 2 marks, 4 bins, 4 test genes.
class RunFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("achrome-report-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("metrics.json", R"({"model": "attentivechrome", "epigenome": "E005", "marks": ["H3K4me3", "H3K27me3"],
      "bins": 4, "best_epoch": 2, "epochs_run": 3, "seed": 7, "device": "cpu",
      "splits": {"train": {"auroc": 0.9, "aupr": 0.8, "loss": 0.4, "genes": 2},
                 "valid": {"auroc": 0.85, "aupr": 0.75, "loss": 0.45, "genes": 2},
                 "test": {"auroc": 0.75, "aupr": null, "loss": 0.5, "genes": 4}},
      "data": {"labels": "abc"}, "software": {"achrome": "0.1.0"}})");
    // Test scores 0.9(1) 0.8(0) 0.7(1) 0.6(0): AUROC 0.75, ROC (0,0) (0,.5) (.5,.5) (.5,1) (1,1).
    write("predictions.tsv",
          "gene_id\tsplit\tlabel\tlogit\tprobability\n"
          "T1\ttrain\t1\t5\t0.99\nT2\ttrain\t0\t-5\t0.01\nV1\tvalid\t1\t1\t0.7\nV2\tvalid\t0\t0\t0.5\n"
          "G1\ttest\t1\t0.9\t0.71\nG2\ttest\t0\t0.8\t0.69\nG3\ttest\t1\t0.7\t0.67\nG<4>\ttest\t0\t0.6\t0.65\n");
    write("history.tsv",
          "epoch\ttrain_loss\ttrain_auroc\tvalid_loss\tvalid_auroc\ttest_auroc\tseconds\n"
          "1\t0.6\t0.7\t0.62\t0.68\t0.66\t1.0\n2\t0.5\t0.8\t0.55\t0.85\t0.75\t1.0\n3\t0.45\t0.85\t0.56\t0.84\t0.74\t1.0\n");
    write("attention_genes.tsv",
          "gene_id\tlabel\tlogit\tprobability\nG1\t1\t0.9\t0.71\nG2\t0\t0.8\t0.69\nG3\t1\t0.7\t0.67\nG<4>\t0\t0.6\t0.65\n");
    std::vector<float> alpha(4 * 2 * 4, 0.25f);
    alpha[0 * 8 + 0 * 4 + 2] = 0.55f;  // G1, H3K4me3, bin 2
    alpha[0 * 8 + 0 * 4 + 0] = 0.05f;
    achrome::write_npy(dir_ / "alpha.npy", alpha.data(), {4, 2, 4});
    const std::vector<float> beta{0.8f, 0.2f, 0.3f, 0.7f, 0.6f, 0.4f, 0.1f, 0.9f};
    achrome::write_npy(dir_ / "beta.npy", beta.data(), {4, 2});
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& content) { std::ofstream(dir_ / name) << content; }
  std::string error_of(bool metrics_only = false) {
    try {
      read_run_folder(dir_, metrics_only);
    } catch (const achrome::Error& error) {
      return error.what();
    }
    return "no error";
  }
  fs::path dir_;
};

TEST_F(RunFolderTest, ReadsEveryFile) {
  const auto run = read_run_folder(dir_);
  EXPECT_EQ(run.metrics.epigenome, "E005");
  EXPECT_EQ(run.metrics.marks.size(), 2u);
  EXPECT_EQ(run.metrics.best_epoch, 2);
  EXPECT_EQ(run.metrics.seed, "7");
  EXPECT_DOUBLE_EQ(run.metrics.splits[2].auroc, 0.75);
  EXPECT_TRUE(std::isnan(run.metrics.splits[2].aupr));  // null in the JSON
  ASSERT_TRUE(run.predictions && run.history && run.attention);
  EXPECT_EQ(run.predictions->size(), 8u);
  EXPECT_EQ(run.history->size(), 3u);
  EXPECT_EQ(run.attention->alpha.shape, (std::vector<std::size_t>{4, 2, 4}));
}

TEST_F(RunFolderTest, RocPointsOfTheTestSplitOnly) {
  const auto run = read_run_folder(dir_);
  const auto points = roc_points(*run.predictions, Split::Test);
  ASSERT_EQ(points.size(), 5u);
  const std::vector<std::pair<double, double>> expected{{0, 0}, {0, 0.5}, {0.5, 0.5}, {0.5, 1}, {1, 1}};
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_DOUBLE_EQ(points[i].x, expected[i].first) << i;
    EXPECT_DOUBLE_EQ(points[i].y, expected[i].second) << i;
  }
}

TEST_F(RunFolderTest, PageStatesTheMetricsAndEscapesGeneNames) {
  const auto page = render_run_page(read_run_folder(dir_), {}).html;
  EXPECT_THAT(page, HasSubstr("<title>E005 · attentivechrome</title>"));
  EXPECT_THAT(page, HasSubstr("Test ROC, AUROC = 0.7500"));
  EXPECT_THAT(page, HasSubstr("<td>0.9000</td>"));  // train AUROC in the table
  EXPECT_THAT(page, HasSubstr("n/a"));              // the null AUPR
  EXPECT_THAT(page, HasSubstr("G&lt;4&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("G<4>")));
  EXPECT_THAT(page, HasSubstr(">α, H3K4me3</text>"));  // one alpha chart per mark
  EXPECT_THAT(page, HasSubstr(">α, H3K27me3</text>"));
  EXPECT_THAT(page, HasSubstr("2 of 3"));          // best epoch of epochs run
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("http")));
}

TEST_F(RunFolderTest, BinCentresSpanTheWindowAroundTheTss) {
  const auto x = bin_centres_kb(100, 5000, 5000);
  EXPECT_DOUBLE_EQ(x.front(), -4.95);
  EXPECT_DOUBLE_EQ(x.back(), 4.95);
  EXPECT_NEAR(x[50], 0.05, 1e-12);
}

TEST_F(RunFolderTest, OptionalFilesMayBeAbsentButNotHalfPresent) {
  fs::remove(dir_ / "history.tsv");
  fs::remove(dir_ / "predictions.tsv");
  auto run = read_run_folder(dir_);
  EXPECT_FALSE(run.history || run.predictions);
  EXPECT_THAT(render_run_page(run, {}).html, HasSubstr("No predictions.tsv"));
  fs::remove(dir_ / "attention_genes.tsv");
  EXPECT_THAT(error_of(), HasSubstr("attention is incomplete"));
}

TEST_F(RunFolderTest, AttentionWithoutBetaOrSharedOverMarks) {
  // lstm-alpha: alpha per mark, no beta.
  fs::remove(dir_ / "beta.npy");
  auto run = read_run_folder(dir_);
  ASSERT_TRUE(run.attention);
  EXPECT_FALSE(run.attention->beta);
  auto page = render_run_page(run, {}).html;
  EXPECT_THAT(page, HasSubstr("no mark attention"));
  EXPECT_THAT(page, Not(HasSubstr("β H3K4me3")));
  // cnn-attn, lstm-attn: one attention over bins for all marks, [genes, 1, bins].
  const std::vector<float> alpha(4 * 1 * 4, 0.25f);
  achrome::write_npy(dir_ / "alpha.npy", alpha.data(), {4, 1, 4});
  run = read_run_folder(dir_);
  EXPECT_EQ(run.attention->alpha.dim(1), 1u);
  EXPECT_THAT(render_run_page(run, {}).html, HasSubstr("all marks (one attention)"));
  const std::vector<float> three(4 * 3 * 4, 0.25f);
  achrome::write_npy(dir_ / "alpha.npy", three.data(), {4, 3, 4});
  EXPECT_THAT(error_of(), HasSubstr("alpha.npy: shape [4, 3, 4] but the run has"));
}

// A run of achrome-train --target regression: r in place of AUROC, predictions.tsv with the value and
// the prediction, history.tsv with r per epoch; the page draws predicted against measured expression.
TEST_F(RunFolderTest, ReadsAndDrawsARegressionRun) {
  write("metrics.json", R"({"model": "attentivechrome", "epigenome": "E005", "marks": ["H3K4me3", "H3K27me3"],
      "bins": 4, "target": "regression", "best_epoch": 2, "epochs_run": 2,
      "splits": {"train": {"pearson": 0.9, "spearman": 0.8, "mse": 0.4, "genes": 2},
                 "valid": {"pearson": 0.85, "spearman": 0.75, "mse": 0.45, "genes": 2},
                 "test": {"pearson": 0.986, "spearman": null, "mse": 0.05, "genes": 4}}})");
  write("predictions.tsv",
        "gene_id\tsplit\tlabel\tvalue\ttarget\tprediction\n"
        "T1\ttrain\t1\t6.389\t2\t1.5\nT2\ttrain\t0\t0\t0\t0.5\nV1\tvalid\t1\t3\t1.386\t1\nV2\tvalid\t0\t1\t0.693\t0.9\n"
        "G1\ttest\t1\t6.389\t2\t1.8\nG2\ttest\t0\t1.718\t1\t1.1\nG3\ttest\t1\t0.6487\t0.5\t0.4\n"
        "G<4>\ttest\t0\t0\t0\t0.2\n");
  write("history.tsv",
        "epoch\ttrain_loss\ttrain_pearson\tvalid_loss\tvalid_pearson\ttest_pearson\tseconds\n"
        "1\t1.6\t-0.3\t0.9\t0.8\t0.7\t1.0\n2\t0.8\tnan\t0.5\t0.85\t0.986\t1.0\n");
  const auto run = read_run_folder(dir_);
  EXPECT_EQ(run.metrics.target, "regression");
  ASSERT_TRUE(run.metrics.splits[2].regression());
  EXPECT_DOUBLE_EQ(*run.metrics.splits[2].pearson, 0.986);
  EXPECT_TRUE(std::isnan(run.metrics.splits[2].spearman.value()));
  EXPECT_DOUBLE_EQ(run.metrics.splits[2].loss, 0.05);  // the squared error
  EXPECT_TRUE(std::isnan(run.metrics.splits[2].auroc));
  ASSERT_TRUE(run.predictions && run.history);
  EXPECT_DOUBLE_EQ((*run.predictions)[4].value, 6.389);
  EXPECT_DOUBLE_EQ((*run.predictions)[4].target, 2);
  EXPECT_FLOAT_EQ((*run.predictions)[4].logit, 1.8f);
  EXPECT_DOUBLE_EQ((*run.history)[0].train_auroc, -0.3);  // the score column: r
  EXPECT_TRUE(std::isnan((*run.history)[1].train_auroc));

  const auto page = render_run_page(run, {});
  EXPECT_THAT(page.html, HasSubstr("test Pearson r"));
  EXPECT_THAT(page.html, Not(HasSubstr("test AUROC")));
  EXPECT_THAT(page.html, Not(HasSubstr("Test ROC")));
  // r of predictions [1.8, 1.1, 0.4, 0.2] and targets [2, 1, 0.5, 0]: scipy.stats.pearsonr gives 0.98604435.
  EXPECT_THAT(page.html, HasSubstr("Pearson r from predictions.tsv: <b>0.9860</b>"));
  EXPECT_THAT(page.html, HasSubstr("Pearson r per epoch"));
  // Heat maps split at the median prediction of attention_genes.tsv's logits (0.6, 0.7, 0.8, 0.9): 0.75.
  EXPECT_THAT(page.html, HasSubstr("the median prediction, 0.750"));
  EXPECT_THAT(page.html, HasSubstr("2 predicted ON"));
  ASSERT_EQ(page.tables.back().first, "deciles.tsv");
  EXPECT_EQ(page.tables.back().second,
            "decile\tgenes\tmean_target\tmean_prediction\n1\t1\t0\t0.2\n2\t1\t0.5\t0.4\n3\t1\t1\t1.1\n4\t1\t2\t1.8\n");
}

// The validation checks split genes by class: a regression's page says they do not apply, and its
// validation tables have their headers only; a class run's page computes them.
TEST_F(RunFolderTest, ValidationChecksApplyToClassRunsOnly) {
  achrome::report::RunPageOptions options;
  options.validation = achrome::report::ValidationTrack{"H3K27ac", dir_ / "H3K27ac.npy",
                                                        std::vector<float>(4 * 4, 1.0f), 4};
  options.validation->values[0 * 4 + 2] = 5.0f;  // G1, bin 2
  const auto class_page = render_run_page(read_run_folder(dir_), options);
  EXPECT_THAT(class_page.html, Not(HasSubstr("apply to classification runs")));
  ASSERT_EQ(class_page.tables.at(class_page.tables.size() - 2).first, "validation.tsv");
  EXPECT_THAT(class_page.tables.at(class_page.tables.size() - 2).second, HasSubstr("\npaper\talpha\tH3K4me3\tH3K27ac\t"));

  write("metrics.json", R"({"model": "attentivechrome", "epigenome": "E005", "marks": ["H3K4me3", "H3K27me3"],
      "bins": 4, "target": "regression", "best_epoch": 1, "epochs_run": 1,
      "splits": {"train": {"pearson": 0.9, "spearman": 0.8, "mse": 0.4, "genes": 2},
                 "valid": {"pearson": 0.85, "spearman": 0.75, "mse": 0.45, "genes": 2},
                 "test": {"pearson": 0.9, "spearman": 0.8, "mse": 0.05, "genes": 4}}})");
  write("predictions.tsv",
        "gene_id\tsplit\tlabel\tvalue\ttarget\tprediction\n"
        "T1\ttrain\t1\t6.389\t2\t1.5\nT2\ttrain\t0\t0\t0\t0.5\nV1\tvalid\t1\t3\t1.386\t1\nV2\tvalid\t0\t1\t0.693\t0.9\n"
        "G1\ttest\t1\t6.389\t2\t1.8\nG2\ttest\t0\t1.718\t1\t1.1\nG3\ttest\t1\t0.6487\t0.5\t0.4\n"
        "G<4>\ttest\t0\t0\t0\t0.2\n");
  write("history.tsv",
        "epoch\ttrain_loss\ttrain_pearson\tvalid_loss\tvalid_pearson\ttest_pearson\tseconds\n"
        "1\t1.6\t0.3\t0.9\t0.85\t0.9\t1.0\n");
  const auto page = render_run_page(read_run_folder(dir_), options);
  EXPECT_THAT(page.html, HasSubstr("These checks apply to classification runs"));
  ASSERT_EQ(page.tables.at(page.tables.size() - 2).first, "validation.tsv");
  EXPECT_EQ(page.tables.at(page.tables.size() - 2).second, "check\tview\tmark\ttrack\tgenes\tr\n");
  EXPECT_EQ(page.tables.back().second, "profile\tkb\tvalue\n");
}

TEST_F(RunFolderTest, InconsistentOrMissingFilesAreErrors) {
  const std::vector<float> beta(3 * 2, 0.5f);
  achrome::write_npy(dir_ / "beta.npy", beta.data(), {3, 2});
  EXPECT_THAT(error_of(), HasSubstr("beta.npy: shape [3, 2] but attention_genes.tsv has 4 genes"));
  EXPECT_EQ(error_of(/*metrics_only=*/true), "no error");
  write("metrics.json", R"({"model": "m", "epigenome": "E1", "marks": []})");
  EXPECT_THAT(error_of(), HasSubstr("metrics.json: missing key \"best_epoch\""));
  write("metrics.json", "{not json");
  EXPECT_THAT(error_of(), HasSubstr("metrics.json: not valid JSON"));
  fs::remove(dir_ / "metrics.json");
  EXPECT_THAT(error_of(), HasSubstr((dir_ / "metrics.json").string() + ": cannot open"));
}

TEST(Summary, StatsTsvAndLinks) {
  std::vector<SummaryEntry> entries(3);
  const double aurocs[] = {0.8, 0.7, 0.9};
  const char* ids[] = {"E003", "E<5>", "E128"};
  for (int i = 0; i < 3; ++i) {
    entries[i].metrics.epigenome = ids[i];
    entries[i].metrics.model = "attentivechrome";
    entries[i].metrics.best_epoch = i;
    entries[i].metrics.splits[2] = {aurocs[i], 0.5, 0.1, 10};
    entries[i].page = page_name("{epigenome}.html", entries[i].metrics);
  }
  const auto stats = test_auroc_stats(entries);
  EXPECT_EQ(stats.runs, 3u);
  EXPECT_NEAR(stats.mean, 0.8, 1e-12);
  EXPECT_DOUBLE_EQ(stats.median, 0.8);
  EXPECT_DOUBLE_EQ(stats.min, 0.7);
  EXPECT_DOUBLE_EQ(stats.max, 0.9);
  const auto tsv = summary_tsv(entries);
  EXPECT_THAT(tsv, HasSubstr("epigenome\tmodel\tbest_epoch\ttrain_auroc\ttrain_aupr\tvalid_auroc\tvalid_aupr\t"
                             "test_auroc\ttest_aupr\tgenes\n"));
  EXPECT_THAT(tsv, HasSubstr("E128\tattentivechrome\t2\t0.000000\t0.000000\t0.000000\t0.000000\t0.900000\t0.500000\t10\n"));
  const auto page = render_summary_page(entries, "all runs");
  EXPECT_THAT(page, HasSubstr("<a href=\"E003.html\">E003</a>"));
  EXPECT_THAT(page, HasSubstr("<a href=\"E&lt;5&gt;.html\">E&lt;5&gt;</a>"));
  EXPECT_THAT(page, HasSubstr("<b>0.9000</b>"));
  EXPECT_THAT(page, Not(HasSubstr("http")));
  EXPECT_THROW(render_summary_page({}, "none"), achrome::Error);
}

}  // namespace
