#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "annotation/genes.hpp"
#include "annotation/gtf.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {
fs::path write(const std::string& name, const std::string& text) {
  auto dir = fs::temp_directory_path() / ("achrome-annotation-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}
}  // namespace

TEST(Gtf, StrandAwareZeroBasedTss) {
  const auto gtf = write("a.gtf",
                         "#comment\n"
                         "chr1\tx\tgene\t1001\t2000\t.\t+\t.\tgene_id \"G1.3\"; gene_type \"protein_coding\"; gene_name \"ONE\";\n"
                         "chr1\tx\ttranscript\t1001\t2000\t.\t+\t.\tgene_id \"G1.3\";\n"
                         "chr2\tx\tgene\t5001\t9000\t.\t-\t.\tgene_id \"G2.1\"; gene_type \"lincRNA\"; gene_name \"TWO\";\n");
  GtfOptions options;
  auto genes = read_gtf_genes(gtf, options);
  ASSERT_EQ(genes.size(), 2u);
  EXPECT_EQ(genes[0].id, "G1.3");
  EXPECT_EQ(genes[0].tss, 1000);
  EXPECT_EQ(genes[1].tss, 8999);
  EXPECT_EQ(genes[1].strand, Strand::Minus);
  options.gene_types = {"protein_coding"};
  options.strip_versions = true;
  genes = read_gtf_genes(gtf, options);
  ASSERT_EQ(genes.size(), 1u);
  EXPECT_EQ(genes[0].id, "G1");
  EXPECT_EQ(genes[0].name, "ONE");
}

TEST(Gtf, MalformedLineNamesFileAndLine) {
  const auto gtf = write("bad.gtf", "chr1\tx\tgene\tten\t2000\t.\t+\t.\tgene_id \"G1\";\n");
  try {
    read_gtf_genes(gtf, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.gtf:1"), std::string::npos) << e.what();
  }
}

TEST(GenesTsv, RoundTripAndDuplicateIds) {
  std::vector<Gene> genes{{"A", "a", "chr1", 10, Strand::Plus}, {"B", "b", "2", 0, Strand::Minus}};
  const auto path = write("genes.tsv", "");
  write_genes_tsv(path, genes);
  const auto back = read_genes_tsv(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].chrom, "2");
  EXPECT_EQ(back[1].strand, Strand::Minus);
  genes.push_back(genes[0]);
  write_genes_tsv(path, genes);
  EXPECT_THROW(read_genes_tsv(path), Error);
}

TEST(GenesTsv, StripVersion) {
  EXPECT_EQ(strip_version("ENSG00000000003.10"), "ENSG00000000003");
  EXPECT_EQ(strip_version("ENSG00000000003"), "ENSG00000000003");
  EXPECT_EQ(strip_version("gene.x"), "gene.x");
}
