#pragma once
// Content hashes recorded in metrics.json so a result names exactly the data it came from.
#include <filesystem>
#include <string>

namespace achrome {

// Hex MD5 of a file's bytes (htslib's implementation; no extra dependency).
std::string md5_file(const std::filesystem::path& path);

}  // namespace achrome
