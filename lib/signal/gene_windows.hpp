#pragma once
// The genes' windows laid out per chromosome of one signal file, for fast "which windows does
// this interval touch" queries while streaming reads or walking a bigWig.
//
// All windows have the same length (WindowSpec), so windows sorted by start are also sorted by
// end, and the windows overlapping any interval form one contiguous run of that order. A bucket
// table (first window ending after each 4 kb bucket start) finds the run's start in O(1).
#include <cstdint>
#include <string>
#include <vector>

#include "annotation/genes.hpp"
#include "genome/window.hpp"

namespace achrome {

struct GeneWindow {
  std::int64_t start = 0;   // genomic window start (may be < 0)
  std::uint32_t row = 0;    // row in genes.tsv order
  bool reversed = false;    // output columns run against the genome (minus strand, transcript)
};

struct ChromWindows {
  std::string name;          // the signal file's spelling
  std::int64_t length = 0;   // chromosome length in the signal file
  std::vector<GeneWindow> windows;            // sorted by start
  std::vector<std::uint32_t> first_by_bucket;  // first window with end > bucket start

  static constexpr int kBucketShift = 12;
};

class GeneWindows {
 public:
  // signal_names/lengths: the signal file's chromosomes (index = the file's id). Throws Error if
  // genes is non-empty and no gene chromosome matches any signal chromosome.
  GeneWindows(const std::vector<Gene>& genes, const WindowSpec& spec, const std::vector<std::string>& signal_names,
              const std::vector<std::int64_t>& signal_lengths, const std::string& signal_path,
              const std::string& genes_path);

  const WindowSpec& spec() const { return spec_; }
  std::size_t genes() const { return genes_; }
  int bins() const { return bins_; }
  std::int64_t window_length() const { return spec_.length(); }
  // nullptr when no gene lies on that signal chromosome.
  const ChromWindows* chrom(int signal_index) const {
    return (signal_index >= 0 && signal_index < static_cast<int>(by_signal_.size()) && by_signal_[signal_index] >= 0)
               ? &chroms_[by_signal_[signal_index]]
               : nullptr;
  }
  const std::vector<ChromWindows>& chroms() const { return chroms_; }

  // Genes whose chromosome the signal file lacks (their rows stay zero) and those chromosomes.
  std::size_t genes_on_absent_chroms() const { return genes_absent_; }
  const std::vector<std::string>& absent_chroms() const { return absent_chroms_; }
  // Genes whose whole window lies before base 0 or at or past the chromosome's end (a TSS past the
  // end, a large --anchor-offset): their rows stay zero. The first such gene in genes.tsv order.
  std::size_t genes_off_chroms() const { return genes_off_; }
  const std::string& first_off_chrom() const { return first_off_; }
  // One warning line when there are such genes; another wording when no window is left at all.
  void warn_windows_off_chroms(const std::string& signal_path) const;

  // Index range [first, last) of the windows of c that overlap [begin, end) (begin >= 0).
  std::pair<std::size_t, std::size_t> overlapping(const ChromWindows& c, std::int64_t begin, std::int64_t end) const {
    const auto& w = c.windows;
    std::size_t bucket = static_cast<std::size_t>(begin >> ChromWindows::kBucketShift);
    std::size_t i = bucket < c.first_by_bucket.size() ? c.first_by_bucket[bucket] : w.size();
    const std::int64_t length = spec_.length();
    while (i < w.size() && w[i].start + length <= begin) ++i;
    std::size_t j = i;
    while (j < w.size() && w[j].start < end) ++j;
    return {i, j};
  }

 private:
  WindowSpec spec_;
  std::size_t genes_ = 0;
  int bins_ = 0;
  std::vector<ChromWindows> chroms_;
  std::vector<int> by_signal_;  // signal index -> chroms_ index or -1
  std::size_t genes_absent_ = 0;
  std::vector<std::string> absent_chroms_;
  std::size_t genes_off_ = 0;
  std::string first_off_;
};

}  // namespace achrome
