#pragma once
// The input signal of a run's genes, for the report's profiles: from the study's files, or from those
// the run's geometry.json names. The run folder's own files are read by run/run_folder.hpp.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dataset/study.hpp"
#include "run/run_folder.hpp"
#include "util/npy.hpp"

namespace achrome::report {

// The input signal of the run's genes, [genes, marks, bins] in run.genes order, from the study's
// genes.tsv and one matrix per mark of the run (all of metrics.json's marks, any order). Error when
// a mark is missing or extra, or a gene of the run is not in genes.tsv.
NpyArray read_run_signal(const RunFolder& run, const std::filesystem::path& genes_tsv,
                         const std::vector<MarkFile>& marks);

// The same from the files geometry.json names (genes.tsv and each mark's matrix, paths as given to
// achrome-train), when they are still there unchanged: their MD5s must be those of metrics.json's
// "data". nullopt with the reason in `why` otherwise.
std::optional<NpyArray> read_recorded_signal(const RunFolder& run, std::string& why);

// The genes.tsv the run was trained on, as geometry.json names it, when it is still there unchanged
// (its MD5 is metrics.json's "data.genes"); nullopt with the reason in `why` otherwise.
std::optional<std::filesystem::path> recorded_genes_tsv(const RunFolder& run, std::string& why);

}  // namespace achrome::report
