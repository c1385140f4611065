// The posture test world on loopback: nsd serving good and bad mail-policy zones, and an HTTPS
// server for their MTA-STS policies (certificates from a test CA made at test time). Keys for
// DKIM records are generated at test time too.
#pragma once

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "posture/unbound_dns.hpp"
#include "tests/posture/https_server.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/dkim_key.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"
#include "util/encoding.hpp"

namespace lookalike::test_support {

inline std::string http(const std::string& status, const std::string& type, const std::string& body,
                        const std::string& extra = {}) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra + "Connection: close\r\n\r\n" + body;
}

struct PostureWorld {
  std::unique_ptr<NsdServer> nsd;
  std::unique_ptr<HttpsServer> https;
  TestCa ca;
  TempDir dir;
  std::filesystem::path ca_file;
  std::vector<std::string> zones;
  std::map<std::string, std::string> zone_text;

  PostureWorld() {
    const std::string soa = "@ SOA ns1 host 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\n";
    const std::string rsa2048 = dkim_public_key(2048), rsa1024 = dkim_public_key(1024), rsa512 = dkim_public_key(512),
                      ed = dkim_public_key(0);
    std::map<std::string, std::string> z;
    z["good.test"] = soa +
                     "@ MX 10 mx1\nmx1 A 127.0.0.1\n"
                     "@ TXT " + txt("v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx -all") + "\n"
                     "_spf TXT " + txt("v=spf1 ip4:198.51.100.0/24 ~all") + "\n"
                     "_dmarc TXT " + txt("v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@reports.test") + "\n"
                     "_smtp._tls TXT " + txt("v=TLSRPTv1; rua=mailto:tls@good.test") + "\n"
                     "sel1._domainkey TXT " + txt("v=DKIM1; k=rsa; p=" + rsa2048) + "\n"
                     "_mta-sts TXT " + txt("v=STSv1; id=20261202") + "\nmta-sts A 127.0.0.1\n"
                     "default._bimi TXT " + txt("v=BIMI1; l=https://good.test/logo.svg") + "\n";
    z["reports.test"] = soa + "good.test._report._dmarc TXT " + txt("v=DMARC1") + "\n";
    z["bad.test"] = soa +
                    "@ MX 10 mx1\n@ MX 20 alias\n@ MX 30 gone\nmx1 A 127.0.0.1\nalias CNAME mx1\n"
                    "@ TXT " + txt("v=spf1 +all") + "\n"
                    "_dmarc TXT " + txt("v=DMARC1; p=none; rua=mailto:d@elsewhere.test") + "\n"
                    "_smtp._tls TXT " + txt("v=TLSRPTv1") + "\n"
                    "default._domainkey TXT " + txt("v=DKIM1; k=rsa; p=" + rsa512) + "\n"
                    "_mta-sts TXT " + txt("v=STSv1; id=1") + "\nmta-sts A 127.0.0.1\n"
                    "default._bimi TXT " + txt("v=BIMI1; l=http://bad.test/logo.svg") + "\n";
    // Defensively parked: null MX, -all, p=reject; no DKIM at all.
    z["parked.test"] = soa + "@ MX 0 .\n@ TXT " + txt("v=spf1 -all") + "\n_dmarc TXT " + txt("v=DMARC1; p=reject") + "\n";
    // Lax: no MX, ?all with ptr, pct=50, DKIM 1024 in testing plus Ed25519, TLS-RPT missing with
    // MTA-STS in testing mode (short max_age).
    z["lax.test"] = soa + "@ A 127.0.0.1\n@ TXT " + txt("v=spf1 ptr a ?all") + "\n"
                    "_dmarc TXT " + txt("v=DMARC1; p=quarantine; pct=50") + "\n"
                    "k1._domainkey TXT " + txt("v=DKIM1; k=rsa; t=y; p=" + rsa1024) + "\n"
                    "_mta-sts TXT " + txt("v=STSv1; id=abc") + "\nmta-sts A 127.0.0.1\n";
    z["ed.test"] = soa + "@ MX 10 mx\nmx A 127.0.0.1\n@ TXT " + txt("v=spf1 -all") + "\n"
                   "s1._domainkey TXT " + txt("v=DKIM1; k=ed25519; p=" + ed) + "\n"
                   "_dmarc TXT " + txt("v=DMARC1; p=reject; sp=none") + "\n"
                   "_mta-sts TXT " + txt("v=STSv1; id=2") + "\nmta-sts A 127.0.0.1\n";
    // SPF over its limits: 11 lookups; 3 void lookups; two records. DKIM: only the _domainkey hint.
    z["many.test"] = soa + "@ MX 10 mx\nmx A 127.0.0.1\n@ TXT " +
                     txt("v=spf1 include:i1.many.test include:i2.many.test a mx a:mx.many.test mx:many.test "
                         "a:mx.many.test a:mx.many.test a:mx.many.test a:mx.many.test a:mx.many.test -all") + "\n"
                     "i1 TXT " + txt("v=spf1 -all") + "\ni2 TXT " + txt("v=spf1 -all") + "\n"
                     "unguessable._domainkey TXT " + txt("v=DKIM1; p=" + rsa2048.substr(0, 0)) + "\n"
                     "_mta-sts TXT " + txt("v=STSv1; id=3") + "\nmta-sts A 127.0.0.1\n";
    z["void.test"] = soa + "@ TXT " + txt("v=spf1 a:nx1.void.test a:nx2.void.test a:nx3.void.test -all") + "\n"
                     "_mta-sts TXT " + txt("v=STSv1; id=4") + "\nmta-sts A 127.0.0.1\n";
    z["two.test"] = soa + "@ TXT " + txt("v=spf1 -all") + "\n@ TXT " + txt("v=spf1 ~all") + "\n"
                    "_dmarc TXT " + txt("v=DMARC1; p=reject") + "\n_dmarc TXT " + txt("v=DMARC1; p=none") + "\n";
    zone_text = z;
    for (auto& [name, records] : z) zones.push_back(name);
    nsd = std::make_unique<NsdServer>(zone_list());
    CertSpec spec;
    spec.cn = "mta-sts.good.test";
    for (const auto& name : zones) spec.sans.push_back("mta-sts." + name);
    const IssuedCert cert = ca.issue(spec);
    ca_file = ca.write(dir.path / "ca.pem");
    const std::string good_policy = "version: STSv1\nmode: enforce\nmx: mx1.good.test\nmax_age: 604800\n";
    https = std::make_unique<HttpsServer>(
        cert.chain_pem, cert.key_pem,
        std::map<std::string, std::string>{
            {"mta-sts.good.test", http("200 OK", "text/plain; charset=utf-8", good_policy)},
            {"mta-sts.bad.test", http("301 Moved Permanently", "text/html", "", "Location: https://good.test/\r\n")},
            {"mta-sts.lax.test", http("200 OK", "text/plain", "version: STSv1\nmode: testing\nmx: *.lax.test\nmax_age: 3600\n")},
            {"mta-sts.ed.test", http("200 OK", "text/html", good_policy)},
            {"mta-sts.many.test", http("200 OK", "text/plain", std::string(70 * 1024, '#'))},
            {"mta-sts.void.test", http("200 OK", "text/plain", "version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 86400\n")},
        });
  }

  // Replaces one zone's records (same nsd port) and reloads.
  void replace(const std::string& zone, const std::string& records) {
    zone_text[zone] = records;
    nsd->reload(zone_list());
  }
  [[nodiscard]] std::vector<Zone> zone_list() const {
    std::vector<Zone> out;
    for (const auto& [name, records] : zone_text) out.push_back({name, records});
    return out;
  }

  [[nodiscard]] posture::UnboundOptions dns_options() const {
    posture::UnboundOptions o;
    for (const auto& name : zones) o.stubs.push_back({name, nsd->address()});
    o.timeout_ms = 5000;
    return o;
  }
};

}  // namespace lookalike::test_support
