#include "signal/signal_format.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

#include <htslib/hts.h>

#include "signal/text_signal.hpp"
#include "util/error.hpp"

namespace achrome {

SignalFormat parse_signal_format(std::string_view text) {
  if (text == "auto") return SignalFormat::Auto;
  if (text == "sam") return SignalFormat::Sam;
  if (text == "bam") return SignalFormat::Bam;
  if (text == "cram") return SignalFormat::Cram;
  if (text == "bigwig") return SignalFormat::BigWig;
  if (text == "tagalign" || text == "bed") return SignalFormat::TagAlign;
  if (text == "bedgraph") return SignalFormat::BedGraph;
  fail("signal format must be auto, bam, sam, cram, bigwig, tagalign, bed or bedgraph, found '{}'", text);
}

std::string_view signal_format_name(SignalFormat format) {
  switch (format) {
    case SignalFormat::Auto: return "auto";
    case SignalFormat::Sam: return "sam";
    case SignalFormat::Bam: return "bam";
    case SignalFormat::Cram: return "cram";
    case SignalFormat::BigWig: return "bigwig";
    case SignalFormat::TagAlign: return "tagalign";
    case SignalFormat::BedGraph: return "bedgraph";
  }
  return "?";
}

namespace {
// bigWig/bigBed magic numbers, stored in the writer's byte order (UCSC spec).
constexpr std::uint32_t kBigWigMagic = 0x888FFC26;
constexpr std::uint32_t kBigBedMagic = 0x8789F2EB;

std::uint32_t byte_swap(std::uint32_t x) {
  return (x >> 24) | ((x >> 8) & 0xFF00) | ((x << 8) & 0xFF0000) | (x << 24);
}
}  // namespace

SignalFormat detect_signal_format(const std::filesystem::path& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) fail("{}: is a folder, not a signal file", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open signal file: {}", path.string(), std::strerror(errno));
  unsigned char head[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(head), 4);
  const auto got = in.gcount();
  if (got == 0) fail("{}: empty file", path.string());
  if (got == 4) {
    std::uint32_t magic;
    std::memcpy(&magic, head, 4);
    if (magic == kBigWigMagic || byte_swap(magic) == kBigWigMagic) return SignalFormat::BigWig;
    if (magic == kBigBedMagic || byte_swap(magic) == kBigBedMagic)
      fail("{}: is a bigBed file; convert it to BAM/BED reads or a bigWig track", path.string());
  }
  in.close();

  // htslib sniffs BAM, CRAM and (plain or bgzipped) SAM from the content.
  SignalFormat result = SignalFormat::Auto;
  if (htsFile* fp = hts_open(path.c_str(), "r")) {
    const htsFormat* format = hts_get_format(fp);
    if (format->category == sequence_data) {
      if (format->format == bam) result = SignalFormat::Bam;
      else if (format->format == sam) result = SignalFormat::Sam;
      else if (format->format == cram) result = SignalFormat::Cram;
    }
    hts_close(fp);
  }
  if (result != SignalFormat::Auto) return result;
  if (const auto text = sniff_text_signal(path))
    return *text == TextSignalKind::BedGraph ? SignalFormat::BedGraph : SignalFormat::TagAlign;
  fail("{}: not a BAM/SAM/CRAM, bigWig, tagAlign/BED or bedGraph file", path.string());
}

}  // namespace achrome
