#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dataset/labelling.hpp"
#include "expression/roadmap_matrix.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace fs = std::filesystem;
using achrome::Split;

namespace {

const fs::path kRoadmapMatrix = fs::path(ACHROME_DATA) / "roadmap/57epigenomes.RPKM.pc.gz";

std::vector<achrome::Gene> genes_of(const std::vector<std::string>& ids) {
  std::vector<achrome::Gene> genes;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    achrome::Gene gene;
    gene.id = ids[i];
    gene.name = "G" + std::to_string(i);
    gene.chrom = "chr1";
    gene.tss = static_cast<std::int64_t>(1000 * i);
    genes.push_back(gene);
  }
  return genes;
}

TEST(Median, IsNumpyMedian) {
  EXPECT_DOUBLE_EQ(achrome::median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(achrome::median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(achrome::median({5}), 5.0);
  EXPECT_DOUBLE_EQ(achrome::median({0, 0, 0, 7}), 0.0);
  EXPECT_THROW(achrome::median({}), achrome::Error);
}

TEST(SplitSizes, PublishedProportions) {
  EXPECT_EQ(achrome::split_sizes(19802), (std::array<std::size_t, 3>{6601, 6601, 6600}));
  EXPECT_EQ(achrome::split_sizes(19795), (std::array<std::size_t, 3>{6599, 6599, 6597}));
  EXPECT_EQ(achrome::split_sizes(10), (std::array<std::size_t, 3>{3, 3, 4}));
  EXPECT_EQ(achrome::split_sizes(2), (std::array<std::size_t, 3>{1, 1, 0}));
  EXPECT_EQ(achrome::split_sizes(0), (std::array<std::size_t, 3>{0, 0, 0}));
}

TEST(LabelByMedian, DropsGenesWithoutValueAndLabelsAboveTheMedian) {
  achrome::ExpressionTable table("expr.tsv", "E003");
  const std::vector<double> values{5, 1, 9, 3, 7, 3, 0, 8, 2};
  for (std::size_t i = 0; i < values.size(); ++i) table.add("ENSG" + std::to_string(i), values[i], "expr.tsv");
  // Versioned ids in genes.tsv, one gene with no value: dropped and counted.
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < values.size(); ++i) ids.push_back("ENSG" + std::to_string(i) + ".4");
  ids.insert(ids.begin() + 2, "ENSGmissing.1");
  const auto labelling = achrome::label_by_median(genes_of(ids), table);
  const auto& summary = labelling.summary;
  EXPECT_EQ(summary.genes_dropped, 1u);
  EXPECT_EQ(summary.dropped_examples, std::vector<std::string>{"ENSGmissing.1"});
  ASSERT_EQ(labelling.rows.size(), 9u);
  EXPECT_DOUBLE_EQ(summary.threshold, 3.0);  // sorted 0 1 2 3 3 5 7 8 9
  EXPECT_EQ(labelling.rows[0].gene_id, "ENSG0.4");
  std::vector<int> labels;
  for (const auto& row : labelling.rows) labels.push_back(row.label);
  EXPECT_EQ(labels, (std::vector<int>{1, 0, 1, 0, 1, 0, 0, 1, 0}));  // equal to the median is OFF
  EXPECT_EQ(summary.positives, 4u);
  EXPECT_EQ(summary.negatives, 5u);
  // 9 genes: round(9 * 6601 / 19802) = 3 train, 3 valid, 3 test, in genes.tsv order.
  EXPECT_EQ(labelling.rows[2].split, Split::Train);
  EXPECT_EQ(labelling.rows[3].split, Split::Valid);
  EXPECT_EQ(labelling.rows[6].split, Split::Test);
  EXPECT_EQ(summary.splits[0].positives + summary.splits[0].negatives, 3u);
  EXPECT_EQ(summary.splits[0].positives, 2u);  // 5, 1, 9
}

TEST(LabelByMedian, RefusesNoOverlapAndSingleClass) {
  achrome::ExpressionTable table("expr.tsv", "E003");
  table.add("ENSG1", 2, "expr.tsv:2");
  table.add("ENSG2", 2, "expr.tsv:3");
  EXPECT_THROW(achrome::label_by_median(genes_of({"OTHER"}), table), achrome::Error);
  EXPECT_THROW(achrome::label_by_median(genes_of({"ENSG1", "ENSG2"}), table), achrome::Error);
}

TEST(LabellingSummary, JsonCarriesThresholdAndCounts) {
  achrome::LabellingSummary summary;
  summary.epigenome = "E005";
  summary.threshold = 2.5;
  summary.genes_labelled = 10;
  summary.genes_dropped = 2;
  summary.positives = 5;
  summary.negatives = 5;
  summary.splits[2] = {4, 1, 3};
  const auto path = fs::temp_directory_path() / ("achrome-labelling-" + std::to_string(::getpid()) + ".json");
  achrome::write_labelling_summary(path, summary);
  nlohmann::json json;
  std::ifstream(path) >> json;
  fs::remove(path);
  EXPECT_EQ(json["method"], "median");
  EXPECT_EQ(json["epigenome"], "E005");
  EXPECT_DOUBLE_EQ(json["threshold"].get<double>(), 2.5);
  EXPECT_EQ(json["genes_dropped"], 2);
  EXPECT_EQ(json["splits"]["test"]["negatives"], 3);
}

TEST(QuantileLinear, IsNumpyQuantileToTheLastBit) {
  // numpy 1.24: np.quantile(v, q) (method 'linear'), printed with repr().
  const std::vector<double> v{0.1, 0.7, 0.2, 0.3, 5.0, 1e-3, 2.2, 0.3, 9.9, 0.45};
  const std::vector<std::pair<double, double>> expected{
      {0, 0.001},   {0.1, 0.09010000000000001}, {0.25, 0.225},  {0.3, 0.26999999999999996}, {0.5, 0.375},
      {0.7, 1.1499999999999997}, {0.75, 1.8250000000000002}, {0.9, 5.489999999999998}, {0.99, 9.459000000000001},
      {1, 9.9}};
  for (const auto& [q, value] : expected) EXPECT_EQ(achrome::quantile_linear(v, q), value) << q;
  EXPECT_THROW(achrome::quantile_linear({}, 0.5), achrome::Error);
}

TEST(Threshold, ParsesTheThreeRules) {
  EXPECT_EQ(achrome::parse_threshold("median").kind, achrome::ThresholdRule::Kind::Median);
  const auto q = achrome::parse_threshold("quantile:0.75");
  EXPECT_EQ(q.kind, achrome::ThresholdRule::Kind::Quantile);
  EXPECT_DOUBLE_EQ(q.parameter, 0.75);
  EXPECT_EQ(q.text(), "quantile:0.75");
  EXPECT_EQ(achrome::parse_threshold("value:-1.5").text(), "value:-1.5");
  for (const char* bad : {"quantile:1.5", "quantile:", "value:abc", "value:inf", "mean", "median:2"})
    EXPECT_THROW(achrome::parse_threshold(bad), achrome::Error) << bad;
}

TEST(LabelGenes, QuantileAndValueThresholds) {
  achrome::ExpressionTable table("expr.tsv", "E003");
  const std::vector<double> values{5, 1, 9, 3, 7, 3, 0, 8, 2, 4};
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < values.size(); ++i) {
    ids.push_back("ENSG" + std::to_string(i));
    table.add(ids.back(), values[i], "expr.tsv");
  }
  achrome::LabellingOptions options;
  options.threshold = achrome::parse_threshold("quantile:0.8");
  auto labelling = achrome::label_genes(genes_of(ids), table, options);
  EXPECT_DOUBLE_EQ(labelling.summary.threshold, 7.2);  // sorted ... 7 8 9: index 7.2
  EXPECT_EQ(labelling.summary.method, "quantile");
  EXPECT_EQ(labelling.summary.positives, 2u);  // 9 and 8
  options.threshold = achrome::parse_threshold("value:4");
  labelling = achrome::label_genes(genes_of(ids), table, options);
  EXPECT_EQ(labelling.summary.positives, 4u);  // 5 9 7 8; 4 itself is not above
  options.threshold = achrome::parse_threshold("value:100");
  EXPECT_THROW(achrome::label_genes(genes_of(ids), table, options), achrome::Error);
}

TEST(SeededPermutation, IsAPermutationFixedAcrossPlatforms) {
  // The standard fixes mt19937_64's output: its 10000th value from the default seed.
  std::mt19937_64 generator;
  generator.discard(9999);
  EXPECT_EQ(generator(), 9981545732273789042ull);
  const auto order = achrome::seeded_permutation(1000, 42);
  auto sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_EQ(order, achrome::seeded_permutation(1000, 42));
  EXPECT_NE(order, achrome::seeded_permutation(1000, 43));
  // Golden values from an independent Python mt19937_64 + the same Fisher-Yates; a change here changes
  // every random split users have published.
  EXPECT_EQ(achrome::seeded_permutation(8, 7), (std::vector<std::size_t>{2, 3, 5, 6, 1, 0, 4, 7}));
  EXPECT_TRUE(achrome::seeded_permutation(0, 1).empty());
}

TEST(LabelGenes, ChromosomeSplitHoldsOutNamedChromosomesUnderAnyAlias) {
  achrome::ExpressionTable table("expr.tsv", "E003");
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back("ENSG" + std::to_string(i));
    table.add(ids.back(), i, "expr.tsv");
  }
  auto genes = genes_of(ids);
  const std::vector<std::string> chroms{"chr1", "chr2", "chr3", "chrX"};
  for (std::size_t i = 0; i < genes.size(); ++i) genes[i].chrom = chroms[i % 4];
  achrome::LabellingOptions options;
  options.split.kind = achrome::SplitRule::Kind::Chromosome;
  options.split.valid_chroms = {"2"};
  options.split.test_chroms = {"chr3", "X"};
  const auto labelling = achrome::label_genes(genes, table, options);
  for (std::size_t i = 0; i < genes.size(); ++i) {
    const Split want = i % 4 == 0 ? Split::Train : i % 4 == 1 ? Split::Valid : Split::Test;
    EXPECT_EQ(labelling.rows[i].split, want) << i;
  }
  EXPECT_EQ(labelling.summary.splits[2].genes, 6u);
  options.split.test_chroms = {"chr22"};
  EXPECT_THROW(achrome::label_genes(genes, table, options), achrome::Error);
  options.split.test_chroms = {"chr2"};  // also valid
  EXPECT_THROW(achrome::label_genes(genes, table, options), achrome::Error);
}

TEST(LabelGenes, RandomSplitKeepsFileOrderAndUsesTheFractions) {
  achrome::ExpressionTable table("expr.tsv", "E003");
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    ids.push_back("ENSG" + std::to_string(i));
    table.add(ids.back(), i, "expr.tsv");
  }
  achrome::LabellingOptions options;
  options.split.kind = achrome::SplitRule::Kind::Random;
  options.split.seed = 3;
  auto labelling = achrome::label_genes(genes_of(ids), table, options);
  EXPECT_EQ(labelling.summary.splits[0].genes, 33u);
  EXPECT_EQ(labelling.summary.splits[2].genes, 34u);
  EXPECT_EQ(labelling.rows[17].gene_id, "ENSG17");
  const auto order = achrome::seeded_permutation(100, 3);
  for (std::size_t k = 0; k < 100; ++k)
    EXPECT_EQ(labelling.rows[order[k]].split, k < 33 ? Split::Train : k < 66 ? Split::Valid : Split::Test);
  options.split.fractions = std::array<double, 2>{0.8, 0.15};
  labelling = achrome::label_genes(genes_of(ids), table, options);
  EXPECT_EQ(labelling.summary.splits[0].genes, 80u);
  EXPECT_EQ(labelling.summary.splits[1].genes, 15u);
  options.split.fractions = std::array<double, 2>{0.8, 0.3};
  EXPECT_THROW(achrome::label_genes(genes_of(ids), table, options), achrome::Error);
}

// On the published matrix itself: labels equal an independent value > median computation.
class RealMatrix : public ::testing::TestWithParam<std::string> {};

TEST_P(RealMatrix, LabelsAreValueAboveTheEpigenomeMedian) {
  const std::string epigenome = GetParam();
  // Independent reading: find the column by name, keep ids and values in file order.
  achrome::LineReader reader(kRoadmapMatrix.string());
  std::string_view line;
  ASSERT_TRUE(reader.next(line));
  const auto header = achrome::split(line, '\t');
  const auto column = static_cast<std::size_t>(std::find(header.begin(), header.end(), epigenome) - header.begin());
  ASSERT_LT(column, header.size());
  std::vector<std::string> ids;
  std::vector<double> values;
  while (reader.next(line)) {
    const auto fields = achrome::split(line, '\t');
    ids.emplace_back(std::string(fields[0]) + ".1");  // versioned like GENCODE genes.tsv ids
    values.push_back(std::stod(std::string(fields[column])));
  }
  ASSERT_EQ(ids.size(), 19795u);
  auto sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t half = sorted.size() / 2;
  const double median = sorted.size() % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;

  const auto table = achrome::read_roadmap_matrix(kRoadmapMatrix, epigenome);
  const auto labelling = achrome::label_by_median(genes_of(ids), table);
  ASSERT_EQ(labelling.rows.size(), ids.size());
  EXPECT_EQ(labelling.summary.genes_dropped, 0u);
  EXPECT_DOUBLE_EQ(labelling.summary.threshold, median);
  std::size_t positives = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& row = labelling.rows[i];
    ASSERT_EQ(row.gene_id, ids[i]);
    ASSERT_EQ(row.value, values[i]) << ids[i];
    ASSERT_EQ(row.label, values[i] > median ? 1 : 0) << ids[i];
    positives += static_cast<std::size_t>(row.label);
  }
  EXPECT_EQ(labelling.summary.positives, positives);
  const double balance = static_cast<double>(positives) / static_cast<double>(ids.size());
  EXPECT_NEAR(balance, 0.5, 0.01) << epigenome;
  EXPECT_EQ(labelling.summary.splits[0].genes, 6599u);
  EXPECT_EQ(labelling.rows[6598].split, Split::Train);
  EXPECT_EQ(labelling.rows[6599].split, Split::Valid);
  EXPECT_EQ(labelling.rows[13198].split, Split::Test);
}

INSTANTIATE_TEST_SUITE_P(Roadmap, RealMatrix, ::testing::Values("E003", "E005", "E128"));

}  // namespace

TEST(LabelGenes, SplitFromAFile) {
  achrome::ExpressionTable table("expr.tsv", "E003");
  const std::vector<std::string> ids{"ENSG0", "ENSG1", "ENSG2", "ENSG3"};
  for (std::size_t i = 0; i < ids.size(); ++i) table.add(ids[i], static_cast<double>(i), "expr.tsv");
  const auto dir = fs::path(testing::TempDir()) / "split_file";
  fs::create_directories(dir);
  // Any column order; extra columns and extra ids are ignored (a labels.tsv is such a table).
  std::ofstream(dir / "splits.tsv") << "split\tgene_id\tnote\n"
                                    << "test\tENSG0\tx\nvalid\tENSG1\tx\ntrain\tENSG2\tx\ntrain\tENSG3\tx\ntest\tENSG9\tx\n";
  achrome::LabellingOptions options;
  options.split.kind = achrome::parse_split_kind("file");
  options.split.file = dir / "splits.tsv";
  const auto labelling = achrome::label_genes(genes_of(ids), table, options);
  ASSERT_EQ(labelling.rows.size(), 4u);
  EXPECT_EQ(labelling.rows[0].split, Split::Test);
  EXPECT_EQ(labelling.rows[1].split, Split::Valid);
  EXPECT_EQ(labelling.rows[3].split, Split::Train);

  std::ofstream(dir / "short.tsv") << "gene_id\tsplit\nENSG0\ttrain\nENSG1\tvalid\nENSG2\ttest\n";
  options.split.file = dir / "short.tsv";
  EXPECT_THAT([&] { achrome::label_genes(genes_of(ids), table, options); },
              testing::ThrowsMessage<achrome::Error>(testing::HasSubstr("short.tsv: no split for gene ENSG3")));
  std::ofstream(dir / "bad.tsv") << "gene_id\tsplit\nENSG0\ttrain\nENSG1\ttesting\n";
  options.split.file = dir / "bad.tsv";
  EXPECT_THAT([&] { achrome::label_genes(genes_of(ids), table, options); },
              testing::ThrowsMessage<achrome::Error>(testing::HasSubstr("bad.tsv:3: split must be train, valid or test")));
  std::ofstream(dir / "nosplit.tsv") << "gene_id\tfold\nENSG0\t1\n";
  options.split.file = dir / "nosplit.tsv";
  EXPECT_THAT([&] { achrome::label_genes(genes_of(ids), table, options); },
              testing::ThrowsMessage<achrome::Error>(testing::HasSubstr("nosplit.tsv:1: no 'split' column")));
}
