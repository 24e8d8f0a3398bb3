#include "signal/bin_signal.hpp"

#include "util/error.hpp"

namespace achrome {

std::vector<float> bin_signal(const std::filesystem::path& signal, const std::vector<Gene>& genes,
                              const WindowSpec& spec, const BinOptions& options, const std::string& genes_path) {
  const SignalFormat found = detect_signal_format(signal);
  if (options.format != SignalFormat::Auto && options.format != found)
    fail("{}: --format {} was given but the file is {}", signal.string(), signal_format_name(options.format),
         signal_format_name(found));
  if (found == SignalFormat::BigWig) return bin_bigwig(signal, genes, spec, options.bigwig, genes_path);
  return bin_reads(signal, genes, spec, options.reads, genes_path);
}

}  // namespace achrome
