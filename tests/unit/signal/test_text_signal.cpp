// Unit tests for tagAlign/BED reads, bedGraph tracks, read shaping (--five-prime / --extend) and
// content sniffing, on tiny files written here. Expected values are worked by hand: gene G1 at tss
// 999 '+' with +/-500 bp windows covers [500, 1500) in ten 100 bp bins.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "signal/bin_signal.hpp"
#include "signal/text_signal.hpp"
#include "util/error.hpp"

using namespace achrome;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  Scratch() {
    path = fs::temp_directory_path() / ("achrome-text-signal-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(path);
  }
  ~Scratch() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
  fs::path path;
  static inline int n = 0;
};

std::vector<Gene> two_genes() {
  Gene a{"G1", "G1", "chr1", 999, Strand::Plus, ""};
  Gene b{"G2", "G2", "1", 2999, Strand::Minus, ""};  // window [2500, 3500), alias of chr1
  return {a, b};
}

WindowSpec small() {
  WindowSpec spec;
  spec.upstream = 500;
  spec.downstream = 500;
  return spec;
}

}  // namespace

TEST(ShapeRead, FivePrimeAndExtendFollowTheStrand) {
  ReadCountOptions o;
  std::int64_t b = 100, e = 136;
  o.five_prime = true;
  ASSERT_TRUE(shape_read(b, e, false, o, 1000));
  EXPECT_EQ(b, 100);
  EXPECT_EQ(e, 101);
  b = 100, e = 136;
  ASSERT_TRUE(shape_read(b, e, true, o, 1000));
  EXPECT_EQ(b, 135);
  EXPECT_EQ(e, 136);
  o.five_prime = false;
  o.extend = 200;
  b = 100, e = 136;
  ASSERT_TRUE(shape_read(b, e, false, o, 250));  // clipped at the chromosome end
  EXPECT_EQ(b, 100);
  EXPECT_EQ(e, 250);
  b = 100, e = 136;
  ASSERT_TRUE(shape_read(b, e, true, o, 1000));  // clipped at 0
  EXPECT_EQ(b, 0);
  EXPECT_EQ(e, 136);
  o.extend = 10;  // shorter than the read: the fragment, not the read
  b = 100, e = 136;
  ASSERT_TRUE(shape_read(b, e, true, o, 1000));
  EXPECT_EQ(b, 126);
}

TEST(ShapeRead, ConflictingOptionsAreRefused) {
  ReadCountOptions o;
  o.five_prime = true;
  o.extend = 5;
  EXPECT_THROW(validate(o), Error);
  o.extend = 0;
  o.split = true;
  EXPECT_THROW(validate(o), Error);
}

TEST(TextReads, CountsLikeBamReadsWithAliasesAndShaping) {
  Scratch dir;
  const auto path = dir.write("r.tagAlign",
                              "track name=x\n"
                              "chr1\t550\t650\tN\t1000\t-\n"      // G1 bins 0 and 1
                              "chr1\t1499\t1536\tN\t1000\t+\n"    // G1 bin 9 (1 bp)
                              "chr1\t3400\t3436\tN\t1000\t+\n"    // G2 genomic bin 9 -> column 9
                              "chr2\t550\t650\tN\t1000\t+\n"      // no genes on chr2
                              "chr1\t1500\t1536\tN\t1000\t+\n");  // past G1's window
  const auto genes = two_genes();
  auto m = bin_text_reads(path, genes, small(), ReadCountOptions{}, TextSignalOptions{}, "genes.tsv");
  ASSERT_EQ(m.size(), 20u);
  EXPECT_EQ(m[0], 1);
  EXPECT_EQ(m[1], 1);
  EXPECT_EQ(m[9], 1);
  EXPECT_EQ(m[10 + 9], 1);
  float total = 0;
  for (float v : m) total += v;
  EXPECT_EQ(total, 4);

  ReadCountOptions five;
  five.five_prime = true;  // the '-' read's 5' base is 649: bin 1 only
  m = bin_text_reads(path, genes, small(), five, TextSignalOptions{}, "genes.tsv");
  EXPECT_EQ(m[0], 0);
  EXPECT_EQ(m[1], 1);
}

TEST(TextReads, MalformedLineNamesFileAndLine) {
  Scratch dir;
  const auto path = dir.write("bad.bed", "chr1\t1\t40\nchr1\t1\t40\nchr1\t50\n");
  try {
    bin_text_reads(path, two_genes(), small(), ReadCountOptions{}, TextSignalOptions{}, "genes.tsv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.bed:3:"), std::string::npos) << e.what();
  }
}

TEST(BedGraph, MeansOverCoveredBasesBothModes) {
  Scratch dir;
  // G1 bin 0 = [500, 600): 2.0 over 50 bases, no data on the other 50; bin 1: NaN value = missing.
  const auto path = dir.write("t.bedGraph", "chr1\t500\t550\t2\nchr1\t600\t700\tnan\nchr1\t1450\t1600\t-1\n");
  BigWigOptions zero, nan;
  nan.missing = MissingData::Nan;
  const auto genes = two_genes();
  auto z = bin_bedgraph(path, genes, small(), zero, TextSignalOptions{}, "genes.tsv");
  EXPECT_FLOAT_EQ(z[0], 1.0f);
  EXPECT_FLOAT_EQ(z[1], 0.0f);
  EXPECT_FLOAT_EQ(z[9], -0.5f);
  auto n = bin_bedgraph(path, genes, small(), nan, TextSignalOptions{}, "genes.tsv");
  EXPECT_FLOAT_EQ(n[0], 2.0f);
  EXPECT_TRUE(std::isnan(n[1]));
  EXPECT_FLOAT_EQ(n[9], -1.0f);
  EXPECT_TRUE(std::isnan(n[10]));  // G2: chromosome present, no data in its window
}

TEST(Sniff, TellsReadsFromBedGraph) {
  Scratch dir;
  EXPECT_EQ(sniff_text_signal(dir.write("a", "chr1\t1\t5\tN\t1000\t+\n")), TextSignalKind::Reads);
  EXPECT_EQ(sniff_text_signal(dir.write("b", "chr1\t1\t5\n")), TextSignalKind::Reads);
  EXPECT_EQ(sniff_text_signal(dir.write("c", "# x\nchr1\t1\t5\t0.25\n")), TextSignalKind::BedGraph);
  EXPECT_EQ(sniff_text_signal(dir.write("d", "track type=bedGraph\nchr1\t1\t5\t3\n")), TextSignalKind::BedGraph);
  EXPECT_EQ(sniff_text_signal(dir.write("e", "gene_id\tname\tchrom\n")), std::nullopt);
  EXPECT_THROW(sniff_text_signal(dir.write("f", "track name=x\n")), Error);
  EXPECT_EQ(detect_signal_format(dir.write("g.bw", "chr1 1 5 N 0 -\n")), SignalFormat::TagAlign);
}
