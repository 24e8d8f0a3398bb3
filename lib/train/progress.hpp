#pragma once
// Progress of a training for the person watching it: a one-line bar on stderr, redrawn as batches
// finish, shown only when stderr is a terminal (a log file or a cluster's job output gets the
// per-epoch log lines alone). Log lines printed through spdlog while the bar is shown erase it first
// and draw it again after them, so the bar never mixes with a log line.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace achrome {

class TerminalProgress {
 public:
  // Active when stderr is a terminal and info lines are logged (not --quiet); then wraps the default
  // logger's sinks until destroyed.
  TerminalProgress();
  ~TerminalProgress();  // erases the bar and gives the logger its sinks back
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  bool active() const { return active_; }
  // Sets the bar's text ("epoch 3/30 [####....] 120/412 batches, 2 min left"), drawn at most ten times
  // a second; `force` draws it now.
  void show(const std::string& text, bool force = false);
  // Erases the bar until the next show().
  void clear();

  // For the logger's wrapper sink: called with the bar's lock held around every log line.
  void erase_locked();
  void draw_locked();
  std::mutex& mutex() { return mutex_; }

 private:
  bool active_ = false;
  bool drawn_ = false;
  std::string text_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::mutex mutex_;
  std::shared_ptr<void> sink_;  // the wrapper installed in the default logger
};

// A bar of `width` cells, `done` of `total` filled: "[#####.....]".
std::string progress_bar(double done, double total, int width);

// Seconds as "45 s", "3 min 20 s" or "2 h 05 min".
std::string duration_text(double seconds);

}  // namespace achrome
