// The signed test zone (tests/support/signed_zone.hpp) the DANE world is built on: ldns signs it,
// the corrupted owner names no longer verify, and nsd serves the signatures.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signed_zone.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::test_support {
namespace {

const char* kRecords =
    "@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
    "@ NS ns1\n"
    "ns1 A 127.0.0.1\n"
    "@ MX 10 mx\n"
    "mx A 127.0.0.1\n"
    "_25._tcp.mx TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000\n"
    "bogus MX 10 mx.bogus\n"
    "mx.bogus A 127.0.0.1\n";

std::filesystem::path write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::trunc) << text;
  return p;
}

TEST(SignedZone, VerifiesExceptTheCorruptedOwnersAndNsdServesItsSignatures) {
  ASSERT_TRUE(have_ldnsutils()) << "ldnsutils (ldns-keygen, ldns-signzone) is not installed: run .ci/setup";
  TempDir dir;
  const SignedZone good = sign_zone({"dane.test", kRecords}, dir.path);
  EXPECT_NE(good.ds.find("IN\tDS\t"), std::string::npos) << good.ds;
  EXPECT_NE(good.zone.records.find("RRSIG"), std::string::npos);
  const auto verified = run_process({"ldns-verify-zone", write(dir.path / "good.zone", good.zone.records).string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  const SignedZone bad = sign_zone({"dane.test", kRecords}, dir.path / "bad", {"bogus.dane.test", "mx.bogus.dane.test"});
  const auto refused = run_process({"ldns-verify-zone", write(dir.path / "bad.zone", bad.zone.records).string()});
  EXPECT_NE(refused.exit_code, 0) << refused.out << refused.err;
  EXPECT_NE((refused.out + refused.err).find("bogus.dane.test"), std::string::npos) << refused.out << refused.err;

  NsdServer nsd({bad.zone, Zone{"plain.test", "@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\n"}});
  const auto answer = run_process({"drill", "-D", "-p", std::to_string(nsd.port()), "mx.dane.test", "@127.0.0.1", "TLSA"},
                                  {}, std::chrono::seconds(20));
  EXPECT_NE(answer.out.find("RRSIG"), std::string::npos) << answer.out << answer.err;
}

}  // namespace
}  // namespace lookalike::test_support
