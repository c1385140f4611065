// The CT log list shared by `ct` and `watch`: the compiled-in snapshot, files, and the selection of
// logs by name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pipeline/log_list.hpp"

namespace lookalike::pipeline {
namespace {

TEST(LogList, TheBundledSnapshotNeedsNoFileAndNoNetwork) {
  for (const char* source : {"", "bundled"}) {
    auto l = load_log_list({source, /*fetch_published=*/false, {}});
    ASSERT_TRUE(l.has_value()) << l.error();
    EXPECT_EQ(l->from, "the bundled snapshot");
    EXPECT_TRUE(l->warning.empty());
    EXPECT_EQ(l->list.version, "lookalike-snapshot-2026-04-18");
  }
}

TEST(LogList, AnUnreadableOrDamagedFileIsAnErrorNamingIt) {
  auto missing = load_log_list({"/nonexistent/loglist.json", false, {}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), "cannot read log list /nonexistent/loglist.json");
  const auto path = std::filesystem::temp_directory_path() / ("lookalike-loglist-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << "{not json";
  auto damaged = load_log_list({path.string(), false, {}});
  std::filesystem::remove(path);
  ASSERT_FALSE(damaged.has_value());
  EXPECT_TRUE(damaged.error().starts_with(path.string() + ": ")) << damaged.error();
}

TEST(LogList, SelectsByAnyNameCaseInsensitivelyOrTheDefaultFollowedOnes) {
  auto l = load_log_list({"bundled", false, {}});
  ASSERT_TRUE(l.has_value()) << l.error();
  auto by_name = select_logs(l->list, {"sycamore2026H1", "Google 'Aviator' log"}, false);
  ASSERT_TRUE(by_name.has_value()) << by_name.error();
  ASSERT_EQ(by_name->size(), 2u);
  EXPECT_EQ((*by_name)[0].short_name(), "Aviator");  // list order
  EXPECT_EQ((*by_name)[1].short_name(), "Sycamore2026h1");
  auto defaults = select_logs(l->list, {}, false);
  ASSERT_TRUE(defaults.has_value());
  for (const auto& log : *defaults) EXPECT_TRUE(log.followed_by_default()) << log.short_name();
  auto all = select_logs(l->list, {}, true);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), l->list.logs.size());
  auto unknown = select_logs(l->list, {"Aviator", "nope"}, false);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error(), "no log named \"nope\" in the log list");
}

TEST(LogList, StartPositionsAreStartEndOrAnEntryIndex) {
  ctlog::FollowOptions o;
  ASSERT_TRUE(parse_start("end", o));
  EXPECT_EQ(o.from, ctlog::StartFrom::end);
  ASSERT_TRUE(parse_start("1234", o));
  EXPECT_EQ(o.from, ctlog::StartFrom::index);
  EXPECT_EQ(o.from_index, 1234u);
  ASSERT_TRUE(parse_start("start", o));
  EXPECT_EQ(o.from, ctlog::StartFrom::start);
  for (const char* bad : {"12x", "", "-", "beginning"}) {
    const auto r = parse_start(bad, o);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find("--from"), std::string::npos);
  }
}

}  // namespace
}  // namespace lookalike::pipeline
