// The detection development set through ingest: a feed made of ../shared/detection's positives
// and negatives plus synthetic names. Ingest must find every positive the matcher finds on its
// own (nothing lost between the file and the matcher) and flag at most 2 of the negatives.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/zone_generator.hpp"
#include "generator/matcher.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "tests/ingest/support.hpp"
#include "tests/support/temp_store.hpp"

namespace lookalike::ingest {
namespace {

std::vector<std::string> lines_of(const std::string& file) {
  std::ifstream in(std::string(LOOKALIKE_SHARED_DIR) + "/detection/" + file);
  EXPECT_TRUE(in) << "missing " << LOOKALIKE_SHARED_DIR << "/detection/" << file;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST(IngestDetection, FindsWhatTheMatcherFindsAndAtMostTwoNegatives) {
  test_support::TempStore db{"lookalike-ingest-detection"};
  std::vector<generator::BrandSpec> specs;
  for (const auto& b : lines_of("brands.txt")) specs.push_back({b, {}, {}});
  ASSERT_EQ(specs.size(), 36u);
  auto matcher = generator::Matcher::build(specs);
  ASSERT_TRUE(matcher);

  std::vector<std::string> positives;
  auto rows = lines_of("positives_dev.tsv");
  for (std::size_t i = 1; i < rows.size(); ++i)
    positives.push_back(
        rows[i].substr(rows[i].find('\t') + 1, rows[i].find('\t', rows[i].find('\t') + 1) - rows[i].find('\t') - 1));
  const auto negatives = lines_of("negatives_dev.txt");
  ASSERT_EQ(positives.size(), 130u);
  ASSERT_EQ(negatives.size(), 2500u);

  std::string feed;
  for (const auto& n : bench::brand_domains(20000, {}, 77)) feed += n + "\n";
  for (std::size_t i = 0; i < std::max(positives.size(), negatives.size()); ++i) {
    if (i < positives.size()) feed += positives[i] + "\n";
    if (i < negatives.size()) feed += negatives[i] + "\n";
  }
  const std::string path = (db.dir.path / "detection.txt.gz").string();
  test::write_gzip(path, feed);
  IngestOptions o;
  o.date = "2026-12-02";
  o.state_dir = (db.dir.path / "db" / "ingest").string();
  auto r = ingest_file(path, *matcher, *db.store, o, {});
  ASSERT_TRUE(r) << r.error().message();
  std::set<std::string> found;
  for (const auto& m : r->matches) found.insert(m.name);

  std::size_t matcher_hits = 0, ingest_hits = 0;
  std::vector<generator::Match> ms;
  for (const auto& p : positives) {
    ms.clear();
    matcher->match(p, ms);
    matcher_hits += !ms.empty();
    ingest_hits += found.contains(p);
    EXPECT_EQ(found.contains(p), !ms.empty()) << p;
  }
  std::size_t false_positives = 0;
  for (const auto& n : negatives) false_positives += found.contains(n);
  EXPECT_LE(false_positives, 2u);
  RecordProperty("recall", std::to_string(ingest_hits) + "/" + std::to_string(positives.size()));
  RecordProperty("false_positives", std::to_string(false_positives) + "/" + std::to_string(negatives.size()));
  std::printf("detection dev set through ingest: %zu/%zu positives (matcher alone: %zu), %zu/%zu negatives flagged\n",
              ingest_hits, positives.size(), matcher_hits, false_positives, negatives.size());
}

}  // namespace
}  // namespace lookalike::ingest
