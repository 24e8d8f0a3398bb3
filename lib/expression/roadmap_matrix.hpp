#pragma once
// The Roadmap Epigenomics RNA-seq matrix layout (57epigenomes.RPKM.pc.gz): tab-separated, plain or
// gzip, header "gene_id E000 E003 ...", then one row per gene: id and one value per epigenome.
// The published file ends every data row with a tab (one empty field more than the header); that
// single trailing empty field is accepted.
#include <filesystem>
#include <string>
#include <vector>

#include "expression/expression.hpp"

namespace achrome {

// The sample (epigenome) ids of the header, in file order.
std::vector<std::string> roadmap_matrix_samples(const std::filesystem::path& path);

// The values of one epigenome column. Errors: unknown epigenome (message lists the available ids),
// a value that is not a finite number (file:line and column), a repeated gene id, a row with the
// wrong number of fields.
ExpressionTable read_roadmap_matrix(const std::filesystem::path& path, const std::string& epigenome);

}  // namespace achrome
