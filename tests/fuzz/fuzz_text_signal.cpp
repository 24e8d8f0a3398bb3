// tagAlign/BED reads and bedGraph text (signal/text_signal.hpp): content sniffing, then the chunked
// line parser and binning of both kinds, with the options that change how a line is read (strand
// for --five-prime / --extend, both missing-data modes). Rejection is an achrome::Error.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "signal/text_signal.hpp"
#include "util/error.hpp"

using namespace achrome;

namespace {

// Two genes on one chromosome under two spellings, one per strand, small windows (as the unit tests).
const std::vector<Gene>& genes() {
  static const std::vector<Gene> g{{"G1", "G1", "chr1", 999, Strand::Plus, ""},
                                   {"G2", "G2", "1", 2999, Strand::Minus, ""},
                                   {"G3", "G3", "chrX", 50, Strand::Plus, ""}};
  return g;
}

WindowSpec spec() {
  WindowSpec s;
  s.upstream = 500;
  s.downstream = 500;
  return s;
}

void expect_matrix(const std::vector<float>& matrix) {
  ACHROME_FUZZ_CHECK(matrix.size() == genes().size() * static_cast<std::size_t>(spec().bins()));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_and_serial();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchFile scratch("text-signal");
  const auto& path = scratch.write(data, size);
  try {
    (void)sniff_text_signal(path);
  } catch (const Error&) {
  }
  ReadCountOptions plain, five_prime, extend;
  five_prime.five_prime = true;
  extend.extend = 200;
  for (const ReadCountOptions* reads : {&plain, &five_prime, &extend}) {
    try {
      expect_matrix(bin_text_reads(path, genes(), spec(), *reads, TextSignalOptions{}, "genes.tsv"));
    } catch (const Error&) {
    }
  }
  for (const MissingData missing : {MissingData::Zero, MissingData::Nan}) {
    BigWigOptions track;
    track.missing = missing;
    try {
      expect_matrix(bin_bedgraph(path, genes(), spec(), track, TextSignalOptions{}, "genes.tsv"));
    } catch (const Error&) {
    }
  }
  return 0;
}
