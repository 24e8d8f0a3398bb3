#pragma once
// Writes a simulated study in the real formats (docs/formats.md, "Simulated study"):
// genome.chrom.sizes, genes.gtf, expression.tsv, truth.tsv and, per epigenome and mark,
// signal/{eid}/{mark}.bam (+ .bai) and/or .bw. Every file is written atomically.
#include <filesystem>
#include <string>

#include "simulate/study.hpp"

namespace achrome::sim {

void write_chrom_sizes(const std::filesystem::path& path, const Study& study);
void write_gtf(const std::filesystem::path& path, const Study& study);
void write_expression(const std::filesystem::path& path, const Study& study);
void write_truth(const std::filesystem::path& path, const Study& study);

struct SignalFileStats {
  std::int64_t reads = 0;       // records written, duplicates included
  std::int64_t duplicates = 0;
};

// One (epigenome, mark): the BAM (with its index) and/or the bigWig, one chromosome at a time.
// hts_threads > 1 adds BGZF compression threads (worth it when there are fewer files than cores).
SignalFileStats write_signal(const std::filesystem::path& out_dir, const Study& study, int epigenome, Mark mark,
                             int hts_threads);

// The whole study; (epigenome, mark) files in parallel over oneTBB (threads as limited by the caller).
void write_study(const std::filesystem::path& out_dir, const SimulationConfig& config, int threads);

}  // namespace achrome::sim
