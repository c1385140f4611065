// `lookalike probe` end to end: the real binary against loopback SMTP/HTTP/HTTPS servers.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include "tests/scoring/loopback_servers.hpp"

extern char** environ;

namespace {

struct RunResult {
  int status = -1;
  std::string out;
};

// Runs the lookalike binary with `args` (no shell), capturing stdout+stderr.
RunResult run_lookalike(std::vector<std::string> args) {
  args.insert(args.begin(), LOOKALIKE_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) return {};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  RunResult r;
  if (rc != 0) {
    ::close(fds[0]);
    return r;
  }
  char buf[4096];
  long n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(ProbeCommand, PrintsMailWebAndCertificateFindingsForOneName) {
  namespace t = lookalike::testing;
  const auto cert = t::TestCertificate::make("phish.test", {"phish.test"});
  const std::map<std::string, std::string> routes = {
      {"phish.test", t::html_response("<title>Example Bank - Sign in</title><p>Sign in</p>", "nginx")}};
  t::LoopbackServer smtp(t::smtp_handler("phish.test"));
  t::LoopbackServer http(t::http_handler(routes));
  t::LoopbackServer https(t::http_handler(routes), &cert);
  const RunResult r = run_lookalike({"probe", "phish.test", "--address", "127.0.0.1", "--mx", "mx.phish.test=127.0.0.1",
                               "--allow-private", "--smtp-port", std::to_string(smtp.port()), "--http-port",
                               std::to_string(http.port()), "--https-port", std::to_string(https.port())});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("banner 220 mx.phish.test ESMTP Postfix (Debian) | no UCE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("starttls yes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("title \"Example Bank - Sign in\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cert subject CN=phish.test,O=Lookalike Test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("covers name yes, verified no"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("=> mx_live yes, web_live yes, tls_covers_name yes"), std::string::npos) << r.out;
}

TEST(ProbeCommand, RefusesLoopbackWithoutAllowPrivate) {
  namespace t = lookalike::testing;
  t::LoopbackServer smtp(t::smtp_handler("phish.test"));
  const RunResult r = run_lookalike({"probe", "phish.test", "--mx", "mx.phish.test=127.0.0.1", "--smtp-port",
                               std::to_string(smtp.port())});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(smtp.connections(), 0);
  EXPECT_NE(r.out.find("skipped 127.0.0.1 (loopback)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("=> mx_live no"), std::string::npos) << r.out;
}

TEST(ProbeCommand, RejectsAMalformedAddressWithOneLine) {
  const RunResult r = run_lookalike({"probe", "phish.test", "--address", "not-an-ip"});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("not-an-ip"), std::string::npos) << r.out;
}

}  // namespace
