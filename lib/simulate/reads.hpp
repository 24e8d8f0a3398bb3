#pragma once
// Reads of one (epigenome, mark, chromosome): background everywhere plus the planted signal of
// every gene, as a coordinate-sorted vector of packed reads. Memory is 8 bytes a read for one
// chromosome at a time.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "simulate/study.hpp"

namespace achrome::sim {

// A read packed into 64 bits so that sorting the integers sorts by position:
// bits 16.. position (0-based leftmost base), bit 9 duplicate, bit 8 reverse strand, bits 0-7 MAPQ.
struct Read {
  std::int64_t pos = 0;
  bool reverse = false;
  bool duplicate = false;
  std::uint8_t mapq = 60;

  std::uint64_t pack() const {
    return (static_cast<std::uint64_t>(pos) << 16) | (std::uint64_t{duplicate} << 9) | (std::uint64_t{reverse} << 8) | mapq;
  }
  static Read unpack(std::uint64_t packed) {
    return {static_cast<std::int64_t>(packed >> 16), ((packed >> 8) & 1) != 0, ((packed >> 9) & 1) != 0,
            static_cast<std::uint8_t>(packed & 0xff)};
  }
};

// Sorted packed reads for one epigenome (index into config.epigenomes), mark and chromosome.
std::vector<std::uint64_t> simulate_reads(const Study& study, int epigenome, Mark mark, int chrom);

// Runs of constant coverage of the non-duplicate reads (bedGraph style, zero runs included, so
// the runs tile [0, chrom_length)). `reads` must be sorted.
void coverage_runs(const std::vector<std::uint64_t>& reads, int read_length, std::int64_t chrom_length,
                   const std::function<void(std::int64_t start, std::int64_t end, std::uint32_t depth)>& emit);

// Where the signal is planted, in transcript-relative bins of the default window (100 bins of
// 100 bp, bin 0 = 5 kb upstream of the TSS); the rows of truth.tsv.
struct TruthRow {
  std::string mark;
  std::string region;
  int bin_start = 0;  // inclusive
  int bin_end = 0;    // exclusive
  std::string effect;
};
std::vector<TruthRow> planted_truth(const std::vector<std::string>& marks);

}  // namespace achrome::sim
