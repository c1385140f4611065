// `lookalike watch` with [posture] enabled against the loopback world: the first run stores the
// brand's posture silently, a later run after the brand's SPF broke raises one posture-regressed
// alert through the configured jsonl sink, and fixing it raises posture-improved.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/posture/world.hpp"
#include "tests/support/process.hpp"

using lookalike::test_support::PostureWorld;
using lookalike::test_support::run_process;

namespace {

std::vector<nlohmann::json> read_alerts(const std::filesystem::path& file) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace

TEST(PostureWatch, RaisesPostureRegressedAndImprovedAlertsThroughTheSinks) {
  PostureWorld world;
  lookalike::test_support::TempDir dir;
  const auto alerts = dir.path / "alerts.jsonl";
  const auto config = dir.path / "watch.toml";
  std::ofstream(config) << "db = \"" << (dir.path / "db").string() << "\"\n"
                        << "[[brands]]\ndomain = \"good.test\"\nbudget = 0\n"
                        << "[ct]\nenabled = false\n"
                        << "[dns]\nservers = [\"" << world.nsd->address() << "\"]\n"
                        << "[probe]\nenabled = false\nallow_private = true\nca_file = \"" << world.ca_file.string()
                        << "\"\nhttps_port = " << world.https->port() << "\n"
                        << "[posture]\nenabled = true\ninterval = \"200ms\"\ndkim_selectors = [\"sel1\"]\n"
                        << "[[sinks]]\ntype = \"jsonl\"\npath = \"" << alerts.string() << "\"\n";
  auto once = [&] { return run_process({LOOKALIKE_BINARY, "watch", "--once", "--config", config.string()}); };
  auto first = once();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE((first.out + first.err).find("posture checked"), std::string::npos) << first.out << first.err;
  EXPECT_TRUE(read_alerts(alerts).empty());

  const std::string good = world.zone_text["good.test"];
  std::string broken = good;
  broken.replace(broken.find("v=spf1 ip4:192.0.2.0/24"), 23, "v=spf1 +all ip4:192.0.2.0/24");
  world.replace("good.test", broken);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the interval passes
  auto second = once();
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  auto got = read_alerts(alerts);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["kind"], "posture-regressed");
  EXPECT_EQ(got[0]["name"], "good.test");
  EXPECT_NE(got[0]["detail"].get<std::string>().find("spf: pass -> fail"), std::string::npos) << got[0].dump();

  world.replace("good.test", good);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto third = once();
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  got = read_alerts(alerts);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1]["kind"], "posture-improved");
  EXPECT_NE(got[1]["detail"].get<std::string>().find("spf: fail -> pass"), std::string::npos) << got[1].dump();
}
