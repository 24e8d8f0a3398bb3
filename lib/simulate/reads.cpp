#include "simulate/reads.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "util/error.hpp"

namespace achrome::sim {

namespace {

// Shapes of the planted signal, in transcript-relative offsets from the TSS (positive =
// downstream). Folds are enrichment over the background read rate at full activity.
namespace shape {
constexpr double kH3K4me3Center = 100, kH3K4me3Sd = 500, kH3K4me3Fold = 30, kH3K4me3Bivalent = 5;
constexpr double kH3K27acCenter = 0, kH3K27acSd = 400, kH3K27acFold = 20;
constexpr double kH3K4me1Upstream = -2000, kH3K4me1Downstream = 2200, kH3K4me1Sd = 600, kH3K4me1Fold = 5,
                 kH3K4me1Poised = 3;
constexpr double kH3K36me3Offset = 1000, kH3K36me3Fold = 4;
constexpr double kH3K27me3Upstream = 6000, kH3K27me3PastEnd = 2000, kH3K27me3Fold = 3.5;
constexpr double kH3K9me3Fold = 3;
constexpr double kDuplicateRate = 0.02;
constexpr std::int64_t kBackgroundBlock = 10000;  // background rate varies block to block
}  // namespace shape

constexpr double kSqrt2Pi = 2.5066282746310002;

class ReadSampler {
 public:
  ReadSampler(std::uint64_t seed, std::int64_t chrom_length, int read_length, double reads_per_base,
              std::vector<std::uint64_t>& out)
      : rng_(seed), chrom_length_(chrom_length), read_length_(read_length), rate_(reads_per_base), out_(out) {}

  std::mt19937_64& rng() { return rng_; }
  double unit() { return unit_(rng_); }
  std::int64_t poisson(double mean) {
    if (!(mean > 0)) return 0;
    return std::poisson_distribution<std::int64_t>(mean)(rng_);
  }

  // A read covering `center` (clamped so it lies inside the chromosome).
  void add(double center) {
    if (chrom_length_ < read_length_) return;
    auto start = static_cast<std::int64_t>(std::floor(center)) - read_length_ / 2;
    start = std::clamp<std::int64_t>(start, 0, chrom_length_ - read_length_);
    Read read;
    read.pos = start;
    read.reverse = unit() < 0.5;
    // Mostly unique hits; some lower-confidence and multi-mapping (MAPQ 0) ones, as from bowtie.
    const double u = unit();
    read.mapq = u < 0.8 ? 60 : u < 0.92 ? static_cast<std::uint8_t>(10 + 50 * unit()) : 0;
    out_.push_back(read.pack());
  }

  void gaussian(double center, double sd, double fold) {
    const auto n = poisson(rate_ * fold * sd * kSqrt2Pi);
    for (std::int64_t i = 0; i < n; ++i) add(center + sd * normal_(rng_));
  }
  void uniform(double begin, double end, double fold) {
    if (end <= begin) return;
    const auto n = poisson(rate_ * fold * (end - begin));
    for (std::int64_t i = 0; i < n; ++i) add(begin + (end - begin) * unit());
  }
  // Density rising linearly from 0.4 at the TSS side to 1 at the 3' end, like H3K36me3.
  void ramp(const SimGene& gene, double offset_begin, double offset_end, double fold) {
    if (offset_end <= offset_begin) return;
    const double span = offset_end - offset_begin;
    const auto n = poisson(rate_ * fold * span * 0.7);
    for (std::int64_t i = 0; i < n; ++i) {
      const double t = unit() < 0.4 / 0.7 ? unit() : std::sqrt(unit());
      add(static_cast<double>(gene.at(static_cast<std::int64_t>(offset_begin + t * span))));
    }
  }

  void background(double variability_shape) {
    std::gamma_distribution<double> multiplier(variability_shape, 1.0 / variability_shape);
    for (std::int64_t block = 0; block < chrom_length_; block += shape::kBackgroundBlock) {
      const auto end = std::min(chrom_length_, block + shape::kBackgroundBlock);
      uniform(static_cast<double>(block), static_cast<double>(end), multiplier(rng_));
    }
  }

 private:
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::int64_t chrom_length_;
  int read_length_;
  double rate_;
  std::vector<std::uint64_t>& out_;
};

// Per-file library size and signal-to-noise: real ChIP-seq libraries differ in both, which is
// why AUROC differs between epigenomes.
struct FileQuality {
  double library = 1;
  double signal = 1;
};
FileQuality file_quality(const Study& study, const std::string& eid, Mark mark) {
  std::mt19937_64 rng(derive_seed(study.config.seed, "quality/" + eid + "/" + std::string(mark_name(mark))));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  FileQuality q;
  q.library = 0.8 + 0.45 * unit(rng);
  q.signal = 0.6 + 0.7 * unit(rng);
  return q;
}

// Distal regulatory elements shared by the marks of one epigenome (H3K4me1 and H3K27ac sites,
// some weak H3K4me3): peaks that do not belong to any gene's promoter.
void plant_enhancers(const Study& study, const std::string& eid, Mark mark, int chrom, double signal,
                     ReadSampler& sampler) {
  double fold;
  switch (mark) {
    case Mark::H3K4me1: fold = 6; break;
    case Mark::H3K27ac: fold = 10; break;
    case Mark::H3K4me3: fold = 2; break;
    default: return;
  }
  const auto& chromosome = study.chromosomes[chrom];
  std::mt19937_64 rng(derive_seed(study.config.seed, "enhancers/" + eid + "/" + chromosome.name));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto n = chromosome.length / 50000;
  for (std::int64_t i = 0; i < n; ++i) {
    const double center = unit(rng) * static_cast<double>(chromosome.length);
    const double strength = unit(rng);
    sampler.gaussian(center, 500, fold * signal * strength);
  }
}

void plant_gene(const SimGene& gene, const GeneState& state, Mark mark, double signal, ReadSampler& sampler) {
  using namespace shape;
  const double a = state.activity;
  const auto tss_at = [&](double offset) { return static_cast<double>(gene.at(static_cast<std::int64_t>(offset))); };
  switch (mark) {
    case Mark::H3K4me3:
      if (a > 0) sampler.gaussian(tss_at(kH3K4me3Center), kH3K4me3Sd, kH3K4me3Fold * signal * std::pow(a, 0.7));
      else if (state.bivalent) sampler.gaussian(tss_at(kH3K4me3Center), kH3K4me3Sd, kH3K4me3Bivalent * signal);
      break;
    case Mark::H3K27ac:
      if (a > 0) sampler.gaussian(tss_at(kH3K27acCenter), kH3K27acSd, kH3K27acFold * signal * a);
      break;
    case Mark::H3K4me1: {
      const double fold = a > 0 ? kH3K4me1Fold * (0.4 + 0.6 * a) : state.bivalent ? kH3K4me1Poised : 0.0;
      if (fold > 0) {
        sampler.gaussian(tss_at(kH3K4me1Upstream), kH3K4me1Sd, fold * signal);
        sampler.gaussian(tss_at(kH3K4me1Downstream), kH3K4me1Sd, fold * signal);
      }
      break;
    }
    case Mark::H3K36me3:
      if (a > 0) sampler.ramp(gene, kH3K36me3Offset, static_cast<double>(gene.length()), kH3K36me3Fold * signal * a);
      break;
    case Mark::H3K27me3:
      if (state.repressed) {
        const double a_end = gene.at(-static_cast<std::int64_t>(kH3K27me3Upstream));
        const double b_end = gene.at(gene.length() + static_cast<std::int64_t>(kH3K27me3PastEnd));
        sampler.uniform(std::min(a_end, b_end), std::max(a_end, b_end), kH3K27me3Fold * signal);
      }
      break;
    case Mark::H3K9me3:
      break;  // domains, not genes
  }
}

}  // namespace

std::vector<std::uint64_t> simulate_reads(const Study& study, int epigenome, Mark mark, int chrom) {
  const auto& config = study.config;
  const auto& eid = config.epigenomes.at(epigenome);
  const auto& chromosome = study.chromosomes.at(chrom);
  const auto quality = file_quality(study, eid, mark);
  std::vector<std::uint64_t> reads;
  reads.reserve(static_cast<std::size_t>(static_cast<double>(chromosome.length) * config.depth / 100.0 * 1.6) + 1024);
  ReadSampler sampler(derive_seed(config.seed, "reads/" + eid + "/" + std::string(mark_name(mark)) + "/" + chromosome.name),
                      chromosome.length, config.read_length, config.depth / 100.0 * quality.library, reads);

  sampler.background(6.0);
  const auto& states = study.states.at(epigenome);
  for (std::size_t g = 0; g < study.genes.size(); ++g)
    if (study.genes[g].chrom == chrom) plant_gene(study.genes[g], states[g], mark, quality.signal, sampler);
  plant_enhancers(study, eid, mark, chrom, quality.signal, sampler);
  if (mark == Mark::H3K9me3)
    for (const auto& domain : study.heterochromatin)
      if (domain.chrom == chrom)
        sampler.uniform(static_cast<double>(domain.start), static_cast<double>(domain.end), shape::kH3K9me3Fold * quality.signal);

  // PCR duplicates: copies of existing reads, flagged 0x400 (as after Picard MarkDuplicates).
  const auto originals = reads.size();
  if (originals > 0) {
    const auto n_dup = std::binomial_distribution<std::int64_t>(static_cast<std::int64_t>(originals), shape::kDuplicateRate)(sampler.rng());
    std::uniform_int_distribution<std::size_t> pick(0, originals - 1);
    for (std::int64_t i = 0; i < n_dup; ++i) {
      auto read = Read::unpack(reads[pick(sampler.rng())]);
      read.duplicate = true;
      reads.push_back(read.pack());
    }
  }
  std::sort(reads.begin(), reads.end());
  return reads;
}

void coverage_runs(const std::vector<std::uint64_t>& reads, int read_length, std::int64_t chrom_length,
                   const std::function<void(std::int64_t, std::int64_t, std::uint32_t)>& emit) {
  // Reads have one length, so their ends are sorted like their starts: a merge of two cursors.
  const auto n = reads.size();
  const auto is_dup = [&](std::size_t i) { return ((reads[i] >> 9) & 1) != 0; };
  const auto start_of = [&](std::size_t i) { return static_cast<std::int64_t>(reads[i] >> 16); };
  std::size_t i = 0, j = 0;
  const auto skip = [&](std::size_t& k) { while (k < n && is_dup(k)) ++k; };
  skip(i);
  skip(j);
  constexpr auto kNone = std::numeric_limits<std::int64_t>::max();
  std::int64_t position = 0;
  std::uint32_t depth = 0;
  std::int64_t run_start = 0;
  std::uint32_t run_depth = 0;
  while (j < n) {
    const std::int64_t next = std::min(i < n ? start_of(i) : kNone, start_of(j) + read_length);
    if (next > position && depth != run_depth) {
      if (position > run_start) emit(run_start, position, run_depth);
      run_start = position;
      run_depth = depth;
    }
    while (i < n && start_of(i) == next) ++depth, ++i, skip(i);
    while (j < n && start_of(j) + read_length == next) --depth, ++j, skip(j);
    position = next;
  }
  // depth is 0 here; close the last covered run and the trailing zero run.
  if (run_depth != 0 && position > run_start) {
    emit(run_start, position, run_depth);
    run_start = position;
  }
  if (chrom_length > run_start) emit(run_start, chrom_length, 0);
}

std::vector<TruthRow> planted_truth(const std::vector<std::string>& marks) {
  using namespace shape;
  const WindowSpec window;  // the default published window, + strand = transcript orientation
  const auto window_start = window.start(0, Strand::Plus);
  const auto bin_of = [&](double offset) {
    const auto bin = static_cast<int>(std::floor((offset - static_cast<double>(window_start)) / static_cast<double>(window.bin_size)));
    return std::clamp(bin, 0, window.bins());
  };
  // Bins holding the central 2 sd of a Gaussian peak, or a half-open offset range.
  const auto peak = [&](double center, double sd) { return std::pair{bin_of(center - 2 * sd), bin_of(center + 2 * sd) + 1}; };
  const auto range = [&](double begin, double end) { return std::pair{bin_of(begin), std::min(window.bins(), bin_of(end - 1) + 1)}; };
  std::vector<TruthRow> rows;
  const auto add = [&](const std::string& mark, const char* region, std::pair<int, int> bins, const char* effect) {
    rows.push_back({mark, region, bins.first, bins.second, effect});
  };
  for (const auto& name : marks) {
    switch (parse_mark(name)) {
      case Mark::H3K4me3: add(name, "tss", peak(kH3K4me3Center, kH3K4me3Sd), "active"); break;
      case Mark::H3K27ac: add(name, "tss", peak(kH3K27acCenter, kH3K27acSd), "active"); break;
      case Mark::H3K4me1:
        add(name, "tss_upstream_flank", peak(kH3K4me1Upstream, kH3K4me1Sd), "active");
        add(name, "tss_downstream_flank", peak(kH3K4me1Downstream, kH3K4me1Sd), "active");
        break;
      case Mark::H3K36me3:
        add(name, "gene_body", range(kH3K36me3Offset, static_cast<double>(window.downstream)), "active"); break;
      case Mark::H3K27me3:
        add(name, "broad", range(-kH3K27me3Upstream, static_cast<double>(window.downstream)), "repressed"); break;
      case Mark::H3K9me3: add(name, "heterochromatin", {0, window.bins()}, "weak_repressed"); break;
    }
  }
  return rows;
}

}  // namespace achrome::sim
