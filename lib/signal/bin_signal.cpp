#include "signal/bin_signal.hpp"

#include "util/error.hpp"

namespace achrome {

std::vector<float> bin_signal(const std::filesystem::path& signal, const std::vector<Gene>& genes,
                              const WindowSpec& spec, const BinOptions& options, const std::string& genes_path,
                              SignalFormat* used) {
  const SignalFormat found = detect_signal_format(signal);
  // Text interval files can be ambiguous (a BED with a numeric name looks like a bedGraph): a named
  // text format is taken at its word and its parser judges every line.
  const bool text_override = is_text_format(options.format) && is_text_format(found);
  if (options.format != SignalFormat::Auto && options.format != found && !text_override)
    fail("{}: --format {} was given but the file is {}", signal.string(), signal_format_name(options.format),
         signal_format_name(found));
  const SignalFormat format = text_override ? options.format : found;
  if (used != nullptr) *used = format;
  if (format == SignalFormat::BigWig) return bin_bigwig(signal, genes, spec, options.bigwig, genes_path);
  if (format == SignalFormat::TagAlign) return bin_text_reads(signal, genes, spec, options.reads, options.text, genes_path);
  if (format == SignalFormat::BedGraph) return bin_bedgraph(signal, genes, spec, options.bigwig, options.text, genes_path);
  return bin_reads(signal, genes, spec, options.reads, genes_path);
}

}  // namespace achrome
