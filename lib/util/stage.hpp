#pragma once
// The common frame of every achrome-* executable: CLI11 parsing with --help/--version/--threads/
// --quiet, spdlog logging to stderr, and one place that turns any failure into a single line
// "achrome-bin: error: <message>" with a non-zero exit status.
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

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
  // Returns the process exit status: 0, 1 for errors, CLI11's code for usage errors.
  int run(int argc, char** argv, const std::function<void()>& body);

 private:
  std::string name_;
  CLI::App app_;
  int threads_ = 0;
  bool quiet_ = false;
  bool verbose_ = false;
};

}  // namespace achrome
