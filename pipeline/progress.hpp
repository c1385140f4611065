// A one-line progress display on stderr, only when stderr is a terminal:
// "[resolve] 1,200/27,451  3,400/s  ETA 8s". Redraws at most 10 times a second.
#pragma once

#include <chrono>
#include <cstdio>
#include <ostream>
#include <string>

namespace lookalike::pipeline {

class Progress {
 public:
  Progress(std::ostream& err, bool enabled) : err_(err), enabled_(enabled) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Starts a new stage with `total` items (0: unknown).
  void stage(std::string name, std::size_t total) {
    finish();
    name_ = std::move(name);
    total_ = total;
    done_ = 0;
    start_ = last_ = std::chrono::steady_clock::now();
    active_ = true;
  }

  // Adds finished items and redraws when due.
  void advance(std::size_t n = 1) {
    done_ += n;
    if (!enabled_ || !active_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && done_ != total_) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0.0;
    char line[160];
    if (total_ > 0 && rate > 0) {
      const double eta = static_cast<double>(total_ - std::min(done_, total_)) / rate;
      std::snprintf(line, sizeof line, "\r[%s] %zu/%zu  %.0f/s  ETA %.0fs\x1b[K", name_.c_str(), done_, total_, rate, eta);
    } else {
      std::snprintf(line, sizeof line, "\r[%s] %zu  %.0f/s\x1b[K", name_.c_str(), done_, rate);
    }
    err_ << line << std::flush;
  }

  // Clears the line.
  void finish() {
    if (enabled_ && active_) err_ << "\r\x1b[K" << std::flush;
    active_ = false;
  }

 private:
  std::ostream& err_;
  bool enabled_;
  bool active_ = false;
  std::string name_;
  std::size_t total_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace lookalike::pipeline
