#pragma once
// A synthetic study with planted biology: a genome of chromosomes and genes, and for every
// epigenome a latent activity per gene from which expression (RPKM) and the histone marks are
// drawn. The marks follow activity with noise and with exceptions (genes whose marks disagree
// with their expression), so a good model reaches an AUROC of about 0.85, not 1.
//
// Everything is a pure function of the configuration and its seed; each epigenome and each
// (epigenome, mark, chromosome) draws from its own generator keyed by names, so results do not
// depend on thread count, and adding an epigenome or a mark leaves the others unchanged.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "genome/window.hpp"

namespace achrome::sim {

// The five marks of the published data, plus H3K27ac (an active mark that is not a model input,
// used to check that H3K4me3 attention tracks it).
enum class Mark { H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3, H3K27ac };
Mark parse_mark(std::string_view name);  // throws Error listing the known marks
std::string_view mark_name(Mark mark);

struct SimulationConfig {
  int genes = 2000;
  std::vector<std::string> epigenomes = {"E001", "E002", "E003"};
  std::vector<std::string> marks = {"H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"};
  int chromosomes = 4;
  std::uint64_t seed = 1;
  double depth = 1.0;  // background reads per 100 bp per mark; every planted signal scales with it
  int read_length = 36;
  bool write_bam = true;
  bool write_bigwig = true;
  void validate() const;  // throws Error naming the bad flag
};

enum class GeneClass { Housekeeping, TissueSpecific, Silent };

struct SimGene {
  std::string id;  // versioned, ENSGS00000000001.1
  std::string name;
  int chrom = 0;  // index into Study::chromosomes
  std::int64_t body_start = 0;  // 0-based half-open gene body
  std::int64_t body_end = 0;
  Strand strand = Strand::Plus;
  GeneClass kind = GeneClass::Silent;
  bool polycomb_target = false;  // repressed by H3K27me3 where it is off
  double base_level = 0;         // log10 RPKM around which the gene is expressed when on

  std::int64_t tss() const { return strand == Strand::Plus ? body_start : body_end - 1; }
  std::int64_t length() const { return body_end - body_start; }
  // Genomic coordinate of the base `offset` bases downstream (transcript sense) of the TSS.
  std::int64_t at(std::int64_t offset) const { return strand == Strand::Plus ? tss() + offset : tss() - offset; }
};

// One gene in one epigenome.
struct GeneState {
  bool on = false;
  double log_rpkm = -3;     // latent expression level
  double rpkm = 0;          // the measured value written to expression.tsv
  double activity = 0;      // 0..1, what the marks see (usually a function of log_rpkm)
  bool repressed = false;   // polycomb: broad H3K27me3
  bool bivalent = false;    // poised: weak H3K4me3/H3K4me1 on top of H3K27me3
  bool exception = false;   // marks drawn from another state than the expression
};

struct Chromosome {
  std::string name;
  std::int64_t length = 0;
};

struct Domain {
  int chrom = 0;
  std::int64_t start = 0, end = 0;
};

struct Study {
  SimulationConfig config;
  std::vector<Chromosome> chromosomes;
  std::vector<SimGene> genes;                  // ordered by chromosome, then start
  std::vector<Domain> heterochromatin;         // H3K9me3 domains
  std::vector<std::vector<GeneState>> states;  // [epigenome][gene]
};

Study make_study(const SimulationConfig& config);

// A generator seed derived from the study seed and a key ("reads/E001/H3K4me3/chr1").
std::uint64_t derive_seed(std::uint64_t seed, std::string_view key);

}  // namespace achrome::sim
