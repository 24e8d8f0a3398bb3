#pragma once
// One entry point for achrome-bin: any supported signal file -> [genes, bins] float32 matrix.
#include <filesystem>
#include <string>
#include <vector>

#include "signal/bigwig_binner.hpp"
#include "signal/read_binner.hpp"
#include "signal/signal_format.hpp"
#include "signal/text_signal.hpp"

namespace achrome {

struct BinOptions {
  SignalFormat format = SignalFormat::Auto;  // checked against the content when not auto
  ReadCountOptions reads;
  BigWigOptions bigwig;       // also bedGraph
  TextSignalOptions text;     // tagAlign/BED reads and bedGraph
};

// `used`, when given, receives the format the file was read as (for the geometry sidecar).
std::vector<float> bin_signal(const std::filesystem::path& signal, const std::vector<Gene>& genes,
                              const WindowSpec& spec, const BinOptions& options, const std::string& genes_path,
                              SignalFormat* used = nullptr);

}  // namespace achrome
