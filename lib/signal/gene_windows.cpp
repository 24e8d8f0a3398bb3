#include "signal/gene_windows.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "genome/chrom_names.hpp"
#include "util/error.hpp"

namespace achrome {

namespace {
std::string first_names(const std::vector<std::string>& names, std::size_t most) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < most; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > most) text += fmt::format(", ... ({} in all)", names.size());
  return text.empty() ? "none" : text;
}
}  // namespace

GeneWindows::GeneWindows(const std::vector<Gene>& genes, const WindowSpec& spec,
                         const std::vector<std::string>& signal_names, const std::vector<std::int64_t>& signal_lengths,
                         const std::string& signal_path, const std::string& genes_path)
    : spec_(spec), genes_(genes.size()) {
  spec_.validate();
  bins_ = spec_.bins();
  const ChromMatcher matcher(signal_names);
  by_signal_.assign(signal_names.size(), -1);

  std::vector<std::string> gene_chroms;  // first-seen order, for messages
  std::set<std::string> seen, absent;
  for (std::size_t row = 0; row < genes.size(); ++row) {
    const Gene& gene = genes[row];
    if (seen.insert(gene.chrom).second) gene_chroms.push_back(gene.chrom);
    const auto index = matcher.find(gene.chrom);
    if (!index) {
      ++genes_absent_;
      if (absent.insert(gene.chrom).second) absent_chroms_.push_back(gene.chrom);
      continue;
    }
    if (by_signal_[*index] < 0) {
      by_signal_[*index] = static_cast<int>(chroms_.size());
      ChromWindows c;
      c.name = signal_names[*index];
      c.length = signal_lengths[*index];
      chroms_.push_back(std::move(c));
    }
    GeneWindow w;
    w.start = spec_.start(gene.tss, gene.strand);
    w.row = static_cast<std::uint32_t>(row);
    w.reversed = spec_.column(0, gene.strand) != 0;
    ChromWindows& c = chroms_[by_signal_[*index]];
    if (std::max<std::int64_t>(w.start, 0) >= std::min(w.start + spec_.length(), c.length)) {
      if (genes_off_++ == 0) first_off_ = gene.id;
    }
    c.windows.push_back(w);
  }
  if (!genes.empty() && chroms_.empty())
    fail("{}: shares no chromosome with {} (signal has {}; genes have {})", signal_path, genes_path,
         first_names(signal_names, 5), first_names(gene_chroms, 5));

  const std::int64_t length = spec_.length();
  for (auto& c : chroms_) {
    std::stable_sort(c.windows.begin(), c.windows.end(),
                     [](const GeneWindow& a, const GeneWindow& b) { return a.start < b.start; });
    // Reads are clipped to [0, length), so buckets cover the chromosome only.
    const std::size_t buckets = static_cast<std::size_t>(std::max<std::int64_t>(c.length, 1) >> ChromWindows::kBucketShift) + 1;
    c.first_by_bucket.resize(buckets);
    std::size_t i = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::int64_t bucket_start = static_cast<std::int64_t>(b) << ChromWindows::kBucketShift;
      while (i < c.windows.size() && c.windows[i].start + length <= bucket_start) ++i;
      c.first_by_bucket[b] = static_cast<std::uint32_t>(i);
    }
  }
}

void GeneWindows::warn_windows_off_chroms(const std::string& signal_path) const {
  if (genes_off_ == 0) return;
  if (genes_off_ == genes_ - genes_absent_)
    spdlog::warn("{}: all {} genes have windows wholly outside their chromosome (first: {}; --anchor-offset {}): "
                 "the matrix is all zeros",
                 signal_path, genes_off_, first_off_, spec_.anchor_offset);
  else
    spdlog::warn("{}: {} genes have windows wholly outside their chromosome (first: {}); their rows are zeros",
                 signal_path, genes_off_, first_off_);
}

}  // namespace achrome
