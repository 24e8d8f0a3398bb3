// achrome-bin: one signal file (BAM/SAM/CRAM or tagAlign/BED reads, a bigWig or bedGraph track) in, a float32 matrix
// [genes, bins] of the signal around each gene's TSS out (rows in genes.tsv order).
#include <htslib/hts.h>
#include <spdlog/spdlog.h>

#include "annotation/genes.hpp"
#include "signal/bin_geometry.hpp"
#include "signal/bin_signal.hpp"
#include "signal/deeptools_matrix.hpp"
#include "util/atomic_file.hpp"
#include "util/npy.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage(
      "achrome-bin",
      "Bin a signal file around every gene's TSS into a float32 .npy matrix [genes, bins], with a geometry\n"
      "sidecar OUT.json beside it (window, bins, orientation, genes.tsv MD5, signal size and time).\n"
      "Reads (BAM/SAM/CRAM, tagAlign/BED plain or gzip): count per bin exactly as `bedtools multicov` (a read\n"
      "counts in every bin it overlaps; duplicate and QC-fail reads skipped; MAPQ not filtered; secondary and\n"
      "supplementary count; tagAlign/BED lines have no flags and all count).\n"
      "bigWig/bedGraph: mean signal per bin as deepTools `computeMatrix --averageTypeBins mean`.\n"
      "The format is detected from the content; unsorted, unindexed files work (one streaming pass).\n"
      "The window is [tss+1-upstream, tss+1+downstream) on '+' (mirrored on '-'); bins past a chromosome\n"
      "end are 0; genes on chromosomes the file lacks get rows of zeros (counted in the log).");
  auto& app = stage.app();
  std::string genes_path, signal, out, format = "auto", orientation = "genomic", missing = "zero";
  std::string chrom_sizes, deeptools_out;
  achrome::WindowSpec spec;
  achrome::ReadCountOptions reads;
  app.add_option("-g,--genes", genes_path, "genes.tsv (gene_id name chrom tss strand); sets the row order")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("-s,--signal", signal,
                 "Signal file: BAM, SAM (plain or bgzipped), CRAM, tagAlign/BED reads (chrom start end [name score "
                 "strand], plain/gzip/BGZF), bigWig, or bedGraph (chrom start end value, plain/gzip/BGZF)")
      ->required();
  app.add_option("-o,--out", out, "Output .npy (float32 [genes, bins]), written atomically")->required();
  app.add_option("--format", format,
                 "Signal format: auto (detect from content), bam, sam, cram, bigwig, tagalign (= bed: BED reads), "
                 "bedgraph; a named format must match the content (tagalign and bedgraph may be named for any "
                 "BED-like text, e.g. a BED whose 4th column is a numeric name)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "bam", "sam", "cram", "bigwig", "tagalign", "bed", "bedgraph"}));
  app.add_option("--upstream", spec.upstream, "Bases upstream (5') of the TSS anchor")
      ->capture_default_str()
      ->check(achrome::non_negative());
  app.add_option("--downstream", spec.downstream, "Bases downstream (3') of the TSS anchor")
      ->capture_default_str()
      ->check(achrome::non_negative());
  app.add_option("--bin-size", spec.bin_size, "Bin width in bases; the window must be a whole number of bins")
      ->capture_default_str()
      ->check(achrome::positive());
  app.add_option("--anchor-offset", spec.anchor_offset,
                 "Anchor = tss + offset (0-based); 1 reproduces the published AttentiveChrome windows")
      ->capture_default_str();
  app.add_option("--orientation", orientation,
                 "genomic: bins ascend in genome coordinate (published data); transcript: minus-strand genes "
                 "reversed so bin 0 is upstream (deepTools)")
      ->capture_default_str()
      ->check(CLI::IsMember({"genomic", "transcript"}));
  app.add_option("--reference", reads.reference, "Reference FASTA for CRAM files that need one");
  app.add_option("--min-mapq", reads.min_mapq, "Reads: count only MAPQ >= Q (bedtools multicov -q)")
      ->capture_default_str()
      ->check(achrome::integer_in(0, 255));
  app.add_flag("--split", reads.split,
               "Reads: count only the aligned blocks between N (splice) operations, as bedtools -split; "
               "deletions stay inside a block");
  app.add_flag("--skip-secondary", reads.skip_secondary, "Reads: skip secondary alignments (0x100)");
  app.add_flag("--skip-supplementary", reads.skip_supplementary, "Reads: skip supplementary alignments (0x800)");
  app.add_flag("--keep-duplicates", reads.keep_duplicates, "Reads: count duplicate-flagged reads (bedtools -D)");
  app.add_flag("--keep-qc-fail", reads.keep_qc_fail, "Reads: count QC-fail-flagged reads (bedtools -F)");
  app.add_flag("--proper-pairs", reads.proper_pairs_only, "Reads: count only properly paired reads (bedtools -p)");
  app.add_flag("--five-prime", reads.five_prime,
               "Reads: count only the 5' end base of each read (start on '+', end-1 on '-')");
  app.add_option("--extend", reads.extend,
                 "Reads: count each read as the fragment of N bp from its 5' end in its strand direction "
                 "(deepTools --extendReads N, MACS), clipped to the chromosome; 0 = off")
      ->capture_default_str()
      ->check(achrome::non_negative());
  app.add_option("--chrom-sizes", chrom_sizes,
                 "tagAlign/BED/bedGraph: 'chrom<TAB>length' table (UCSC chrom.sizes); reads and fragments are "
                 "clipped at the real chromosome ends (text files carry no lengths)")
      ->check(CLI::ExistingFile);
  app.add_option("--export-deeptools", deeptools_out,
                 "Also write the matrix as a deepTools computeMatrix reference-point file (.mat.gz) for "
                 "plotHeatmap/plotProfile (always transcript orientation, as deepTools)");
  app.add_option("--missing", missing,
                 "bigWig/bedGraph: zero = bases without data count as 0 in the bin mean (deepTools --missingDataAsZero); "
                 "nan = mean over bases with data, NaN when none (deepTools default)")
      ->capture_default_str()
      ->check(CLI::IsMember({"zero", "nan"}));

  return stage.run(argc, argv, [&] {
    achrome::refuse_outputs_over_inputs(
        {{"--genes", genes_path}, {"--signal", signal}, {"--chrom-sizes", chrom_sizes}, {"--reference", reads.reference}},
        {{"--out", out}, {"--out", achrome::geometry_sidecar(out)}, {"--export-deeptools", deeptools_out}});
    // htslib reports problems on stderr in its own words; ours name the file in one line instead.
    hts_set_log_level(spdlog::get_level() <= spdlog::level::debug ? HTS_LOG_WARNING : HTS_LOG_OFF);
    spec.orientation = achrome::parse_orientation(orientation);
    spec.validate();
    achrome::BinOptions options;
    options.format = achrome::parse_signal_format(format);
    options.reads = reads;
    options.reads.threads = stage.threads();
    options.bigwig.missing = achrome::parse_missing_data(missing);
    options.text.chrom_sizes = chrom_sizes;
    options.text.threads = stage.threads();
    achrome::validate(options.reads);

    const auto genes = achrome::read_genes_tsv(genes_path);
    achrome::SignalFormat used = achrome::SignalFormat::Auto;
    const auto matrix = achrome::bin_signal(signal, genes, spec, options, genes_path, &used);
    const auto signal_source = achrome::describe_file(signal, std::string(achrome::signal_format_name(used)));
    auto geometry = achrome::BinGeometry::of(spec);
    geometry.genes = achrome::describe_hashed_file(genes_path, "genes.tsv", genes.size());
    geometry.signals.emplace_back("", signal_source);
    // The export first: the .npy (the output the workflow waits for) appears only when both succeeded.
    if (!deeptools_out.empty()) {
      achrome::DeeptoolsMatrixInfo info;
      info.sample_label = achrome::deeptools_label(signal);
      info.missing_data_as_zero = options.bigwig.missing == achrome::MissingData::Zero;
      info.threads = stage.threads();
      achrome::write_deeptools_matrix(deeptools_out, genes, spec, matrix, info);
      spdlog::info("{}: deepTools matrix written", deeptools_out);
    }
    // The matrix and its sidecar appear together or not at all.
    achrome::AtomicFileSet files;
    achrome::write_npy(files.add(out), matrix.data(), {genes.size(), static_cast<std::size_t>(spec.bins())});
    achrome::write_geometry(files.add(achrome::geometry_sidecar(out)), geometry);
    files.commit();
    spdlog::info("{}: {} genes x {} bins written", out, genes.size(), spec.bins());
  });
}
