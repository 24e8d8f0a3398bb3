#pragma once
// Bin means of a bigWig track, identical to deepTools 3.5 `computeMatrix reference-point
// --averageTypeBins mean` (verified by tests/stages/test_bin_deeptools.sh). deepTools reads the
// per-base values of the bin and then:
//   - with --missingDataAsZero, first turns bases without data into 0, so a bin's value is
//     (sum of value x covered bases) / bin size                            -> MissingData::Zero
//   - without it, averages over the bases that have data, NaN when none do -> MissingData::Nan
// Bases past either chromosome end have no data (zero-padding in the default mode).
#include <filesystem>
#include <string>
#include <vector>

#include "annotation/genes.hpp"
#include "genome/window.hpp"

namespace achrome {

enum class MissingData { Zero, Nan };
MissingData parse_missing_data(std::string_view text);  // "zero" or "nan"

struct BigWigOptions {
  MissingData missing = MissingData::Zero;
};

// Row-major [genes, bins] in genes.tsv order. Chromosomes are processed in parallel (oneTBB),
// each task with its own file handle.
std::vector<float> bin_bigwig(const std::filesystem::path& path, const std::vector<Gene>& genes, const WindowSpec& spec,
                              const BigWigOptions& options, const std::string& genes_path);

}  // namespace achrome
