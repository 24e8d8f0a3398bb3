#pragma once
// Readers for the per-sample outputs of RNA-seq quantifiers. Each returns gene-level values in an
// ExpressionTable; docs/labels.md lists the layouts, value columns and normalisations.
//
//   RSEM      *.genes.results   gene_id transcript_id(s) length effective_length expected_count TPM FPKM
//   salmon    quant.sf          Name Length EffectiveLength TPM NumReads
//   kallisto  abundance.tsv     target_id length eff_length est_counts tpm
//   featureCounts               "# Program:featureCounts ..." then Geneid Chr Start End Strand Length <samples>
//   STAR      ReadsPerGene.out.tab  N_unmapped/N_multimapping/N_noFeature/N_ambiguous, then
//                                   gene unstranded forward reverse (no header)
#include <filesystem>
#include <string>
#include <unordered_map>

#include "expression/expression.hpp"

namespace achrome {

ExpressionTable read_rsem_genes(const std::filesystem::path& path, const ExpressionOptions& options);
// salmon and kallisto: transcript ids summed per gene through options.tx2gene (or the gene field
// of GENCODE "ENST|ENSG|..." names), else the ids are taken as gene ids.
ExpressionTable read_salmon_quant(const std::filesystem::path& path, const ExpressionOptions& options);
ExpressionTable read_kallisto_abundance(const std::filesystem::path& path, const ExpressionOptions& options);
// Counts normalised to RPKM (default) or TPM with the gene lengths.
ExpressionTable read_featurecounts(const std::filesystem::path& path, const ExpressionOptions& options);
ExpressionTable read_star_gene_counts(const std::filesystem::path& path, const ExpressionOptions& options);

// transcript (without version) -> gene, from "transcript<TAB or ,>gene[...]" lines; a header line
// is harmless (it names no quantified transcript); a transcript given two genes is an Error.
std::unordered_map<std::string, std::string> read_tx2gene(const std::filesystem::path& path);
// gene (without version) -> length in bp, from "gene<TAB>length" lines (an optional header line
// whose length is not a number is skipped); lengths must be positive integers.
std::unordered_map<std::string, double> read_gene_lengths(const std::filesystem::path& path);

}  // namespace achrome
