// Inside alerts/: what the sinks share: the kind filter, the alert id, the retry loop with
// backoff, and small POSIX helpers (file descriptors, full writes, SIGPIPE kept away).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/alert.hpp"
#include "telemetry/log.hpp"

namespace lookalike::alerts {

using std::chrono::milliseconds;
inline constexpr milliseconds kMaxBackoff{60000};

// strerror(e).
[[nodiscard]] std::string errno_text(int e);
// True when a sink filtering on `kinds` takes an alert of kind `k`.
[[nodiscard]] bool wanted(const std::vector<AlertKind>& kinds, AlertKind k);
// The alert's "id" member (the receivers' idempotency key); "<seq>" when the JSON has none.
[[nodiscard]] std::string alert_id(const Alert& alert);
// Sleeps `d` in short slices so a stop request is seen quickly; false when stopped.
[[nodiscard]] bool pause(milliseconds d, const std::atomic<bool>* stop);
// Exponential backoff with jitter: initial * 2^(n-1) capped at 60 s, then a uniform draw in
// [d/2, d] so many watchers failing together do not retry in lockstep.
[[nodiscard]] milliseconds backoff(milliseconds initial, unsigned failed_attempts, std::mt19937_64& rng);

// One attempt's outcome for the shared retry loop.
struct Attempt {
  bool delivered = false;
  bool permanent = false;  // retrying cannot help (HTTP 4xx other than 408/429)
  std::string error;
  std::optional<milliseconds> retry_after;  // the receiver asked for this wait
};

// Runs `once` until it delivers, fails permanently, runs out of attempts or a stop is requested.
template <class Once>
std::expected<void, std::string> with_retries(const SinkConfig& c, std::mt19937_64& rng, std::string_view what,
                                              const Alert& alert, Once once) {
  const unsigned attempts = std::max(1u, c.max_attempts);
  std::string last;
  for (unsigned n = 1; n <= attempts; ++n) {
    if (c.stop != nullptr && c.stop->load()) {
      return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) + " not delivered: stopping");
    }
    Attempt a = once();
    if (a.delivered) {
      if (n > 1)
        telemetry::log_info("alert delivered after retries", {{"sink", what}, {"seq", alert.seq}, {"attempts", n}});
      return {};
    }
    last = a.error;
    if (a.permanent) {
      return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) + " refused: " + last);
    }
    if (n == attempts) break;
    milliseconds wait = backoff(c.initial_backoff, n, rng);
    if (a.retry_after) wait = std::min(std::max(wait, *a.retry_after), kMaxBackoff);
    telemetry::log_warn(
        "alert delivery failed, retrying",
        {{"sink", what}, {"seq", alert.seq}, {"attempt", n}, {"wait_ms", wait.count()}, {"error", last}});
    if (!pause(wait, c.stop)) {
      return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) +
                             " not delivered: stopping (last error: " + last + ")");
    }
  }
  return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) + " not delivered after " +
                         std::to_string(attempts) + " attempts: " + last);
}

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd = std::exchange(o.fd, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Writes all of `data`; false with `err` set on failure.
[[nodiscard]] bool write_all(int fd, std::string_view data, int& err);
// Reads up to `len` bytes at `offset` into `buf` (shorter at end of file); false with `err` set on failure.
[[nodiscard]] bool read_at(int fd, std::string& buf, off_t offset, std::size_t len, int& err);

// SIGPIPE blocked on this thread while we write to a hook that may exit early or to a stdout
// pipe whose reader went away (EPIPE instead of a dead watcher); a SIGPIPE left pending is consumed before the old mask
// comes back.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1 && sigismember(&old_, SIGPIPE) == 0) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      const timespec zero{0, 0};
      sigtimedwait(&set, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_{};
};

}  // namespace lookalike::alerts
