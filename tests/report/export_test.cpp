// Takedown-feed building blocks against independent references: RFC 4122 UUIDv5 vectors, the
// STIX deterministic-id rule, STIX pattern escaping, RFC 4180 CSV, and the ct observations the
// CT store commits (through the real IndexStateStore and RocksDB).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "ctlog/merkle.hpp"
#include "pipeline/ct_store.hpp"
#include "report/evidence.hpp"
#include "report/export.hpp"
#include "index/index.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::report {
namespace {

struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-export") {}
};

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

TEST(Uuid, Version5MatchesTheRfc4122NamespaceExamples) {
  // Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") and (NAMESPACE_URL, "http://python.org/").
  EXPECT_EQ(uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_EQ(uuid5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "http://python.org/"),
            "4c565f0d-3f5a-5890-b41b-20cf47701c5e");
  EXPECT_THROW((void)uuid5("not-a-uuid", "x"), std::invalid_argument);
}

TEST(Uuid, Version4IsRandomAndWellFormed) {
  const std::string a = uuid4(), b = uuid4();
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(a, kUuid)) << a;
  EXPECT_EQ(a[14], '4');
}

TEST(Stix, DomainNameIdsAreUuid5OfTheCanonicalValueObject) {
  const std::string id = stix_domain_name_id("examp1e.com");
  EXPECT_EQ(id, "domain-name--" + uuid5("00abedb4-aa42-466c-9c01-fed23315a9b7", R"({"value":"examp1e.com"})"));
  EXPECT_EQ(id, stix_domain_name_id("examp1e.com"));
  EXPECT_NE(id, stix_domain_name_id("examp1e.net"));
  EXPECT_EQ(id[13 + 14], '5');  // version nibble after "domain-name--"
}

TEST(Stix, PatternsEscapeQuotesAndBackslashes) {
  EXPECT_EQ(stix_domain_pattern("examp1e.com"), "[domain-name:value = 'examp1e.com']");
  EXPECT_EQ(stix_domain_pattern("a'b\\c"), "[domain-name:value = 'a\\'b\\\\c']");
}

TEST(Similarity, EditDistanceIsLevenshtein) {
  EXPECT_EQ(edit_distance("paypal.com", "paypa1.com"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(ExportFormat, ParsesTheFourNamesAndListsThemOnError) {
  EXPECT_EQ(parse_export_format("stix").value(), ExportFormat::stix);
  EXPECT_EQ(parse_export_format("misp").value(), ExportFormat::misp);
  EXPECT_EQ(parse_export_format("csv").value(), ExportFormat::csv);
  EXPECT_EQ(parse_export_format("jsonl").value(), ExportFormat::jsonl);
  auto bad = parse_export_format("xml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("stix, misp, csv, jsonl"), std::string::npos);
}

ctlog::Hit sample_hit(std::uint64_t index, std::string rule) {
  ctlog::Hit h;
  h.log = "Test Log";
  h.index = index;
  h.timestamp = 1'700'000'000'000;
  h.cert_sha256.fill(0xab);
  h.name.ascii = "examp1e.com";
  h.name.unicode = "examp1e.com";
  h.match = {"example.com", std::move(rule), 1};
  h.precert = true;
  h.issuer = "CN=Evil \"CA\",O=X\\, Inc.,C=US";
  h.sans = {"examp1e.com", "*.examp1e.com", std::string("bad\xff\x01", 5)};
  h.not_before = 1'699'000'000'000;
  h.not_after = 1'707'000'000'000;
  return h;
}

TEST(CtStore, EveryHitIsCommittedWithItsCertificateEvidenceAsACtObservation) {
  TempDir dir;
  auto store = index::Store::open(dir.path.string());
  ASSERT_TRUE(store) << store.error().message;
  pipeline::IndexStateStore states(*store);
  // Two rules matching the same name in the same entry: two hits, same timestamp, both kept.
  const std::vector<ctlog::Hit> hits = {sample_hit(41, "replacement"), sample_hit(41, "homoglyph")};
  ctlog::FollowState st;  // a consistent state: 42 leaves folded
  ctlog::CompactTree tree;
  for (std::uint8_t i = 0; i < 42; ++i) tree.append(ctlog::Hash{i});
  st.next_index = 42;
  st.subtrees = tree.subtrees();
  ASSERT_TRUE(states.commit("bG9nLWlk", st, hits));
  auto loaded = states.load("bG9nLWlk");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->next_index, 42u);

  auto e = gather_evidence(*store, "examp1e.com");
  ASSERT_TRUE(e && *e);
  ASSERT_EQ((*e)->ct.size(), 2u);
  std::vector<std::string> rules;
  for (const auto& o : (*e)->ct) {
    EXPECT_EQ(o.kind, index::ObservationKind::ct);
    const auto j = nlohmann::json::parse(o.payload);  // parses: every string was escaped
    EXPECT_EQ(j.at("log"), "Test Log");
    EXPECT_EQ(j.at("log_id"), "bG9nLWlk");
    EXPECT_EQ(j.at("index"), 41);
    EXPECT_EQ(j.at("timestamp"), 1'700'000'000'000);
    std::string want_hash;
    for (int i = 0; i < 32; ++i) want_hash += "ab";
    EXPECT_EQ(j.at("cert_sha256"), want_hash);
    EXPECT_EQ(j.at("issuer"), "CN=Evil \"CA\",O=X\\, Inc.,C=US");
    ASSERT_EQ(j.at("sans").size(), 3u);
    EXPECT_EQ(j.at("sans")[1], "*.examp1e.com");
    EXPECT_EQ(j.at("not_before"), 1'699'000'000'000);
    EXPECT_EQ(j.at("not_after"), 1'707'000'000'000);
    EXPECT_EQ(j.at("precert"), true);
    EXPECT_EQ(j.at("brand"), "example.com");
    rules.push_back(j.at("rule"));
  }
  std::sort(rules.begin(), rules.end());
  EXPECT_EQ(rules, (std::vector<std::string>{"homoglyph", "replacement"}));
  EXPECT_EQ((*e)->candidate.ct.size(), 1u);  // one certificate sighting, deduplicated
}

TEST(Export, CtCertificatesAndRdapFactsReachEveryFormat) {
  TempDir dir;
  auto store = index::Store::open(dir.path.string());
  ASSERT_TRUE(store) << store.error().message;
  pipeline::IndexStateStore states(*store);
  ctlog::FollowState st;
  ctlog::CompactTree tree;
  for (std::uint8_t i = 0; i < 42; ++i) tree.append(ctlog::Hash{i});
  st.next_index = 42;
  st.subtrees = tree.subtrees();
  ASSERT_TRUE(states.commit("bG9nLWlk", st, std::vector<ctlog::Hit>{sample_hit(41, "replacement")}));
  ASSERT_TRUE(store->put_verdict("examp1e.com", index::Verdict{index::Decision::malicious, "kit", 5000}));
  auto e = gather_evidence(*store, "examp1e.com");
  ASSERT_TRUE(e && *e);
  Threat t{std::move(**e), rdap::Record{}, {}};
  t.rdap->name = "examp1e.com";
  t.rdap->server = "https://rdap.example/";
  t.rdap->registrar = "Example Registrar, Inc.";
  t.rdap->registrar_iana_id = 9999;
  t.rdap->abuse_email = "abuse@registrar.example";
  t.rdap->abuse_phone = "+1.5555550100";
  t.rdap->registered = 1'600'000'000'000;
  const std::vector<Threat> threats{t};
  ExportOptions o;
  o.now = 1'700'000'000'000;
  std::string hash;
  for (int i = 0; i < 32; ++i) hash += "ab";

  std::ostringstream jl;
  write_export(jl, threats, ExportFormat::jsonl, o);
  const auto j = nlohmann::json::parse(jl.str());
  ASSERT_EQ(j.at("ct").size(), 1u);
  EXPECT_EQ(j.at("ct")[0].at("cert_sha256"), hash);
  EXPECT_EQ(j.at("ct")[0].at("issuer"), "CN=Evil \"CA\",O=X\\, Inc.,C=US");
  EXPECT_EQ(j.at("ct")[0].at("not_after"), "2024-02-03T22:40:00Z");
  EXPECT_EQ(j.at("ct")[0].at("sans").size(), 3u);
  EXPECT_EQ(j.at("similarity").at("ct_rules"), nlohmann::json::array({"replacement"}));
  EXPECT_EQ(j.at("similarity").at("brands")[0].at("edit_distance"), 1);
  EXPECT_EQ(j.at("rdap").at("registrar_iana_id"), 9999);
  EXPECT_EQ(j.at("rdap").at("abuse_email"), "abuse@registrar.example");

  std::ostringstream sx;
  write_export(sx, threats, ExportFormat::stix, o);
  const auto b = nlohmann::json::parse(sx.str());
  bool ct_ref = false, rdap_ref = false;
  for (const auto& obj : b.at("objects")) {
    if (obj.at("type") != "indicator") continue;
    EXPECT_EQ(obj.at("created"), "2023-11-14T22:13:20.000Z");
    for (const auto& r : obj.at("external_references")) {
      ct_ref = ct_ref || (r.at("source_name") == "certificate-transparency" && r.at("external_id") == hash);
      rdap_ref = rdap_ref || (r.at("source_name") == "rdap" && r.at("external_id") == "9999");
    }
  }
  EXPECT_TRUE(ct_ref);
  EXPECT_TRUE(rdap_ref);

  std::ostringstream mp;
  write_export(mp, threats, ExportFormat::misp, o);
  const auto m = nlohmann::json::parse(mp.str());
  std::map<std::string, std::string> attr;
  for (const auto& a : m.at("Event").at("Attribute")) attr[a.at("type")] = a.at("value");
  EXPECT_EQ(attr["x509-fingerprint-sha256"], hash);
  EXPECT_EQ(attr["whois-registrar"], "Example Registrar, Inc.");
  EXPECT_EQ(attr["email-src"], "abuse@registrar.example");
  EXPECT_EQ(m.at("Event").at("date"), "2023-11-14");

  std::ostringstream cv;
  write_export(cv, threats, ExportFormat::csv, o);
  const std::string csv = cv.str();
  EXPECT_NE(csv.find("\"Example Registrar, Inc.\""), std::string::npos) << csv;
  EXPECT_NE(csv.find(hash), std::string::npos);
}

}  // namespace
}  // namespace lookalike::report
