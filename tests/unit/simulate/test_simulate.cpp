// The planted-signal generator: determinism, and that the signal sits where the biology says,
// strand-aware (TSS peak of H3K4me3, H3K36me3 downstream of the TSS on both strands).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "simulate/reads.hpp"
#include "simulate/study.hpp"
#include "util/error.hpp"

namespace achrome::sim {
namespace {

SimulationConfig small_config() {
  SimulationConfig config;
  config.genes = 200;
  config.epigenomes = {"E001", "E002"};
  config.chromosomes = 2;
  config.seed = 7;
  return config;
}

// Non-duplicate reads whose start lies in [begin, end).
std::int64_t count_reads(const std::vector<std::uint64_t>& reads, std::int64_t begin, std::int64_t end) {
  std::int64_t n = 0;
  for (auto packed : reads) {
    const auto read = Read::unpack(packed);
    if (!read.duplicate && read.pos >= begin && read.pos < end) ++n;
  }
  return n;
}

// Genes of a strand that are strongly active (and not exceptions) in epigenome 0 and far from
// neighbours, so that only their own signal lies around them.
std::vector<std::size_t> isolated_active_genes(const Study& study, Strand strand, std::int64_t margin) {
  std::vector<std::size_t> picked;
  for (std::size_t g = 0; g < study.genes.size(); ++g) {
    const auto& gene = study.genes[g];
    const auto& state = study.states[0][g];
    if (gene.strand != strand || state.activity < 0.6 || gene.length() < 8000) continue;
    bool alone = true;
    for (std::size_t h = 0; h < study.genes.size(); ++h) {
      const auto& other = study.genes[h];
      if (h == g || other.chrom != gene.chrom) continue;
      if (other.body_start < gene.body_end + margin && other.body_end > gene.body_start - margin) alone = false;
    }
    if (alone) picked.push_back(g);
  }
  return picked;
}

TEST(Simulate, SameSeedSameStudyAndReads) {
  const auto a = make_study(small_config());
  const auto b = make_study(small_config());
  ASSERT_EQ(a.genes.size(), 200u);
  ASSERT_EQ(a.chromosomes.size(), 2u);
  for (std::size_t g = 0; g < a.genes.size(); ++g) {
    EXPECT_EQ(a.genes[g].body_start, b.genes[g].body_start);
    EXPECT_EQ(a.states[1][g].rpkm, b.states[1][g].rpkm);
  }
  EXPECT_EQ(simulate_reads(a, 1, Mark::H3K4me3, 1), simulate_reads(b, 1, Mark::H3K4me3, 1));

  auto other = small_config();
  other.seed = 8;
  const auto c = make_study(other);
  EXPECT_NE(simulate_reads(a, 0, Mark::H3K4me3, 0), simulate_reads(c, 0, Mark::H3K4me3, 0));
}

TEST(Simulate, AddingAnEpigenomeLeavesTheOthersUnchanged) {
  auto more = small_config();
  more.epigenomes.push_back("E003");
  const auto a = make_study(small_config());
  const auto b = make_study(more);
  EXPECT_EQ(simulate_reads(a, 1, Mark::H3K27me3, 0), simulate_reads(b, 1, Mark::H3K27me3, 0));
}

TEST(Simulate, ReadsAreSortedInsideTheChromosome) {
  const auto study = make_study(small_config());
  for (int c = 0; c < 2; ++c) {
    const auto reads = simulate_reads(study, 0, Mark::H3K36me3, c);
    ASSERT_FALSE(reads.empty());
    EXPECT_TRUE(std::is_sorted(reads.begin(), reads.end()));
    EXPECT_GE(Read::unpack(reads.front()).pos, 0);
    EXPECT_LE(Read::unpack(reads.back()).pos + study.config.read_length, study.chromosomes[c].length);
    const auto dups = std::count_if(reads.begin(), reads.end(), [](auto r) { return Read::unpack(r).duplicate; });
    EXPECT_GT(dups, 0);
    EXPECT_LT(dups, static_cast<long>(reads.size() / 20));
  }
}

TEST(Simulate, GeneLayoutIsRealistic) {
  auto config = small_config();
  config.genes = 2000;
  config.chromosomes = 4;
  const auto study = make_study(config);
  std::int64_t genome = 0;
  for (const auto& chrom : study.chromosomes) genome += chrom.length;
  EXPECT_GT(genome, 60'000'000);
  EXPECT_LT(genome, 100'000'000);
  int minus = 0, overlapping_windows = 0;
  for (std::size_t g = 0; g < study.genes.size(); ++g) {
    const auto& gene = study.genes[g];
    EXPECT_GE(gene.length(), 2000);
    EXPECT_LE(gene.length(), 60000);
    minus += gene.strand == Strand::Minus;
    if (g > 0 && study.genes[g - 1].chrom == gene.chrom &&
        std::abs(study.genes[g - 1].tss() - gene.tss()) < 10000)
      ++overlapping_windows;
  }
  EXPECT_GT(minus, 800);
  EXPECT_LT(minus, 1200);
  EXPECT_GT(overlapping_windows, 20);  // "sometimes"
  EXPECT_LT(overlapping_windows, 600);
}

// H3K4me3 piles up within 1 kb of the TSS of active genes, on both strands.
TEST(Simulate, H3K4me3PeaksAtTheTssOfActiveGenes) {
  auto config = small_config();
  config.depth = 2.0;
  const auto study = make_study(config);
  for (Strand strand : {Strand::Plus, Strand::Minus}) {
    const auto genes = isolated_active_genes(study, strand, 6000);
    ASSERT_GE(genes.size(), 2u) << static_cast<char>(strand);
    for (auto g : genes) {
      const auto& gene = study.genes[g];
      const auto reads = simulate_reads(study, 0, Mark::H3K4me3, gene.chrom);
      const auto tss = gene.tss();
      const auto at_tss = count_reads(reads, tss - 1000, tss + 1000);
      // 2 kb of background 4 kb upstream (transcript sense) of the TSS.
      const auto up = gene.at(-4000);
      const auto upstream = count_reads(reads, up - 1000, up + 1000);
      EXPECT_GT(at_tss, 4 * upstream + 20) << gene.id << " " << static_cast<char>(strand);
    }
  }
}

// H3K36me3 covers the body downstream of the strand-aware TSS: to the right on '+', to the
// left on '-'; upstream of the TSS there is background only. Compared as reads per kb.
TEST(Simulate, H3K36me3LiesDownstreamOfTheStrandAwareTss) {
  auto config = small_config();
  config.depth = 2.0;
  const auto study = make_study(config);
  for (Strand strand : {Strand::Plus, Strand::Minus}) {
    const auto genes = isolated_active_genes(study, strand, 6000);
    ASSERT_GE(genes.size(), 2u);
    double body_reads = 0, body_kb = 0, upstream_reads = 0, upstream_kb = 0;
    for (auto g : genes) {
      const auto& gene = study.genes[g];
      const auto reads = simulate_reads(study, 0, Mark::H3K36me3, gene.chrom);
      const auto tss = gene.tss();
      // Body from 2 kb downstream of the TSS to the 3' end; 4 kb of flank upstream.
      body_reads += strand == Strand::Plus ? count_reads(reads, tss + 2000, gene.body_end)
                                           : count_reads(reads, gene.body_start, tss - 2000);
      body_kb += (gene.length() - 2000) / 1000.0;
      upstream_reads += strand == Strand::Plus ? count_reads(reads, tss - 6000, tss - 2000)
                                               : count_reads(reads, tss + 2000, tss + 6000);
      upstream_kb += 4;
    }
    EXPECT_GT(body_reads / body_kb, 1.8 * upstream_reads / upstream_kb)
        << static_cast<char>(strand) << " body " << body_reads / body_kb << " upstream " << upstream_reads / upstream_kb;
  }
}

// Silent genes carry no promoter H3K4me3: the planted peak follows activity.
TEST(Simulate, SilentGenesHaveNoTssPeak) {
  auto config = small_config();
  config.depth = 2.0;
  const auto study = make_study(config);
  std::int64_t silent_tss = 0, silent_n = 0, active_tss = 0, active_n = 0;
  for (std::size_t g = 0; g < study.genes.size(); ++g) {
    const auto& gene = study.genes[g];
    const auto& state = study.states[0][g];
    if (gene.chrom != 0) continue;
    static const auto reads = simulate_reads(study, 0, Mark::H3K4me3, 0);
    const auto n = count_reads(reads, gene.tss() - 500, gene.tss() + 500);
    if (state.activity == 0 && !state.bivalent) silent_tss += n, ++silent_n;
    if (state.activity > 0.5) active_tss += n, ++active_n;
  }
  ASSERT_GT(silent_n, 5);
  ASSERT_GT(active_n, 5);
  EXPECT_GT(static_cast<double>(active_tss) / active_n, 5.0 * silent_tss / silent_n);
}

TEST(Simulate, CoverageRunsTileTheChromosome) {
  // Reads at 0 and 10 (length 36) and a duplicate at 10 that must not count.
  std::vector<std::uint64_t> reads = {Read{0, false, false, 60}.pack(), Read{10, true, false, 60}.pack(),
                                      Read{10, false, true, 60}.pack()};
  std::sort(reads.begin(), reads.end());
  std::vector<std::tuple<std::int64_t, std::int64_t, std::uint32_t>> runs;
  coverage_runs(reads, 36, 100, [&](auto s, auto e, auto d) { runs.emplace_back(s, e, d); });
  const decltype(runs) expected = {{0, 10, 1}, {10, 36, 2}, {36, 46, 1}, {46, 100, 0}};
  EXPECT_EQ(runs, expected);

  runs.clear();
  // Back-to-back reads merge into one run; no reads -> one zero run.
  coverage_runs({Read{5, false, false, 60}.pack(), Read{41, false, false, 60}.pack()}, 36, 80,
                [&](auto s, auto e, auto d) { runs.emplace_back(s, e, d); });
  const decltype(runs) merged = {{0, 5, 0}, {5, 77, 1}, {77, 80, 0}};
  EXPECT_EQ(runs, merged);
  runs.clear();
  coverage_runs({}, 36, 50, [&](auto s, auto e, auto d) { runs.emplace_back(s, e, d); });
  EXPECT_EQ(runs.size(), 1u);
}

TEST(Simulate, TruthDescribesThePlantedBins) {
  const auto rows = planted_truth({"H3K4me3", "H3K36me3", "H3K27me3"});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].mark, "H3K4me3");
  EXPECT_LE(rows[0].bin_start, 45);  // the TSS (bin 49/50) lies inside the peak bins
  EXPECT_GE(rows[0].bin_end, 55);
  EXPECT_GE(rows[1].bin_start, 50);  // gene body: downstream half only
  EXPECT_EQ(rows[1].bin_end, 100);
  EXPECT_EQ(rows[2].effect, "repressed");
}

TEST(Simulate, BadConfigurationIsAnError) {
  auto config = small_config();
  config.marks = {"H3K4me3", "H3K79me2"};
  EXPECT_THROW(make_study(config), Error);
  config = small_config();
  config.depth = 0;
  EXPECT_THROW(make_study(config), Error);
  config = small_config();
  config.epigenomes = {"E001", "E001"};
  EXPECT_THROW(make_study(config), Error);
}

}  // namespace
}  // namespace achrome::sim
