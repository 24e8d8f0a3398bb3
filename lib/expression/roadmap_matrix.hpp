#pragma once
// Gene x sample matrices: the Roadmap Epigenomics RNA-seq layout (57epigenomes.RPKM.pc.gz:
// tab-separated, plain or gzip, header "gene_id E000 E003 ...", one row per gene: id and one
// value per epigenome) and the generic matrices users export from R or pandas:
// - tab- or comma-separated (the header line decides: a tab anywhere means TSV, else CSV);
// - CSV fields may be double-quoted ("ENSG1" or "" as in R's write.csv; no separators inside);
// - the first column is the gene id whatever its header says;
// - R's write.table header names only the samples (one field fewer than the rows): accepted;
// - the published Roadmap file ends every data row with a tab (one empty field more than the
//   header): that single trailing empty field is accepted.
#include <filesystem>
#include <string>
#include <vector>

#include "expression/expression.hpp"

namespace achrome {

// The sample (epigenome) ids of the header, in file order.
std::vector<std::string> roadmap_matrix_samples(const std::filesystem::path& path);

// The values of one sample column. Errors: unknown sample (message lists the available ids), a
// value that is not a finite number (file:line and column), a repeated gene id, a row with the
// wrong number of fields.
ExpressionTable read_roadmap_matrix(const std::filesystem::path& path, const std::string& epigenome);

}  // namespace achrome
