#pragma once
// Which kind of signal file a path holds, judged from its content (never its name), so that a
// BAM called .bw or a bgzipped SAM is read correctly and anything else is refused by name.
#include <filesystem>
#include <string>
#include <string_view>

namespace achrome {

enum class SignalFormat { Auto, Sam, Bam, Cram, BigWig, TagAlign, BedGraph };

// "auto", "bam", "sam", "cram", "bigwig", "tagalign" (or "bed": BED reads), "bedgraph"; throws Error otherwise.
SignalFormat parse_signal_format(std::string_view text);
std::string_view signal_format_name(SignalFormat format);
inline bool is_text_format(SignalFormat format) {
  return format == SignalFormat::TagAlign || format == SignalFormat::BedGraph;
}

// Detects the format from the file's bytes (text may be plain, gzip or BGZF). Throws Error naming
// the file when it is missing, empty, unreadable, or none of BAM/SAM/CRAM, bigWig, tagAlign/BED
// reads or bedGraph (bigBed is named as unsupported). Text is judged by its first data line: four
// columns with a numeric fourth (or a `track type=bedGraph` line) is bedGraph, otherwise BED reads;
// `--format` settles the rare BED whose 4th (name) column is a number.
SignalFormat detect_signal_format(const std::filesystem::path& path);

}  // namespace achrome
