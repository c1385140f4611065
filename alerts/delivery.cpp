#include "alerts/delivery.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

namespace lookalike::alerts {

std::string errno_text(int e) { return std::strerror(e); }

bool wanted(const std::vector<AlertKind>& kinds, AlertKind k) {
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

// The alert's "id" member (the receivers' idempotency key); "<seq>" when the JSON has none.
std::string alert_id(const Alert& alert) {
  auto doc = nlohmann::json::parse(alert.json, nullptr, false);
  if (doc.is_object()) {
    auto it = doc.find("id");
    if (it != doc.end() && it->is_string()) return it->get<std::string>();
  }
  return std::to_string(alert.seq);
}

// Sleeps `d` in short slices so a stop request is seen quickly; false when stopped.
bool pause(milliseconds d, const std::atomic<bool>* stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (true) {
    if (stop != nullptr && stop->load()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, milliseconds(50)));
  }
}


milliseconds backoff(milliseconds initial, unsigned failed_attempts, std::mt19937_64& rng) {
  milliseconds d = std::max(initial, milliseconds(1));
  for (unsigned i = 1; i < failed_attempts && d < kMaxBackoff; ++i) d *= 2;
  d = std::min(d, kMaxBackoff);
  std::uniform_int_distribution<long long> jitter(d.count() / 2, d.count());
  return milliseconds(jitter(rng));
}

bool write_all(int fd, std::string_view data, int& err) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool read_at(int fd, std::string& buf, off_t offset, std::size_t len, int& err) {
  buf.resize(len);
  std::size_t got = 0;
  while (got < len) {
    const ssize_t n = ::pread(fd, buf.data() + got, len - got, offset + static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf.resize(got);
  return true;
}

}  // namespace lookalike::alerts
