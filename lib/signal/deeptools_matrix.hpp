#pragma once
// Export of a bin matrix as a deepTools computeMatrix file (`.mat.gz`), so plotHeatmap,
// plotProfile and computeMatrixOperations work on achrome-bin output. The layout is what deepTools
// 3.5 heatmapper.save_matrix writes in reference-point mode: gzip text, a first line
// `@{json parameters}` (same keys and order), then per gene `chrom start end name score strand`
// and the bin values written with %f (`nan` for missing data).
//
// deepTools matrices are always in transcript orientation (bin 0 upstream); rows of minus-strand
// genes are reversed here when the matrix is in genomic orientation. The region of a gene is its
// anchor base as deepTools reads a TSS reference point: [anchor, anchor+1) on '+', [anchor-1, anchor)
// on '-', so computeMatrix on those regions with the same -b/-a/-bs rebuilds the same windows.
#include <filesystem>
#include <string>
#include <vector>

#include "annotation/genes.hpp"
#include "genome/window.hpp"

namespace achrome {

struct DeeptoolsMatrixInfo {
  std::string sample_label;        // sample_labels (deepTools: the file name without extension)
  bool missing_data_as_zero = true;
  int threads = 1;                 // "proc number" in the header, and BGZF compression threads
};

// matrix: row-major [genes, spec.bins()] in spec.orientation. Written atomically.
void write_deeptools_matrix(const std::filesystem::path& path, const std::vector<Gene>& genes, const WindowSpec& spec,
                            const std::vector<float>& matrix, const DeeptoolsMatrixInfo& info);

// deepTools' label for a signal file: its name without directories and the last extension (after
// removing a .gz), e.g. "E003-H3K4me3.tagAlign.gz" -> "E003-H3K4me3".
std::string deeptools_label(const std::filesystem::path& signal);

}  // namespace achrome
