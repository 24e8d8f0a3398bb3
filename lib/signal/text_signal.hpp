#pragma once
// Text interval signal files: tagAlign / BED reads and bedGraph tracks, plain, gzip or BGZF.
//
// tagAlign / BED reads: `chrom start end [name score strand ...]`, 0-based half-open (the Roadmap
// consolidated files are `chrom start end N 1000 strand`). Every line is one read and counts exactly
// as a BAM read does (read_binner.hpp): once in every bin it overlaps by >= 1 bp; there are no flags,
// so nothing is filtered. --five-prime / --extend need the strand column.
//
// bedGraph: `chrom start end value` (`track`/`browser`/`#` lines ignored); bins get the same means as
// a bigWig (bigwig_binner.hpp, deepTools computeMatrix --averageTypeBins mean) in both missing-data
// modes; a value `nan` is missing data, as a NaN stored in a bigWig.
//
// Neither format carries chromosome lengths. Without `chrom_sizes` a chromosome ends, for clipping,
// after the last gene window on it; with it, reads are clipped at the real end (matters only for
// reads or extended fragments that run past the end). Files need not be sorted: one streaming pass,
// no index. BGZF is decompressed by htslib threads; the text is cut into chunks of whole lines that
// oneTBB parses and counts in parallel into per-thread matrices (memory O(threads x genes x bins)).
// Malformed lines throw Error "file:line: ...". Overlapping bedGraph intervals are an error in any
// line order (text_signal.cpp, check_no_overlaps), naming both lines.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "signal/bigwig_binner.hpp"
#include "signal/read_binner.hpp"

namespace achrome {

enum class TextSignalKind { Reads, BedGraph };

// Judges a text file (plain/gzip/BGZF) from its first data lines: 4 columns with a numeric 4th (or a
// `track type=bedGraph` line) -> BedGraph; 3 or more columns with integer start/end otherwise ->
// Reads. nullopt when the content is not such text (binary, or the first data line does not parse).
std::optional<TextSignalKind> sniff_text_signal(const std::filesystem::path& path);

struct TextSignalOptions {
  std::filesystem::path chrom_sizes;  // optional `chrom length` table (UCSC chrom.sizes)
  int threads = 1;                    // BGZF decompression threads (chunks use oneTBB's limit)
};

struct TextReadSummary {
  std::uint64_t lines = 0;       // data lines (reads)
  std::uint64_t in_windows = 0;  // reads counted in at least one bin
};

std::vector<float> bin_text_reads(const std::filesystem::path& path, const std::vector<Gene>& genes,
                                  const WindowSpec& spec, const ReadCountOptions& reads,
                                  const TextSignalOptions& options, const std::string& genes_path,
                                  TextReadSummary* summary = nullptr);

std::vector<float> bin_bedgraph(const std::filesystem::path& path, const std::vector<Gene>& genes,
                                const WindowSpec& spec, const BigWigOptions& track, const TextSignalOptions& options,
                                const std::string& genes_path);

}  // namespace achrome
