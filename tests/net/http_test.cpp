// The client's request as a server sees it (User-Agent, headers, body) and its answer as the
// caller sees it (status, body, Retry-After), against a one-shot server on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "net/http.hpp"

namespace lookalike::net {
namespace {

// Accepts one connection, records the request (head and Content-Length body), sends `reply`.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  [[nodiscard]] std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  // The request received, once the connection is over.
  [[nodiscard]] const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  void serve() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    for (;;) {
      const std::size_t head_end = request_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t body = 0;
        if (auto at = request_.find("Content-Length: "); at != std::string::npos) body = std::stoul(request_.substr(at + 16));
        if (request_.size() >= head_end + 4 + body) break;
      }
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
    }
    (void)::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  std::string reply_;
  std::string request_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::thread thread_;
};

TEST(UserAgent, IsTheProjectNameAndVersion) { EXPECT_EQ(user_agent(), "lookalike/" LOOKALIKE_VERSION); }

TEST(Client, PostsBodyHeadersAndUserAgentAndReturnsStatusBodyAndRetryAfter) {
  OneShotServer server("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 4\r\n"
                       "Connection: close\r\n\r\nbusy");
  auto c = make_http_client();
  auto r = c->post(server.url("/hook?x=1"), "{\"a\":1}", {{"X-Test", "yes"}});
  ASSERT_TRUE(r.has_value()) << r.error().what;
  EXPECT_EQ(r->status, 503u);
  EXPECT_EQ(r->body, "busy");
  EXPECT_EQ(r->retry_after, std::chrono::seconds(7));
  const std::string& req = server.request();
  EXPECT_TRUE(req.starts_with("POST /hook?x=1 HTTP/1.1\r\n")) << req;
  EXPECT_NE(req.find("\r\nUser-Agent: lookalike/" LOOKALIKE_VERSION "\r\n"), std::string::npos) << req;
  EXPECT_NE(req.find("\r\nX-Test: yes\r\n"), std::string::npos) << req;
  EXPECT_TRUE(req.ends_with("\r\n\r\n{\"a\":1}")) << req;
}

TEST(Client, RefusesAHeaderThatWouldSplitTheRequest) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  auto c = make_http_client();
  auto r = c->post(server.url("/"), "x", {{"X-Test", "a\r\nInjected: 1"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find("not allowed"), std::string::npos) << r.error().what;
  c.reset();  // closes the connection: the server stops waiting
  EXPECT_EQ(server.request(), "");
}

TEST(Client, PlainHttpIsRefusedOffLoopback) {
  auto c = make_http_client();
  auto r = c->get("http://192.0.2.1/ct/v1/get-sth");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find("loopback"), std::string::npos);
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.8.9.10"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(c->get("ftp://127.0.0.1/").has_value());
}

TEST(Client, GlobalOnlyRefusesAListeningLoopbackServerWithoutConnecting) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  HttpOptions o;
  o.reach = Reach::global_only;
  auto c = make_http_client(o);
  auto r = c->get(server.url("/x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().what.find("refusing 127.0.0.1: 127.0.0.1 (loopback)"), std::string::npos) << r.error().what;
  o.reach = Reach::global_or_loopback;
  auto allowed = make_http_client(o)->get(server.url("/x"));
  ASSERT_TRUE(allowed.has_value()) << allowed.error().what;
  EXPECT_EQ(allowed->body, "ok");
}

TEST(Client, NeverConnectsToACloudMetadataServiceWhateverTheReach) {
  for (Reach reach : {Reach::any, Reach::global_or_loopback, Reach::global_only}) {
    HttpOptions o;
    o.reach = reach;
    o.timeout = std::chrono::milliseconds(60000);  // a connect attempt would hang, not fail fast
    auto c = make_http_client(o);
    for (const char* url : {"https://169.254.169.254/latest/meta-data/", "https://100.100.100.200/latest/meta-data/",
                            "https://169.254.170.2/v2/credentials/x", "https://[fd00:ec2::254]/latest/"}) {
      auto r = c->get(url);
      ASSERT_FALSE(r.has_value()) << url;
      EXPECT_NE(r.error().what.find("(cloud-metadata)"), std::string::npos) << r.error().what;
    }
  }
}

}  // namespace
}  // namespace lookalike::net
