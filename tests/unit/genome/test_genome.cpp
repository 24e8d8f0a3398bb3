#include <gtest/gtest.h>

#include "genome/chrom_names.hpp"
#include "genome/window.hpp"
#include "util/error.hpp"

using namespace achrome;

TEST(ChromNames, UcscAndEnsemblNamesMatch) {
  EXPECT_EQ(canonical_chrom("chr1"), "1");
  EXPECT_EQ(canonical_chrom("1"), "1");
  EXPECT_EQ(canonical_chrom("chrM"), "MT");
  EXPECT_EQ(canonical_chrom("MT"), "MT");
  ChromMatcher ensembl({"1", "2", "X", "MT"});
  EXPECT_EQ(ensembl.find("chr2"), 1);
  EXPECT_EQ(ensembl.find("chrM"), 3);
  EXPECT_FALSE(ensembl.find("chr3").has_value());
  EXPECT_FALSE(ensembl.find("chrUn_gl000220").has_value());
}

TEST(ChromNames, ExactNameWinsOverAlias) {
  ChromMatcher both({"1", "chr1"});
  EXPECT_EQ(both.find("chr1"), 1);
  EXPECT_EQ(both.find("1"), 0);
}

TEST(Window, ReproducesPublishedAnchor) {
  // GENCODE v10 ENSG00000000003 (TSPAN6) is on '-' with end 99894988 (1-based): tss = 99894987.
  // The published window file has [99884988, 99904988) for +-10 kb, so +-5 kb is [99889988, 99899988).
  WindowSpec spec;
  EXPECT_EQ(spec.start(99894987, Strand::Minus), 99889988);
  EXPECT_EQ(spec.end(99894987, Strand::Minus), 99899988);
  // On '+', GTF start 1000 (1-based) -> tss 999 -> [1000 - 5000, 1000 + 5000).
  EXPECT_EQ(spec.start(999, Strand::Plus), -4000);
  EXPECT_EQ(spec.bins(), 100);
}

TEST(Window, AsymmetricWindowsFollowTheStrand) {
  WindowSpec spec;
  spec.upstream = 2000;
  spec.downstream = 4000;
  EXPECT_EQ(spec.start(10000, Strand::Plus), 10001 - 2000);
  EXPECT_EQ(spec.start(10000, Strand::Minus), 10001 - 4000);
}

TEST(Window, TranscriptOrientationReversesMinusStrand) {
  WindowSpec spec;
  EXPECT_EQ(spec.column(0, Strand::Minus), 0);
  spec.orientation = Orientation::Transcript;
  EXPECT_EQ(spec.column(0, Strand::Minus), 99);
  EXPECT_EQ(spec.column(0, Strand::Plus), 0);
}

TEST(Window, ValidateRejectsPartialBins) {
  WindowSpec spec;
  spec.bin_size = 300;
  EXPECT_THROW(spec.validate(), Error);
}
