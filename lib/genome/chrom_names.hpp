#pragma once
// Chromosome naming differs between sources (UCSC "chr1"/"chrM", Ensembl "1"/"MT"). Names that
// differ only in that way match; anything else unmatched is reported, never silently zero.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace achrome {

// "chr1" -> "1", "chrM"/"chrMT"/"M" -> "MT", "chrX" -> "X"; other names are returned unchanged.
std::string canonical_chrom(std::string_view name);

// Maps annotation chromosome names onto the names (and their indices) of one signal file.
class ChromMatcher {
 public:
  explicit ChromMatcher(const std::vector<std::string>& signal_names);
  // Index into signal_names, or nullopt when the file has no such chromosome under any alias.
  std::optional<int> find(std::string_view annotation_name) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> by_canonical_;
};

}  // namespace achrome
