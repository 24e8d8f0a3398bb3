#include "genome/chrom_names.hpp"

namespace achrome {

std::string canonical_chrom(std::string_view name) {
  std::string_view rest = name;
  if (rest.size() > 3 && (rest.substr(0, 3) == "chr" || rest.substr(0, 3) == "Chr")) rest.remove_prefix(3);
  if (rest == "M" || rest == "MT") return "MT";
  return std::string(rest);
}

ChromMatcher::ChromMatcher(const std::vector<std::string>& signal_names) : names_(signal_names) {
  for (int i = 0; i < static_cast<int>(names_.size()); ++i) {
    // An exact name wins over an alias if a file has both spellings.
    by_canonical_.emplace(canonical_chrom(names_[i]), i);
  }
  for (int i = 0; i < static_cast<int>(names_.size()); ++i) by_canonical_[names_[i]] = i;
}

std::optional<int> ChromMatcher::find(std::string_view annotation_name) const {
  auto exact = by_canonical_.find(std::string(annotation_name));
  if (exact != by_canonical_.end() && names_[exact->second] == annotation_name) return exact->second;
  auto alias = by_canonical_.find(canonical_chrom(annotation_name));
  if (alias != by_canonical_.end()) return alias->second;
  return std::nullopt;
}

}  // namespace achrome
