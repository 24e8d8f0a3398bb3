#pragma once
// Read counts per bin from BAM/SAM/CRAM, identical to `bedtools multicov -bams X -bed bins.bed`
// (bedtools 2.30, verified by tests/stages/test_bin_bedtools.sh):
//   - a read counts once in every bin its interval overlaps by >= 1 bp (half-open);
//   - the interval is [pos, bam_endpos): M, D, N, =, X consume the reference; soft clips and
//     insertions do not. With `split` (bedtools -split) only the blocks between N operations count;
//     a D stays inside its block, exactly as bedtools splits;
//   - duplicate (0x400) and QC-fail (0x200) reads are skipped; MAPQ is not filtered; secondary
//     (0x100) and supplementary (0x800) alignments count; strand is ignored;
//   - unmapped (0x4) records are skipped. (bedtools 2.30 counts an unmapped record that carries a
//     position as covering [pos, pos+1); we do not: it is not an alignment.)
// Optional read shaping (also for tagAlign/BED reads, see text_signal.hpp), applied to the span
// [pos, bam_endpos) before counting: --five-prime keeps only the 5' base, --extend N makes the
// read the N bp fragment starting at its 5' end in its strand direction (deepTools --extendReads N
// and MACS for single-end reads), clipped to the chromosome.
// One streaming pass, any sort order, memory O(genes x bins).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "signal/gene_windows.hpp"

namespace achrome {

struct ReadCountOptions {
  int min_mapq = 0;                 // bedtools -q: keep MAPQ >= min_mapq
  bool split = false;               // bedtools -split
  bool skip_secondary = false;
  bool skip_supplementary = false;
  bool keep_duplicates = false;     // bedtools -D
  bool keep_qc_fail = false;        // bedtools -F
  bool proper_pairs_only = false;   // bedtools -p
  bool five_prime = false;          // count only the 5' end base
  std::int64_t extend = 0;          // > 0: count the fragment of this length from the 5' end
  std::string reference;            // FASTA for CRAM (optional when the CRAM needs none)
  int threads = 1;                  // htslib decompression threads
};

struct ReadCountSummary {
  std::uint64_t records = 0;       // every record read
  std::uint64_t counted = 0;       // passed the filters
  std::uint64_t in_windows = 0;    // counted in at least one bin
  std::uint64_t unmapped = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t qc_fail = 0;
  std::uint64_t secondary = 0;
  std::uint64_t supplementary = 0;
  std::uint64_t low_mapq = 0;
  std::uint64_t not_proper_pair = 0;
  std::uint64_t unknown_reference = 0;  // SAM records naming a reference the header lacks (of unmapped)
};

// Row-major [genes, bins] counts in genes.tsv order.
std::vector<float> bin_reads(const std::filesystem::path& path, const std::vector<Gene>& genes, const WindowSpec& spec,
                             const ReadCountOptions& options, const std::string& genes_path,
                             ReadCountSummary* summary = nullptr);

// Throws Error for combinations that have no single meaning (--split with --five-prime/--extend,
// --five-prime with --extend, a negative length).
void validate(const ReadCountOptions& options);

// The interval a read [begin, end) on a strand counts over after --five-prime / --extend, clipped
// to [0, chrom_length). False when nothing of it lies on the chromosome.
inline bool shape_read(std::int64_t& begin, std::int64_t& end, bool reverse, const ReadCountOptions& options,
                       std::int64_t chrom_length) {
  if (options.five_prime) {
    if (reverse) begin = end - 1;
    else end = begin + 1;
  } else if (options.extend > 0) {
    if (reverse) begin = end - options.extend;
    else end = begin + std::min(options.extend, chrom_length - begin);  // the clip below, without overflow
  }
  if (begin < 0) begin = 0;
  if (end > chrom_length) end = chrom_length;
  return begin < end;
}

// The counting core, public for tests: adds one read with reference blocks [begin_i, end_i)
// (ascending; one block unless split) to counts. Returns whether any bin was touched.
bool add_read_blocks(const GeneWindows& windows, const ChromWindows& chrom, const std::int64_t* begins,
                     const std::int64_t* ends, std::size_t blocks, std::uint32_t* counts);

}  // namespace achrome
