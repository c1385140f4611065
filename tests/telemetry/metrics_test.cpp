// Prometheus exposition text, the /metrics endpoint scraped over real loopback sockets, and the
// structured log lines (JSON fields, secrets redacted, hostile text escaped).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "telemetry/log.hpp"
#include "telemetry/metrics.hpp"

namespace lookalike::telemetry {
namespace {

// Connects to 127.0.0.1:port, sends `request`, reads until the server closes.
std::string exchange(std::uint16_t port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    throw std::runtime_error("connect");
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early on an oversized request
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) break;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

std::string body_of(const std::string& response) {
  const auto p = response.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : response.substr(p + 4);
}

void fill(Metrics& m) {
  m.add("lookalike_ct_entries_total", label("log", "argon2026"), 1500, "CT entries processed");
  m.add("lookalike_ct_entries_total", label("log", "xenon2026"), 20);
  m.add("lookalike_ct_entries_total", label("log", "argon2026"), 500);
  m.set("lookalike_ct_lag_entries", label("log", "argon2026"), 12, "Entries behind the log's signed head");
  m.add("lookalike_alerts_total", label("kind", "mx-appeared"), 1, "Alerts delivered, by kind");
  m.set("lookalike_up", "", 1);
}

TEST(Metrics, RendersHelpAndTypeOncePerNameThenSortedSamples) {
  Metrics m;
  fill(m);
  EXPECT_EQ(m.render(),
            "# HELP lookalike_alerts_total Alerts delivered, by kind\n"
            "# TYPE lookalike_alerts_total counter\n"
            "lookalike_alerts_total{kind=\"mx-appeared\"} 1\n"
            "# HELP lookalike_ct_entries_total CT entries processed\n"
            "# TYPE lookalike_ct_entries_total counter\n"
            "lookalike_ct_entries_total{log=\"argon2026\"} 2000\n"
            "lookalike_ct_entries_total{log=\"xenon2026\"} 20\n"
            "# HELP lookalike_ct_lag_entries Entries behind the log's signed head\n"
            "# TYPE lookalike_ct_lag_entries gauge\n"
            "lookalike_ct_lag_entries{log=\"argon2026\"} 12\n"
            "# TYPE lookalike_up gauge\n"
            "lookalike_up 1\n");
}

TEST(Metrics, WritesFractionsAndSpecialValuesAsPrometheusReadsThem) {
  Metrics m;
  m.set("q", label("a", "1"), 0.25);
  m.set("q", label("a", "2"), std::numeric_limits<double>::infinity());
  m.set("q", label("a", "3"), std::numeric_limits<double>::quiet_NaN());
  m.set("q", label("a", "4"), -3);
  EXPECT_EQ(m.render(), "# TYPE q gauge\nq{a=\"1\"} 0.25\nq{a=\"2\"} +Inf\nq{a=\"3\"} NaN\nq{a=\"4\"} -3\n");
}

TEST(Metrics, EscapesLabelValuesAndHelpText) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(label("log", "evil\"} 1\nfake_metric 2"), "log=\"evil\\\"} 1\\nfake_metric 2\"");
  Metrics m;
  m.add("x_total", label("log", "evil\"} 1\nfake_metric 2"), 1, "line one\nback\\slash");
  EXPECT_EQ(m.render(),
            "# HELP x_total line one\\nback\\\\slash\n# TYPE x_total counter\n"
            "x_total{log=\"evil\\\"} 1\\nfake_metric 2\"} 1\n");
}

TEST(Metrics, RejectsBadNamesLabelsAndMisuse) {
  Metrics m;
  EXPECT_THROW(m.add("1bad", "", 1), std::invalid_argument);
  EXPECT_THROW(m.add("bad-name", "", 1), std::invalid_argument);
  EXPECT_THROW(m.add("ok_total", "log=unquoted", 1), std::invalid_argument);
  EXPECT_THROW(m.add("ok_total", "log=\"x\"\n", 1), std::invalid_argument);
  EXPECT_THROW(m.add("ok_total", "", -1), std::invalid_argument);
  m.add("ok_total", label("a", "b") + "," + label("c", "d"), 1);
  EXPECT_THROW(m.set("ok_total", "", 1), std::invalid_argument);
}

TEST(MetricsServer, ServesTheExpositionOnALoopbackPort) {
  Metrics m;
  fill(m);
  auto server = MetricsServer::start(m, "127.0.0.1", 0);
  ASSERT_TRUE(server) << server.error();
  const std::uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);
  const std::string r = exchange(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << r;
  EXPECT_EQ(body_of(r), m.render());
  // Updates show up in the next scrape.
  m.add("lookalike_alerts_total", label("kind", "mx-appeared"), 2);
  EXPECT_NE(body_of(exchange(port, "GET /metrics HTTP/1.0\r\n\r\n")).find("lookalike_alerts_total{kind=\"mx-appeared\"} 3"),
            std::string::npos);
}

TEST(MetricsServer, AnswersOtherPathsMethodsAndOversizedRequestsWithErrors) {
  Metrics m;
  fill(m);
  auto server = MetricsServer::start(m, "localhost", 0);
  ASSERT_TRUE(server) << server.error();
  const std::uint16_t port = (*server)->port();
  EXPECT_TRUE(exchange(port, "GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 ")) ;
  EXPECT_TRUE(exchange(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").starts_with("HTTP/1.1 405 "));
  EXPECT_TRUE(exchange(port, "garbage\r\n\r\n").starts_with("HTTP/1.1 400 "));
  const std::string big = "GET /metrics HTTP/1.1\r\nX-Filler: " + std::string(20000, 'a') + "\r\n\r\n";
  EXPECT_TRUE(exchange(port, big).starts_with("HTTP/1.1 431 "));
  const std::string head = exchange(port, "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 ")) << head;
  EXPECT_EQ(body_of(head), "");
}

TEST(MetricsServer, KeepsServingWhileAClientSitsSilent) {
  Metrics m;
  fill(m);
  auto server = MetricsServer::start(m, "127.0.0.1", 0);
  ASSERT_TRUE(server) << server.error();
  const int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons((*server)->port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(body_of(exchange((*server)->port(), "GET /metrics HTTP/1.1\r\n\r\n")), m.render());
  close(silent);
}

TEST(MetricsServer, RefusesANonLoopbackAddressUnlessAllowed) {
  Metrics m;
  for (const char* addr : {"0.0.0.0", "192.0.2.10", "::"}) {
    auto r = MetricsServer::start(m, addr, 0);
    ASSERT_FALSE(r) << addr;
    EXPECT_NE(r.error().find("loopback"), std::string::npos) << r.error();
  }
  auto bad = MetricsServer::start(m, "metrics.example", 0);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("not an IP address"), std::string::npos);
}

TEST(Logging, WritesJsonLinesWithFieldsAndRedactsSecrets) {
  ASSERT_TRUE(init_logging("debug", true));
  testing::internal::CaptureStderr();
  log_info("alert delivered \"quoted\"\n", {{"sink", "webhook https://hooks.example/x"}, {"seq", 42}, {"ok", true},
                                             {"secret", "hunter2"}, {"api_token", "t0k"}, {"msg", "shadow"}});
  log_debug("bad bytes", {{"name", std::string_view("\xff\x01x", 3)}});
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(init_logging("info", false));
  std::istringstream in(err);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("level"), "info");
  EXPECT_EQ(j.at("msg"), "alert delivered \"quoted\"\n");
  EXPECT_EQ(j.at("sink"), "webhook https://hooks.example/x");
  EXPECT_EQ(j.at("seq"), 42);
  EXPECT_EQ(j.at("ok"), true);
  EXPECT_EQ(j.at("secret"), "[redacted]");
  EXPECT_EQ(j.at("api_token"), "[redacted]");
  EXPECT_EQ(j.at("field_msg"), "shadow");
  EXPECT_TRUE(j.at("time").get<std::string>().ends_with("Z"));
  EXPECT_EQ(err.find("hunter2"), std::string::npos);
  ASSERT_TRUE(std::getline(in, line));
  const auto j2 = nlohmann::json::parse(line);  // invalid UTF-8 still makes valid JSON
  EXPECT_EQ(j2.at("name"), "\xef\xbf\xbd\x01x");
}

TEST(Logging, TextLinesCannotBeForgedByHostileValues) {
  ASSERT_TRUE(init_logging("info", false));
  testing::internal::CaptureStderr();
  log_warn("hook output", {{"line", "x\n2026-01-01T00:00:00.000Z error forged"}, {"password", "pw"}});
  log_debug("hidden below the level");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(" warn hook output line="), std::string::npos) << err;
  EXPECT_NE(err.find("password=[redacted]"), std::string::npos) << err;
  EXPECT_EQ(err.find("hidden"), std::string::npos);
  EXPECT_FALSE(init_logging("loud", false));
}

}  // namespace
}  // namespace lookalike::telemetry
