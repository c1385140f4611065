// The demo/fixture world on loopback: a real nsd serving look-alikes of two example brands
// (examplebank.com, examplepay.net) with A, MX, SPF, DMARC, parking NS, parked pages, and
// real SMTP, HTTP and HTTPS servers on 127.0.0.1. Used by the README's main command
// (lookalike-sandbox) and by the scan tests, which pin the expected ranking. Nothing leaves 127/8.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lookalike::sandbox {

// The brands the world imitates.
inline const std::vector<std::string> kBrands = {"examplebank.com", "examplepay.net"};

class World {
 public:
  // Starts nsd and the SMTP/HTTP/HTTPS servers; throws std::runtime_error when one cannot start.
  World();
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // "127.0.0.1:<port>" of the authoritative server (the only resolver a scan may use).
  [[nodiscard]] std::string resolver() const;
  [[nodiscard]] std::uint16_t smtp_port() const;
  [[nodiscard]] std::uint16_t http_port() const;
  [[nodiscard]] std::uint16_t https_port() const;

  // The A-label of the Unicode look-alike in the world ("exàmplebank.com").
  [[nodiscard]] static std::string unicode_lookalike();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lookalike::sandbox
