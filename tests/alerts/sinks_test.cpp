// Alert sinks against real receivers on loopback: a webhook server (plain sockets) that fails
// on purpose, hook programs started without a shell, and JSON-lines files reopened after a
// "crash" (torn line, already-delivered seqs).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "alerts/alert.hpp"
#include "telemetry/log.hpp"
#include "tests/ctlog/test_log_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::alerts {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// A fresh directory under /tmp, removed at the end of the test.
struct TempDir : lookalike::test_support::TempDir {
  TempDir() : lookalike::test_support::TempDir("lookalike-sinks") {}
};

Alert make_alert(std::uint64_t seq, AlertKind kind = AlertKind::new_lookalike, std::string name = "paypa1.com") {
  nlohmann::json j;
  j["seq"] = seq;
  j["id"] = "store1-" + std::to_string(seq);
  j["time"] = "2026-11-28T14:00:00Z";
  j["kind"] = std::string(alert_kind_name(kind));
  j["name"] = name;
  j["brands"] = {"paypal"};
  j["score"] = 87;
  j["level"] = "high";
  j["evidence"] = {{"ct", {{"log", "argon2026"}, {"index", 1234 + seq}}}};
  Alert a;
  a.seq = seq;
  a.kind = kind;
  a.name = std::move(name);
  a.json = j.dump();
  return a;
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint64_t> seqs_of(const fs::path& p) {
  std::vector<std::uint64_t> out;
  for (const auto& line : lines_of(p)) out.push_back(nlohmann::json::parse(line).at("seq").get<std::uint64_t>());
  return out;
}

std::string hmac_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A webhook receiver on 127.0.0.1: answers requests from a script (the last entry repeats).
// ---------------------------------------------------------------------------------------------

struct Reply {
  unsigned status = 200;
  std::string extra_headers;  // "Retry-After: 1\r\n"
  bool silent = false;        // read the request, never answer
};

struct Request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// An OpenSSL server context for a PEM certificate and key (the https receiver).
std::shared_ptr<SSL_CTX> server_tls(const ctlog::testing::TlsIdentity& id) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> cb(BIO_new_mem_buf(id.cert_pem.data(), static_cast<int>(id.cert_pem.size())), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new_mem_buf(id.key_pem.data(), static_cast<int>(id.key_pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr), X509_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!ctx || !cert || !key || SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) {
    throw std::runtime_error("receiver: bad TLS identity");
  }
  return ctx;
}

class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::vector<Reply> script, std::shared_ptr<SSL_CTX> tls = nullptr)
      : script_(std::move(script)), tls_(std::move(tls)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("receiver: cannot listen");
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  ~WebhookReceiver() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

  [[nodiscard]] std::string url(std::string_view path = "/hook") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  [[nodiscard]] std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  bool wait_readable(int fd) const {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void serve() {
    while (wait_readable(fd_)) {
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      if (tls_) {
        // Blocking TLS with a short receive timeout, so stop_ is still noticed.
        timeval tv{0, 100000};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssl_.reset(SSL_new(tls_.get()));
        SSL_set_fd(ssl_.get(), c);
        if (SSL_accept(ssl_.get()) == 1) handle(c);
        ssl_.reset();
      } else {
        handle(c);
      }
      close(c);
    }
  }

  // One request per connection (we answer with Connection: close).
  void handle(int c) {
    std::string data;
    char buf[4096];
    std::size_t head_end = std::string::npos;
    std::size_t need = 0;
    while (true) {
      if (head_end != std::string::npos && data.size() >= head_end + 4 + need) break;
      const ssize_t n = receive(c, buf, sizeof buf);
      if (n <= 0) return;
      data.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        Request r = parse_head(data.substr(0, head_end));
        need = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
      }
    }
    Request r = parse_head(data.substr(0, head_end));
    r.body = data.substr(head_end + 4, need);
    Reply reply;
    {
      std::lock_guard lock(mu_);
      reply = script_[std::min(requests_.size(), script_.size() - 1)];
      requests_.push_back(std::move(r));
    }
    if (reply.silent) {
      while (receive(c, buf, sizeof buf) > 0) {
      }
      return;  // the client gave up, or the test ends
    }
    const std::string body = reply.status < 300 ? "ok\n" : "nope\n";
    const std::string resp = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n" + reply.extra_headers +
                             "\r\n" + body;
    if (ssl_) {
      SSL_write(ssl_.get(), resp.data(), static_cast<int>(resp.size()));
    } else {
      (void)!write(c, resp.data(), resp.size());
    }
  }

  // Bytes from the client (TLS or plain); <= 0 at EOF, on error or when the test ends.
  ssize_t receive(int c, char* buf, std::size_t size) {
    if (!ssl_) {
      if (!wait_readable(c)) return 0;
      return read(c, buf, size);
    }
    while (!stop_) {
      const int n = SSL_read(ssl_.get(), buf, static_cast<int>(size));
      if (n > 0) return n;
      if (SSL_get_error(ssl_.get(), n) != SSL_ERROR_WANT_READ) return 0;
    }
    return 0;
  }

  static Request parse_head(const std::string& head) {
    Request r;
    std::istringstream in(head);
    std::string line;
    std::getline(in, line);
    std::istringstream first(line);
    first >> r.method >> r.target;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    return r;
  }

  std::vector<Reply> script_;
  std::shared_ptr<SSL_CTX> tls_;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_{nullptr, SSL_free};
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::thread thread_;
};

SinkConfig webhook_config(const std::string& url) {
  SinkConfig c;
  c.type = "webhook";
  c.url = url;
  c.initial_backoff = milliseconds(10);
  c.timeout = milliseconds(2000);
  return c;
}

std::unique_ptr<Sink> must_make(const SinkConfig& c) {
  auto s = make_sink(c);
  if (!s) throw std::runtime_error("make_sink: " + s.error());
  return std::move(*s);
}

// ---------------------------------------------------------------------------------------------

TEST(AlertKinds, RoundTripThroughTheirJsonNames) {
  for (auto k : {AlertKind::new_lookalike, AlertKind::registered, AlertKind::mx_appeared, AlertKind::web_live,
                 AlertKind::certificate, AlertKind::level_changed, AlertKind::deleted}) {
    auto parsed = parse_alert_kind(alert_kind_name(k));
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(*parsed, k);
  }
  EXPECT_EQ(alert_kind_name(AlertKind::mx_appeared), "mx-appeared");
  EXPECT_EQ(alert_kind_name(AlertKind::deleted), "deleted");
  auto bad = parse_alert_kind("mx_appeared");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("mx_appeared"), std::string::npos);
  EXPECT_NE(bad.error().find("mx-appeared"), std::string::npos);
}

TEST(MakeSink, NamesTheFieldOfABadConfiguration) {
  SinkConfig c;
  c.type = "carrier-pigeon";
  EXPECT_NE(make_sink(c).error().find("unknown type"), std::string::npos);
  c.type = "jsonl";
  EXPECT_NE(make_sink(c).error().find("path"), std::string::npos);
  c.type = "exec";
  EXPECT_NE(make_sink(c).error().find("argv"), std::string::npos);
  c.argv = {"/nonexistent/hook"};
  EXPECT_NE(make_sink(c).error().find("argv[0]"), std::string::npos);
  c.type = "webhook";
  EXPECT_NE(make_sink(c).error().find("url"), std::string::npos);
  c.url = "ftp://127.0.0.1/";
  EXPECT_NE(make_sink(c).error().find("scheme"), std::string::npos);
}

TEST(JsonlSink, AppendsOneLinePerAlertAndSkipsSeqsAlreadyInTheFileAfterAReopen) {
  TempDir dir;
  SinkConfig c;
  c.type = "jsonl";
  c.path = (dir.path / "alerts.jsonl").string();
  {
    auto sink = must_make(c);
    EXPECT_NE(sink->describe().find("alerts.jsonl"), std::string::npos);
    for (std::uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(sink->deliver(make_alert(s)));
  }
  // A restart: the store had not acknowledged 2 and 3, so it hands them over again.
  {
    auto sink = must_make(c);
    for (std::uint64_t s = 2; s <= 5; ++s) ASSERT_TRUE(sink->deliver(make_alert(s)));
  }
  EXPECT_EQ(seqs_of(c.path), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  const auto lines = lines_of(c.path);
  EXPECT_EQ(lines[3], make_alert(4).json);
}

TEST(JsonlSink, CutsATornLastLineAndWritesThatAlertAgain) {
  TempDir dir;
  const fs::path path = dir.path / "alerts.jsonl";
  const std::string torn = make_alert(3).json.substr(0, 25);
  std::ofstream(path) << make_alert(1).json << '\n' << make_alert(2).json << '\n' << torn;
  SinkConfig c;
  c.type = "jsonl";
  c.path = path.string();
  auto sink = must_make(c);
  EXPECT_EQ(slurp(path), make_alert(1).json + "\n" + make_alert(2).json + "\n");
  ASSERT_TRUE(sink->deliver(make_alert(2)));  // already there: skipped
  ASSERT_TRUE(sink->deliver(make_alert(3)));
  EXPECT_EQ(seqs_of(path), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(JsonlSink, FindsTheLastSeqBehindLinesThatAreNotAlerts) {
  TempDir dir;
  const fs::path path = dir.path / "alerts.jsonl";
  std::ofstream(path) << make_alert(7).json << "\nnot json\n{\"note\":\"operator was here\"}\n";
  SinkConfig c;
  c.type = "jsonl";
  c.path = path.string();
  auto sink = must_make(c);
  ASSERT_TRUE(sink->deliver(make_alert(7)));
  ASSERT_TRUE(sink->deliver(make_alert(8)));
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines.back(), make_alert(8).json);
}

TEST(JsonlSink, WritesToStdoutForADash) {
  SinkConfig c;
  c.type = "jsonl";
  c.path = "-";
  auto sink = must_make(c);
  EXPECT_EQ(sink->describe(), "jsonl stdout");
  testing::internal::CaptureStdout();
  ASSERT_TRUE(sink->deliver(make_alert(1)));
  ASSERT_TRUE(sink->deliver(make_alert(1)));  // same seq again: skipped
  ASSERT_TRUE(sink->deliver(make_alert(2)));
  EXPECT_EQ(testing::internal::GetCapturedStdout(), make_alert(1).json + "\n" + make_alert(2).json + "\n");
}

TEST(JsonlSink, DeliversOnlyTheConfiguredKinds) {
  TempDir dir;
  SinkConfig c;
  c.type = "jsonl";
  c.path = (dir.path / "mx.jsonl").string();
  c.kinds = {AlertKind::mx_appeared};
  auto sink = must_make(c);
  ASSERT_TRUE(sink->deliver(make_alert(1, AlertKind::new_lookalike)));
  ASSERT_TRUE(sink->deliver(make_alert(2, AlertKind::mx_appeared)));
  ASSERT_TRUE(sink->deliver(make_alert(3, AlertKind::web_live)));
  EXPECT_EQ(seqs_of(c.path), (std::vector<std::uint64_t>{2}));
}

TEST(JsonlSink, RefusesASecondWriterOnTheSameFile) {
  TempDir dir;
  SinkConfig c;
  c.type = "jsonl";
  c.path = (dir.path / "alerts.jsonl").string();
  auto first = must_make(c);
  auto second = make_sink(c);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("in use"), std::string::npos) << second.error();
}

TEST(JsonlSink, RefusesAnAlertWhoseJsonIsNotOneLine) {
  TempDir dir;
  SinkConfig c;
  c.type = "jsonl";
  c.path = (dir.path / "alerts.jsonl").string();
  auto sink = must_make(c);
  Alert a = make_alert(1);
  a.json = "{\"seq\":1,\n\"forged\":true}";
  EXPECT_FALSE(sink->deliver(a));
  EXPECT_EQ(slurp(c.path), "");
}

TEST(WebhookSink, RetriesUntilTheReceiverAcceptsAndSignsEveryAttempt) {
  WebhookReceiver rx({{503, "", false}, {503, "", false}, {200, "", false}});
  SinkConfig c = webhook_config(rx.url());
  c.secret = "s3cret-key";
  c.headers = {{"Authorization", "Bearer abc"}};
  auto sink = must_make(c);
  const Alert alert = make_alert(42);
  auto r = sink->deliver(alert);
  ASSERT_TRUE(r) << r.error();
  const auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& q : reqs) {
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(q.target, "/hook");
    EXPECT_EQ(q.body, alert.json);
    EXPECT_EQ(q.headers.at("content-type"), "application/json");
    EXPECT_EQ(q.headers.at("x-lookalike-alert-id"), "store1-42");
    EXPECT_EQ(q.headers.at("x-lookalike-signature"), "sha256=" + hmac_hex("s3cret-key", q.body));
    EXPECT_EQ(q.headers.at("authorization"), "Bearer abc");
  }
  EXPECT_EQ(sink->describe().find("s3cret"), std::string::npos);
}

TEST(WebhookSink, SendsNoSignatureWithoutASecret) {
  WebhookReceiver rx({{204, "", false}});
  auto sink = must_make(webhook_config(rx.url()));
  ASSERT_TRUE(sink->deliver(make_alert(1)));
  const auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers.count("x-lookalike-signature"), 0u);
}

TEST(WebhookSink, StopsAtTheFirstClientError) {
  WebhookReceiver rx({{400, "", false}, {200, "", false}});
  auto sink = must_make(webhook_config(rx.url()));
  auto r = sink->deliver(make_alert(1));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("HTTP 400"), std::string::npos) << r.error();
  EXPECT_EQ(rx.requests().size(), 1u);
}

TEST(WebhookSink, RetriesA429AfterTheRetryAfterDelay) {
  WebhookReceiver rx({{429, "Retry-After: 1\r\n", false}, {200, "", false}});
  auto sink = must_make(webhook_config(rx.url()));
  auto r = sink->deliver(make_alert(5));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(rx.requests().size(), 2u);
}

TEST(WebhookSink, GivesUpAfterMaxAttemptsWhenTheReceiverNeverAnswers) {
  WebhookReceiver rx({{200, "", true}});
  SinkConfig c = webhook_config(rx.url());
  c.timeout = milliseconds(300);
  c.max_attempts = 3;
  auto sink = must_make(c);
  auto r = sink->deliver(make_alert(9));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("after 3 attempts"), std::string::npos) << r.error();
  EXPECT_EQ(rx.requests().size(), 3u);
}

TEST(WebhookSink, RetriesWhenNothingListensAndStopsWhenAskedTo) {
  // A port that was just free: connection refused on every attempt.
  unsigned short port = 0;
  {
    WebhookReceiver rx({{200, "", false}});
    port = static_cast<unsigned short>(std::stoi(rx.url().substr(17)));
  }
  std::atomic<bool> stop{false};
  SinkConfig c = webhook_config("http://127.0.0.1:" + std::to_string(port) + "/hook?token=t0ps3cret");
  c.max_attempts = 3;
  auto sink = must_make(c);
  auto r = sink->deliver(make_alert(1));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("after 3 attempts"), std::string::npos) << r.error();
  EXPECT_EQ(r.error().find("t0ps3cret"), std::string::npos) << r.error();
  stop = true;
  c.stop = &stop;
  c.initial_backoff = milliseconds(60000);
  auto stopping = must_make(c);
  auto r2 = stopping->deliver(make_alert(2));
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().find("stopping"), std::string::npos) << r2.error();
}

TEST(WebhookSink, DeliversOverVerifiedHttpsAndRefusesAnUntrustedCertificate) {
  ctlog::testing::TestCa ca;
  WebhookReceiver rx({{200, "", false}}, server_tls(ca.server_identity("127.0.0.1")));
  ASSERT_TRUE(rx.url().starts_with("https://"));
  TempDir dir;
  const fs::path ca_file = dir.path / "ca.pem";
  std::ofstream(ca_file) << ca.pem();
  SinkConfig c = webhook_config(rx.url());
  c.ca_file = ca_file.string();
  c.secret = "k";
  auto r = must_make(c)->deliver(make_alert(1));
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(rx.requests().size(), 1u);
  EXPECT_EQ(rx.requests()[0].headers.at("x-lookalike-signature"), "sha256=" + hmac_hex("k", make_alert(1).json));
  // Without the test CA as a trust anchor the handshake fails and nothing is sent.
  SinkConfig untrusted = webhook_config(rx.url());
  untrusted.max_attempts = 2;
  auto bad = must_make(untrusted)->deliver(make_alert(2));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("TLS handshake"), std::string::npos) << bad.error();
  EXPECT_EQ(rx.requests().size(), 1u);
}

TEST(WebhookSink, RefusesPlainHttpBeyondLoopbackAndInjectedHeaders) {
  auto r = make_sink(webhook_config("http://192.0.2.1/hook"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("loopback"), std::string::npos) << r.error();
  SinkConfig c = webhook_config("http://127.0.0.1:9/hook");
  c.headers = {{"X-Extra", "a\r\nX-Injected: 1"}};
  EXPECT_FALSE(make_sink(c));
  c.headers = {{"Content-Length", "0"}};
  EXPECT_FALSE(make_sink(c));
  c.headers = {{"Bad Name", "x"}};
  EXPECT_FALSE(make_sink(c));
}

SinkConfig exec_config(std::vector<std::string> argv) {
  SinkConfig c;
  c.type = "exec";
  c.argv = std::move(argv);
  c.initial_backoff = milliseconds(10);
  c.timeout = milliseconds(5000);
  return c;
}

TEST(ExecSink, GivesTheAlertJsonToTheProgramOnStdin) {
  TempDir dir;
  const fs::path out = dir.path / "tee.out";
  auto sink = must_make(exec_config({"tee", "-a", out.string()}));  // found in PATH
  ASSERT_TRUE(sink->deliver(make_alert(1)));
  ASSERT_TRUE(sink->deliver(make_alert(2)));
  EXPECT_EQ(slurp(out), make_alert(1).json + "\n" + make_alert(2).json + "\n");
}

TEST(ExecSink, NeverGoesThroughAShell) {
  TempDir dir;
  const std::string odd = (dir.path / "$(touch pwned);x").string();
  auto sink = must_make(exec_config({"tee", odd}));
  ASSERT_TRUE(sink->deliver(make_alert(1)));
  EXPECT_TRUE(fs::exists(odd));  // the argument reached tee as it is
  EXPECT_FALSE(fs::exists(dir.path / "pwned"));
  EXPECT_FALSE(fs::exists("pwned"));
}

TEST(ExecSink, PassesTheAlertIdentityInTheEnvironment) {
  TempDir dir;
  const fs::path out = dir.path / "env.out";
  auto sink = must_make(exec_config({SINK_HOOK_HELPER, "env", out.string()}));
  ASSERT_TRUE(sink->deliver(make_alert(12, AlertKind::web_live)));
  EXPECT_EQ(slurp(out), "LOOKALIKE_ALERT_SEQ=12\nLOOKALIKE_ALERT_KIND=web-live\nLOOKALIKE_ALERT_ID=store1-12\n");
}

TEST(ExecSink, RetriesAFailingHookUntilItSucceeds) {
  TempDir dir;
  const fs::path counter = dir.path / "runs", out = dir.path / "out";
  auto sink = must_make(exec_config({SINK_HOOK_HELPER, "fail-first", "2", counter.string(), out.string()}));
  auto r = sink->deliver(make_alert(3));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(slurp(counter), "3");
  EXPECT_EQ(slurp(out), make_alert(3).json + "\n");
}

TEST(ExecSink, ReportsTheExitStatusAfterTheLastAttempt) {
  TempDir dir;
  const fs::path counter = dir.path / "runs", out = dir.path / "out";
  SinkConfig c = exec_config({SINK_HOOK_HELPER, "fail-first", "100", counter.string(), out.string()});
  c.max_attempts = 2;
  auto sink = must_make(c);
  auto r = sink->deliver(make_alert(3));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("exit status 3"), std::string::npos) << r.error();
  EXPECT_EQ(slurp(counter), "2");
}

TEST(ExecSink, KillsAndReapsAHangingHookAtItsTimeout) {
  TempDir dir;
  const fs::path pidfile = dir.path / "pid";
  SinkConfig c = exec_config({SINK_HOOK_HELPER, "hang", pidfile.string()});
  c.timeout = milliseconds(300);
  c.max_attempts = 2;
  auto sink = must_make(c);
  auto r = sink->deliver(make_alert(4));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("timed out"), std::string::npos) << r.error();
  const pid_t pid = std::stoi(slurp(pidfile));
  ASSERT_GT(pid, 0);
  // Reaped, not a zombie: the pid no longer exists.
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ExecSink, BoundsWhatAChattyHookPrintsIntoOurLog) {
  auto sink = must_make(exec_config({SINK_HOOK_HELPER, "chatty"}));
  testing::internal::CaptureStderr();
  auto r = sink->deliver(make_alert(1));
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r) << r.error();
  EXPECT_NE(err.find("hook output"), std::string::npos);
  EXPECT_NE(err.find("hook output truncated"), std::string::npos);
  EXPECT_LT(err.size(), 200u * 1024u);  // 1 MiB printed, a bounded amount logged
}

}  // namespace
}  // namespace lookalike::alerts
