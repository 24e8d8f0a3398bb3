#pragma once
// The geometry sidecar of a binned matrix: `X.npy` -> `X.npy.json`, which says what the columns of
// X are (the window around the TSS, the bin size, the anchor, the orientation) and what X was made
// from (genes.tsv, the signal file), as a deepTools matrix carries its header. achrome-bin and
// achrome-import write one beside every matrix; achrome-train checks that the marks of a model
// agree and copies the geometry into the run folder as geometry.json (the same format, with the
// signal of every mark); achrome-report draws the profiles from it. The one reader and writer of
// the format (docs/formats.md "Geometry sidecar").
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "genome/window.hpp"

namespace achrome {

// Where a matrix's values came from. md5 is left empty for signal files: hashing a 30 GB BAM would
// take longer than binning it (MD5 runs at about 0.6 GB/s), so size and modification time identify
// them instead; genes.tsv is small and always hashed.
struct SourceFile {
  std::string path;            // as given on the command line
  std::string format;          // signal: bam, sam, cram, bigwig, tagalign, bedgraph, deepchrome-csv, ...
  std::string md5;             // hex; empty when not computed
  std::uintmax_t size = 0;     // bytes; 0 when not recorded
  std::string modified;        // UTC, ISO 8601; empty when not recorded
  std::size_t rows = 0;        // genes.tsv: its genes
  std::string matrix;          // geometry.json of a run folder: the mark's .npy as achrome-train read it
};

struct BinGeometry {
  std::int64_t upstream = 0;     // bases 5' of the anchor (transcript sense)
  std::int64_t downstream = 0;   // bases 3' of the anchor
  std::int64_t bin_size = 0;
  std::int64_t bins = 0;
  std::int64_t anchor_offset = 0;  // the anchor is the TSS base + anchor_offset (0-based)
  Orientation orientation = Orientation::Genomic;
  std::optional<SourceFile> genes;
  // One signal per matrix; geometry.json of a run folder lists every mark's, in the model's order.
  std::vector<std::pair<std::string, SourceFile>> signals;  // (mark or "", source)

  static BinGeometry of(const WindowSpec& spec);
  WindowSpec window() const;
  // "" when the columns mean the same thing (window, bins, anchor, orientation), else what differs,
  // e.g. "upstream 5000 vs 2000". Sources are not compared: each mark has its own signal file.
  std::string difference(const BinGeometry& other) const;
};

// X.npy -> X.npy.json
std::filesystem::path geometry_sidecar(const std::filesystem::path& npy);

// Size and modification time of a file (no hash), for SourceFile.
SourceFile describe_file(const std::filesystem::path& path, std::string format);
// The same with its MD5 and, for a genes.tsv, the gene count.
SourceFile describe_hashed_file(const std::filesystem::path& path, std::string format, std::size_t rows = 0);

nlohmann::ordered_json geometry_json(const BinGeometry& geometry);
// Atomic (a temporary name renamed into place); the caller commits it together with its matrix by
// writing both through one AtomicFileSet.
void write_geometry(const std::filesystem::path& path, const BinGeometry& geometry);
// Throws Error naming the file on anything malformed or missing.
BinGeometry read_geometry(const std::filesystem::path& path);

// The geometry shared by the matrices of one model's marks, read from their sidecars, with every
// mark's signal: nullopt (and one warning) when some matrix has no sidecar (older matrices); an
// Error naming both files when two marks disagree, or when a sidecar's genes.tsv is not genes_tsv
// (different MD5).
std::optional<BinGeometry> marks_geometry(const std::vector<std::pair<std::string, std::filesystem::path>>& marks,
                                          const std::filesystem::path& genes_tsv);

}  // namespace achrome
