#pragma once
// Shared by the libFuzzer targets: the readers that take a path get the input through one scratch
// file per process (the fuzzer calls the target millions of times; reusing one name keeps /tmp clean).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

namespace achrome::fuzz {

// Logging off (every rejected input would print a line) and oneTBB on one thread, so that a crash
// replays the same way from its artifact.
inline void quiet_and_serial() {
  spdlog::set_level(spdlog::level::off);
  static tbb::global_control serial(tbb::global_control::max_allowed_parallelism, 1);
}

class ScratchFile {
 public:
  explicit ScratchFile(const std::string& stem)
      : path_(std::filesystem::temp_directory_path() /
              ("achrome-fuzz-" + stem + "-" + std::to_string(::getpid()))) {}
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& write(const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
      std::perror(path_.c_str());
      std::abort();
    }
    return path_;
  }

 private:
  std::filesystem::path path_;
};

// A property the parser promises but broke on this input: reported as a crash, with its input saved.
#define ACHROME_FUZZ_CHECK(condition)                                                   \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

}  // namespace achrome::fuzz
