// `generate --budget` output: jsonl lines carry the likelihood and the path, csv has both columns,
// and unranked output stays exactly as it was (no new fields).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "domain/domain.hpp"
#include "generator/candidate_writer.hpp"
#include "generator/generator.hpp"

namespace g = lookalike::generator;

namespace {

std::vector<g::Candidate> top(std::size_t n) {
  g::Options o;
  o.tlds = g::ranked_tlds();
  o.keywords = g::default_keywords();
  o.depth = 2;
  std::vector<g::Candidate> out;
  (void)g::generate_ranked(*lookalike::domain::parse("paypal.com"), o, n, [&](const g::Candidate& c) {
    out.push_back(c);
    return true;
  });
  return out;
}

}  // namespace

TEST(RankedOutput, JsonlShowsLikelihoodAndPath) {
  std::ostringstream out;
  g::CandidateWriter w(out, "jsonl");
  const auto list = top(50);
  for (const auto& c : list) w.write(c, "paypal.com");
  std::istringstream in(out.str());
  std::string line;
  std::size_t n = 0;
  double last = 1e9;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    ASSERT_TRUE(j.contains("likelihood")) << line;
    ASSERT_TRUE(j["path"].is_array()) << line;
    EXPECT_NEAR(j["likelihood"].get<double>(), list[n].likelihood, list[n].likelihood * 0.01);
    EXPECT_LE(j["likelihood"].get<double>(), last);
    last = j["likelihood"].get<double>();
    EXPECT_EQ(j["path"].size(), list[n].path.size());
    EXPECT_EQ(j["path"].back().get<std::string>().rfind("tld ", 0), 0u) << line;
    ++n;
  }
  EXPECT_EQ(n, 50u);
}

TEST(RankedOutput, CsvHasLikelihoodAndPathColumns) {
  std::ostringstream out;
  g::CandidateWriter w(out, "csv");
  for (const auto& c : top(3)) w.write(c, "paypal.com");
  const std::string s = out.str();
  EXPECT_TRUE(s.starts_with("name,unicode,registrable,brand,fuzzers,edits,likelihood,path\n")) << s;
  EXPECT_NE(s.find("tld top p=0.412"), std::string::npos) << s;
}

TEST(RankedOutput, UnrankedCandidatesKeepTheirFormat) {
  std::ostringstream out;
  g::CandidateWriter w(out, "jsonl");
  g::Candidate c;
  c.ascii = c.unicode = c.registrable = "paypa.com";
  c.fuzzers = g::bit(g::Fuzzer::omission);
  w.write(c, "paypal.com");
  EXPECT_EQ(out.str(),
            "{\"name\":\"paypa.com\",\"unicode\":\"paypa.com\",\"registrable\":\"paypa.com\",\"brand\":\"paypal.com\","
            "\"fuzzers\":[\"omission\"],\"edits\":1}\n");
}
