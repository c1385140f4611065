// Whole-run benchmark of the DNS-only posture checks (mx, spf, dmarc, tls-rpt, dkim, bimi,
// mta-sts TXT) against a local nsd: N synthetic domains, T threads (one libunbound context each),
// domains per second reported. Usage: bench_posture [DOMAINS=1000] [THREADS=4]
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "posture/policy_fetch.hpp"
#include "posture/run.hpp"
#include "posture/unbound_dns.hpp"
#include "tests/support/nsd_server.hpp"
#include "util/encoding.hpp"

using namespace lookalike;

int main(int argc, char** argv) {
  const int domains = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 4;
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  std::vector<std::uint8_t> der(static_cast<std::size_t>(i2d_PUBKEY(key, nullptr)));
  unsigned char* p = der.data();
  i2d_PUBKEY(key, &p);
  EVP_PKEY_free(key);
  const std::string b64 = util::base64_encode(der);
  std::string dkim = "\"v=DKIM1; k=rsa; p=" + b64.substr(0, 200) + "\" \"" + b64.substr(200) + "\"";
  std::string zone = "@ SOA ns1 host 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\n"
                     "_spf TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n";
  for (int i = 0; i < domains; ++i) {
    const std::string d = "d" + std::to_string(i);
    zone += d + " MX 10 mx." + d + "\nmx." + d + " A 192.0.2.1\n" + d + " TXT \"v=spf1 include:_spf.bench.test mx -all\"\n"
            "_dmarc." + d + " TXT \"v=DMARC1; p=reject; rua=mailto:r@bench.test\"\n"
            "_smtp._tls." + d + " TXT \"v=TLSRPTv1; rua=mailto:t@bench.test\"\n"
            "sel1._domainkey." + d + " TXT " + dkim + "\n";
  }
  test_support::NsdServer nsd({{"bench.test", zone}});
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      posture::UnboundOptions o;
      o.stubs = {{"bench.test", nsd.address()}};
      auto dns = posture::UnboundDns::create(o);
      if (!dns) {
        std::fprintf(stderr, "%s\n", dns.error().c_str());
        std::exit(1);
      }
      auto fetcher = posture::make_policy_fetcher(**dns, {});
      posture::RunOptions ro;
      ro.dkim_selectors = {"sel1"};
      for (int i; (i = next++) < domains;) {
        auto r = posture::check_domain("d" + std::to_string(i) + ".bench.test", **dns, *fetcher, ro, std::nullopt, 0);
        for (const auto& f : r.findings)
          if (f.id == "spf" && f.status != posture::Status::pass) ++failures;
      }
    });
  }
  for (auto& t : pool) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("posture DNS-only checks: %d domains, %d threads, %.2f s, %.0f domains/s (%d unexpected spf results)\n",
              domains, threads, s, domains / s, failures.load());
  return failures == 0 ? 0 : 1;
}
