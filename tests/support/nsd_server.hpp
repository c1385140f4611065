// Test support: a real authoritative DNS server (Debian's `nsd`) on 127.0.0.1 for one test.
// Tests and sandboxes use it instead of any real resolver; it never listens beyond loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lookalike::test_support {

// One zone served by the test server. `records` is the zone file body after the `$ORIGIN`
// and `$TTL` lines, which NsdServer writes itself (owner names may be relative to `name`).
struct Zone {
  std::string name;     // apex, e.g. "example.test" (no trailing dot)
  std::string records;  // zone file lines, e.g. "@ SOA ns1 host 1 3600 600 86400 60\nwww A 192.0.2.1\n"
};

// RAII nsd instance: writes its config and zone files into a fresh temp dir, runs
// `nsd -d -c <conf>` on 127.0.0.1:<free port> (UDP and TCP), waits until it answers, and kills
// + reaps it by pid in the destructor (also when a test fails). Throws std::runtime_error when
// nsd cannot be started or does not answer within `startup_timeout`.
class NsdServer {
 public:
  explicit NsdServer(std::vector<Zone> zones,
                     std::chrono::milliseconds startup_timeout = std::chrono::seconds(15));
  ~NsdServer();
  NsdServer(const NsdServer&) = delete;
  NsdServer& operator=(const NsdServer&) = delete;

  // UDP/TCP port nsd listens on (127.0.0.1 only).
  [[nodiscard]] std::uint16_t port() const { return port_; }
  // "127.0.0.1:<port>", the form `lookalike --resolvers` accepts.
  [[nodiscard]] std::string address() const;
  // The temp dir holding nsd.conf, the zone files and nsd.log (removed by the destructor).
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  // Replaces the served zones (same port): rewrites config and zone files, restarts nsd and
  // waits until it answers again. A zone whose records do not load is served as SERVFAIL.
  void reload(std::vector<Zone> zones);

  // Zone text that nsd refuses to load (a record with a bad type): nsd then answers SERVFAIL
  // for every name in that zone, which is how tests get a real SERVFAIL.
  static std::string broken_zone_records();

 private:
  void write_files();
  void start();
  void stop() noexcept;
  bool answers_soa(const std::string& zone) const;

  std::vector<Zone> zones_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::chrono::milliseconds startup_timeout_;
};

// A UDP+TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
std::uint16_t free_loopback_port();

}  // namespace lookalike::test_support
