// Annotation readers (annotation/annotation_formats.hpp, annotation/gtf.hpp): format detection and
// every reader (GTF, GFF3, gene_info, BED windows, genes.tsv), GTF grouped by transcript too, the
// id-list reader and the attribute parser. Rejection is an achrome::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "annotation/annotation_formats.hpp"
#include "fuzz_common.hpp"
#include "util/error.hpp"

using namespace achrome;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_and_serial();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchFile scratch("annotation");
  const auto& path = scratch.write(data, size);
  GtfOptions by_gene, by_transcript;
  by_transcript.feature = "transcript";
  AnnotationFilter filter;
  filter.keep_first_duplicate = true;
  for (const AnnotationFormat format : {AnnotationFormat::Auto, AnnotationFormat::Gtf, AnnotationFormat::GeneInfo,
                                        AnnotationFormat::Bed, AnnotationFormat::Tsv}) {
    try {
      AnnotationReport report;
      const auto genes = read_annotation(path, format, by_gene, filter, report);
      ACHROME_FUZZ_CHECK(!genes.empty());
      for (const Gene& gene : genes) ACHROME_FUZZ_CHECK(!gene.id.empty());
    } catch (const Error&) {
    }
  }
  try {
    (void)read_gtf_genes(path, by_transcript);
  } catch (const Error&) {
  }
  try {
    (void)read_id_list(path);
  } catch (const Error&) {
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* key : {"gene_id", "gene_name", "ID", "Parent"}) (void)gtf_attribute(text, key);
  return 0;
}
