#include "report/run_folder.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/error.hpp"
#include "util/hash.hpp"

namespace fs = std::filesystem;

namespace achrome::report {

NpyArray read_run_signal(const RunFolder& run, const fs::path& genes_tsv, const std::vector<MarkFile>& marks) {
  const auto& names = run.metrics.marks;
  for (const auto& mark : marks)
    if (std::find(names.begin(), names.end(), mark.mark) == names.end())
      fail("--mark {}: the run has no such mark (metrics.json: {})", mark.mark, fmt::join(names, ", "));
  std::vector<MarkFile> ordered;
  for (const auto& name : names) {
    const auto it = std::find_if(marks.begin(), marks.end(), [&](const MarkFile& m) { return m.mark == name; });
    if (it == marks.end()) fail("--mark: the run's mark {} is not given (it needs all of {})", name, fmt::join(names, ", "));
    ordered.push_back(*it);
  }
  const auto stacked = stack_marks(genes_tsv, ordered);
  const std::size_t bins = stacked.inputs.bins, n_marks = ordered.size();
  const long long run_bins = run.metrics.bins;
  if (run_bins > 0 && bins != static_cast<std::size_t>(run_bins))
    fail("{}: {} bins, but the run has {} (metrics.json)", ordered.front().path.string(), bins, run_bins);
  std::unordered_map<std::string, std::size_t> row_of;
  for (std::size_t g = 0; g < stacked.gene_ids.size(); ++g) row_of.emplace(stacked.gene_ids[g], g);
  NpyArray signal;
  signal.shape = {run.genes.size(), n_marks, bins};
  signal.data.resize(run.genes.size() * n_marks * bins);
  for (std::size_t g = 0; g < run.genes.size(); ++g) {
    const auto it = row_of.find(run.genes[g].gene_id);
    if (it == row_of.end()) fail("{}: gene {} of the run is not in it", genes_tsv.string(), run.genes[g].gene_id);
    const float* in = stacked.inputs.data.data() + it->second * bins * n_marks;  // [bins, marks]
    float* out = signal.data.data() + g * n_marks * bins;                         // [marks, bins]
    for (std::size_t b = 0; b < bins; ++b)
      for (std::size_t m = 0; m < n_marks; ++m) out[m * bins + b] = in[b * n_marks + m];
  }
  return signal;
}

namespace {

// The MD5 that metrics.json's "data" recorded under a dotted key ("data.genes", "data.inputs.H3K4me3").
std::string recorded_md5(const RunFolder& run, const std::string& key) {
  for (const auto& [name, value] : provenance_entries(run.metrics))
    if (name == key) return value;
  return "";
}

// Whether a file the training read is still there with the MD5 recorded then; the reason if not.
bool unchanged_since_training(const std::string& path, const std::string& md5, std::string& why) {
  if (md5.empty() || !fs::is_regular_file(path)) {
    why = fmt::format("{} is not there", path);
    return false;
  }
  if (md5_file(path) != md5) {
    why = fmt::format("{} changed since the training", path);
    return false;
  }
  return true;
}

}  // namespace

std::optional<fs::path> recorded_genes_tsv(const RunFolder& run, std::string& why) {
  if (!run.geometry) {
    why = "the run folder has no geometry.json";
    return std::nullopt;
  }
  if (!run.geometry->genes || run.geometry->genes->path.empty()) {
    why = "geometry.json names no genes.tsv";
    return std::nullopt;
  }
  const auto& path = run.geometry->genes->path;
  if (!unchanged_since_training(path, recorded_md5(run, "data.genes"), why)) return std::nullopt;
  return fs::path(path);
}

std::optional<NpyArray> read_recorded_signal(const RunFolder& run, std::string& why) {
  const auto genes_tsv = recorded_genes_tsv(run, why);
  if (!genes_tsv) return std::nullopt;
  const auto& geometry = *run.geometry;
  std::vector<MarkFile> marks;
  for (const auto& mark : run.metrics.marks) {
    const auto it = std::find_if(geometry.signals.begin(), geometry.signals.end(),
                                 [&](const auto& entry) { return entry.first == mark; });
    if (it == geometry.signals.end() || it->second.matrix.empty()) {
      why = fmt::format("geometry.json names no matrix of {}", mark);
      return std::nullopt;
    }
    if (!unchanged_since_training(it->second.matrix, recorded_md5(run, "data.inputs." + mark), why))
      return std::nullopt;
    marks.push_back({mark, it->second.matrix});
  }
  return read_run_signal(run, *genes_tsv, marks);
}

}  // namespace achrome::report
