// Entry parsing against real get-entries responses, log list v3 parsing, and hostile input.
#include <gtest/gtest.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/json.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"
#include "tests/ctlog/fixtures.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {
namespace {

using util::base64_encode;
using testing::read_fixture;

std::vector<std::string> ascii_names(const ParsedEntry& e) {
  std::vector<std::string> v;
  for (const CertName& n : e.names) v.push_back(n.ascii);
  std::sort(v.begin(), v.end());
  return v;
}

TEST(GetEntries, TheFourRealEntriesParseWithTheExpectedNames) {
  auto entries = parse_get_entries_json(read_fixture("rfc6962/ctgo-scanner-4-entries/get-entries.json"));
  ASSERT_TRUE(entries.has_value()) << entries.error().what;
  ASSERT_EQ(entries->size(), 4u);
  const std::vector<std::vector<std::string>> want = {
      {"mail.google.com"},
      {"www.struleartscentre.purchase-tickets-online.co.uk"},
      {"www.netkeiba.com"},
      {"oxfordplayhouse.com", "www.oxfordplayhouse.com"},
  };
  const std::vector<std::string> leaf_hashes = {
      "wDblrkBlhZ7UqimOaRS18MjqvNyt/Fc2tcy6nWONY84=", "/NeD2RVJUnnzreBeKM4fCCWk+KZzG2ctHdm9LLngwJY=",
      "h6Wo6zvO+d293qbd/5bfwMae9eh4jAZULr6i2fLAop4=", "ZQTM8g4mqf80Mb7LHTEJfMWK3DlJC+ztM3WNPnYB9Yc="};
  CompactTree tree;
  for (std::size_t i = 0; i < 4; ++i) {
    const RawEntry& e = (*entries)[i];
    auto p = parse_leaf_names(e.leaf_input, i);
    ASSERT_TRUE(p.has_value()) << p.error().what;
    EXPECT_EQ(p->type, EntryType::x509);
    EXPECT_EQ(ascii_names(*p), want[i]);
    auto chain = parse_extra_data(EntryType::x509, e.extra_data);
    ASSERT_TRUE(chain.has_value()) << chain.error().what;
    EXPECT_GE(chain->size(), 2u);
    EXPECT_EQ(base64_encode(leaf_hash(e.leaf_input)), leaf_hashes[i]);
    tree.append(leaf_hash(e.leaf_input));
  }
  EXPECT_EQ(base64_encode(tree.root()), "A26tmgcaUJpkFXFpkzCS8bJ29cQBEgExKAYFL8hiJ5E=");
}

TEST(GetEntries, APrecertEntryGivesTheNamesOfItsTbsCertificate) {
  auto entries = parse_get_entries_json(read_fixture("rfc6962/ctgo-logclient/precert-entry.get-entries.json"));
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 1u);
  auto p = parse_leaf_names((*entries)[0].leaf_input, 0);
  ASSERT_TRUE(p.has_value()) << p.error().what;
  EXPECT_EQ(p->type, EntryType::precert);
  EXPECT_EQ(ascii_names(*p),
            (std::vector<std::string>{"kjasdhf.trust", "sdfedsf.trust", "ssdfs.trust", "www.sdfedsf.trust"}));
  auto chain = parse_extra_data(EntryType::precert, (*entries)[0].extra_data);
  ASSERT_TRUE(chain.has_value()) << chain.error().what;
  EXPECT_EQ(chain->size(), 4u);  // the pre-certificate plus a 3-certificate chain
  // The pre-certificate itself (a full certificate) has the same names.
  auto pre = certificate_names((*chain)[0], false);
  ASSERT_TRUE(pre.has_value());
  EXPECT_EQ(pre->size(), 4u);
}

TEST(GetEntries, AnX509EntryWithItsChainParses) {
  auto entries = parse_get_entries_json(read_fixture("rfc6962/ctgo-logclient/x509-entry.get-entries.json"));
  ASSERT_TRUE(entries.has_value());
  auto p = parse_leaf_names((*entries)[0].leaf_input, 0);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(ascii_names(*p), std::vector<std::string>{"csrcn.ssl24.jp"});
}

// What OpenSSL (an independent DER parser; lookalike_ctlog links libcrypto) says about a certificate.
struct OpensslView {
  std::string issuer_cn, issuer_o, issuer_c;
  std::uint64_t not_before = 0, not_after = 0;
  std::vector<std::string> sans;
};

std::uint64_t asn1_ms(const ASN1_TIME* t) {
  std::tm tm{};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return static_cast<std::uint64_t>(timegm(&tm)) * 1000;
}

std::string issuer_field(X509_NAME* n, int nid) {
  const int i = X509_NAME_get_index_by_NID(n, nid, -1);
  if (i < 0) return {};
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
}

OpensslView openssl_view(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  OpensslView v;
  EXPECT_TRUE(x);
  if (!x) return v;
  X509_NAME* issuer = X509_get_issuer_name(x.get());
  v.issuer_cn = issuer_field(issuer, NID_commonName);
  v.issuer_o = issuer_field(issuer, NID_organizationName);
  v.issuer_c = issuer_field(issuer, NID_countryName);
  v.not_before = asn1_ms(X509_get0_notBefore(x.get()));
  v.not_after = asn1_ms(X509_get0_notAfter(x.get()));
  auto* gens = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; gens != nullptr && i < sk_GENERAL_NAME_num(gens); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
    if (g->type != GEN_DNS) continue;
    v.sans.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                        static_cast<std::size_t>(ASN1_STRING_length(g->d.dNSName)));
  }
  GENERAL_NAMES_free(gens);
  return v;
}

void expect_same_evidence(const CertificateInfo& ours, const OpensslView& want) {
  EXPECT_EQ(ours.sans, want.sans);
  EXPECT_EQ(ours.not_before, want.not_before);
  EXPECT_EQ(ours.not_after, want.not_after);
  EXPECT_GT(ours.not_after, ours.not_before);
  // Our DN lists the most specific RDN first; check each attribute appears as "KEY=value".
  for (const auto& [key, value] : {std::pair{"CN=", want.issuer_cn}, {"O=", want.issuer_o}, {"C=", want.issuer_c}}) {
    if (value.empty()) continue;
    std::string escaped;  // RFC 4514 §2.4: these characters are backslash-escaped in values
    for (const char c : value) {
      if (std::string_view(",+\"\\<>;=").find(c) != std::string_view::npos) escaped += '\\';
      escaped += c;
    }
    EXPECT_NE(ours.issuer.find(std::string(key) + escaped), std::string::npos) << ours.issuer << " lacks " << key << escaped;
  }
  if (!want.issuer_cn.empty()) {
    EXPECT_TRUE(ours.issuer.starts_with("CN=")) << ours.issuer;
  }
}

TEST(CertificateInfo, IssuerValidityAndSansOfRealCertificatesAgreeWithOpenssl) {
  auto entries = parse_get_entries_json(read_fixture("rfc6962/ctgo-scanner-4-entries/get-entries.json"));
  ASSERT_TRUE(entries.has_value());
  std::size_t with_org = 0;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const RawEntry& e = (*entries)[i];
    auto leaf = parse_merkle_tree_leaf(e.leaf_input);
    ASSERT_TRUE(leaf.has_value());
    auto info = certificate_info(leaf->certificate, false);
    ASSERT_TRUE(info.has_value()) << info.error().what;
    const OpensslView want = openssl_view(leaf->certificate);
    expect_same_evidence(*info, want);
    with_org += !want.issuer_o.empty();
    // parse_leaf_names carries the same evidence.
    auto p = parse_leaf_names(e.leaf_input, i);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->issuer, info->issuer);
    EXPECT_EQ(p->sans, info->sans);
    EXPECT_EQ(p->not_before, info->not_before);
  }
  EXPECT_GT(with_org, 0u);
}

TEST(CertificateInfo, APrecertTbsGivesTheSameEvidenceAsItsPreCertificate) {
  auto entries = parse_get_entries_json(read_fixture("rfc6962/ctgo-logclient/precert-entry.get-entries.json"));
  ASSERT_TRUE(entries.has_value());
  auto p = parse_leaf_names((*entries)[0].leaf_input, 0);
  ASSERT_TRUE(p.has_value());
  auto chain = parse_extra_data(EntryType::precert, (*entries)[0].extra_data);
  ASSERT_TRUE(chain.has_value());
  const OpensslView want = openssl_view((*chain)[0]);
  CertificateInfo from_tbs{p->names, p->sans, p->issuer, p->not_before, p->not_after};
  expect_same_evidence(from_tbs, want);
  EXPECT_EQ(p->sans.size(), 4u);
}

TEST(GetEntries, EveryTruncationOfARealLeafIsAnErrorNamingTheOffset) {
  auto entries = parse_get_entries_json(read_fixture("rfc6962/ctgo-scanner-4-entries/get-entries.json"));
  ASSERT_TRUE(entries.has_value());
  const Bytes& leaf = (*entries)[3].leaf_input;
  for (std::size_t n = 0; n < leaf.size(); n += 7) {
    auto p = parse_leaf_names(std::span<const std::uint8_t>(leaf.data(), n), 0);
    ASSERT_FALSE(p.has_value()) << n;
    EXPECT_FALSE(p.error().what.empty());
  }
  Bytes longer = leaf;
  longer.push_back(0);
  EXPECT_FALSE(parse_leaf_names(longer, 0).has_value());
}

TEST(GetEntries, GarbageAndTruncatedJsonAreErrors) {
  const std::string good = read_fixture("rfc6962/ctgo-scanner-4-entries/get-entries.json");
  EXPECT_FALSE(parse_get_entries_json(good.substr(0, good.size() / 2)).has_value());
  EXPECT_FALSE(parse_get_entries_json("<html>rate limited</html>").has_value());
  EXPECT_FALSE(parse_get_entries_json(R"({"entries":[{"leaf_input":"!!","extra_data":""}]})").has_value());
  EXPECT_FALSE(parse_sth_json(R"({"tree_size":-1})").has_value());
}

// DER building blocks for hand-built certificates: one TLV (short or two-byte long length),
// concatenation, and text as bytes.
Bytes tlv(std::uint8_t tag, const Bytes& v) {
  Bytes o{tag};
  if (v.size() < 128) {
    o.push_back(static_cast<std::uint8_t>(v.size()));
  } else {
    o.push_back(0x82);
    o.push_back(static_cast<std::uint8_t>(v.size() >> 8));
    o.push_back(static_cast<std::uint8_t>(v.size()));
  }
  o.insert(o.end(), v.begin(), v.end());
  return o;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes o;
  for (const auto& p : parts) o.insert(o.end(), p.begin(), p.end());
  return o;
}
Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(CertificateNames, WildcardsAreStrippedAndNotedAndALabelsDecoded) {
  // A hand-built TBSCertificate: version, serial, sigalg, issuer, validity, subject CN, spki, SAN.
  const Bytes cn = tlv(0x30, tlv(0x31, tlv(0x30, cat({tlv(0x06, {0x55, 0x04, 0x03}), tlv(0x0C, str("*.PayPal.example"))}))));
  const Bytes san = tlv(0x30, cat({tlv(0x82, str("*.paypal.example")), tlv(0x82, str("xn--pypal-4ve.com")),
                                   tlv(0x82, str("not a name")), tlv(0x81, str("a@b.c"))}));
  const Bytes ext = tlv(0xA3, tlv(0x30, tlv(0x30, cat({tlv(0x06, {0x55, 0x1d, 0x11}), tlv(0x04, san)}))));
  const Bytes tbs = tlv(0x30, cat({tlv(0xA0, tlv(0x02, {2})), tlv(0x02, {1}), tlv(0x30, {}), tlv(0x30, {}),
                                   tlv(0x30, {}), cn, tlv(0x30, {}), ext}));
  auto names = certificate_names(tbs, true);
  ASSERT_TRUE(names.has_value()) << names.error().what;
  ASSERT_EQ(names->size(), 2u);
  EXPECT_EQ((*names)[0].ascii, "paypal.example");
  EXPECT_TRUE((*names)[0].wildcard);
  EXPECT_FALSE((*names)[0].from_cn);
  EXPECT_EQ((*names)[1].ascii, "xn--pypal-4ve.com");
  EXPECT_EQ((*names)[1].unicode, "pаypal.com");  // Cyrillic а
  for (std::size_t n = 0; n < tbs.size(); ++n) {
    EXPECT_FALSE(certificate_names(std::span<const std::uint8_t>(tbs.data(), n), true).has_value());
    EXPECT_FALSE(certificate_info(std::span<const std::uint8_t>(tbs.data(), n), true).has_value());
  }
  // Every SAN dNSName is kept as written, even those that are not usable names.
  auto info = certificate_info(tbs, true);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->sans, (std::vector<std::string>{"*.paypal.example", "xn--pypal-4ve.com", "not a name"}));
  EXPECT_EQ(info->issuer, "");
  EXPECT_EQ(info->not_before, 0u);
}

TEST(CertificateInfo, IssuerTextEscapesSpecialCharactersAndControlBytes) {
  auto rdn = [&](std::uint8_t last_oid_byte, std::string_view v) {
    return tlv(0x31, tlv(0x30, cat({tlv(0x06, {0x55, 0x04, last_oid_byte}), tlv(0x0C, str(v))})));
  };
  // Issuer C=US, O="Evil, Inc.", OU=ignored, CN="a+b\n"; validity as UTCTime and GeneralizedTime.
  const Bytes issuer = tlv(0x30, cat({rdn(0x06, "US"), rdn(0x0A, "Evil, Inc."), rdn(0x0B, "unit"), rdn(0x03, "a+b\n")}));
  const Bytes validity = tlv(0x30, cat({tlv(0x17, str("250102030405Z")), tlv(0x18, str("20500102030405Z"))}));
  const Bytes tbs = tlv(0x30, cat({tlv(0x02, {1}), tlv(0x30, {}), issuer, validity, tlv(0x30, {}), tlv(0x30, {})}));
  auto info = certificate_info(tbs, true);
  ASSERT_TRUE(info.has_value()) << info.error().what;
  EXPECT_EQ(info->issuer, "CN=a\\+b\\0A,O=Evil\\, Inc.,C=US");
  std::tm tm{};
  tm.tm_year = 125;
  tm.tm_mon = 0;
  tm.tm_mday = 2;
  tm.tm_hour = 3;
  tm.tm_min = 4;
  tm.tm_sec = 5;
  EXPECT_EQ(info->not_before, static_cast<std::uint64_t>(timegm(&tm)) * 1000);
  tm.tm_year = 150;
  EXPECT_EQ(info->not_after, static_cast<std::uint64_t>(timegm(&tm)) * 1000);
}

TEST(LogList, TheRealV3SampleParsesWithStatesAndKeys) {
  auto list = parse_log_list(read_fixture("loglist/ctgo-testdata-loglist3.json"));
  ASSERT_TRUE(list.has_value()) << list.error().what;
  EXPECT_EQ(list->timestamp, "2022-05-06T12:55:11Z");
  ASSERT_FALSE(list->logs.empty());
  const auto icarus = std::find_if(list->logs.begin(), list->logs.end(),
                                   [](const LogInfo& l) { return l.short_name() == "Icarus"; });
  ASSERT_NE(icarus, list->logs.end());
  EXPECT_EQ(icarus->url, "https://ct.googleapis.com/icarus/");
  EXPECT_EQ(icarus->state, "usable");
  EXPECT_TRUE(icarus->followed_by_default());
  auto key = PublicKey::from_der(icarus->key_der);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(base64_encode(key->log_id()), icarus->log_id_b64);
  const auto racketeer = std::find_if(list->logs.begin(), list->logs.end(),
                                      [](const LogInfo& l) { return l.short_name() == "Racketeer"; });
  ASSERT_NE(racketeer, list->logs.end());
  EXPECT_FALSE(racketeer->followed_by_default());  // no state
}

TEST(LogList, TiledLogsKeepTheirMonitoringPrefix) {
  auto list = parse_log_list(read_fixture("loglist/sycamore2026h1-tiled-entry.json"));
  ASSERT_TRUE(list.has_value()) << list.error().what;
  ASSERT_EQ(list->logs.size(), 1u);
  const LogInfo& l = list->logs[0];
  EXPECT_EQ(l.api, "static-ct");
  EXPECT_EQ(l.url, "https://mon.sycamore.ct.letsencrypt.org/2026h1/");
  EXPECT_EQ(l.submission_url, "https://log.sycamore.ct.letsencrypt.org/2026h1/");
  EXPECT_EQ(l.short_name(), "Sycamore2026h1");
}

TEST(LogList, TheBundledSnapshotIsCompiledInParsesAndHasBothKinds) {
  // The compiled-in bytes are the source tree's file, byte for byte.
  EXPECT_EQ(bundled_log_list(), testing::read_file(LOOKALIKE_SOURCE_DIR "/data/loglist/log_list.json"));
  auto list = parse_log_list(bundled_log_list());
  ASSERT_TRUE(list.has_value()) << list.error().what;
  EXPECT_TRUE(std::any_of(list->logs.begin(), list->logs.end(), [](const LogInfo& l) { return l.api == "static-ct"; }));
  EXPECT_TRUE(std::any_of(list->logs.begin(), list->logs.end(), [](const LogInfo& l) { return l.api == "rfc6962"; }));
}

TEST(State, EncodingRoundTripsAndRejectsDamage) {
  FollowState s;
  CompactTree t;
  for (std::uint8_t i = 0; i < 11; ++i) {
    const std::uint8_t b[1] = {i};
    t.append(leaf_hash(b));
    if (i == 6) {
      s.verified_size = t.size();
      s.verified_root = t.root();
      s.verified_subtrees = t.subtrees();
    }
  }
  s.next_index = t.size();
  s.subtrees = t.subtrees();
  s.head_size = 20;
  s.head_timestamp = 1700000000000;
  s.head_checked = 1700000060000;
  s.last_error = "x";
  const std::string enc = encode_state(s);
  auto d = decode_state(enc);
  ASSERT_TRUE(d.has_value()) << d.error().what;
  EXPECT_EQ(d->next_index, 11u);
  EXPECT_EQ(d->subtrees, s.subtrees);
  EXPECT_EQ(d->verified_subtrees, s.verified_subtrees);
  EXPECT_EQ(d->head_checked, 1700000060000u);
  EXPECT_EQ(d->last_error, "x");
  for (std::size_t n = 0; n < enc.size(); ++n) EXPECT_FALSE(decode_state(enc.substr(0, n)).has_value());
  // Version 2 (stores written before head_checked) still loads: the same bytes without it.
  std::string v2 = enc;
  const std::size_t at = 1 + 8 + 8 + 32 * s.subtrees.size() + 8 + 32 + 8 + 32 * s.verified_subtrees.size() + 8 + 8;
  v2.erase(at, 8);
  v2[0] = 2;
  auto old = decode_state(v2);
  ASSERT_TRUE(old.has_value()) << old.error().what;
  EXPECT_EQ(old->head_timestamp, 1700000000000u);
  EXPECT_EQ(old->head_checked, 0u);
  EXPECT_EQ(old->last_error, "x");
}

TEST(State, HeadsDatedInTheFutureOrOlderThanTheMmdWhenFetchedAreFlagged) {
  FollowState s;
  s.head_checked = 1'800'000'000'000;
  s.head_timestamp = s.head_checked - 3'600'000;  // an hour old, MMD a day: fine
  EXPECT_FALSE(head_health(s, 86400).future);
  EXPECT_FALSE(head_health(s, 86400).stale);
  s.head_timestamp = s.head_checked - 86'401'000;
  EXPECT_TRUE(head_health(s, 86400).stale);
  EXPECT_FALSE(head_health(s, 0).stale);  // no MMD known
  s.head_timestamp = s.head_checked + 30'000;  // within clock skew
  EXPECT_FALSE(head_health(s, 86400).future);
  s.head_timestamp = s.head_checked + 600'000;
  EXPECT_TRUE(head_health(s, 86400).future);
  s.head_checked = 0;  // never fetched by this version
  EXPECT_FALSE(head_health(s, 86400).future);
}

}  // namespace
}  // namespace lookalike::ctlog
