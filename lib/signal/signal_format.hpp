#pragma once
// Which kind of signal file a path holds, judged from its content (never its name), so that a
// BAM called .bw or a bgzipped SAM is read correctly and anything else is refused by name.
#include <filesystem>
#include <string>
#include <string_view>

namespace achrome {

enum class SignalFormat { Auto, Sam, Bam, Cram, BigWig };

// "auto", "bam", "sam", "cram", "bigwig"; throws Error otherwise.
SignalFormat parse_signal_format(std::string_view text);
std::string_view signal_format_name(SignalFormat format);
inline bool is_read_format(SignalFormat format) {
  return format == SignalFormat::Sam || format == SignalFormat::Bam || format == SignalFormat::Cram;
}

// Detects the format from the file's bytes. Throws Error naming the file when it is missing,
// empty, unreadable, or neither BAM/SAM/CRAM nor bigWig (bigBed is named as unsupported).
SignalFormat detect_signal_format(const std::filesystem::path& path);

}  // namespace achrome
