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

namespace {

std::string bedgraph_error(const fs::path& path) {
  try {
    bin_bedgraph(path, two_genes(), small(), BigWigOptions{}, TextSignalOptions{}, "genes.tsv");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(BedGraph, AnyLineOrderGivesTheSortedMatrix) {
  Scratch dir;
  // chr1 and its alias "1" are one chromosome; chrZ has no genes. The unsorted orders: a line that
  // starts before the previous one's end (but does not overlap it), whole chromosomes swapped, and
  // two runs of ascending lines that interleave on the genome (their spans overlap, no interval does).
  const std::string a = "chr1\t500\t550\t2\n", b = "chr1\t600\t700\t4\n", c = "chr1\t700\t720\t-1\n",
                    d = "chr1\t1450\t1600\t8\n", e = "1\t2500\t2600\t3\n", f = "1\t3400\t3600\t5\n",
                    z = "chrZ\t0\t100\t9\n";
  const auto sorted = dir.write("sorted.bedGraph", a + b + c + d + e + f + z);
  const auto expected = bin_bedgraph(sorted, two_genes(), small(), BigWigOptions{}, TextSignalOptions{}, "genes.tsv");
  ASSERT_FLOAT_EQ(expected[0], 1.0f);
  for (const std::string& order : {d + a + f + e + z + c + b, z + f + e + d + c + b + a, a + c + e + z + b + d + f,
                                   "track type=bedGraph\n" + b + d + z + a + c + f + e}) {
    const auto path = dir.write("unsorted.bedGraph", order);
    EXPECT_EQ(bin_bedgraph(path, two_genes(), small(), BigWigOptions{}, TextSignalOptions{}, "genes.tsv"), expected)
        << order;
  }
}

TEST(BedGraph, OverlapIsFoundInAnyOrderAndNamesBothLines) {
  Scratch dir;
  // After a line of another chromosome (summed twice before: the bin's value doubled).
  EXPECT_EQ(bedgraph_error(dir.write("a.bedGraph", "chr1\t500\t600\t1\nchr2\t0\t10\t1\nchr1\t550\t560\t2\n")),
            (dir.path / "a.bedGraph").string() +
                ":3: interval chr1:550-560 overlaps line 1 (chr1:500-600); bedGraph intervals must not overlap");
  // The same line twice, apart.
  EXPECT_NE(bedgraph_error(dir.write("b.bedGraph", "chr1\t500\t600\t1\nchr1\t700\t800\t1\nchr1\t500\t600\t1\n"))
                .find("b.bedGraph:3: interval chr1:500-600 overlaps line 1 (chr1:500-600)"),
            std::string::npos);
  // Alias spellings name one chromosome.
  EXPECT_NE(bedgraph_error(dir.write("c.bedGraph", "chr1\t500\t600\t1\n1\t599\t700\t1\n")).find("c.bedGraph:2: interval 1:"),
            std::string::npos);
  // Consecutive lines, as before.
  EXPECT_NE(bedgraph_error(dir.write("d.bedGraph", "chr1\t0\t100\t1.5\nchr1\t50\t200\t2\n"))
                .find("d.bedGraph:2: interval chr1:50-200 overlaps line 1 (chr1:0-100)"),
            std::string::npos);
  // Inside two interleaving runs of several lines each (found by reading those lines again), and on
  // a chromosome without genes.
  EXPECT_NE(bedgraph_error(dir.write("e.bedGraph", "chr1\t0\t10\t1\nchr1\t20\t30\t1\nchr1\t40\t50\t1\nchrZ\t0\t5\t1\n"
                                                   "chr1\t10\t20\t1\nchr1\t25\t35\t1\n"))
                .find("e.bedGraph:6: interval chr1:25-35 overlaps line 2 (chr1:20-30)"),
            std::string::npos);
  EXPECT_NE(bedgraph_error(dir.write("f.bedGraph", "chr1\t0\t10\t1\nchrZ\t0\t50\t1\nchr1\t20\t30\t1\nchrZ\t49\t60\t1\n"))
                .find("f.bedGraph:4: interval chrZ:49-60 overlaps line 2 (chrZ:0-50)"),
            std::string::npos);
  // Touching intervals do not overlap (half-open).
  EXPECT_EQ(bedgraph_error(dir.write("g.bedGraph", "chr1\t100\t200\t1\nchr2\t0\t10\t1\nchr1\t0\t100\t1\nchr1\t200\t300\t1\n")),
            "no error");
}

TEST(BedGraph, OverlapAcrossChunksOfAFileLargerThanOneChunk) {
  Scratch dir;
  // ~7 MB: parsed in two or more 4 MB chunks by parallel threads; the repeat sits in another chunk
  // than the line it repeats.
  std::string text;
  for (int i = 0; i < 400000; ++i) text += fmt::format("chr1\t{}\t{}\t1\n", 10 * i, 10 * i + 10);
  const auto good = dir.write("good.bedGraph", "chr2\t0\t10\t1\n" + text);
  EXPECT_EQ(bedgraph_error(good), "no error");
  const auto bad = dir.write("bad.bedGraph", text + "chr2\t0\t10\t1\nchr1\t40\t45\t1\n");
  EXPECT_NE(bedgraph_error(bad).find("bad.bedGraph:400002: interval chr1:40-45 overlaps line 5 (chr1:40-50)"),
            std::string::npos)
      << bedgraph_error(bad);
}
