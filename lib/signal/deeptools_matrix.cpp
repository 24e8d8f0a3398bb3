#include "signal/deeptools_matrix.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <htslib/bgzf.h>
#include <nlohmann/json.hpp>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace achrome {

std::string deeptools_label(const std::filesystem::path& signal) {
  std::filesystem::path name = signal.filename();
  if (name.extension() == ".gz") name = name.stem();
  return name.stem().string();
}

void write_deeptools_matrix(const std::filesystem::path& path, const std::vector<Gene>& genes, const WindowSpec& spec,
                            const std::vector<float>& matrix, const DeeptoolsMatrixInfo& info) {
  const int bins = spec.bins();
  if (matrix.size() != genes.size() * static_cast<std::size_t>(bins))
    fail("{}: matrix has {} values, expected {} genes x {} bins", path.string(), matrix.size(), genes.size(), bins);
  // The header as deepTools 3.5 writes it for `computeMatrix reference-point --referencePoint TSS`:
  // one value per sample for the per-sample keys, the rest scalars (ordered_json keeps the order).
  nlohmann::ordered_json header;
  header["upstream"] = {spec.upstream};
  header["downstream"] = {spec.downstream};
  header["body"] = {0};
  header["bin size"] = {spec.bin_size};
  header["ref point"] = {"TSS"};
  header["verbose"] = false;
  header["bin avg type"] = "mean";
  header["missing data as zero"] = info.missing_data_as_zero;
  header["min threshold"] = nullptr;
  header["max threshold"] = nullptr;
  header["scale"] = 1;
  header["skip zeros"] = false;
  header["nan after end"] = false;
  header["proc number"] = info.threads;
  header["sort regions"] = "keep";
  header["sort using"] = "mean";
  header["unscaled 5 prime"] = {0};
  header["unscaled 3 prime"] = {0};
  header["group_labels"] = {"genes"};
  header["group_boundaries"] = {0, genes.size()};
  header["sample_labels"] = {info.sample_label};
  header["sample_boundaries"] = {0, bins};

  AtomicFile out(path);
  const std::string temp = out.temp_path().string();
  BGZF* fp = bgzf_open(temp.c_str(), "w");  // BGZF is gzip: deepTools' gzip.open reads it
  if (!fp) fail("{}: cannot write: {}", path.string(), std::strerror(errno));
  if (info.threads > 1) bgzf_mt(fp, info.threads, 256);
  bool failed = false;
  auto put = [&](const std::string& text) {
    if (!failed && bgzf_write(fp, text.data(), text.size()) != static_cast<ssize_t>(text.size())) failed = true;
  };
  put("@" + header.dump() + "\n");
  std::string line;
  for (std::size_t row = 0; row < genes.size(); ++row) {
    const Gene& g = genes[row];
    const std::int64_t anchor = g.tss + spec.anchor_offset;
    const std::int64_t start = g.strand == Strand::Plus ? anchor : anchor - 1;
    line = fmt::format("{}\t{}\t{}\t{}\t0.0\t{}", g.chrom, start, start + 1, g.id, static_cast<char>(g.strand));
    // deepTools rows run upstream -> downstream: reverse minus-strand genes stored in genomic order.
    const bool reverse = g.strand == Strand::Minus && spec.orientation == Orientation::Genomic;
    const float* values = matrix.data() + row * static_cast<std::size_t>(bins);
    for (int k = 0; k < bins; ++k) {
      const float v = values[reverse ? bins - 1 - k : k];
      line += std::isnan(v) ? std::string("\tnan") : fmt::format("\t{:f}", static_cast<double>(v));
    }
    line += '\n';
    put(line);
  }
  if (bgzf_close(fp) != 0 || failed) fail("{}: write error", path.string());
  out.commit();
}

}  // namespace achrome
