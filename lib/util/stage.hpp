#pragma once
// The common frame of every achrome-* executable: CLI11 parsing with --help/--version/--threads/
// --quiet, spdlog logging to stderr, and one place that turns any failure into a single line
// "achrome-bin: error: <message>" with a non-zero exit status: 2 when the command line is refused
// (CLI11's checks, the validators below, UsageError), 1 for everything found in the data.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "util/error.hpp"

namespace achrome {

class Stage {
 public:
  Stage(std::string name, std::string description);
  ~Stage();

  CLI::App& app() { return app_; }
  const std::string& name() const { return name_; }
  // Worker threads chosen by --threads (default: all cores); valid inside run()'s body.
  int threads() const { return threads_; }

  // Parses argv, configures logging and the oneTBB thread limit, runs body.
  // Returns the process exit status: 0; 2 for usage errors (kExitUsage); 1 for any other error.
  int run(int argc, char** argv, const std::function<void()>& body);

 private:
  std::string name_;
  CLI::App app_;
  int threads_ = 0;
  bool quiet_ = false;
  bool verbose_ = false;
};

constexpr int kExitData = 1;
constexpr int kExitUsage = 2;

// A mistake in how the command was called rather than in the files it read: exits kExitUsage.
class UsageError : public Error {
 public:
  using Error::Error;
};

template <typename... Args>
[[noreturn]] void usage_fail(fmt::format_string<Args...> format, Args&&... args) {
  throw UsageError(fmt::format(format, std::forward<Args>(args)...));
}

// Option validators whose messages a user can act on: CLI11 prefixes the option's name, giving
// "--epochs: must be a positive number, got 0" (CLI11's own PositiveNumber prints its bounds with
// 300 digits). They accept any number; CLI11 then refuses a fraction for an integer option.
CLI::Validator positive();
CLI::Validator non_negative();
// A whole number in [low, high].
CLI::Validator integer_in(long long low, long long high);

// One path given on the command line and the option (or role) it was given as, for messages.
struct PathArg {
  std::string option;
  std::filesystem::path path;
};

// Throws UsageError when an output names the same file as an input (it would be replaced before or
// while being read) or as another output. Paths are compared after resolving "..", symbolic links
// and hard links (std::filesystem::weakly_canonical / equivalent), so "./x.npy" and "x.npy" match.
// Empty paths are skipped.
void refuse_outputs_over_inputs(const std::vector<PathArg>& inputs, const std::vector<PathArg>& outputs);

// Some libraries (libBigWig) print their own complaints with fprintf(stderr); our errors already
// name the file in one line, so while one of these guards lives, file descriptor 2 goes to
// /dev/null, unless --verbose asked for the libraries' words (set by Stage::run). Nested and
// concurrent guards share one redirection, undone when the last ends. Anything else written to
// stderr meanwhile is lost too, so guards wrap the library calls only, never a log line.
class QuietLibraryStderr {
 public:
  QuietLibraryStderr();
  ~QuietLibraryStderr();
  QuietLibraryStderr(const QuietLibraryStderr&) = delete;
  QuietLibraryStderr& operator=(const QuietLibraryStderr&) = delete;

 private:
  bool active_ = false;
};
void show_library_stderr(bool shown);

}  // namespace achrome
