#include "simulate/study.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "util/error.hpp"

namespace achrome::sim {

namespace {

constexpr Mark kAllMarks[] = {Mark::H3K27me3, Mark::H3K36me3, Mark::H3K4me1, Mark::H3K4me3, Mark::H3K9me3, Mark::H3K27ac};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::string_view key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a: stable across platforms, unlike std::hash
  for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ULL;
  return splitmix64(splitmix64(seed) ^ h);
}

std::string_view mark_name(Mark mark) {
  switch (mark) {
    case Mark::H3K27me3: return "H3K27me3";
    case Mark::H3K36me3: return "H3K36me3";
    case Mark::H3K4me1: return "H3K4me1";
    case Mark::H3K4me3: return "H3K4me3";
    case Mark::H3K9me3: return "H3K9me3";
    case Mark::H3K27ac: return "H3K27ac";
  }
  return "?";
}

Mark parse_mark(std::string_view name) {
  std::string known;
  for (Mark mark : kAllMarks) {
    if (mark_name(mark) == name) return mark;
    known += (known.empty() ? "" : ", ") + std::string(mark_name(mark));
  }
  fail("--marks: unknown mark '{}' (the simulator plants {})", name, known);
}

void SimulationConfig::validate() const {
  if (genes < 1) fail("--genes must be at least 1, got {}", genes);
  if (chromosomes < 1 || chromosomes > 99) fail("--chromosomes must be 1..99, got {}", chromosomes);
  if (genes < chromosomes) fail("--genes ({}) must be at least --chromosomes ({})", genes, chromosomes);
  if (epigenomes.empty()) fail("--epigenomes: need at least one epigenome id");
  for (std::size_t i = 0; i < epigenomes.size(); ++i) {
    const auto& eid = epigenomes[i];
    if (eid.empty() || eid.find_first_of("/\t \\") != std::string::npos)
      fail("--epigenomes: '{}' is not usable as a folder and column name", eid);
    if (std::find(epigenomes.begin(), epigenomes.begin() + i, eid) != epigenomes.begin() + i)
      fail("--epigenomes: '{}' is listed twice", eid);
  }
  if (marks.empty()) fail("--marks: need at least one mark");
  for (std::size_t i = 0; i < marks.size(); ++i) {
    parse_mark(marks[i]);
    if (std::find(marks.begin(), marks.begin() + i, marks[i]) != marks.begin() + i)
      fail("--marks: '{}' is listed twice", marks[i]);
  }
  if (!(depth > 0) || depth > 1000) fail("--depth must be in (0, 1000], got {}", depth);
  if (read_length < 10 || read_length > 1000) fail("--read-length must be 10..1000, got {}", read_length);
  if (!write_bam && !write_bigwig) fail("--formats: choose bam, bigwig or both");
}

namespace {

// Gene bodies of 2-60 kb, log-uniform (many short genes, a tail of long ones).
constexpr double kMinGeneLength = 2000, kMaxGeneLength = 60000;
// Most genes sit 3 kb + ~22 kb (exponential) after the previous gene's end; some start close
// after the previous gene's start, so their +-5 kb windows (and bodies) overlap.
constexpr double kCloseNeighbourRate = 0.12;
constexpr double kMinGap = 3000, kMeanExtraGap = 22000;
// Gene classes. With tissue-specific genes on in kTissueOn of epigenomes, about 60% of genes are
// on, so the median expression (the label threshold) falls among expressed genes and the label
// depends on how strongly a gene is on, as in the real data, not just whether it is.
constexpr double kHousekeeping = 0.40, kTissueSpecific = 0.40, kTissueOn = 0.6;
// Noise between the expression level and what the chromatin shows (log10 units), and the
// fraction of gene-epigenome pairs whose chromatin belongs to another state altogether.
constexpr double kChromatinNoise = 0.5, kExceptionRate = 0.14;

void place_genes(Study& study, std::mt19937_64& rng) {
  const auto& config = study.config;
  const int n_chrom = config.chromosomes;
  // Unequal chromosomes, like a real karyotype: weights fall from 1 to 0.5.
  std::vector<double> weight(n_chrom);
  double total = 0;
  for (int c = 0; c < n_chrom; ++c) total += weight[c] = 1.0 - 0.5 * c / std::max(1, n_chrom - 1);
  std::vector<int> per_chrom(n_chrom);
  int assigned = 0;
  for (int c = 0; c < n_chrom; ++c) {
    per_chrom[c] = std::max(1, static_cast<int>(std::floor(config.genes * weight[c] / total)));
    assigned += per_chrom[c];
  }
  for (int c = 0; assigned < config.genes; c = (c + 1) % n_chrom, ++assigned) ++per_chrom[c];
  for (int c = n_chrom - 1; assigned > config.genes; c = (c + n_chrom - 1) % n_chrom)
    if (per_chrom[c] > 1) --per_chrom[c], --assigned;

  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::exponential_distribution<double> extra_gap(1.0 / kMeanExtraGap);
  std::normal_distribution<double> normal(0.0, 1.0);
  int serial = 0;
  for (int c = 0; c < n_chrom; ++c) {
    // The first gene may start within 5 kb of the chromosome start: windows past the ends must be
    // zero-padded downstream, and the simulated data exercises that.
    std::int64_t prev_start = 0, prev_end = static_cast<std::int64_t>(1000 + 29000 * unit(rng));
    for (int i = 0; i < per_chrom[c]; ++i) {
      SimGene gene;
      ++serial;
      gene.id = fmt::format("ENSGS{:011d}.1", serial);
      gene.name = fmt::format("SIM{}", serial);
      gene.chrom = c;
      gene.strand = unit(rng) < 0.5 ? Strand::Plus : Strand::Minus;
      const auto length = static_cast<std::int64_t>(kMinGeneLength * std::pow(kMaxGeneLength / kMinGeneLength, unit(rng)));
      if (i > 0 && unit(rng) < kCloseNeighbourRate)
        gene.body_start = prev_start + static_cast<std::int64_t>(500 + 7500 * unit(rng));
      else
        gene.body_start = prev_end + static_cast<std::int64_t>(kMinGap + extra_gap(rng));
      gene.body_end = gene.body_start + length;
      prev_start = gene.body_start;
      prev_end = std::max(prev_end, gene.body_end);

      const double u = unit(rng);
      gene.kind = u < kHousekeeping ? GeneClass::Housekeeping
                  : u < kHousekeeping + kTissueSpecific ? GeneClass::TissueSpecific
                                                        : GeneClass::Silent;
      gene.polycomb_target = gene.kind != GeneClass::Housekeeping && unit(rng) < 0.5;
      gene.base_level = gene.kind == GeneClass::Housekeeping ? 1.3 + 0.45 * normal(rng) : 0.9 + 0.55 * normal(rng);
      study.genes.push_back(std::move(gene));
    }
    // The last gene's window may also run past the chromosome end.
    study.chromosomes.push_back({fmt::format("chr{}", c + 1), prev_end + static_cast<std::int64_t>(2000 + 38000 * unit(rng))});
  }
}

// Heterochromatin: about one 30-300 kb H3K9me3 domain per 2 Mb. Genes whose TSS falls inside are
// often silenced, the only (weak) link between H3K9me3 and expression.
void place_heterochromatin(Study& study, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int c = 0; c < static_cast<int>(study.chromosomes.size()); ++c) {
    const auto length = study.chromosomes[c].length;
    const int n = std::max<std::int64_t>(1, length / 2'000'000);
    for (int i = 0; i < n; ++i) {
      const auto size = static_cast<std::int64_t>(30000 + 270000 * unit(rng));
      const auto start = static_cast<std::int64_t>(unit(rng) * std::max<std::int64_t>(1, length - size));
      study.heterochromatin.push_back({c, start, std::min(length, start + size)});
    }
  }
  std::sort(study.heterochromatin.begin(), study.heterochromatin.end(),
            [](const Domain& a, const Domain& b) { return std::tie(a.chrom, a.start) < std::tie(b.chrom, b.start); });
  for (auto& gene : study.genes) {
    for (const auto& domain : study.heterochromatin) {
      if (domain.chrom == gene.chrom && gene.tss() >= domain.start && gene.tss() < domain.end && unit(rng) < 0.6) {
        gene.kind = GeneClass::Silent;
        gene.polycomb_target = false;
      }
    }
  }
}

// Marks see activity 0..1: log10 RPKM -0.5 -> 0, 2.5 -> 1.
double activity_of(double log_rpkm) { return std::clamp((log_rpkm + 0.5) / 3.0, 0.05, 1.0); }

std::vector<GeneState> draw_states(const Study& study, const std::string& eid) {
  std::mt19937_64 rng(derive_seed(study.config.seed, "states/" + eid));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<GeneState> states(study.genes.size());
  for (std::size_t g = 0; g < study.genes.size(); ++g) {
    const auto& gene = study.genes[g];
    auto& state = states[g];
    // Draw every variate for every gene, so a gene's state does not depend on branches taken for
    // earlier genes beyond the generator position.
    const double u_on = unit(rng), u_zero = unit(rng), u_bivalent = unit(rng), u_exception = unit(rng);
    const double u_exc_on = unit(rng), u_exc_level = unit(rng), u_exc_repressed = unit(rng);
    const double n_level = normal(rng), n_measure = normal(rng), n_off = normal(rng), n_chromatin = normal(rng);

    state.on = gene.kind == GeneClass::Housekeeping || (gene.kind == GeneClass::TissueSpecific && u_on < kTissueOn);
    if (state.on) {
      state.log_rpkm = gene.base_level + 0.35 * n_level;
      state.rpkm = std::pow(10.0, state.log_rpkm + 0.2 * n_measure);
      state.activity = activity_of(state.log_rpkm + kChromatinNoise * n_chromatin);
    } else {
      // Roadmap matrices hold many exact zeros and a floor of low values for silent genes.
      state.log_rpkm = -1.2 + 0.4 * n_off;
      state.rpkm = u_zero < 0.55 ? 0.0 : std::pow(10.0, state.log_rpkm);
      state.repressed = gene.polycomb_target;
      state.bivalent = state.repressed && u_bivalent < 0.3;
    }
    // Exceptions: the chromatin looks like another gene's (post-transcriptional regulation,
    // mapping artefacts, RNA from a neighbour); no model can get these right.
    if (u_exception < kExceptionRate) {
      state.exception = true;
      const bool marks_on = u_exc_on < 0.5;
      state.activity = marks_on ? 0.2 + 0.8 * u_exc_level : 0.0;
      state.repressed = !marks_on && u_exc_repressed < 0.4;
      state.bivalent = false;
    }
    state.rpkm = std::round(state.rpkm * 1000.0) / 1000.0;
  }
  return states;
}

}  // namespace

Study make_study(const SimulationConfig& config) {
  config.validate();
  Study study;
  study.config = config;
  std::mt19937_64 rng(derive_seed(config.seed, "genome"));
  place_genes(study, rng);
  place_heterochromatin(study, rng);
  for (const auto& eid : config.epigenomes) study.states.push_back(draw_states(study, eid));
  return study;
}

}  // namespace achrome::sim
