// Readers of quantifier outputs, on files written in each tool's documented layout.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expression/expression.hpp"
#include "expression/quantification.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using achrome::Error;
using achrome::ExpressionFormat;
using achrome::ExpressionOptions;
using ::testing::HasSubstr;

namespace {

class QuantificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("achrome-quant-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }
  static ExpressionOptions options(const std::string& sample = "E003") {
    ExpressionOptions o;
    o.sample = sample;
    return o;
  }
  static std::string error_of(const std::string& path, const ExpressionOptions& o) {
    try {
      achrome::read_expression(path, o);
    } catch (const Error& error) {
      return error.what();
    }
    return "no error";
  }
  fs::path dir_;
};

const char* kRsem =
    "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n"
    "ENSG00000000003.14\tENST00000373020.8,ENST00000494424.1\t2206.00\t2045.88\t1234.00\t30.12\t25.80\n"
    "ENSG00000000005.6\tENST00000373031.5\t940.00\t779.88\t0.00\t0.00\t0.00\n";
const char* kSalmonHeader = "Name\tLength\tEffectiveLength\tTPM\tNumReads\n";
const char* kKallistoHeader = "target_id\tlength\teff_length\test_counts\ttpm\n";
const char* kFeatureCounts =
    "# Program:featureCounts v2.0.3; Command:\"featureCounts\" \"-a\" \"genes.gtf\" \"-o\" \"counts.txt\" "
    "\"bams/E003.bam\" \"bams/E005.bam\" \n"
    "Geneid\tChr\tStart\tEnd\tStrand\tLength\tbams/E003.bam\tbams/E005.bam\n"
    "ENSG1.1\tchr1;chr1\t100;900\t500;1000\t+;+\t500\t10\t40\n"
    "ENSG2.1\tchr2\t100\t1099\t-\t1000\t30\t0\n"
    "ENSG3.1\tchr2\t5000\t6999\t-\t2000\t60\t60\n";
const char* kStar =
    "N_unmapped\t2674603\t2674603\t2674603\n"
    "N_multimapping\t2959550\t2959550\t2959550\n"
    "N_noFeature\t3618\t15465476\t15471256\n"
    "N_ambiguous\t8063\t3390\t3385\n"
    "ENSG1.3\t100\t2\t98\n"
    "ENSG2.3\t300\t5\t295\n";

TEST_F(QuantificationTest, DetectsEachFormatFromContent) {
  using F = ExpressionFormat;
  EXPECT_EQ(achrome::detect_expression_format(write("a", kRsem)), F::Rsem);
  EXPECT_EQ(achrome::detect_expression_format(write("b", std::string(kSalmonHeader) + "ENSG1\t10\t5\t1\t2\n")),
            F::Salmon);
  EXPECT_EQ(achrome::detect_expression_format(write("c", std::string(kKallistoHeader) + "ENSG1\t10\t5\t1\t2\n")),
            F::Kallisto);
  EXPECT_EQ(achrome::detect_expression_format(write("d", kFeatureCounts)), F::FeatureCounts);
  EXPECT_EQ(achrome::detect_expression_format(write("e", kStar)), F::Star);
  EXPECT_EQ(achrome::detect_expression_format(write("f", "gene_id\tE003\nENSG1\t1\n")), F::Matrix);
  EXPECT_EQ(achrome::detect_expression_format(write("g", "\"\",\"E003\"\n\"ENSG1\",1\n")), F::Matrix);
  EXPECT_THAT(error_of(write("h", "just-one-column\n"), options()), HasSubstr("h:1: cannot tell the format"));
  EXPECT_THAT(error_of(write("i", "# comment\nfoo\tbar\n"), options()), HasSubstr("give --format"));
  EXPECT_EQ(achrome::parse_expression_format("roadmap"), F::Matrix);
  EXPECT_THAT([] {
    try {
      achrome::parse_expression_format("htseq");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }(), HasSubstr("known: auto, matrix"));
}

TEST_F(QuantificationTest, RsemFpkmByDefaultTpmOnRequestAnyColumnByName) {
  const auto path = write("s.genes.results", kRsem);
  auto table = achrome::read_expression(path, options());
  EXPECT_EQ(table.format, "rsem");
  EXPECT_DOUBLE_EQ(*table.find("ENSG00000000003"), 25.80);
  auto o = options();
  o.value = "tpm";
  EXPECT_DOUBLE_EQ(*achrome::read_expression(path, o).find("ENSG00000000003.1"), 30.12);
  o.value_column = "expected_count";
  EXPECT_DOUBLE_EQ(*achrome::read_expression(path, o).find("ENSG00000000003"), 1234.0);
  o.value_column = "pme_FPKM";
  EXPECT_THAT(error_of(path, o), HasSubstr("s.genes.results:1: no column 'pme_FPKM'"));
  EXPECT_THAT(error_of(path, o), HasSubstr("columns: gene_id transcript_id(s) length"));
}

TEST_F(QuantificationTest, SalmonSumsTranscriptsPerGeneThroughTx2gene) {
  const auto quant = write("quant.sf", std::string(kSalmonHeader) +
                                           "ENST01.2\t1000\t800.0\t1.5\t10.0\n"
                                           "ENST02.1\t1000\t800.0\t2.25\t20.0\n"
                                           "ENST03.1\t1000\t800.0\t4.0\t30.0\n"
                                           "ENST09.1\t1000\t800.0\t8.0\t1.0\n");
  const auto map = write("tx2gene.csv", "TXNAME,GENEID\nENST01,ENSGA.4\nENST02.7,ENSGA.4\nENST03,ENSGB\n");
  auto o = options();
  o.tx2gene = map;
  const auto table = achrome::read_expression(quant, o);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_DOUBLE_EQ(*table.find("ENSGA"), 3.75);
  EXPECT_DOUBLE_EQ(*table.find("ENSGB"), 4.0);
  ASSERT_EQ(table.notes.size(), 1u);
  EXPECT_THAT(table.notes[0], HasSubstr("1 of 4 transcripts"));
  EXPECT_THAT(table.notes[0], HasSubstr("ENST09.1"));
  o.value_column = "NumReads";
  EXPECT_DOUBLE_EQ(*achrome::read_expression(quant, o).find("ENSGA"), 30.0);
  // Transcript ids without a map are refused rather than matched to nothing.
  EXPECT_THAT(error_of(write("tx.sf", std::string(kSalmonHeader) + "ENST00000456328.2\t1\t1\t1\t1\n"), options()),
              HasSubstr("tx.sf:2: 'ENST00000456328.2' is a transcript id; give --tx2gene"));
  o = options();
  o.value = "rpkm";
  EXPECT_THAT(error_of(quant, o), HasSubstr("salmon reports TPM"));
}

TEST_F(QuantificationTest, SalmonGeneLevelAndRepeatedTranscripts) {
  const auto genes = write("quant.genes.sf", std::string(kSalmonHeader) + "ENSG1.1\t10\t5\t7.5\t3\nENSG2\t10\t5\t0\t0\n");
  const auto table = achrome::read_expression(genes, options());
  EXPECT_DOUBLE_EQ(*table.find("ENSG1"), 7.5);
  EXPECT_EQ(table.value, "TPM");
  const auto dup = write("dup.sf", std::string(kSalmonHeader) + "ENST1\t1\t1\t1\t1\nENST1\t1\t1\t1\t1\n");
  auto o = options();
  o.tx2gene = write("map.tsv", "ENST1\tENSG1\n");
  EXPECT_THAT(error_of(dup, o), HasSubstr("dup.sf:3: transcript 'ENST1' repeats (first at"));
}

TEST_F(QuantificationTest, KallistoGencodeNamesCarryTheirGene) {
  const auto path = write(
      "abundance.tsv",
      std::string(kKallistoHeader) +
          "ENST00000456328.2|ENSG00000223972.5|OTTHUMG00000000961.2|OTTHUMT00000362751.1|DDX11L1-202|DDX11L1|1657|"
          "processed_transcript|\t1657\t1491.11\t0\t1.25\n"
          "ENST00000450305.2|ENSG00000223972.5|OTTHUMG00000000961.2|OTTHUMT00000002844.2|DDX11L1-201|DDX11L1|632|"
          "transcribed_unprocessed_pseudogene|\t632\t466.11\t3\t2.5\n");
  const auto table = achrome::read_expression(path, options());
  EXPECT_EQ(table.format, "kallisto");
  EXPECT_EQ(table.size(), 1u);
  EXPECT_DOUBLE_EQ(*table.find("ENSG00000223972"), 3.75);
  auto bad = write("bad.tsv", std::string(kKallistoHeader) + "ENSG1\t1\t1\t1\tNaN\n");
  EXPECT_THAT(error_of(bad, options()), HasSubstr("bad.tsv:2: column tpm: 'NaN' is not a finite number"));
}

TEST_F(QuantificationTest, FeatureCountsNormalisedToRpkmAndTpm) {
  const auto path = write("counts.txt", kFeatureCounts);
  auto o = options("E005");
  const auto rpkm = achrome::read_expression(path, o);
  EXPECT_EQ(rpkm.format, "featurecounts");
  // Column E005.bam (the --epigenome matches the BAM's file name stem): counts 40, 0, 60 of 100.
  EXPECT_DOUBLE_EQ(*rpkm.find("ENSG1"), 40 * 1e9 / (500 * 100.0));
  EXPECT_DOUBLE_EQ(*rpkm.find("ENSG2"), 0.0);
  EXPECT_DOUBLE_EQ(*rpkm.find("ENSG3"), 60 * 1e9 / (2000 * 100.0));
  o.value = "tpm";
  const auto tpm = achrome::read_expression(path, o);
  const double rates = 40.0 / 500 + 0.0 / 1000 + 60.0 / 2000;
  EXPECT_DOUBLE_EQ(*tpm.find("ENSG1"), 40.0 / 500 / rates * 1e6);
  EXPECT_DOUBLE_EQ(*tpm.find("ENSG3"), 60.0 / 2000 / rates * 1e6);
  o = options("E009");
  EXPECT_THAT(error_of(path, o), HasSubstr("counts.txt:2: no sample column 'E009'"));
  EXPECT_THAT(error_of(path, o), HasSubstr("available: bams/E003.bam bams/E005.bam"));
  o.value_column = "bams/E003.bam";
  EXPECT_DOUBLE_EQ(*achrome::read_expression(path, o).find("ENSG2"), 30 * 1e9 / (1000 * 100.0));
  const auto bad = write("bad.txt", "Geneid\tChr\tStart\tEnd\tStrand\tLength\tx.bam\nENSG1\tchr1\t1\t5\t+\t5\tmany\n");
  EXPECT_THAT(error_of(bad, options()), HasSubstr("bad.txt:2: column x.bam: 'many' is not a number"));
}

TEST_F(QuantificationTest, StarCountsNeedGeneLengths) {
  const auto path = write("ReadsPerGene.out.tab", kStar);
  auto o = options();
  EXPECT_THAT(error_of(path, o), HasSubstr("--gene-lengths"));
  o.gene_lengths = write("lengths.tsv", "gene\tlength\nENSG1\t1000\nENSG2.9\t3000\n");
  const auto table = achrome::read_expression(path, o);
  EXPECT_EQ(table.format, "star");
  EXPECT_DOUBLE_EQ(*table.find("ENSG1"), 100 * 1e9 / (1000 * 400.0));  // the N_ lines are not genes
  o.star_column = "reverse";
  EXPECT_DOUBLE_EQ(*achrome::read_expression(path, o).find("ENSG2"), 295 * 1e9 / (3000 * 393.0));
  o.gene_lengths = write("short.tsv", "ENSG1\t1000\n");
  EXPECT_THAT(error_of(path, o), HasSubstr("ReadsPerGene.out.tab:6: gene 'ENSG2.3' has no length"));
  o.gene_lengths = write("zero.tsv", "ENSG1\t1000\nENSG2\t-4\n");
  EXPECT_THAT(error_of(path, o), HasSubstr("zero.tsv:2: gene length '-4' must be a positive"));
  o.gene_lengths = write("ok.tsv", "ENSG1\t1000\n");
  EXPECT_THAT(error_of(write("short_row.tab", "N_unmapped\t1\t1\t1\nENSG1\t4\n"), o), HasSubstr(":2: expected 4"));
}

TEST_F(QuantificationTest, OptionsThatDoNotApplyAreErrors) {
  auto o = options();
  o.tx2gene = write("map.tsv", "ENST1\tENSG1\n");
  EXPECT_THAT(error_of(write("r", kRsem), o), HasSubstr("--tx2gene applies to salmon and kallisto"));
  o = options();
  o.value = "tpm";
  EXPECT_THAT(error_of(write("m", "gene_id\tE003\nENSG1\t1\n"), o), HasSubstr("does not apply to a matrix"));
  o = options();
  o.gene_lengths = write("l.tsv", "ENSG1\t5\n");
  EXPECT_THAT(error_of(write("r2", kRsem), o), HasSubstr("--gene-lengths applies to featureCounts and STAR"));
}

TEST_F(QuantificationTest, MatrixAsCsvAndAsRWriteTable) {
  const auto csv = write("m.csv", "\"\",\"E003\",\"E005\"\n\"ENSG1.2\",1.5,2\n\"ENSG2\",0,7.25\n");
  EXPECT_DOUBLE_EQ(*achrome::read_expression(csv, options("E005")).find("ENSG2"), 7.25);
  const auto r = write("m.tsv", "E003\tE005\nENSG1\t1.5\t2\nENSG2\t0\t7.25\n");
  EXPECT_DOUBLE_EQ(*achrome::read_expression(r, options("E003")).find("ENSG1"), 1.5);
  auto o = options("E003");
  o.value_column = "E005";
  const auto renamed = achrome::read_expression(r, o);
  EXPECT_EQ(renamed.sample(), "E003");
  EXPECT_DOUBLE_EQ(*renamed.find("ENSG1"), 2.0);
  EXPECT_THAT(error_of(write("q.csv", "id,E003\n\"ENSG1,x\",1\n"), options()), HasSubstr("q.csv:2: quoted field"));
}

}  // namespace
