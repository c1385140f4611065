// Unpredictable bits for what an off-path spoofer must guess: DNS message IDs, the 0x20 case of
// question names and the choice of source socket. Internal header.
#pragma once

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace lookalike::resolver {

// The kernel's CSPRNG (getrandom(2)), read 4 KiB at a time so a query costs a few bytes of a
// buffer rather than a system call. Not thread-safe: one per transport.
class SecureRandom {
 public:
  // 16 unpredictable bits (a DNS message ID).
  std::uint16_t u16() { return static_cast<std::uint16_t>(take<2>()); }
  // 64 unpredictable bits (one bit per letter for 0x20).
  std::uint64_t u64() { return take<8>(); }
  // Uniform in [0, n) for n > 0 (rejection sampling: no modulo bias).
  std::uint32_t below(std::uint32_t n) {
    if (n <= 1) return 0;
    const std::uint32_t limit = UINT32_MAX - UINT32_MAX % n;
    for (;;) {
      const auto v = static_cast<std::uint32_t>(take<4>());
      if (v < limit) return v % n;
    }
  }

 private:
  template <std::size_t N>
  std::uint64_t take() {
    if (pos_ + N > buf_.size()) refill();
    std::uint64_t v = 0;
    std::memcpy(&v, buf_.data() + pos_, N);
    pos_ += N;
    return v;
  }
  void refill() {
    std::size_t got = 0;
    while (got < buf_.size()) {
      const ssize_t n = ::getrandom(buf_.data() + got, buf_.size() - got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        // Never fall back to a predictable generator: IDs are the spoofing defence.
        throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
      }
      got += static_cast<std::size_t>(n);
    }
    pos_ = 0;
  }

  std::array<std::uint8_t, 4096> buf_{};
  std::size_t pos_ = sizeof(buf_);
};

}  // namespace lookalike::resolver
