// The HTML report in a real browser: Debian's headless Chromium renders a screenshot and dumps
// the DOM after the page's own script ran (filters from the query string, sorting, the chart).
// Chromium never reaches the network: the page references nothing external, its CSP forbids
// it, every host name resolves to nothing and any request would go to a closed loopback proxy.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "report/report.hpp"
#include "tests/report/row.hpp"

extern char** environ;

namespace lookalike::report {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChromium = "/usr/bin/chromium";

std::vector<ReportRow> six_rows() {
  constexpr std::int64_t t = 1795866600000;  // 2026-11-28T11:50:00Z
  return {
      row("xn--exmple-4nf.com", "ex\xD0\xB0mple.com", "example.com", 97, "critical", {"MX", "WEB", "SPF", "DMARC", "CT"},
       {"homoglyph of example.com (skeleton match)", "live MX accepts mail", "SPF and DMARC published"},
       {"homoglyph", "ct"}, "", t - 86400000, t, "new"),
      row("examp1e.com", "examp1e.com", "example.com", 91, "critical", {"MX", "SPF"},
       {"numeral swap of example.com", "live MX", "SPF published"}, {"replacement"}, "", t - 7 * std::int64_t{86400000}, t, "mx appeared"),
      row("exampel.com", "exampel.com", "example.com", 72, "high", {"WEB", "CT"},
       {"transposition of example.com", "web page 64% similar"}, {"transposition"}, "", t - 30 * std::int64_t{86400000}, t, ""),
      row("acmee.net", "acmee.net", "acme.net", 55, "medium", {"WEB"}, {"repetition of acme.net", "live web"},
       {"repetition"}, "", t - 2 * std::int64_t{86400000}, t, ""),
      row("example-login.com", "example-login.com", "example.com", 28, "low", {"WILDCARD"},
       {"combosquat of example.com", "wildcard DNS"}, {"combosquat"}, "benign", t - 90 * std::int64_t{86400000}, t, ""),
      row("acme.org", "acme.org", "acme.net", 8, "info", {"PARKED"}, {"wrong TLD of acme.net", "parked page"},
       {"tld-swap"}, "", 0, 0, ""),
  };
}

// A fresh temp folder, removed at the end unless LOOKALIKE_KEEP_REPORT is set (to look at it).
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "lookalike-report-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    if (std::getenv("LOOKALIKE_KEEP_REPORT") != nullptr) {
      std::cerr << "kept " << path_ << "\n";
      return;
    }
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Kills the process group we started (Chromium's helpers included) when the test ends, however it ends.
class GroupGuard {
 public:
  explicit GroupGuard(pid_t pgid) : pgid_(pgid) {}
  ~GroupGuard() {
    if (pgid_ > 0) ::kill(-pgid_, SIGKILL);
  }
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;

 private:
  pid_t pgid_;
};

struct ChromiumRun {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;
  std::string out;  // stdout (the dumped DOM)
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs Chromium headless on `url` with `extra` flags: no shell, its own process group, a fresh
// profile, HOME inside `dir`, and a hard 60 s limit after which the whole group is killed.
ChromiumRun run_chromium(const fs::path& dir, const std::string& name, std::vector<std::string> extra, const std::string& url) {
  ChromiumRun run;
  const fs::path profile = dir / ("profile-" + name);
  fs::create_directories(profile);
  std::vector<std::string> args{kChromium,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--no-default-browser-check",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--disable-extensions",
                                "--disable-breakpad",
                                "--disable-crash-reporter",
                                "--hide-scrollbars",
                                "--host-resolver-rules=MAP * ~NOTFOUND",
                                "--proxy-server=127.0.0.1:9",
                                "--user-data-dir=" + profile.string()};
  for (std::string& e : extra) args.push_back(std::move(e));
  args.push_back(url);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("HOME=") || v.starts_with("XDG_CONFIG_HOME=") || v.starts_with("XDG_CACHE_HOME=")) continue;
    env_strings.emplace_back(v);
  }
  env_strings.push_back("HOME=" + dir.string());
  env_strings.push_back("XDG_CONFIG_HOME=" + (dir / "config").string());
  env_strings.push_back("XDG_CACHE_HOME=" + (dir / "cache").string());
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  const std::string out_path = (dir / (name + ".out")).string();
  const std::string err_path = (dir / (name + ".err")).string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, kChromium, &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return run;
  run.started = true;
  GroupGuard guard(pid);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      run.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!run.timed_out && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.out = slurp(out_path);
  run.err = slurp(err_path);
  return run;
}

std::string file_url(const fs::path& p, const std::string& query = "") { return "file://" + p.string() + query; }

fs::path write_report(const fs::path& dir) {
  const auto rows = six_rows();
  RenderOptions options;
  options.title = "lookalike threat report";
  options.generated_at = 1795870200000;  // 2026-11-28T12:50:00Z
  const fs::path html = dir / "report.html";
  std::ofstream out(html, std::ios::binary);
  render_report(out, rows, ReportFormat::html, options);
  out.close();
  return html;
}

// The start tags of the table rows in document order: "<tr data-level=... >".
std::vector<std::string> row_tags(const std::string& dom) {
  std::vector<std::string> tags;
  for (std::size_t pos = dom.find("<tr data-level="); pos != std::string::npos; pos = dom.find("<tr data-level=", pos + 1)) {
    tags.push_back(dom.substr(pos, dom.find('>', pos) - pos + 1));
  }
  return tags;
}

std::string attr(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const std::size_t pos = tag.find(key);
  if (pos == std::string::npos) return {};
  const std::size_t start = pos + key.size();
  return tag.substr(start, tag.find('"', start) - start);
}

bool is_hidden(const std::string& tag) { return tag.find(" hidden") != std::string::npos; }

std::size_t count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t pos = hay.find(needle); pos != std::string_view::npos; pos = hay.find(needle, pos + needle.size())) ++n;
  return n;
}

TEST(ReportHtmlInChromium, RendersAScreenshotOfTheWholePage) {
  ASSERT_EQ(::access(kChromium, X_OK), 0) << kChromium << " is missing: install Debian's chromium (.ci/setup does)";
  TempDir dir;
  const fs::path html = write_report(dir.path());
  const fs::path png = dir.path() / "report.png";
  const ChromiumRun run = run_chromium(dir.path(), "screenshot", {"--screenshot=" + png.string(), "--window-size=1280,900"}, file_url(html));
  ASSERT_TRUE(run.started);
  ASSERT_FALSE(run.timed_out) << run.err;
  ASSERT_TRUE(fs::exists(png)) << run.err;
  EXPECT_GT(fs::file_size(png), 20000u);  // a blank 1280x900 page compresses to far less
  const std::string bytes = slurp(png);
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const auto be32 = [&](std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);  // IHDR width
  EXPECT_EQ(be32(20), 900u);   // IHDR height
}

TEST(ReportHtmlInChromium, ShowsOnlyTheCriticalRowsWhenTheQueryAsksForThem) {
  ASSERT_EQ(::access(kChromium, X_OK), 0) << kChromium << " is missing: install Debian's chromium (.ci/setup does)";
  TempDir dir;
  const fs::path html = write_report(dir.path());
  const ChromiumRun run = run_chromium(dir.path(), "critical", {"--virtual-time-budget=2000", "--dump-dom"}, file_url(html, "?level=critical"));
  ASSERT_TRUE(run.started);
  ASSERT_FALSE(run.timed_out) << run.err;
  const std::string& dom = run.out;
  const auto tags = row_tags(dom);
  ASSERT_EQ(tags.size(), 6u) << dom.substr(0, 2000);
  std::vector<std::string> visible;
  for (const std::string& t : tags) {
    if (!is_hidden(t)) visible.push_back(attr(t, "data-level") + " " + attr(t, "data-score"));
  }
  EXPECT_EQ(visible, (std::vector<std::string>{"critical 97", "critical 91"}));
  EXPECT_NE(dom.find("<span id=\"shown\">2 of 6 shown</span>"), std::string::npos);  // the script ran
  EXPECT_NE(dom.find("<p id=\"empty\" hidden=\"\">"), std::string::npos);
  // The chart: one stacked segment per (brand, level) pair with its count.
  std::set<std::pair<std::string, std::string>> pairs;
  for (const ReportRow& r : six_rows()) pairs.emplace(r.brand, r.level);
  EXPECT_EQ(count(dom, "<rect class=\"seg\""), pairs.size());
  EXPECT_NE(dom.find("<rect class=\"seg\" data-brand=\"example.com\" data-level=\"critical\" data-count=\"2\""), std::string::npos);
  EXPECT_NE(dom.find("<rect class=\"seg\" data-brand=\"acme.net\" data-level=\"medium\" data-count=\"1\""), std::string::npos);
}

TEST(ReportHtmlInChromium, FiltersByBrandAndFlagAndSortsByScoreFromTheQuery) {
  ASSERT_EQ(::access(kChromium, X_OK), 0) << kChromium << " is missing: install Debian's chromium (.ci/setup does)";
  TempDir dir;
  const fs::path html = write_report(dir.path());
  const ChromiumRun run = run_chromium(dir.path(), "sorted", {"--virtual-time-budget=2000", "--dump-dom"},
                               file_url(html, "?brand=example.com&flag=MX&sort=score&dir=ascending"));
  ASSERT_TRUE(run.started);
  ASSERT_FALSE(run.timed_out) << run.err;
  const auto tags = row_tags(run.out);
  ASSERT_EQ(tags.size(), 6u) << run.out.substr(0, 2000);
  std::vector<int> order;
  std::vector<std::string> visible;
  for (const std::string& t : tags) {
    order.push_back(std::stoi(attr(t, "data-score")));
    if (!is_hidden(t)) visible.push_back(attr(t, "data-brand") + " " + attr(t, "data-score"));
  }
  EXPECT_EQ(order, (std::vector<int>{8, 28, 55, 72, 91, 97}));
  EXPECT_EQ(visible, (std::vector<std::string>{"example.com 91", "example.com 97"}));
  EXPECT_NE(run.out.find("data-key=\"score\" data-type=\"num\" aria-sort=\"ascending\""), std::string::npos);
  EXPECT_NE(run.out.find("<span id=\"shown\">2 of 6 shown</span>"), std::string::npos);
}

TEST(ReportHtmlInChromium, ShowsEveryRowWithoutAQuery) {
  ASSERT_EQ(::access(kChromium, X_OK), 0) << kChromium << " is missing: install Debian's chromium (.ci/setup does)";
  TempDir dir;
  const fs::path html = write_report(dir.path());
  const ChromiumRun run = run_chromium(dir.path(), "all", {"--virtual-time-budget=2000", "--dump-dom"}, file_url(html));
  ASSERT_TRUE(run.started);
  ASSERT_FALSE(run.timed_out) << run.err;
  const auto tags = row_tags(run.out);
  ASSERT_EQ(tags.size(), 6u) << run.out.substr(0, 2000);
  std::vector<int> order;
  for (const std::string& t : tags) {
    EXPECT_FALSE(is_hidden(t)) << t;
    order.push_back(std::stoi(attr(t, "data-score")));
  }
  EXPECT_EQ(order, (std::vector<int>{97, 91, 72, 55, 28, 8}));  // the ranked order, untouched
  EXPECT_NE(run.out.find("<span id=\"shown\">6 of 6 shown</span>"), std::string::npos);
  EXPECT_NE(run.out.find("<strong>6</strong> look-alikes:"), std::string::npos);
}

}  // namespace
}  // namespace lookalike::report
