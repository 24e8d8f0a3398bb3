#pragma once
// The window of bins around each gene's TSS. The anchor convention lives here and only here.
//
// Published AttentiveChrome windows are [tss + 1 - 5000, tss + 1 + 5000) in 0-based half-open
// coordinates, with tss the 0-based TSS base (GTF start - 1 on '+', end - 1 on '-'); i.e. the
// GTF's 1-based TSS coordinate minus/plus 5 kb. Bin k is [start + 100k, start + 100(k + 1)).
#include <cstdint>
#include <string_view>

namespace achrome {

enum class Strand : char { Plus = '+', Minus = '-' };
// genomic: bins ascend in genome coordinate for every gene (the published data).
// transcript: minus-strand genes are reversed so bin 0 is always upstream (deepTools' choice).
enum class Orientation { Genomic, Transcript };

Strand parse_strand(std::string_view text);  // "+" or "-"; throws Error otherwise
Orientation parse_orientation(std::string_view text);  // "genomic" or "transcript"

struct WindowSpec {
  std::int64_t upstream = 5000;    // bases 5' of the anchor (transcript sense)
  std::int64_t downstream = 5000;  // bases 3' of the anchor
  std::int64_t bin_size = 100;
  // The anchor is tss + anchor_offset (0-based). 1 reproduces the published windows.
  std::int64_t anchor_offset = 1;
  Orientation orientation = Orientation::Genomic;

  std::int64_t length() const { return upstream + downstream; }
  int bins() const { return static_cast<int>(length() / bin_size); }
  // Throws Error if sizes are not positive or the window is not a whole number of bins.
  void validate() const;

  // 0-based half-open genomic window of a gene (may start below 0 or end past the chromosome).
  std::int64_t start(std::int64_t tss, Strand strand) const {
    const std::int64_t anchor = tss + anchor_offset;
    return strand == Strand::Plus ? anchor - upstream : anchor - downstream;
  }
  std::int64_t end(std::int64_t tss, Strand strand) const { return start(tss, strand) + length(); }

  // Output column of the bin that covers genomic bin index k (k counted from the window start).
  int column(int genomic_bin, Strand strand) const {
    return (orientation == Orientation::Transcript && strand == Strand::Minus) ? bins() - 1 - genomic_bin
                                                                                : genomic_bin;
  }
};

}  // namespace achrome
