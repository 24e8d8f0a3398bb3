// Run pages drawn 5' to 3': strand handling, the tables beside the page, heat map blocks, box plot
// quantiles, PNG embedding, and the page size at the scale of a real epigenome.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/run_folder.hpp"
#include "report/run_page.hpp"
#include "report/svg.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"

namespace fs = std::filesystem;
using namespace achrome;  // the run folder's records (run/run_folder.hpp)
using namespace achrome::report;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::string& table(const RunPage& page, const std::string& suffix) {
  for (const auto& [name, content] : page.tables)
    if (name == suffix) return content;
  throw std::runtime_error("no table " + suffix);
}

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

// Two marks A and B, 4 bins over -2 kb .. +2 kb; two ON genes (+ and -) and two OFF genes.
// Mark A of each ON gene attends to its 5' bin: column 0 on '+', column 3 on '-' in genomic order.
RunFolder two_strand_run(bool with_strands) {
  RunFolder run;
  run.dir = "run";
  run.metrics.model = "attentivechrome";
  run.metrics.epigenome = "E1";
  run.metrics.marks = {"A", "B"};
  run.metrics.bins = 4;
  const char strand = with_strands ? '+' : 0, minus = with_strands ? '-' : 0;
  run.genes = {{"G1", 1, 2.0f, 0.88f, strand}, {"G2", 1, 1.5f, 0.82f, minus}, {"G3", 0, -2.0f, 0.12f, strand},
               {"G4", 0, -1.0f, 0.27f, minus}};
  Attention attention;
  attention.alpha.shape = {4, 2, 4};
  attention.alpha.data.assign(32, 0.25f);
  const float five_prime_plus[4] = {0.625f, 0.125f, 0.125f, 0.125f};
  const float five_prime_minus[4] = {0.125f, 0.125f, 0.125f, 0.625f};
  std::copy(five_prime_plus, five_prime_plus + 4, attention.alpha.data.begin() + 0 * 8);
  std::copy(five_prime_minus, five_prime_minus + 4, attention.alpha.data.begin() + 1 * 8);
  attention.beta = achrome::NpyArray{{4, 2}, {0.75f, 0.25f, 0.5f, 0.5f, 0.25f, 0.75f, 0.5f, 0.5f}};
  run.attention = attention;
  run.saliency = achrome::NpyArray{{4, 2, 4}, std::vector<float>(32, -0.5f)};
  achrome::BinGeometry geometry;
  geometry.upstream = 2000;
  geometry.downstream = 2000;
  geometry.bin_size = 1000;
  geometry.bins = 4;
  geometry.anchor_offset = 1;
  run.geometry = geometry;
  return run;
}

TEST(RunPageProfiles, MinusStrandGenesAreDrawnFivePrimeToThreePrime) {
  const auto page = render_run_page(two_strand_run(true), {});
  const auto& profiles = table(page, "profiles.tsv");
  EXPECT_THAT(profiles, HasSubstr("mark\tgroup\tkind\tkb\tvalue\n"));
  // Both ON genes peak at their 5' end, so the mean does too and the 3' end stays low.
  EXPECT_THAT(profiles, HasSubstr("A\tON\talpha\t-1.5\t0.625\n"));
  EXPECT_THAT(profiles, HasSubstr("A\tON\talpha\t1.5\t0.125\n"));
  EXPECT_THAT(profiles, HasSubstr("A\tOFF\talpha\t-1.5\t0.25\n"));
  EXPECT_THAT(profiles, HasSubstr("B\tON\tsaliency\t0.5\t0.5\n"));  // mean |saliency|
  EXPECT_THAT(page.html, HasSubstr("kb from TSS, 5&#39; to 3&#39;"));
  EXPECT_THAT(page.html, HasSubstr("the 2 minus-strand genes of the 4 are drawn reversed"));
}

TEST(RunPageProfiles, TranscriptOrderIsDrawnAsStored) {
  auto run = two_strand_run(true);
  run.geometry->orientation = achrome::Orientation::Transcript;
  const auto page = render_run_page(run, {});
  const auto& profiles = table(page, "profiles.tsv");
  EXPECT_THAT(profiles, HasSubstr("A\tON\talpha\t-1.5\t0.375\n"));
  EXPECT_THAT(profiles, HasSubstr("A\tON\talpha\t1.5\t0.375\n"));
}

TEST(RunPageProfiles, WithoutStrandsThePageSaysSo) {
  const auto page = render_run_page(two_strand_run(false), {});
  EXPECT_THAT(table(page, "profiles.tsv"), HasSubstr("A\tON\talpha\t-1.5\t0.375\n"));
  EXPECT_THAT(page.html, HasSubstr("records no strands"));
}

TEST(RunPageProfiles, WindowWithoutGeometryComesFromTheOptions) {
  auto run = two_strand_run(true);
  run.geometry.reset();
  RunPageOptions options;
  options.upstream_bp = 1000;
  options.downstream_bp = 3000;
  const auto page = render_run_page(run, options);
  EXPECT_THAT(table(page, "profiles.tsv"), HasSubstr("A\tON\talpha\t-0.5\t0.625\n"));
  EXPECT_THAT(page.html, HasSubstr("No geometry.json"));
}

TEST(RunPageProfiles, BetaQuartilesAndNamedGenes) {
  RunPageOptions options;
  options.genes = {"G2"};
  options.signal = achrome::NpyArray{{4, 2, 4}, std::vector<float>(32, 0)};
  options.signal->data[1 * 8 + 3] = 7;  // G2, mark A, stored column 3 = its 5' bin
  const auto page = render_run_page(two_strand_run(true), options);
  // ON genes' beta of A: 0.75 and 0.5 -> quartiles by linear interpolation, as numpy.
  const auto& beta = table(page, "beta.tsv");
  EXPECT_THAT(beta, HasSubstr("mark\tgroup\tgenes\tmean\tp5\tq1\tmedian\tq3\tp95\n"));
  EXPECT_THAT(beta, HasSubstr("A\tON\t2\t0.625\t"));
  EXPECT_THAT(beta, HasSubstr("\t0.5625\t0.625\t0.6875\t"));
  const auto& named = table(page, "named_genes.tsv");
  EXPECT_THAT(named, HasSubstr("G2\tA\tsignal\t-1.5\t7\n"));
  EXPECT_THAT(named, HasSubstr("G2\tA\talpha\t-1.5\t0.625\n"));
  EXPECT_THAT(named, HasSubstr("G2\tB\tbeta\t.\t0.5\n"));
  EXPECT_THAT(table(page, "profiles.tsv"), HasSubstr("A\tON\tsignal\t-1.5\t3.5\n"));
  options.genes = {"G9"};
  EXPECT_THROW(render_run_page(two_strand_run(true), options), achrome::Error);
}

TEST(RunPageProfiles, ModelsWithoutAttentionGetSaliency) {
  auto run = two_strand_run(true);
  run.attention.reset();
  const auto page = render_run_page(run, {});
  EXPECT_THAT(page.html, HasSubstr("saliency, A"));
  EXPECT_THAT(page.html, HasSubstr("no mark attention"));
  EXPECT_THAT(page.html, Not(HasSubstr("α, A")));
  EXPECT_EQ(lines(table(page, "heatmap.tsv")), 1u);  // header only
}

TEST(RunPageProfiles, HeatMapsAverageBlocksOfGenesByConfidence) {
  // 250 genes predicted ON: 100 blocks of 2 or 3 genes, the most confident first.
  RunFolder run;
  run.dir = "run";
  run.metrics.marks = {"A"};
  run.metrics.bins = 2;
  Attention attention;
  attention.alpha.shape = {250, 1, 2};
  for (int g = 0; g < 250; ++g) {
    run.genes.push_back({"G" + std::to_string(g), 1, static_cast<float>(g), 0.9f, '+'});
    attention.alpha.data.push_back(static_cast<float>(g));  // bin 1 holds the gene's rank from the bottom
    attention.alpha.data.push_back(0);
  }
  run.attention = attention;
  const auto page = render_run_page(run, {});
  const auto& heat = table(page, "heatmap.tsv");
  EXPECT_EQ(lines(heat), 1u + 100u * 2u);
  // Block 1 = genes 249, 248 (logits highest): mean 248.5.
  EXPECT_THAT(heat, HasSubstr("A\tON\t1\t2\t-2.5\t248.5\n"));
  EXPECT_THAT(heat, HasSubstr("A\tON\t100\t3\t-2.5\t1\n"));
}

TEST(RunPageProfiles, PngIsEmbeddedAndQuantilesMatchNumpy) {
  const auto uri = png_data_uri(2, 1, {255, 0, 0, 0, 0, 255});
  EXPECT_EQ(uri.rfind("data:image/png;base64,iVBORw0KGgo", 0), 0u);
  EXPECT_THROW(png_data_uri(2, 2, {0, 0, 0}), achrome::Error);
  const std::vector<double> sorted{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile_sorted(sorted, 0.25), 1.75);  // numpy.quantile([1,2,3,4], .25)
  EXPECT_DOUBLE_EQ(quantile_sorted(sorted, 0.95), 3.85);
  EXPECT_TRUE(std::isnan(quantile_sorted({}, 0.5)));
}

TEST(RunPageProfiles, PageStaysSmallAtTwentyThousandGenes) {
  // An epigenome's worth of test genes, every array present, and a named gene: the page holds
  // aggregates only, so it stays well under 5 MB.
  const std::size_t genes = 20000, marks = 5, bins = 100;
  RunFolder run;
  run.dir = "run";
  run.metrics.model = "attentivechrome";
  run.metrics.epigenome = "E1";
  run.metrics.marks = {"H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"};
  run.metrics.bins = static_cast<long long>(bins);
  std::mt19937 random(5);
  std::uniform_real_distribution<float> uniform(0, 1);
  run.predictions.emplace();
  for (std::size_t g = 0; g < genes; ++g) {
    const float logit = uniform(random) * 8 - 4;
    const int label = uniform(random) < 0.5f ? 1 : 0;
    const float probability = 1 / (1 + std::exp(-logit));
    run.genes.push_back({"ENSG" + std::to_string(g), label, logit, probability, g % 2 ? '-' : '+'});
    run.predictions->push_back({"ENSG" + std::to_string(g), achrome::Split::Test, label, logit, probability});
  }
  const auto array = [&](std::vector<std::size_t> shape) {
    achrome::NpyArray a;
    a.shape = std::move(shape);
    std::size_t size = 1;
    for (auto d : a.shape) size *= d;
    a.data.resize(size);
    for (auto& v : a.data) v = uniform(random);
    return a;
  };
  run.attention = Attention{array({genes, marks, bins}), array({genes, marks})};
  run.saliency = array({genes, marks, bins});
  RunPageOptions options;
  options.signal = array({genes, marks, bins});
  options.genes = {"ENSG7"};
  const auto page = render_run_page(run, options);
  std::cout << "page of 20,000 test genes: " << page.html.size() << " bytes\n";
  EXPECT_LT(page.html.size(), 5u << 20) << page.html.size() << " bytes";
  EXPECT_GT(page.html.size(), 100u << 10);  // the charts are there
  EXPECT_EQ(lines(table(page, "heatmap.tsv")), 1u + marks * 2 * 100 * bins);
}

}  // namespace
