#include "train/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

namespace achrome {

namespace {

// "\r" back to the line's start, then ESC [K: erase to the end of the line.
constexpr const char* kErase = "\r\033[K";

int terminal_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// Forwards every log line to the logger's own sinks with the bar erased, then draws the bar again.
class BarAwareSink : public spdlog::sinks::sink {
 public:
  BarAwareSink(TerminalProgress& bar, std::vector<spdlog::sink_ptr> inner) : bar_(bar), inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    std::lock_guard<std::mutex> lock(bar_.mutex());
    bar_.erase_locked();
    for (auto& sink : inner_)
      if (sink->should_log(msg.level)) sink->log(msg);
    for (auto& sink : inner_) sink->flush();
    bar_.draw_locked();
  }
  void flush() override {
    for (auto& sink : inner_) sink->flush();
  }
  void set_pattern(const std::string& pattern) override {
    for (auto& sink : inner_) sink->set_pattern(pattern);
  }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    for (auto& sink : inner_) sink->set_formatter(formatter->clone());
  }
  const std::vector<spdlog::sink_ptr>& inner() const { return inner_; }

 private:
  TerminalProgress& bar_;
  std::vector<spdlog::sink_ptr> inner_;
};

}  // namespace

TerminalProgress::TerminalProgress() {
  auto logger = spdlog::default_logger();
  // --quiet asks for warnings and errors only: no bar either.
  active_ = ::isatty(STDERR_FILENO) == 1 && logger->should_log(spdlog::level::info);
  if (!active_) return;
  auto sink = std::make_shared<BarAwareSink>(*this, logger->sinks());
  logger->sinks() = {sink};
  sink_ = sink;
}

TerminalProgress::~TerminalProgress() {
  if (!active_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    erase_locked();
  }
  if (auto logger = spdlog::default_logger()) {
    const auto sink = std::static_pointer_cast<BarAwareSink>(sink_);
    if (logger->sinks().size() == 1 && logger->sinks().front() == sink) logger->sinks() = sink->inner();
  }
}

void TerminalProgress::show(const std::string& text, bool force) {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  text_ = text;
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw_locked();
}

void TerminalProgress::clear() {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
  text_.clear();
}

void TerminalProgress::erase_locked() {
  if (!drawn_) return;
  std::fputs(kErase, stderr);
  std::fflush(stderr);
  drawn_ = false;
}

void TerminalProgress::draw_locked() {
  if (text_.empty()) return;
  // A line longer than the terminal wraps, and "\r" then returns to the wrapped part only: cut it.
  const auto columns = static_cast<std::size_t>(std::max(10, terminal_columns() - 1));
  const std::string line = text_.size() > columns ? text_.substr(0, columns) : text_;
  std::fputs(kErase, stderr);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

std::string progress_bar(double done, double total, int width) {
  const double fraction = total > 0 ? std::clamp(done / total, 0.0, 1.0) : 0.0;
  const int filled = static_cast<int>(std::lround(fraction * width));
  return "[" + std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), '.') +
         "]";
}

std::string duration_text(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (total < 60) return fmt::format("{} s", total);
  if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
  return fmt::format("{} h {:02} min", total / 3600, (total % 3600) / 60);
}

}  // namespace achrome
