#include "signal/bigwig_binner.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>

#include <bigWig.h>
#include <spdlog/spdlog.h>
#include <tbb/parallel_for.h>

#include "signal/gene_windows.hpp"
#include "signal/track_mean.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

namespace achrome {

MissingData parse_missing_data(std::string_view text) {
  if (text == "zero") return MissingData::Zero;
  if (text == "nan") return MissingData::Nan;
  fail("missing data must be 'zero' or 'nan', found '{}'", text);
}

namespace {

struct BigWigCloser {
  void operator()(bigWigFile_t* f) const { bwClose(f); }
};
using BigWigHandle = std::unique_ptr<bigWigFile_t, BigWigCloser>;

// libBigWig reads offsets from the header and trusts them, printing its own complaints when a file
// is cut short; checking the layout first gives one clear error instead. The UCSC format puts the
// chromosome tree, data and index at header offsets and ends the file with the magic number again.
void check_bigwig_intact(const std::string& name) {
  std::ifstream in(name, std::ios::binary | std::ios::ate);
  if (!in) fail("{}: cannot open", name);
  const std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
  unsigned char header[64] = {};
  in.seekg(0);
  if (size < sizeof header || !in.read(reinterpret_cast<char*>(header), sizeof header))
    fail("{}: truncated bigWig (shorter than its header)", name);
  auto u64 = [&](int at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | header[at + i];
    return v;
  };
  // Fields of the 64-byte header: chromTreeOffset, fullDataOffset, fullIndexOffset.
  for (int at : {8, 16, 24})
    if (u64(at) >= size) fail("{}: truncated bigWig (header points past the end of the file)", name);
  unsigned char tail[4] = {};
  in.seekg(static_cast<std::streamoff>(size - 4));
  if (!in.read(reinterpret_cast<char*>(tail), 4) || std::memcmp(tail, header, 4) != 0)
    fail("{}: truncated bigWig (no closing magic number)", name);
}

BigWigHandle open_bigwig(const std::string& name) {
  // libBigWig wants bwInit before any open (it sets up its remote-file buffer).
  static std::once_flag init;
  static int init_status = 0;
  std::call_once(init, [] { init_status = bwInit(1 << 17); });
  if (init_status != 0) fail("{}: libBigWig could not initialise", name);
  BigWigHandle bw;
  {
    // libBigWig prints its own complaints about a bad file; the error below names it in one line.
    const QuietLibraryStderr quiet;
    bw.reset(bwOpen(const_cast<char*>(name.c_str()), nullptr, "r"));
  }
  if (!bw) fail("{}: cannot read as a bigWig file (corrupt or truncated)", name);
  if (bw->type != 0) fail("{}: is a bigBed file, not a bigWig", name);
  return bw;
}

struct IntervalsFree {
  void operator()(bwOverlappingIntervals_t* o) const { bwDestroyOverlappingIntervals(o); }
};

}  // namespace

std::vector<float> bin_bigwig(const std::filesystem::path& path, const std::vector<Gene>& genes, const WindowSpec& spec,
                              const BigWigOptions& options, const std::string& genes_path) {
  const std::string name = path.string();
  check_bigwig_intact(name);
  std::vector<std::string> chrom_names;
  std::vector<std::int64_t> chrom_lengths;
  {
    BigWigHandle bw = open_bigwig(name);
    for (std::int64_t i = 0; i < bw->cl->nKeys; ++i) {
      chrom_names.emplace_back(bw->cl->chrom[i]);
      chrom_lengths.push_back(bw->cl->len[i]);
    }
  }
  const GeneWindows windows(genes, spec, chrom_names, chrom_lengths, name, genes_path);
  if (windows.genes_on_absent_chroms() > 0)
    spdlog::warn("{} genes on chromosomes absent from {} get rows of zeros ({})", windows.genes_on_absent_chroms(),
                 name, fmt::join(windows.absent_chroms(), ", "));
  windows.warn_windows_off_chroms(name);
  spdlog::info("{}: bigWig, {} genes x {} bins on {} chromosomes", name, genes.size(), windows.bins(),
               windows.chroms().size());

  const int bins = windows.bins();
  const std::int64_t bin_size = spec.bin_size;
  const std::int64_t length = spec.length();
  const bool nan_missing = options.missing == MissingData::Nan;
  // Genes on absent chromosomes: zeros by contract (the file has no such chromosome at all).
  std::vector<float> matrix(genes.size() * static_cast<std::size_t>(bins), 0.0f);

  const auto& chroms = windows.chroms();
  tbb::parallel_for(std::size_t{0}, chroms.size(), [&](std::size_t c) {
    const ChromWindows& chrom = chroms[c];
    BigWigHandle bw = open_bigwig(name);  // libBigWig handles are not shareable across threads
    std::vector<double> sum(bins), covered(bins);
    for (const GeneWindow& w : chrom.windows) {
      std::fill(sum.begin(), sum.end(), 0.0);
      std::fill(covered.begin(), covered.end(), 0.0);
      const std::int64_t lo = std::max<std::int64_t>(w.start, 0);
      const std::int64_t hi = std::min(w.start + length, chrom.length);
      if (lo < hi) {
        std::unique_ptr<bwOverlappingIntervals_t, IntervalsFree> found;
        {
          const QuietLibraryStderr quiet;
          found.reset(bwGetOverlappingIntervals(bw.get(), const_cast<char*>(chrom.name.c_str()),
                                                static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(hi)));
        }
        if (!found) fail("{}: cannot read {}:{}-{} (corrupt file)", name, chrom.name, lo, hi);
        for (std::uint32_t i = 0; i < found->l; ++i) {
          const double value = found->value[i];
          if (std::isnan(value)) continue;  // a stored NaN is missing data, as in deepTools
          add_track_interval(sum.data(), covered.data(), w.start, bin_size,
                             std::max<std::int64_t>(found->start[i], lo), std::min<std::int64_t>(found->end[i], hi),
                             value);
        }
      }
      write_track_means(sum.data(), covered.data(), bins, bin_size, nan_missing, w.reversed,
                        matrix.data() + static_cast<std::size_t>(w.row) * bins);
    }
    spdlog::debug("{}: {} windows binned", chrom.name, chrom.windows.size());
  });
  spdlog::info("{}: {} genes binned on {} chromosomes", name, genes.size() - windows.genes_on_absent_chroms(),
               chroms.size());
  return matrix;
}

}  // namespace achrome
