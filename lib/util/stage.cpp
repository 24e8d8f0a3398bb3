#include "util/stage.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include <htslib/hts.h>
#include <tbb/global_control.h>

#include "achrome/version.hpp"
#include "util/error.hpp"

namespace achrome {

Stage::Stage(std::string name, std::string description) : name_(std::move(name)), app_(std::move(description), name_) {
  app_.set_version_flag("--version", fmt::format("{} (achrome) {}", name_, kVersion));
  app_.add_option("-t,--threads", threads_, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
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
    std::cerr << name_ << ": error: " << e.what() << " (see --help)\n";
    return e.get_exit_code();
  }
  auto logger = spdlog::stderr_color_mt(name_);
  logger->set_pattern("[%T] %n: %^%v%$");
  logger->set_level(quiet_ ? spdlog::level::warn : verbose_ ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
  // htslib reports failures on stderr itself; we report them as one line naming the file instead,
  // so its own messages are only shown with --verbose.
  hts_set_log_level(verbose_ ? HTS_LOG_WARNING : HTS_LOG_OFF);

  if (threads_ <= 0) threads_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads_));
  try {
    body();
    return 0;
  } catch (const Error& e) {
    std::cerr << name_ << ": error: " << e.what() << '\n';
  } catch (const std::exception& e) {
    // Library failures (LibTorch, yaml-cpp, std) may span lines; keep the first.
    std::string message = e.what();
    message = message.substr(0, message.find('\n'));
    std::cerr << name_ << ": error: " << message << '\n';
  }
  return 1;
}

}  // namespace achrome
