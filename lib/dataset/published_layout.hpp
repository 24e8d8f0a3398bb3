#pragma once
// The published DeepChrome/AttentiveChrome data set (Zenodo record 2652278) and its 200-bin DeepDiff
// variant, read and written byte for byte.
//
// DeepChrome layout: per epigenome a folder with train.csv, valid.csv, test.csv; no header; one row per
// gene and bin, `GeneID,Bin,mark1,...,markM,Label`; bins 1..B (B = 100) in order; integer read counts;
// the gene's 0/1 label repeated on every row. GeneID is the Ensembl id without its `ENSG00000` prefix
// ("000003" = ENSG00000000003).
//
// DeepDiff layout: one file per cell type and split, no header, `ENSGID_SYMBOL_bin,mark1,...,markM`,
// B = 200 bins per gene, no label column.
//
// Counts are held as float32 (the matrix type of every stage), so a count is accepted only when float32
// stores it exactly (<= 2^24): that is what makes export reproduce the input byte for byte. The only
// property of the text that the numbers cannot carry is its line ending; TextStyle records it.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "annotation/genes.hpp"
#include "dataset/labels.hpp"

namespace achrome {

// The five marks of the published data, in its column order.
const std::vector<std::string>& published_marks();
inline constexpr std::size_t kDeepChromeBins = 100;
inline constexpr std::size_t kDeepDiffBins = 200;
// What the published GeneID leaves out of the Ensembl id.
inline constexpr std::string_view kDroppedEnsemblPrefix = "ENSG00000";

// How a text file ends its lines: what export needs to reproduce that the numbers cannot tell.
struct TextStyle {
  bool crlf = false;           // "\r\n" instead of "\n"
  bool final_newline = true;   // the last row ends with a line ending
};

// One published file held in memory. values is [genes, bins, marks] (the row order of the file);
// labels is empty for layouts without a label column.
struct PublishedTable {
  std::vector<std::string> gene_ids;  // as written in the file (deepchrome: "000003"; deepdiff: the ENSG id)
  std::vector<std::string> names;     // deepdiff: the gene symbol; deepchrome: empty
  std::vector<int> labels;            // deepchrome: 0/1 per gene
  std::vector<float> values;          // [genes, bins, marks]
  std::vector<std::size_t> first_line;  // 1-based line of each gene's first row (for messages)
  std::size_t marks = 0;
  std::size_t bins = 0;
  TextStyle style;

  std::size_t genes() const { return gene_ids.size(); }
  float value(std::size_t gene, std::size_t bin, std::size_t mark) const {
    return values[(gene * bins + bin) * marks + mark];
  }
};

// GeneID of the published files <-> gene_id of genes.tsv. An all-digit GeneID gains the dropped prefix;
// any other GeneID is kept as it is, except one that would be mistaken for a prefixed id on the way back
// (it starts with ENSG00000 followed by digits), which is an Error naming 'where'.
std::string gene_id_from_published(std::string_view published_id, const std::string& where);
// Inverse: drops the version suffix and the ENSG00000 prefix when the rest is all digits.
std::string published_gene_id(const std::string& gene_id);

// A read count as published: digits only, no sign, no leading zeros, stored exactly by float32.
// Throws Error "where: what: ..." otherwise.
float parse_published_count(std::string_view field, const std::string& where, std::string_view what);

// Appends a value the way the published files print it: an integral value as an integer. A value that
// is not integral (data that did not come from counts) is printed with the fewest digits that read
// back to the same float32, and sets *not_integral. NaN and infinities are an Error naming 'where'.
void append_published_value(std::string& out, float value, bool* not_integral, const std::string& where);

// Parsers. 'name' is the file name used in errors ("dir/train.csv:12: ..."). Every problem is an Error
// naming the line: wrong column count, a count that is not an integer, bins that are not 1..bins in
// order for a gene, a label that changes within a gene, a gene that appears twice, an empty file, mixed
// line endings.
// 'marks' names the mark columns (for messages and the column count).
PublishedTable parse_deepchrome_csv(std::string_view text, const std::string& name,
                                    const std::vector<std::string>& marks, std::size_t bins = kDeepChromeBins);
PublishedTable parse_deepdiff_csv(std::string_view text, const std::string& name,
                                  const std::vector<std::string>& marks, std::size_t bins = kDeepDiffBins);
PublishedTable read_deepchrome_csv(const std::filesystem::path& path, const std::vector<std::string>& marks,
                                   std::size_t bins = kDeepChromeBins);
PublishedTable read_deepdiff_csv(const std::filesystem::path& path, const std::vector<std::string>& marks,
                                 std::size_t bins = kDeepDiffBins);

// Writes a table in the DeepChrome layout (gene_ids as they go into the file, labels required).
// Sets *not_integral when some value had to be printed with decimals.
std::string format_deepchrome_csv(const PublishedTable& table, bool* not_integral);

// The file of each split in the DeepChrome layout, in the order they are read: train, valid, test.
const char* deepchrome_file_name(Split split);
inline constexpr Split kPublishedSplits[] = {Split::Train, Split::Valid, Split::Test};

// A study in our own files: genes.tsv rows, one [genes, bins] matrix per mark, labels.tsv rows.
struct StudyMatrices {
  std::vector<Gene> genes;
  std::vector<std::string> marks;
  std::size_t bins = 0;
  std::vector<std::vector<float>> matrices;  // per mark, [genes, bins]
  std::vector<LabelRow> labels;              // empty when the source has no labels
};

// The published folder read whole: genes in file order train, valid, test; gene_id from GeneID;
// name = gene_id; chrom '.', tss 0, strand '+' (no coordinates in the published files); label value =
// the 0/1 label (no expression value is published). A gene in two files is an Error naming both lines.
struct DeepChromeImport {
  StudyMatrices study;
  TextStyle styles[3];            // per split, in kPublishedSplits order
  std::size_t split_genes[3] = {0, 0, 0};
};
DeepChromeImport import_deepchrome(const std::filesystem::path& folder, const std::vector<std::string>& marks,
                                   std::size_t bins = kDeepChromeBins);

// The three files of the DeepChrome layout for a study; genes keep genes.tsv order within each split.
// Genes without a label cannot be placed in a split and are left out (counted in 'unlabelled').
struct DeepChromeExport {
  std::string text[3];  // per split, in kPublishedSplits order
  std::size_t split_genes[3] = {0, 0, 0};
  std::size_t unlabelled = 0;
  bool not_integral = false;
};
DeepChromeExport export_deepchrome(const StudyMatrices& study, const TextStyle styles[3]);

// Reads the whole file (no decompression: the published files are plain text). Error if unreadable.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace achrome
