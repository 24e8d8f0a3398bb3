#include "simulate/writer.hpp"

#include <bigWig.h>
#include <htslib/hts.h>
#include <htslib/sam.h>
#include <spdlog/spdlog.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "achrome/version.hpp"
#include "annotation/genes.hpp"
#include "simulate/reads.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace achrome::sim {

namespace fs = std::filesystem;

void write_chrom_sizes(const fs::path& path, const Study& study) {
  AtomicFile out(path);
  for (const auto& chrom : study.chromosomes) out.stream() << chrom.name << '\t' << chrom.length << '\n';
  out.commit();
}

void write_gtf(const fs::path& path, const Study& study) {
  AtomicFile out(path);
  auto& s = out.stream();
  s << "##description: achrome-simulate synthetic genes (seed " << study.config.seed << ")\n"
    << "##format: gtf\n";
  for (const auto& gene : study.genes) {
    // GTF is 1-based inclusive.
    s << study.chromosomes[gene.chrom].name << "\tachrome\tgene\t" << gene.body_start + 1 << '\t' << gene.body_end
      << "\t.\t" << static_cast<char>(gene.strand) << "\t.\tgene_id \"" << gene.id
      << "\"; gene_type \"protein_coding\"; gene_name \"" << gene.name << "\";\n";
  }
  out.commit();
}

void write_expression(const fs::path& path, const Study& study) {
  AtomicFile out(path);
  auto& s = out.stream();
  s << "gene_id";
  for (const auto& eid : study.config.epigenomes) s << '\t' << eid;
  s << '\n';
  for (std::size_t g = 0; g < study.genes.size(); ++g) {
    s << strip_version(study.genes[g].id);
    for (const auto& states : study.states) s << '\t' << fmt::format("{:.3f}", states[g].rpkm);
    s << '\n';
  }
  out.commit();
}

void write_truth(const fs::path& path, const Study& study) {
  AtomicFile out(path);
  auto& s = out.stream();
  // Bins are transcript-relative (bin 0 = 5 kb upstream of the TSS); with the published genomic
  // orientation, a minus-strand gene's bin k appears in column 99 - k. The orientation column
  // says so on every row, so the file stays a plain table.
  s << "mark\tregion\tbin_start\tbin_end\teffect\torientation\n";
  for (const auto& row : planted_truth(study.config.marks))
    s << row.mark << '\t' << row.region << '\t' << row.bin_start << '\t' << row.bin_end << '\t' << row.effect
      << "\ttranscript\n";
  out.commit();
}

namespace {

struct HtsFileCloser {
  void operator()(htsFile* f) const { if (f) hts_close(f); }
};
struct HeaderFree {
  void operator()(sam_hdr_t* h) const { sam_hdr_destroy(h); }
};
struct BamFree {
  void operator()(bam1_t* b) const { bam_destroy1(b); }
};
struct BigWigCloser {
  void operator()(bigWigFile_t* f) const { if (f) bwClose(f); }
};

class BamWriter {
 public:
  BamWriter(const Study& study, const fs::path& final_path, int hts_threads)
      : bam_(final_path), bai_(fs::path(final_path.string() + ".bai")), record_(bam_init1()) {
    file_.reset(hts_open(bam_.temp_path().c_str(), "wb"));
    if (!file_) fail("{}: cannot open for writing", final_path.string());
    if (hts_threads > 1 && hts_set_threads(file_.get(), hts_threads) != 0)
      fail("{}: cannot start {} compression threads", final_path.string(), hts_threads);
    std::string text = "@HD\tVN:1.6\tSO:coordinate\n";
    for (const auto& chrom : study.chromosomes) text += fmt::format("@SQ\tSN:{}\tLN:{}\n", chrom.name, chrom.length);
    text += fmt::format("@PG\tID:achrome-simulate\tPN:achrome-simulate\tVN:{}\n", kVersion);
    header_.reset(sam_hdr_parse(text.size(), text.c_str()));
    if (!header_ || sam_hdr_write(file_.get(), header_.get()) != 0)
      fail("{}: cannot write the BAM header", final_path.string());
    // Index while writing (as samtools sort --write-index): no second pass over the file.
    if (sam_idx_init(file_.get(), header_.get(), 0, bai_.temp_path().c_str()) != 0)
      fail("{}: cannot start the BAM index", final_path.string());
  }

  void write(int tid, const std::vector<std::uint64_t>& reads, int read_length) {
    const std::uint32_t cigar = static_cast<std::uint32_t>(read_length) << BAM_CIGAR_SHIFT | BAM_CMATCH;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      const auto read = Read::unpack(reads[i]);
      const auto name = fmt::format("r{}.{}", tid + 1, i);
      std::uint16_t flag = 0;
      if (read.reverse) flag |= BAM_FREVERSE;
      if (read.duplicate) flag |= BAM_FDUP;
      // No sequence ('*'): there is no reference genome to draw bases from, and counting tools
      // need only the alignment.
      if (bam_set1(record_.get(), name.size(), name.c_str(), flag, tid, read.pos, read.mapq, 1, &cigar, -1, -1, 0, 0,
                   nullptr, nullptr, 0) < 0 ||
          sam_write1(file_.get(), header_.get(), record_.get()) < 0)
        fail("{}: write failed", bam_.final_path().string());
    }
  }

  // The index goes into place before the BAM, so a BAM that looks finished always has its index.
  void commit() {
    if (sam_idx_save(file_.get()) != 0) fail("{}: cannot write the index", bai_.final_path().string());
    if (hts_close(file_.release()) != 0) fail("{}: cannot close", bam_.final_path().string());
    bai_.commit();
    bam_.commit();
  }

 private:
  AtomicFile bam_;
  AtomicFile bai_;
  std::unique_ptr<htsFile, HtsFileCloser> file_;
  std::unique_ptr<sam_hdr_t, HeaderFree> header_;
  std::unique_ptr<bam1_t, BamFree> record_;
};

// As bamCoverage and the UCSC tools: readers may answer coarse queries from the zoom levels.
constexpr int kZoomLevels = 10;

class BigWigWriter {
 public:
  BigWigWriter(const Study& study, const fs::path& final_path) : out_(final_path) {
    // libBigWig opens the path itself; its "w" mode creates the file.
    file_.reset(bwOpen(const_cast<char*>(out_.temp_path().c_str()), nullptr, "w"));
    if (!file_) fail("{}: cannot open for writing", final_path.string());
    std::vector<const char*> names;
    std::vector<std::uint32_t> lengths;
    for (const auto& chrom : study.chromosomes) {
      names.push_back(chrom.name.c_str());
      lengths.push_back(static_cast<std::uint32_t>(chrom.length));
    }
    if (bwCreateHdr(file_.get(), kZoomLevels) != 0) fail("{}: cannot create the bigWig header", final_path.string());
    file_->cl = bwCreateChromList(names.data(), lengths.data(), static_cast<std::int64_t>(names.size()));
    if (!file_->cl || bwWriteHdr(file_.get()) != 0) fail("{}: cannot write the bigWig header", final_path.string());
  }

  void write(const std::string& chrom, const std::vector<std::uint64_t>& reads, int read_length, std::int64_t length) {
    starts_.clear();
    ends_.clear();
    values_.clear();
    bool first = true;
    const auto flush = [&] {
      if (starts_.empty()) return;
      const auto n = static_cast<std::uint32_t>(starts_.size());
      int rc;
      if (first) {
        std::vector<const char*> chroms(n, chrom.c_str());
        rc = bwAddIntervals(file_.get(), chroms.data(), starts_.data(), ends_.data(), values_.data(), n);
        first = false;
      } else {
        rc = bwAppendIntervals(file_.get(), starts_.data(), ends_.data(), values_.data(), n);
      }
      if (rc != 0) fail("{}: cannot add intervals on {}", out_.final_path().string(), chrom);
      starts_.clear();
      ends_.clear();
      values_.clear();
    };
    coverage_runs(reads, read_length, length, [&](std::int64_t start, std::int64_t end, std::uint32_t depth) {
      starts_.push_back(static_cast<std::uint32_t>(start));
      ends_.push_back(static_cast<std::uint32_t>(end));
      values_.push_back(static_cast<float>(depth));
      if (starts_.size() >= 1 << 16) flush();
    });
    flush();
  }

  void commit() {
    bwClose(file_.release());  // writes the zoom levels and the index
    out_.commit();
  }

 private:
  AtomicFile out_;
  std::unique_ptr<bigWigFile_t, BigWigCloser> file_;
  std::vector<std::uint32_t> starts_, ends_;
  std::vector<float> values_;
};

}  // namespace

SignalFileStats write_signal(const fs::path& out_dir, const Study& study, int epigenome, Mark mark, int hts_threads) {
  const auto& config = study.config;
  const auto folder = out_dir / "signal" / config.epigenomes.at(epigenome);
  const std::string mark_text(mark_name(mark));
  std::unique_ptr<BamWriter> bam;
  std::unique_ptr<BigWigWriter> bigwig;
  if (config.write_bam) bam = std::make_unique<BamWriter>(study, folder / (mark_text + ".bam"), hts_threads);
  if (config.write_bigwig) bigwig = std::make_unique<BigWigWriter>(study, folder / (mark_text + ".bw"));
  SignalFileStats stats;
  for (int c = 0; c < static_cast<int>(study.chromosomes.size()); ++c) {
    const auto reads = simulate_reads(study, epigenome, mark, c);
    stats.reads += static_cast<std::int64_t>(reads.size());
    for (auto packed : reads) stats.duplicates += (packed >> 9) & 1;
    if (bam) bam->write(c, reads, config.read_length);
    if (bigwig) bigwig->write(study.chromosomes[c].name, reads, config.read_length, study.chromosomes[c].length);
  }
  if (bigwig) bigwig->commit();
  if (bam) bam->commit();
  return stats;
}

void write_study(const fs::path& out_dir, const SimulationConfig& config, int threads) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const Study study = make_study(config);
  std::int64_t genome = 0;
  for (const auto& chrom : study.chromosomes) {
    genome += chrom.length;
    // BAI indexes address 2^29 bp per chromosome; bigWig coordinates are 32-bit.
    const std::int64_t limit = config.write_bam ? (std::int64_t{1} << 29) : (std::int64_t{1} << 32);
    if (chrom.length >= limit)
      fail("--chromosomes: {} would be {} bp, past the {} Mb a {} index can address; use more chromosomes",
           chrom.name, chrom.length, limit >> 20, config.write_bam ? "BAI" : "bigWig");
  }
  spdlog::info("{} genes on {} chromosomes ({:.1f} Mb), {} epigenomes x {} marks, seed {}", study.genes.size(),
               study.chromosomes.size(), genome / 1e6, config.epigenomes.size(), config.marks.size(), config.seed);

  write_chrom_sizes(out_dir / "genome.chrom.sizes", study);
  write_gtf(out_dir / "genes.gtf", study);
  write_expression(out_dir / "expression.tsv", study);
  write_truth(out_dir / "truth.tsv", study);

  struct Job {
    int epigenome;
    Mark mark;
  };
  std::vector<Job> jobs;
  for (int e = 0; e < static_cast<int>(config.epigenomes.size()); ++e)
    for (const auto& mark : config.marks) jobs.push_back({e, parse_mark(mark)});
  // Few files (a benchmark BAM): give htslib the spare cores for BGZF compression instead.
  const int hts_threads = std::max(1, threads / static_cast<int>(jobs.size()));

  // libBigWig's global setup (curl) is not thread-safe: once, before the workers.
  if (config.write_bigwig && bwInit(1 << 17) != 0) fail("libBigWig: initialisation failed");
  std::atomic<int> done{0};
  std::mutex log_mutex;
  tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t j) {
    const auto start = clock::now();
    const auto stats = write_signal(out_dir, study, jobs[j].epigenome, jobs[j].mark, hts_threads);
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    std::lock_guard<std::mutex> lock(log_mutex);
    spdlog::info("[{}/{}] {} {}: {} reads ({} duplicates) in {:.1f} s", ++done, jobs.size(),
                 config.epigenomes[jobs[j].epigenome], mark_name(jobs[j].mark), stats.reads, stats.duplicates, seconds);
  }, tbb::simple_partitioner());
  if (config.write_bigwig) bwCleanup();
  spdlog::info("study written to {} in {:.1f} s", out_dir.string(),
               std::chrono::duration<double>(clock::now() - t0).count());
}

}  // namespace achrome::sim
