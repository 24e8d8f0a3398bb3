// The summary over many runs: the Table 2 layout, the published numbers, beta across runs, and a
// 56-epigenome x 8-model summary built from run folders on disk.
#include <chrono>
#include <cstdio>
#include <functional>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "report/summary_page.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"

namespace fs = std::filesystem;
using namespace achrome;  // the run folder's records (run/run_folder.hpp)
using namespace achrome::report;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const achrome::Error& error) {
    return error.what();
  }
  return "no error";
}

class SummaryRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("achrome-summary-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }
  fs::path dir_;
};

const std::vector<std::string> kMarks{"H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"};

std::string metrics_json(const std::string& epigenome, const std::string& model, double test_auroc) {
  return fmt::format(R"({{"model": "{}", "epigenome": "{}", "marks": ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3",
    "H3K9me3"], "bins": 100, "best_epoch": 3, "epochs_run": 5,
    "splits": {{"train": {{"auroc": 0.9, "aupr": 0.9, "loss": 0.4, "genes": 6601}},
               "valid": {{"auroc": 0.85, "aupr": 0.8, "loss": 0.45, "genes": 6601}},
               "test": {{"auroc": {:.6f}, "aupr": 0.7, "loss": 0.5, "genes": 6600}}}}}})",
                     model, epigenome, test_auroc);
}

SummaryEntry entry(const std::string& epigenome, const std::string& model, double test_auroc) {
  SummaryEntry e;
  e.metrics.epigenome = epigenome;
  e.metrics.model = model;
  e.metrics.marks = kMarks;
  e.metrics.splits[2].auroc = test_auroc;
  return e;
}

TEST(SummaryTable, ModelsInThePapersOrderThenOthers) {
  std::vector<SummaryEntry> entries{entry("E1", "achrome-net", 0.8), entry("E1", "attentivechrome", 0.8),
                                    entry("E1", "lstm", 0.8), entry("E1", "deepchrome", 0.8),
                                    entry("E1", "cnn-alpha-beta", 0.8), entry("E1", "zeta", 0.8)};
  EXPECT_EQ(paper_model_order(entries), (std::vector<std::string>{"deepchrome", "lstm", "cnn-alpha-beta",
                                                                  "attentivechrome", "achrome-net", "zeta"}));
}

TEST(SummaryTable, BetterThanDeepChromeComparesTheSameEpigenome) {
  // E1: attentivechrome beats deepchrome; E2: ties (not better); E3: loses; E4: no deepchrome run;
  // E5: deepchrome's AUROC is NaN (a single-class split): not compared.
  std::vector<SummaryEntry> entries{entry("E1", "deepchrome", 0.70), entry("E1", "attentivechrome", 0.75),
                                    entry("E2", "deepchrome", 0.80), entry("E2", "attentivechrome", 0.80),
                                    entry("E3", "deepchrome", 0.90), entry("E3", "attentivechrome", 0.85),
                                    entry("E4", "attentivechrome", 0.99), entry("E5", "deepchrome", std::nan("")),
                                    entry("E5", "attentivechrome", 0.6)};
  const auto columns = model_columns(entries);
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(columns[0].model, "deepchrome");
  EXPECT_EQ(columns[0].stats.runs, 3u);
  EXPECT_NEAR(columns[0].stats.mean, 0.8, 1e-12);
  EXPECT_EQ(columns[1].model, "attentivechrome");
  EXPECT_EQ(columns[1].better_than_deepchrome, 1u);
  EXPECT_EQ(columns[1].compared, 3u);
  EXPECT_EQ(columns[1].stats.runs, 5u);
  EXPECT_DOUBLE_EQ(columns[1].stats.median, 0.8);
  EXPECT_DOUBLE_EQ(columns[1].stats.max, 0.99);
  EXPECT_DOUBLE_EQ(columns[1].stats.min, 0.6);

  const auto files = render_summary(entries, {});
  EXPECT_THAT(files.html, HasSubstr("<th>1 of 3</th>"));
  EXPECT_THAT(files.table2_tsv, HasSubstr("achrome\tattentivechrome\t5\t0.798000\t0.800000\t0.990000\t0.600000\t1\t3\n"));
  EXPECT_THAT(files.table2_tsv, HasSubstr("achrome\tdeepchrome\t3\t0.800000\t0.800000\t0.900000\t0.700000\tnan\tnan\n"));
  EXPECT_THAT(files.auroc_tsv, HasSubstr("epigenome\tname\tpublished_deepchrome\tdeepchrome\tattentivechrome\n"));
  EXPECT_THAT(files.auroc_tsv, HasSubstr("E4\t\tnan\tnan\t0.990000\n"));
  EXPECT_THAT(files.html, HasSubstr("The published numbers were not found"));
}

TEST(SummaryTable, OneRunPerEpigenomeAndModel) {
  std::vector<SummaryEntry> entries{entry("E1", "deepchrome", 0.7), entry("E1", "deepchrome", 0.8)};
  EXPECT_THAT(error_of([&] { render_summary(entries, {}); }), HasSubstr("two runs of epigenome E1 model deepchrome"));
}

TEST(SummaryBeta, MeansOverAllOnAndOffGenesAndNamedGenes) {
  MarkAttention attention;
  attention.beta.shape = {3, 2};
  attention.beta.data = {0.8f, 0.2f, 0.4f, 0.6f, 0.3f, 0.7f};
  attention.genes = {{"ENSG1.4", 1, 0.9f, 0.7f}, {"ENSG2", 0, -1, 0.2f}, {"ENSG3.1", 1, 2, 0.8f}};
  const auto summary = summarize_beta(attention, {"ENSG1", "ENSG2.7", "ENSG9"});
  EXPECT_EQ(summary.genes, 3u);
  EXPECT_EQ(summary.on, 2u);
  EXPECT_EQ(summary.off, 1u);
  EXPECT_NEAR(summary.mean[0], 0.5, 1e-6);
  EXPECT_NEAR(summary.mean_on[0], 0.55, 1e-6);
  EXPECT_NEAR(summary.mean_off[1], 0.6, 1e-6);
  ASSERT_EQ(summary.named.size(), 2u);
  EXPECT_EQ(summary.named[0].gene_id, "ENSG1.4");
  EXPECT_NEAR(summary.named[0].beta[1], 0.2, 1e-6);
  EXPECT_EQ(summary.named[1].gene_id, "ENSG2");
  EXPECT_TRUE(same_gene("ENSG1.4", "ENSG1"));
  EXPECT_FALSE(same_gene("ENSG1", "ENSG12"));
  EXPECT_FALSE(same_gene("ENSG1.x", "ENSG1"));
}

TEST(SummaryBeta, GeneNamesResolveThroughGenesTsv) {
  std::vector<achrome::Gene> genes(3);
  genes[0].id = "ENSG00000196092.9", genes[0].name = "PAX5";
  genes[1].id = "ENSG2", genes[1].name = "TWIN";
  genes[2].id = "ENSG3", genes[2].name = "TWIN";
  std::map<std::string, std::string> names;
  EXPECT_EQ(resolve_gene_names({"PAX5", "ENSG00000196092", "TWIN", "ENSG3.2"}, genes, "g.tsv", names),
            (std::vector<std::string>{"ENSG00000196092.9", "ENSG2", "ENSG3"}));
  EXPECT_EQ(names["ENSG00000196092.9"], "PAX5");
  EXPECT_EQ(names["ENSG3"], "TWIN");
  EXPECT_THAT(error_of([&] { resolve_gene_names({"PAX6"}, genes, "g.tsv", names); }),
              HasSubstr("--gene PAX6: neither a gene_id nor a name in g.tsv"));
}

TEST(SummaryPublished, TheShippedFiles) {
  const auto published = read_published(fs::path(ACHROME_DATA) / "published");
  ASSERT_EQ(published.deepchrome.size(), 56u);
  EXPECT_EQ(published.deepchrome.front().epigenome, "E003");
  EXPECT_EQ(published.deepchrome.front().name, "H1_Cell_Line");
  double sum = 0;
  for (const auto& row : published.deepchrome) sum += row.deepchrome_auroc;
  EXPECT_NEAR(sum / 56, 0.8009, 5e-5);  // the README's mean of the rounded values
  EXPECT_EQ(published.table2_epigenomes, 56);
  ASSERT_EQ(published.table2.size(), 3u);
  EXPECT_EQ(published.table2[0].model, "DeepChrome");
  EXPECT_EQ(published.table2[0].better_than_deepchrome, -1);
  EXPECT_EQ(published.table2[2].model, "AttentiveChrome");
  EXPECT_DOUBLE_EQ(published.table2[2].mean, 0.8115);
  EXPECT_EQ(published.table2[2].better_than_deepchrome, 49);
  // The build knows where they are, so achrome-report needs no flag.
  EXPECT_TRUE(fs::exists(default_published_dir() / kPublishedDeepChromeFile));
}

TEST_F(SummaryRuns, PublishedFilesMissingOrMalformedNameTheFile) {
  const auto good = fs::path(ACHROME_DATA) / "published";
  EXPECT_THAT(error_of([&] { read_published(dir_); }),
              HasSubstr((dir_ / "deepchrome_per_epigenome.tsv").string() + ": no such file"));
  fs::copy_file(good / kPublishedDeepChromeFile, dir_ / kPublishedDeepChromeFile);
  EXPECT_THAT(error_of([&] { read_published(dir_); }),
              HasSubstr((dir_ / "attentivechrome_table2.tsv").string() + ": no such file"));
  write(dir_ / kPublishedTable2File, "model\tmean\tmedian\tmax\tmin\tbetter\nX\t0.8\t0.8\t0.9\t0.7\t1\n");
  EXPECT_THAT(error_of([&] { read_published(dir_); }),
              HasSubstr("attentivechrome_table2.tsv:1: header must be 'model\tmean\tmedian\tmax\tmin\t"
                        "better_than_deepchrome_of_N'"));
  write(dir_ / kPublishedTable2File,
        "model\tmean\tmedian\tmax\tmin\tbetter_than_deepchrome_of_56\nX\t0.8\t0.8\t0.9\t0.7\t57\n");
  EXPECT_THAT(error_of([&] { read_published(dir_); }),
              HasSubstr("attentivechrome_table2.tsv:2: better_than_deepchrome_of_56 57 is not between 0 and 56"));
  write(dir_ / kPublishedTable2File,
        "model\tmean\tmedian\tmax\tmin\tbetter_than_deepchrome_of_3\nX\t0.8\t0.8\t1.9\t0.7\t1\n");
  EXPECT_THAT(error_of([&] { read_published(dir_); }), HasSubstr("attentivechrome_table2.tsv:2: max 1.9 is not an AUROC"));
  write(dir_ / kPublishedDeepChromeFile, "epigenome\tname\tdeepchrome_auroc\nE1\ta\t0.7\nE1\tb\t0.8\n");
  EXPECT_THAT(error_of([&] { read_published(dir_); }),
              HasSubstr("deepchrome_per_epigenome.tsv:3: epigenome E1 given twice"));
}

// 56 epigenomes x 8 models, as run folders on disk (beta.npy of 6,600 test genes for the two models
// with mark attention): the page stays small and the counts against DeepChrome are right.
TEST_F(SummaryRuns, FiftySixEpigenomesByEightModels) {
  const auto published = read_published(fs::path(ACHROME_DATA) / "published");
  const std::vector<std::string> models{"achrome-net", "attentivechrome", "lstm-alpha", "lstm-attn",
                                        "cnn-alpha-beta", "cnn-attn", "lstm", "deepchrome"};
  const std::size_t genes = 6600;
  std::string gene_rows = "gene_id\tlabel\tlogit\tprobability\n";
  for (std::size_t g = 0; g < genes; ++g) gene_rows += fmt::format("ENSG{:011d}.1\t{}\t0.5\t0.6\n", g, g % 3 == 0 ? 1 : 0);
  std::vector<fs::path> dirs;
  for (std::size_t i = 0; i < published.deepchrome.size(); ++i) {
    const auto& epigenome = published.deepchrome[i].epigenome;
    const double deepchrome = 0.70 + 0.004 * static_cast<double>(i);
    for (const auto& model : models) {
      // attentivechrome beats deepchrome on 49 epigenomes (the paper's count), lstm on 28, the others on none.
      double auroc = deepchrome - 0.01;
      if (model == "deepchrome") auroc = deepchrome;
      if (model == "attentivechrome" && i < 49) auroc = deepchrome + 0.01;
      if (model == "lstm" && i % 2 == 0) auroc = deepchrome + 0.005;
      const auto dir = dir_ / epigenome / model;
      write(dir / "metrics.json", metrics_json(epigenome, model, auroc));
      if (model == "attentivechrome" || model == "cnn-alpha-beta") {
        std::vector<float> beta(genes * 5, 0.1f);
        for (std::size_t g = 0; g < genes; ++g) beta[g * 5 + 3] = 0.6f;  // H3K4me3
        achrome::write_npy(dir / "beta.npy", beta.data(), {genes, 5});
        write(dir / "attention_genes.tsv", gene_rows);
      }
      dirs.push_back(dir);
    }
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<SummaryEntry> entries;
  for (const auto& dir : dirs) entries.push_back(read_summary_entry(dir, "{epigenome}/{model}.html", {"ENSG00000000003"}));
  SummaryOptions options;
  options.published = published;
  options.genes = {"ENSG00000000003"};
  const auto files = render_summary(entries, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("56 x 8 runs: read and rendered in %.2f s; page %zu bytes, tables %zu bytes\n", seconds,
              files.html.size(),
              files.runs_tsv.size() + files.auroc_tsv.size() + files.table2_tsv.size() + files.beta_tsv.size() +
                  files.genes_tsv.size());

  EXPECT_LT(files.html.size(), 5u << 20);
  EXPECT_THAT(files.html, HasSubstr("448 runs: 56 epigenomes x 8 models"));
  EXPECT_THAT(files.table2_tsv, HasSubstr("achrome\tattentivechrome\t56\t"));
  // Mean of 0.70 + 0.004 i (i < 56) is 0.81, plus (49 - 7) x 0.01 / 56.
  EXPECT_THAT(files.table2_tsv, HasSubstr("achrome\tattentivechrome\t56\t0.817500\t0.820000\t0.910000\t0.710000\t49\t56\n"));
  EXPECT_THAT(files.table2_tsv, HasSubstr("achrome\tlstm\t56\t"));
  EXPECT_THAT(files.table2_tsv, HasSubstr("paper\tattentivechrome\t56\t0.811500\t0.812300\t0.917700\t0.721500\t49\t56\n"));
  EXPECT_THAT(files.table2_tsv, HasSubstr("paper\tdeepchrome\t56\t0.800800\t0.800900\t0.922500\t0.685400\tnan\tnan\n"));
  // The published DeepChrome column over the same 56 epigenomes.
  EXPECT_THAT(files.table2_tsv, HasSubstr("published_per_epigenome\tdeepchrome\t56\t0.80"));
  // The better-than-DeepChrome row, in the paper's column order, then the other model.
  EXPECT_THAT(files.html, HasSubstr("<th class=\"text\">better than DeepChrome</th><th></th><th></th><th>&mdash;</th>"
                                    "<th>28 of 56</th><th>0 of 56</th><th>0 of 56</th><th>0 of 56</th><th>0 of 56</th>"
                                    "<th>49 of 56</th><th>0 of 56</th></tr>"));
  EXPECT_THAT(files.html, HasSubstr("<td>49 of 56</td><td><b>49 of 56</b></td>"));  // paper vs ours, AttentiveChrome
  EXPECT_THAT(files.auroc_tsv, HasSubstr("epigenome\tname\tpublished_deepchrome\tdeepchrome\tlstm\tcnn-attn\t"
                                         "cnn-alpha-beta\tlstm-attn\tlstm-alpha\tattentivechrome\tachrome-net\n"));
  EXPECT_THAT(files.auroc_tsv, HasSubstr("E003\tH1_Cell_Line\t0.770000\t0.700000\t0.705000\t0.690000\t"));
  EXPECT_EQ(std::count(files.auroc_tsv.begin(), files.auroc_tsv.end(), '\n'), 57);
  EXPECT_EQ(std::count(files.runs_tsv.begin(), files.runs_tsv.end(), '\n'), 449);
  // beta: 2 models x 56 epigenomes x 5 marks; the named gene in each of them.
  EXPECT_EQ(std::count(files.beta_tsv.begin(), files.beta_tsv.end(), '\n'), 1 + 2 * 56 * 5);
  EXPECT_THAT(files.beta_tsv, HasSubstr("attentivechrome\tE128\tH3K4me3\t6600\t0.600000\t0.600000\t0.600000\n"));
  EXPECT_EQ(std::count(files.genes_tsv.begin(), files.genes_tsv.end(), '\n'), 1 + 2 * 56 * 5);
  EXPECT_THAT(files.genes_tsv, HasSubstr("ENSG00000000003.1\tcnn-alpha-beta\tE123\t1\t0.600000\tH3K4me3\t0.600000\n"));
  EXPECT_THAT(files.html, HasSubstr("<a href=\"E003/attentivechrome.html\">"));
  EXPECT_THAT(files.html, Not(HasSubstr("<script")));
}

}  // namespace
