#include "signal/read_binner.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <htslib/bgzf.h>
#include <htslib/sam.h>
#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace achrome {

bool add_read_blocks(const GeneWindows& windows, const ChromWindows& chrom, const std::int64_t* begins,
                     const std::int64_t* ends, std::size_t blocks, std::uint32_t* counts) {
  // Clip to the chromosome: bins past its ends stay zero whatever the aligner wrote.
  const std::int64_t span_begin = std::max<std::int64_t>(begins[0], 0);
  const std::int64_t span_end = std::min(ends[blocks - 1], chrom.length);
  if (span_begin >= span_end) return false;
  const auto [first, last] = windows.overlapping(chrom, span_begin, span_end);
  if (first == last) return false;

  const std::int64_t bin_size = windows.spec().bin_size;
  const std::int64_t length = windows.window_length();
  const int bins = windows.bins();
  bool touched = false;
  for (std::size_t i = first; i < last; ++i) {
    const GeneWindow& w = chrom.windows[i];
    std::uint32_t* row = counts + static_cast<std::size_t>(w.row) * bins;
    // Blocks ascend, so a bin already counted for this read is never revisited: a read counts
    // once per bin even when two of its blocks fall in it (as bedtools -split).
    std::int64_t next_bin = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::int64_t lo = std::max({begins[b], w.start, span_begin});
      const std::int64_t hi = std::min({ends[b], w.start + length, span_end});
      if (lo >= hi) continue;
      const std::int64_t k0 = std::max((lo - w.start) / bin_size, next_bin);
      const std::int64_t k1 = (hi - 1 - w.start) / bin_size;
      for (std::int64_t k = k0; k <= k1; ++k) ++row[w.reversed ? bins - 1 - k : k];
      if (k0 <= k1) touched = true;
      next_bin = std::max(next_bin, k1 + 1);
    }
  }
  return touched;
}

void validate(const ReadCountOptions& options) {
  if (options.extend < 0) fail("--extend must be a positive fragment length, found {}", options.extend);
  if (options.five_prime && options.extend > 0) fail("--five-prime and --extend cannot be combined");
  if (options.split && (options.five_prime || options.extend > 0))
    fail("--split cannot be combined with --five-prime or --extend (they replace the read's blocks)");
}

namespace {

struct HtsFileCloser {
  void operator()(htsFile* f) const { hts_close(f); }
};
struct HeaderFree {
  void operator()(sam_hdr_t* h) const { sam_hdr_destroy(h); }
};
struct RecordFree {
  void operator()(bam1_t* b) const { bam_destroy1(b); }
};

// Reference blocks of a read: one span [pos, endpos), or with split the pieces between N ops.
std::size_t read_blocks(const bam1_t* b, bool split, std::vector<std::int64_t>& begins,
                        std::vector<std::int64_t>& ends) {
  const std::int64_t pos = b->core.pos;
  if (!split || b->core.n_cigar == 0) {
    begins[0] = pos;
    ends[0] = bam_endpos(b);
    return 1;
  }
  const std::uint32_t* cigar = bam_get_cigar(b);
  std::size_t n = 0;
  std::int64_t cursor = pos, block_start = pos;
  auto close_block = [&] {
    if (cursor > block_start) {
      if (n == begins.size()) {
        begins.resize(2 * n);
        ends.resize(2 * n);
      }
      begins[n] = block_start;
      ends[n] = cursor;
      ++n;
    }
  };
  for (std::uint32_t i = 0; i < b->core.n_cigar; ++i) {
    const int op = bam_cigar_op(cigar[i]);
    const std::int64_t len = bam_cigar_oplen(cigar[i]);
    if (op == BAM_CREF_SKIP) {
      close_block();
      cursor += len;
      block_start = cursor;
    } else if (bam_cigar_type(op) & 2) {  // consumes the reference: M, D, =, X
      cursor += len;
    }
  }
  close_block();
  return n;
}

// The line of the first SAM record htslib cannot parse. Found by reading again on one thread:
// htslib's threaded SAM parser reads ahead in batches and keeps no line number.
std::int64_t malformed_sam_line(const std::string& name) {
  std::unique_ptr<htsFile, HtsFileCloser> fp(hts_open(name.c_str(), "r"));
  if (!fp) return 0;
  std::unique_ptr<sam_hdr_t, HeaderFree> header(sam_hdr_read(fp.get()));
  if (!header) return fp->lineno;
  std::unique_ptr<bam1_t, RecordFree> record(bam_init1());
  while (sam_read1(fp.get(), header.get(), record.get()) >= 0) {
  }
  return fp->lineno;
}

}  // namespace

std::vector<float> bin_reads(const std::filesystem::path& path, const std::vector<Gene>& genes, const WindowSpec& spec,
                             const ReadCountOptions& options, const std::string& genes_path,
                             ReadCountSummary* summary_out) {
  const std::string name = path.string();
  validate(options);
  const bool shaped = options.five_prime || options.extend > 0;
  std::unique_ptr<htsFile, HtsFileCloser> fp(hts_open(name.c_str(), "r"));
  if (!fp) fail("{}: cannot open: {}", name, std::strerror(errno));
  const htsFormat* format = hts_get_format(fp.get());
  if (format->category != sequence_data || (format->format != bam && format->format != sam && format->format != cram))
    fail("{}: not a BAM/SAM/CRAM file", name);
  if (format->format == cram) {
    // Counting needs no bases or qualities; not decoding them is much faster.
    hts_set_opt(fp.get(), CRAM_OPT_REQUIRED_FIELDS, SAM_FLAG | SAM_RNAME | SAM_POS | SAM_MAPQ | SAM_CIGAR);
    if (!options.reference.empty() && hts_set_fai_filename(fp.get(), options.reference.c_str()) != 0)
      fail("{}: cannot use reference {}", name, options.reference);
  }
  // A file cut at a BGZF block boundary reads cleanly to its end; only the missing EOF marker tells.
  if ((format->format == bam || format->format == cram) && hts_check_EOF(fp.get()) == 0)
    fail("{}: truncated file (no end-of-file marker)", name);

  const bool sam_text = format->format == sam;
  std::unique_ptr<sam_hdr_t, HeaderFree> header(sam_hdr_read(fp.get()));
  if (!header) {
    if (sam_text && !(fp->is_bgzf && fp->fp.bgzf->errcode != 0))
      fail("{}:{}: malformed SAM header line", name, std::max<std::int64_t>(fp->lineno, 1));
    fail("{}: cannot read the header (truncated, corrupt, or not a BAM/SAM/CRAM file)", name);
  }
  // Threads start only after the header: htslib 1.16's threaded reader can deadlock in its EOF check
  // on a corrupt file (fixed in htslib 1.17), and the header and EOF checks need no threads.
  if (options.threads > 1 && hts_set_threads(fp.get(), options.threads) != 0)
    spdlog::warn("{}: could not start {} decompression threads; reading with one", name, options.threads);
  const int nref = sam_hdr_nref(header.get());
  std::vector<std::string> chrom_names(nref);
  std::vector<std::int64_t> chrom_lengths(nref);
  for (int i = 0; i < nref; ++i) {
    chrom_names[i] = sam_hdr_tid2name(header.get(), i);
    chrom_lengths[i] = sam_hdr_tid2len(header.get(), i);
  }
  // htslib cannot place any record then; a SAM written without its header (samtools view, no -h)
  // is the usual cause.
  if (nref == 0)
    fail("{}: the header lists no reference sequences (@SQ lines with SN and LN); a SAM needs its header "
         "(samtools view -h)", name);
  const GeneWindows windows(genes, spec, chrom_names, chrom_lengths, name, genes_path);
  if (windows.genes_on_absent_chroms() > 0)
    spdlog::warn("{} genes on chromosomes absent from {} get rows of zeros ({})", windows.genes_on_absent_chroms(),
                 name, fmt::join(windows.absent_chroms(), ", "));
  windows.warn_windows_off_chroms(name);
  // Logged only now, after every up-front check, so a refused file gets a single error line.
  spdlog::info("{}: {} reads, {} genes x {} bins on {} chromosomes", name, hts_format_file_extension(format),
               genes.size(), windows.bins(), windows.chroms().size());

  std::vector<std::uint32_t> counts(genes.size() * static_cast<std::size_t>(windows.bins()), 0);
  std::vector<const ChromWindows*> by_tid(nref);
  for (int i = 0; i < nref; ++i) by_tid[i] = windows.chrom(i);

  // The skip masks are decided once; the loop below is the hot path (decode-bound).
  std::uint16_t skip_flags = BAM_FUNMAP;
  if (!options.keep_duplicates) skip_flags |= BAM_FDUP;
  if (!options.keep_qc_fail) skip_flags |= BAM_FQCFAIL;
  if (options.skip_secondary) skip_flags |= BAM_FSECONDARY;
  if (options.skip_supplementary) skip_flags |= BAM_FSUPPLEMENTARY;

  ReadCountSummary s;
  std::unique_ptr<bam1_t, RecordFree> record(bam_init1());
  bam1_t* b = record.get();
  std::vector<std::int64_t> begins(64), ends(64);
  constexpr std::uint64_t kProgressEvery = 10'000'000;
  int r;
  while ((r = sam_read1(fp.get(), header.get(), b)) >= 0) {
    ++s.records;
    const std::uint16_t flag = b->core.flag;
    if ((flag & skip_flags) || b->core.tid < 0 || b->core.qual < options.min_mapq ||
        (options.proper_pairs_only && !(flag & BAM_FPROPER_PAIR))) {
      if (flag & BAM_FUNMAP || b->core.tid < 0) {
        ++s.unmapped;
        // htslib marks a SAM record whose RNAME the header lacks as unmapped (tid -1) but keeps its
        // POS; a record that is unmapped in the file has RNAME '*' and POS 0 (pos -1) or a known RNAME.
        if (sam_text && b->core.tid < 0 && b->core.pos >= 0) ++s.unknown_reference;
      }
      else if (flag & skip_flags & BAM_FDUP) ++s.duplicate;
      else if (flag & skip_flags & BAM_FQCFAIL) ++s.qc_fail;
      else if (flag & skip_flags & BAM_FSECONDARY) ++s.secondary;
      else if (flag & skip_flags & BAM_FSUPPLEMENTARY) ++s.supplementary;
      else if (b->core.qual < options.min_mapq) ++s.low_mapq;
      else ++s.not_proper_pair;
    } else {
      ++s.counted;
      const ChromWindows* chrom = by_tid[b->core.tid];
      if (chrom && shaped) {
        std::int64_t begin = b->core.pos, end = bam_endpos(b);
        if (shape_read(begin, end, bam_is_rev(b), options, chrom->length) &&
            add_read_blocks(windows, *chrom, &begin, &end, 1, counts.data()))
          ++s.in_windows;
      } else if (chrom) {
        const std::size_t n = read_blocks(b, options.split, begins, ends);
        if (n > 0 && add_read_blocks(windows, *chrom, begins.data(), ends.data(), n, counts.data())) ++s.in_windows;
      }
    }
    if (s.records % kProgressEvery == 0)
      spdlog::info("{} M records read, at {}:{}", s.records / 1'000'000,
                   b->core.tid >= 0 ? chrom_names[b->core.tid] : "*", b->core.pos + 1);
  }
  // htslib 1.16's threaded BGZF reader reports a corrupt block as a clean end of file; the error
  // code on the stream still tells (fixed upstream in htslib 1.17).
  const BGZF* bgzf = fp->is_bgzf ? fp->fp.bgzf : nullptr;
  if (bgzf && bgzf->errcode != 0)
    fail("{}: read error after record {} (truncated or corrupt file)", name, s.records);
  // A SAM line that does not parse is malformed, not a sign of a cut file.
  if (r < -1 && sam_text) fail("{}:{}: malformed SAM record", name, malformed_sam_line(name));
  if (r < -1) fail("{}: read error after record {} (truncated or corrupt file)", name, s.records);
  if (s.records == 0) spdlog::warn("{}: no records (only a header): every bin is 0", name);
  if (s.unknown_reference > 0)
    spdlog::warn("{}: {} records name a reference missing from the header; they are not counted",
                 name, s.unknown_reference);

  spdlog::info("{}: {} records, {} counted ({} in gene windows); skipped: {} unmapped, {} duplicate, {} QC-fail, "
               "{} secondary, {} supplementary, {} MAPQ < {}, {} not properly paired",
               name, s.records, s.counted, s.in_windows, s.unmapped, s.duplicate, s.qc_fail, s.secondary,
               s.supplementary, s.low_mapq, options.min_mapq, s.not_proper_pair);
  if (summary_out) *summary_out = s;
  return std::vector<float>(counts.begin(), counts.end());
}

}  // namespace achrome
