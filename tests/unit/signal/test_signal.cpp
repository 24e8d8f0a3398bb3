// Unit tests for lib/signal on tiny inputs written here: SAM text (read directly and converted to
// BAM with htslib) and bigWig tracks written with libBigWig. Expected values are worked by hand
// from the window convention [tss+1-U, tss+1+D) and bin k = [start + 100k, start + 100(k+1)).
#include <gtest/gtest.h>

#include <bigWig.h>
#include <htslib/sam.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <unistd.h>

#include "signal/bin_signal.hpp"
#include "signal/gene_windows.hpp"
#include "util/error.hpp"

using namespace achrome;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("achrome-signal-test-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

Gene gene(const std::string& id, const std::string& chrom, std::int64_t tss, Strand strand) {
  Gene g;
  g.id = id;
  g.name = id;
  g.chrom = chrom;
  g.tss = tss;
  g.strand = strand;
  return g;
}

// Window 1000 bp, ten 100 bp bins: gene at tss 999 '+' -> window [500, 1500).
WindowSpec small_spec(Orientation orientation = Orientation::Genomic) {
  WindowSpec spec;
  spec.upstream = 500;
  spec.downstream = 500;
  spec.bin_size = 100;
  spec.orientation = orientation;
  return spec;
}

std::string sam_header() { return "@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chr1\tLN:2000\n@SQ\tSN:chr2\tLN:5000\n"; }
std::string sam_read(const std::string& name, int flag, const std::string& chrom, std::int64_t pos0, int mapq,
                     const std::string& cigar) {
  return name + "\t" + std::to_string(flag) + "\t" + chrom + "\t" + std::to_string(pos0 + 1) + "\t" +
         std::to_string(mapq) + "\t" + cigar + "\t*\t0\t0\t*\t*\n";
}

void sam_to_bam(const fs::path& sam, const fs::path& bam) {
  samFile* in = sam_open(sam.c_str(), "r");
  ASSERT_NE(in, nullptr);
  sam_hdr_t* header = sam_hdr_read(in);
  samFile* out = sam_open(bam.c_str(), "wb");
  ASSERT_EQ(sam_hdr_write(out, header), 0);
  bam1_t* b = bam_init1();
  while (sam_read1(in, header, b) >= 0) ASSERT_GE(sam_write1(out, header, b), 0);
  bam_destroy1(b);
  sam_hdr_destroy(header);
  sam_close(in);
  ASSERT_EQ(sam_close(out), 0);
}

struct Interval {
  const char* chrom;
  std::uint32_t start, end;
  float value;
};

void write_bigwig(const fs::path& path, const std::vector<std::pair<std::string, std::uint32_t>>& chroms,
                  const std::vector<Interval>& intervals) {
  ASSERT_EQ(bwInit(1 << 17), 0);
  bigWigFile_t* bw = bwOpen(const_cast<char*>(path.c_str()), nullptr, "w");
  ASSERT_NE(bw, nullptr);
  ASSERT_EQ(bwCreateHdr(bw, 10), 0);
  std::vector<const char*> names;
  std::vector<std::uint32_t> lengths;
  for (const auto& [name, length] : chroms) {
    names.push_back(name.c_str());
    lengths.push_back(length);
  }
  bw->cl = bwCreateChromList(names.data(), lengths.data(), static_cast<std::int64_t>(names.size()));
  ASSERT_NE(bw->cl, nullptr);
  ASSERT_EQ(bwWriteHdr(bw), 0);
  for (const Interval& i : intervals) {  // one call per interval keeps chromosomes in input order
    const char* chrom[] = {i.chrom};
    std::uint32_t start[] = {i.start}, end[] = {i.end};
    float value[] = {i.value};
    ASSERT_EQ(bwAddIntervals(bw, chrom, start, end, value, 1), 0);
  }
  bwClose(bw);
}

std::vector<float> row(const std::vector<float>& matrix, std::size_t r, int bins = 10) {
  return {matrix.begin() + r * bins, matrix.begin() + (r + 1) * bins};
}

}  // namespace

TEST(SignalFormat, DetectedFromContent) {
  TempDir dir;
  write_text(dir / "reads.txt", sam_header() + sam_read("r", 0, "chr1", 10, 30, "10M"));
  EXPECT_EQ(detect_signal_format(dir / "reads.txt"), SignalFormat::Sam);
  sam_to_bam(dir / "reads.txt", dir / "reads.bw");  // misleading name on purpose
  EXPECT_EQ(detect_signal_format(dir / "reads.bw"), SignalFormat::Bam);
  write_bigwig(dir / "track.bam", {{"chr1", 1000}}, {{"chr1", 0, 10, 1.0f}});
  EXPECT_EQ(detect_signal_format(dir / "track.bam"), SignalFormat::BigWig);

  write_text(dir / "empty", "");
  write_text(dir / "notes.txt", "gene_id\tname\nthis is not a signal file\n");
  EXPECT_THROW(detect_signal_format(dir / "empty"), Error);
  EXPECT_THROW(detect_signal_format(dir / "notes.txt"), Error);
  EXPECT_THROW(detect_signal_format(dir / "missing.bam"), Error);
  try {
    detect_signal_format(dir / "empty");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find((dir / "empty").string()), std::string::npos);
  }
  EXPECT_EQ(parse_signal_format("bigwig"), SignalFormat::BigWig);
  EXPECT_EQ(parse_signal_format("bed"), SignalFormat::TagAlign);  // BED reads
  EXPECT_EQ(parse_signal_format("bedgraph"), SignalFormat::BedGraph);
  EXPECT_THROW(parse_signal_format("bigbed"), Error);
}

TEST(GeneWindows, OverlapQueryMatchesBruteForce) {
  std::mt19937 rng(5);
  std::vector<Gene> genes;
  for (int i = 0; i < 300; ++i)
    genes.push_back(gene("G" + std::to_string(i), "chr1", std::uniform_int_distribution<int>(0, 200000)(rng),
                         i % 2 ? Strand::Plus : Strand::Minus));
  const WindowSpec spec;  // 10 kb windows
  const GeneWindows windows(genes, spec, {"chr1"}, {210000}, "s", "g");
  const ChromWindows& chrom = *windows.chrom(0);
  for (int q = 0; q < 2000; ++q) {
    const std::int64_t begin = std::uniform_int_distribution<int>(0, 209000)(rng);
    const std::int64_t end = begin + std::uniform_int_distribution<int>(1, q % 10 ? 200 : 30000)(rng);
    const auto [first, last] = windows.overlapping(chrom, begin, end);
    std::size_t expected = 0;
    for (const auto& w : chrom.windows) expected += (w.start < end && w.start + spec.length() > begin);
    ASSERT_EQ(last - first, expected) << begin << "-" << end;
    for (std::size_t i = first; i < last; ++i)
      ASSERT_TRUE(chrom.windows[i].start < end && chrom.windows[i].start + spec.length() > begin);
  }
}

TEST(GeneWindows, ChromosomeMatching) {
  const std::vector<Gene> genes{gene("A", "1", 999, Strand::Plus), gene("B", "chrM", 999, Strand::Plus),
                                gene("C", "chr9", 999, Strand::Plus)};
  const GeneWindows windows(genes, small_spec(), {"chr1", "MT"}, {2000, 16569}, "s", "g");
  ASSERT_NE(windows.chrom(0), nullptr);
  ASSERT_NE(windows.chrom(1), nullptr);
  EXPECT_EQ(windows.genes_on_absent_chroms(), 1u);
  EXPECT_EQ(windows.absent_chroms(), std::vector<std::string>{"chr9"});
  try {
    GeneWindows none(genes, small_spec(), {"chrA", "chrB"}, {10, 10}, "other.bam", "genes.tsv");
    FAIL() << "no shared chromosome must throw";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("other.bam"), std::string::npos);
    EXPECT_NE(message.find("chrA"), std::string::npos);
    EXPECT_NE(message.find("chr9"), std::string::npos);
  }
}

TEST(ReadBinner, CountsLikeBedtoolsMulticov) {
  TempDir dir;
  // Gene A: '+', tss 999 -> window [500, 1500); bins [500,600) ... [1400,1500).
  // Gene B: '-', tss 1099 on "2" (alias of chr2) -> window [600, 1600).
  // Gene C: '+', tss 1899 -> window [1400, 2400): bins 6..9 lie past chr1's end (2000).
  std::string sam = sam_header();
  sam += sam_read("ends_on_edge", 0, "chr1", 564, 30, "36M");       // [564,600): A bin 0 only
  sam += sam_read("starts_on_edge", 16, "chr1", 600, 30, "36M");    // [600,636): A bin 1
  sam += sam_read("crosses_edge", 0, "chr1", 690, 0, "20M");        // [690,710): A bins 1,2 (MAPQ 0 counts)
  sam += sam_read("spliced", 0, "chr1", 750, 30, "10M300N10M");     // span [750,1070): A bins 2..5
  sam += sam_read("deletion", 0, "chr1", 1210, 30, "5M100D5M");     // [1210,1320): A bins 7,8
  sam += sam_read("clipped", 0, "chr1", 1480, 30, "10S10M10S");     // [1480,1490): A bin 9, C bin 0
  sam += sam_read("dup", 1024, "chr1", 564, 30, "36M");
  sam += sam_read("qcfail", 512, "chr1", 564, 30, "36M");
  sam += sam_read("unmapped", 4, "chr1", 564, 0, "*");
  sam += sam_read("secondary", 256, "chr1", 520, 30, "10M");        // A bin 0
  sam += sam_read("supplementary", 2048, "chr1", 530, 5, "10M");    // A bin 0
  sam += sam_read("past_end", 0, "chr1", 1990, 30, "50M");          // [1990,2040) -> C bin 5 only
  sam += sam_read("on_chr2", 0, "chr2", 1590, 30, "20M");           // [1590,1610): B genomic bin 9
  write_text(dir / "reads.sam", sam);
  sam_to_bam(dir / "reads.sam", dir / "reads.bam");
  const std::vector<Gene> genes{gene("A", "chr1", 999, Strand::Plus), gene("B", "2", 1099, Strand::Minus),
                                gene("C", "chr1", 1899, Strand::Plus), gene("D", "chrZ", 999, Strand::Plus)};

  for (const char* file : {"reads.sam", "reads.bam"}) {
    ReadCountSummary summary;
    const auto m = bin_reads(dir / file, genes, small_spec(), {}, "genes.tsv", &summary);
    EXPECT_EQ(row(m, 0), (std::vector<float>{3, 2, 2, 1, 1, 1, 0, 1, 1, 1})) << file;
    EXPECT_EQ(row(m, 1), (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1})) << file;
    EXPECT_EQ(row(m, 2), (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0})) << file;
    EXPECT_EQ(row(m, 3), std::vector<float>(10, 0.0f)) << file;
    EXPECT_EQ(summary.records, 13u);
    EXPECT_EQ(summary.counted, 10u);
    EXPECT_EQ(summary.duplicate + summary.qc_fail + summary.unmapped, 3u);
  }
}

TEST(ReadBinner, OptionsAndOrientation) {
  TempDir dir;
  std::string sam = sam_header();
  sam += sam_read("spliced", 0, "chr1", 750, 30, "10M300N10M");      // blocks [750,760) [1060,1070)
  sam += sam_read("same_bin", 0, "chr1", 905, 30, "5M20N5M");        // both blocks in bin 4: once
  sam += sam_read("deletion", 0, "chr1", 1210, 30, "5M100D5M");      // D is not split
  sam += sam_read("low_mapq", 0, "chr1", 1450, 9, "10M");
  sam += sam_read("secondary", 256, "chr1", 520, 30, "10M");
  sam += sam_read("supplementary", 2048, "chr1", 530, 30, "10M");
  write_text(dir / "reads.sam", sam);
  const std::vector<Gene> plus{gene("A", "chr1", 999, Strand::Plus)};
  const std::vector<Gene> minus{gene("A", "chr1", 999, Strand::Minus)};  // same window, other strand

  ReadCountOptions options;
  options.split = true;
  EXPECT_EQ(row(bin_reads(dir / "reads.sam", plus, small_spec(), options, "g"), 0),
            (std::vector<float>{2, 0, 1, 0, 1, 1, 0, 1, 1, 1}));
  options = {};
  options.min_mapq = 10;
  options.skip_secondary = true;
  options.skip_supplementary = true;
  EXPECT_EQ(row(bin_reads(dir / "reads.sam", plus, small_spec(), options, "g"), 0),
            (std::vector<float>{0, 0, 1, 1, 2, 1, 0, 1, 1, 0}));
  const auto genomic = row(bin_reads(dir / "reads.sam", minus, small_spec(), {}, "g"), 0);
  auto transcript = row(bin_reads(dir / "reads.sam", minus, small_spec(Orientation::Transcript), {}, "g"), 0);
  EXPECT_EQ(genomic, (std::vector<float>{2, 0, 1, 1, 2, 1, 0, 1, 1, 1}));
  std::reverse(transcript.begin(), transcript.end());
  EXPECT_EQ(transcript, genomic);
}

TEST(ReadBinner, RefusesBrokenFiles) {
  TempDir dir;
  std::string sam = sam_header();
  for (int i = 0; i < 5000; ++i) sam += sam_read("r" + std::to_string(i), 0, "chr1", i % 1900, 30, "50M");
  write_text(dir / "reads.sam", sam);
  sam_to_bam(dir / "reads.sam", dir / "reads.bam");
  std::ifstream in(dir / "reads.bam", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_text(dir / "truncated.bam", bytes.substr(0, bytes.size() / 2));
  const std::vector<Gene> genes{gene("A", "chr1", 999, Strand::Plus)};
  EXPECT_NO_THROW(bin_reads(dir / "reads.bam", genes, small_spec(), {}, "g"));
  EXPECT_THROW(bin_reads(dir / "truncated.bam", genes, small_spec(), {}, "g"), Error);
}

TEST(BigWigBinner, MeansLikeDeepTools) {
  TempDir dir;
  // Gene '+' tss 999 -> window [500, 1500). Bin 0 [500,600): 50 bases of 2.0 then a gap.
  // Bin 1 [600,700): 4.0 over [600,650), 0.0 (real zeros) over [650,700).
  // Bins 2 and 3: one interval [750,850) of 1.0 crossing their edge, 50 bases in each. Bin 4: no data.
  write_bigwig(dir / "track.bw", {{"chr1", 2000}, {"chr2", 1000}},
               {{"chr1", 500, 550, 2.0f}, {"chr1", 600, 650, 4.0f}, {"chr1", 650, 700, 0.0f},
                {"chr1", 750, 850, 1.0f}, {"chr1", 1950, 2000, 8.0f}, {"chr2", 0, 1000, 3.0f}});
  const std::vector<Gene> genes{gene("A", "chr1", 999, Strand::Plus), gene("E", "chr1", 1899, Strand::Minus),
                                gene("F", "chr3", 999, Strand::Plus)};
  const auto zero = bin_bigwig(dir / "track.bw", genes, small_spec(), {}, "g");
  EXPECT_EQ(row(zero, 0), (std::vector<float>{1.0f, 2.0f, 0.5f, 0.5f, 0, 0, 0, 0, 0, 0}));
  // E: window [1400, 2400); bin 5 [1900,2000) holds 8.0 on 50 bases; bins 6..9 are past the end.
  EXPECT_EQ(row(zero, 1), (std::vector<float>{0, 0, 0, 0, 0, 4.0f, 0, 0, 0, 0}));
  EXPECT_EQ(row(zero, 2), std::vector<float>(10, 0.0f));  // chromosome absent: zeros

  BigWigOptions nan_missing;
  nan_missing.missing = MissingData::Nan;
  const auto nan = row(bin_bigwig(dir / "track.bw", genes, small_spec(), nan_missing, "g"), 0);
  EXPECT_FLOAT_EQ(nan[0], 2.0f);  // mean over the 50 covered bases only
  EXPECT_FLOAT_EQ(nan[1], 2.0f);  // real zeros are data
  EXPECT_FLOAT_EQ(nan[2], 1.0f);
  EXPECT_FLOAT_EQ(nan[3], 1.0f);
  EXPECT_TRUE(std::isnan(nan[4]));

  auto transcript = row(bin_bigwig(dir / "track.bw", genes, small_spec(Orientation::Transcript), {}, "g"), 1);
  EXPECT_EQ(transcript, (std::vector<float>{0, 0, 0, 0, 4.0f, 0, 0, 0, 0, 0}));
}

TEST(BinSignal, FormatFlagMustMatchContent) {
  TempDir dir;
  write_bigwig(dir / "track.bw", {{"chr1", 2000}}, {{"chr1", 500, 550, 2.0f}});
  const std::vector<Gene> genes{gene("A", "chr1", 999, Strand::Plus)};
  BinOptions options;
  options.format = SignalFormat::Bam;
  EXPECT_THROW(bin_signal(dir / "track.bw", genes, small_spec(), options, "g"), Error);
  options.format = SignalFormat::Auto;
  EXPECT_EQ(bin_signal(dir / "track.bw", genes, small_spec(), options, "g")[0], 1.0f);
}

// Found by tests/fuzz (fuzz_text_signal): a forward read ending near INT64_MAX, extended, overflowed
// begin + extend before the clip to the chromosome.
TEST(ShapeRead, ExtendNearTheLargestCoordinateDoesNotOverflow) {
  ReadCountOptions o;
  o.extend = 200;
  const std::int64_t top = std::numeric_limits<std::int64_t>::max();
  std::int64_t b = top - 100, e = top - 1;
  EXPECT_FALSE(shape_read(b, e, false, o, 3500));  // past the chromosome's end: nothing to count
  b = top - 100, e = top - 1;
  ASSERT_TRUE(shape_read(b, e, false, o, top));
  EXPECT_EQ(b, top - 100);
  EXPECT_EQ(e, top);
  b = 100, e = 136;
  ASSERT_TRUE(shape_read(b, e, false, o, 1000));  // unchanged where nothing is near the limit
  EXPECT_EQ(e, 300);
}
