#include "util/stage.hpp"

#include <fcntl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include <htslib/hts.h>
#include <tbb/global_control.h>

#include "achrome/version.hpp"
#include "util/atomic_file.hpp"
#include "util/parse.hpp"

namespace achrome {

namespace fs = std::filesystem;

Stage::Stage(std::string name, std::string description) : name_(std::move(name)), app_(std::move(description), name_) {
  app_.set_version_flag("--version", fmt::format("{} (achrome) {}", name_, kVersion));
  app_.add_option("-t,--threads", threads_, "Worker threads (default: all cores)")->check(non_negative());
  app_.add_flag("-q,--quiet", quiet_, "Only print warnings and errors");
  app_.add_flag("-v,--verbose", verbose_, "Print debugging detail");
  app_.get_formatter()->column_width(34);
}

Stage::~Stage() = default;

int Stage::run(int argc, char** argv, const std::function<void()>& body) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app_.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line like every other error; CLI11's own output adds a second "Run with --help" line.
    // CLI11 has a code per kind of mistake (105, 106, ...); scripts need only "usage" vs "data".
    std::cerr << name_ << ": error: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }
  auto logger = spdlog::stderr_color_mt(name_);
  logger->set_pattern("[%T] %n: %^%v%$");
  logger->set_level(quiet_ ? spdlog::level::warn : verbose_ ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
  // htslib and libBigWig report failures on stderr themselves; we report them as one line naming
  // the file instead, so their own messages are only shown with --verbose.
  hts_set_log_level(verbose_ ? HTS_LOG_WARNING : HTS_LOG_OFF);
  show_library_stderr(verbose_);

  if (threads_ <= 0) threads_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads_));
  // A stage killed by Ctrl-C or a scheduler's SIGTERM leaves no hidden temporaries behind.
  remove_temporaries_on_signals();
  try {
    body();
    return 0;
  } catch (const UsageError& e) {
    std::cerr << name_ << ": error: " << e.what() << '\n';
    return kExitUsage;
  } catch (const Error& e) {
    std::cerr << name_ << ": error: " << e.what() << '\n';
  } catch (const std::exception& e) {
    // Library failures (LibTorch, yaml-cpp, std) may span lines; keep the first.
    std::string message = e.what();
    message = message.substr(0, message.find('\n'));
    std::cerr << name_ << ": error: " << message << '\n';
  }
  return kExitData;
}

namespace {

// The command-line text shown back in a message; a long value is cut.
std::string shown(const std::string& text) { return text.size() > 40 ? text.substr(0, 40) + "..." : text; }

}  // namespace

CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto value = to_double(text);
        if (value && *value > 0) return {};
        return fmt::format("must be a positive number, got {}", shown(text));
      },
      "POSITIVE");
}

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto value = to_double(text);
        if (value && *value >= 0) return {};
        return fmt::format("must be 0 or a positive number, got {}", shown(text));
      },
      "NON-NEGATIVE");
}

CLI::Validator integer_in(long long low, long long high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        const auto value = to_int(text);
        if (value && *value >= low && *value <= high) return {};
        return fmt::format("must be a whole number from {} to {}, got {}", low, high, shown(text));
      },
      fmt::format("{}..{}", low, high));
}

namespace {

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  // Both exist: the file system decides (also hard links and symbolic links to each other).
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    const bool same = fs::equivalent(a, b, ec);
    if (!ec) return same;
  }
  auto resolved = [](const fs::path& p) {
    std::error_code error;
    // Absolute first: weakly_canonical leaves a path none of whose parts exist relative.
    const fs::path absolute = fs::absolute(p, error).lexically_normal();
    if (error) return p.lexically_normal();
    fs::path r = fs::weakly_canonical(absolute, error);
    return error ? absolute : r;
  };
  return resolved(a) == resolved(b);
}

}  // namespace

void refuse_outputs_over_inputs(const std::vector<PathArg>& inputs, const std::vector<PathArg>& outputs) {
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const PathArg& out = outputs[o];
    if (out.path.empty()) continue;
    for (const PathArg& in : inputs)
      if (!in.path.empty() && same_file(out.path, in.path))
        usage_fail("{} {} is also the {} input: writing it would replace what is read; choose another path",
                   out.option, out.path.string(), in.option);
    for (std::size_t p = 0; p < o; ++p)
      if (!outputs[p].path.empty() && same_file(out.path, outputs[p].path))
        usage_fail("{} {} is also the {} output; choose another path", out.option, out.path.string(),
                   outputs[p].option);
  }
}

namespace {
std::mutex quiet_mutex;
int quiet_depth = 0;
int saved_stderr = -1;
bool library_stderr_shown = false;
}  // namespace

void show_library_stderr(bool shown) {
  std::lock_guard<std::mutex> lock(quiet_mutex);
  library_stderr_shown = shown;
}

QuietLibraryStderr::QuietLibraryStderr() {
  std::lock_guard<std::mutex> lock(quiet_mutex);
  if (library_stderr_shown) return;
  active_ = true;
  if (quiet_depth++ > 0) return;
  std::fflush(stderr);
  saved_stderr = ::dup(STDERR_FILENO);
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved_stderr >= 0 && null >= 0) ::dup2(null, STDERR_FILENO);
  if (null >= 0) ::close(null);
}

QuietLibraryStderr::~QuietLibraryStderr() {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(quiet_mutex);
  if (--quiet_depth > 0) return;
  std::fflush(stderr);
  if (saved_stderr >= 0) {
    ::dup2(saved_stderr, STDERR_FILENO);
    ::close(saved_stderr);
    saved_stderr = -1;
  }
}

}  // namespace achrome
