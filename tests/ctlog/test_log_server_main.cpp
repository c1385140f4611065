// ct_test_log_server: serves a generated CT log on 127.0.0.1 for benchmarks and manual runs.
// Usage: ct_test_log_server --entries N [--port P] [--brand-every K] [--list FILE] [--tiled-list FILE]
// Prints "ready <url>" once listening; runs until SIGTERM/SIGINT.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/ctlog/test_log_server.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  using namespace lookalike::ctlog::testing;
  std::size_t entries = 10000, brand_every = 1000;
  unsigned short port = 0;
  std::string list_file, tiled_list_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const std::string v = argv[i + 1];
    if (a == "--entries") entries = std::stoul(v);
    else if (a == "--port") port = static_cast<unsigned short>(std::stoul(v));
    else if (a == "--brand-every") brand_every = std::stoul(v);
    else if (a == "--list") list_file = v;
    else if (a == "--tiled-list") tiled_list_file = v;
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  TestLog log;
  TestCa ca;
  for (std::size_t i = 0; i < entries; ++i) {
    const bool brand = brand_every != 0 && i % brand_every == 0;
    const std::string base = brand ? "paypal-secure" + std::to_string(i) : "site" + std::to_string(i) + "-shop";
    log.add_certificate(ca, base + ".com", {base + ".com", "www." + base + ".com"}, i % 2 == 0);
  }
  TestLogServer server(log, port);
  if (!list_file.empty()) std::ofstream(list_file) << log_list_json(log, server.url(), false);
  if (!tiled_list_file.empty()) std::ofstream(tiled_list_file) << log_list_json(log, server.url(), true);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::cout << "ready " << server.url() << std::endl;
  while (g_stop == 0) pause();
  server.stop();
  return 0;
}
