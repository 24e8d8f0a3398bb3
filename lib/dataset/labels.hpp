#pragma once
// labels/{epigenome}.tsv: gene_id value label split, one row per labelled gene, in genes.tsv order
// (genes without an expression value are absent). split is train, valid or test.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace achrome {

enum class Split { Train, Valid, Test };
const char* split_name(Split split);
Split parse_split(std::string_view text, const std::string& where);

struct LabelRow {
  std::string gene_id;
  double value = 0;  // the expression value the label was derived from (e.g. RPKM)
  int label = 0;     // 1 = high (ON), 0 = low (OFF)
  Split split = Split::Train;
};

std::vector<LabelRow> read_labels_tsv(const std::filesystem::path& path);
void write_labels_tsv(const std::filesystem::path& path, const std::vector<LabelRow>& rows);  // atomic

}  // namespace achrome
