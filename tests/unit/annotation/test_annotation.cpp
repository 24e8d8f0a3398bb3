#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "annotation/annotation_formats.hpp"
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
  auto genes = read_gtf_genes(gtf, {});
  ASSERT_EQ(genes.size(), 2u);
  EXPECT_EQ(genes[0].id, "G1.3");
  EXPECT_EQ(genes[0].tss, 1000);
  EXPECT_EQ(genes[1].tss, 8999);
  EXPECT_EQ(genes[1].strand, Strand::Minus);
  AnnotationFilter filter;
  filter.gene_types = {"protein_coding"};
  filter.strip_versions = true;
  AnnotationReport report;
  genes = read_annotation(gtf, AnnotationFormat::Auto, {}, filter, report);
  EXPECT_EQ(report.format, AnnotationFormat::Gtf);
  ASSERT_EQ(genes.size(), 1u);
  EXPECT_EQ(genes[0].id, "G1");
  EXPECT_EQ(genes[0].name, "ONE");
  EXPECT_EQ(report.filtered_out, 1u);
}

TEST(Gtf, TssFromTranscriptsIsTheFivePrimeMost) {
  const auto gtf = write("tx.gtf",
                         "1\tx\ttranscript\t1001\t2000\t.\t+\t.\tgene_id \"A\"; transcript_id \"A1\";\n"
                         "1\tx\ttranscript\t901\t1500\t.\t+\t.\tgene_id \"A\"; transcript_id \"A2\";\n"
                         "1\tx\ttranscript\t5001\t7000\t.\t-\t.\tgene_id \"B\"; transcript_id \"B1\";\n"
                         "1\tx\ttranscript\t5001\t7500\t.\t-\t.\tgene_id \"B\"; transcript_id \"B2\";\n");
  GtfOptions options;
  options.feature = "transcript";
  const auto genes = read_gtf_genes(gtf, options);
  ASSERT_EQ(genes.size(), 2u);
  EXPECT_EQ(genes[0].tss, 900);
  EXPECT_EQ(genes[1].tss, 7499);
}

TEST(Annotation, Gff3GeneInfoBedAndTsvAgree) {
  // One gene on '-' (1-based 5001-9000, TSS 9000) in each format; all must give tss 8999.
  const auto gff3 = write("a.gff3", "##gff-version 3\nchr2\tx\tgene\t5001\t9000\t.\t-\t.\tID=gene:G2;Name=TWO;biotype=protein_coding\n");
  const auto info = write("a.gene_info", "G2\tchr2\t5001\t9000\t-1\tprotein_coding\tTWO\tsome description\n");
  const auto bed = write("a.bed", "chr2\t-1000\t19000\tG2_TWO\t0\t-\n");
  const auto bed_real = write("b.bed", "chr2\t0\t18000\tG2_TWO\n");  // midpoint 9000 -> tss 8999
  for (const auto& [path, format] : std::vector<std::pair<fs::path, AnnotationFormat>>{
           {gff3, AnnotationFormat::Gff3}, {info, AnnotationFormat::GeneInfo}, {bed_real, AnnotationFormat::Bed}}) {
    AnnotationReport report;
    const auto genes = read_annotation(path, AnnotationFormat::Auto, {}, {}, report);
    EXPECT_EQ(report.format, format) << path;
    ASSERT_EQ(genes.size(), 1u) << path;
    EXPECT_EQ(genes[0].id, "G2") << path;
    EXPECT_EQ(genes[0].name, "TWO") << path;
    EXPECT_EQ(genes[0].tss, 8999) << path;
  }
  AnnotationReport report;
  EXPECT_THROW(read_annotation(bed, AnnotationFormat::Auto, {}, {}, report), Error);  // negative start
}

TEST(Annotation, DuplicateIdsAreReportedTogether) {
  const auto gtf = write("dup.gtf",
                         "chrX\tx\tgene\t1\t10\t.\t+\t.\tgene_id \"G1.1\";\n"
                         "chrY\tx\tgene\t1\t10\t.\t+\t.\tgene_id \"G1.1\";\n");
  AnnotationReport report;
  try {
    read_annotation(gtf, AnnotationFormat::Auto, {}, {}, report);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1 gene ids occur more than once"), std::string::npos) << e.what();
  }
  AnnotationFilter filter;
  filter.chromosomes = {"chrX"};
  EXPECT_EQ(read_annotation(gtf, AnnotationFormat::Auto, {}, filter, report).size(), 1u);
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
  std::vector<Gene> genes{{"A", "a", "chr1", 10, Strand::Plus, ""}, {"B", "b", "2", 0, Strand::Minus, ""}};
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

TEST(Annotation, StrandsFromAnotherAnnotation) {
  // Windows carry no strand; the GTF does, and must agree on the TSS (GTF '-' TSS = end, 1-based).
  const auto bed = write("w.bed", "chr1\t0\t2000\tG1_ONE\nchr2\t4000\t6000\tG2_TWO\n");
  const auto gtf = write("s.gtf",
                         "chr1\tx\tgene\t1000\t1500\t.\t+\t.\tgene_id \"G1.3\"; gene_name \"ONE\";\n"
                         "chr2\tx\tgene\t100\t5000\t.\t-\t.\tgene_id \"G2.1\"; gene_name \"TWO\";\n");
  AnnotationReport report;
  auto genes = read_annotation(bed, AnnotationFormat::Bed, {}, {}, report);
  AnnotationFilter every;
  every.keep_every_record = true;
  const auto source = read_annotation(gtf, AnnotationFormat::Gtf, {}, every, report);
  take_strands_from(genes, "w.bed", source, "s.gtf");
  EXPECT_EQ(genes[0].strand, Strand::Plus);
  EXPECT_EQ(genes[1].strand, Strand::Minus);

  const auto moved = write("m.gtf", "chr1\tx\tgene\t1001\t1500\t.\t+\t.\tgene_id \"G1.3\";\n"
                                    "chr2\tx\tgene\t100\t5000\t.\t-\t.\tgene_id \"G2.1\";\n");
  const auto other = read_annotation(moved, AnnotationFormat::Gtf, {}, every, report);
  try {
    take_strands_from(genes, "w.bed", other, "m.gtf");
    FAIL() << "a TSS that differs must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w.bed: gene G1 has its TSS at chr1:999 but m.gtf puts it at chr1:1000"),
              std::string::npos) << e.what();
  }
  const auto missing = write("x.gtf", "chr1\tx\tgene\t1000\t1500\t.\t+\t.\tgene_id \"G1.3\";\n");
  const auto partial = read_annotation(missing, AnnotationFormat::Gtf, {}, every, report);
  EXPECT_THROW(take_strands_from(genes, "w.bed", partial, "x.gtf"), Error);
}

// Found by tests/fuzz (fuzz_annotation): a BED window or gene_info row without an id gave a gene with
// an empty gene_id (a genes.tsv that read_genes_tsv then refuses), and a window near INT64_MAX
// overflowed (start + end) / 2.
TEST(Annotation, EmptyIdsAndHugeWindows) {
  AnnotationReport report;
  const auto no_name = write("no-name.bed", "chr1\t1000\t2000\tG1_ONE\nchr1\t3000\t4000\t\n");
  EXPECT_THROW(read_annotation(no_name, AnnotationFormat::Bed, {}, {}, report), Error);
  const auto no_id = write("no-id.bed", "chr1\t1000\t2000\t_ONE\n");
  EXPECT_THROW(read_annotation(no_id, AnnotationFormat::Bed, {}, {}, report), Error);
  const auto info = write("no-id.gene_info", "\tX\t100\t200\t1\tprotein_coding\tA\n");
  EXPECT_THROW(read_annotation(info, AnnotationFormat::GeneInfo, {}, {}, report), Error);
  const auto huge = write("huge.bed", "chr1\t4611686018427387904\t9223372036854775806\tG1_ONE\n");
  const auto genes = read_annotation(huge, AnnotationFormat::Bed, {}, {}, report);
  ASSERT_EQ(genes.size(), 1u);
  EXPECT_EQ(genes[0].tss, 6917529027641081854);  // the midpoint, 1-based, made 0-based
}
