#include "tests/support/nsd_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace lookalike::test_support {
namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A minimal SOA query, written by hand so this support library depends on nothing of ours.
std::vector<unsigned char> soa_query(const std::string& zone, std::uint16_t id) {
  std::vector<unsigned char> q = {static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id & 0xff),
                                  0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
  std::stringstream labels(zone);
  std::string label;
  while (std::getline(labels, label, '.')) {
    if (label.empty()) continue;
    q.push_back(static_cast<unsigned char>(label.size()));
    q.insert(q.end(), label.begin(), label.end());
  }
  q.insert(q.end(), {0x00, 0x00, 0x06, 0x00, 0x01});  // root, type SOA, class IN
  return q;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::uint16_t free_loopback_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    Fd udp(::socket(AF_INET, SOCK_DGRAM, 0));
    sockaddr_in a = loopback(0);
    if (udp.fd < 0 || ::bind(udp.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) continue;
    socklen_t len = sizeof a;
    ::getsockname(udp.fd, reinterpret_cast<sockaddr*>(&a), &len);
    // nsd also listens on TCP with the same number: make sure that one is free too.
    Fd tcp(::socket(AF_INET, SOCK_STREAM, 0));
    if (tcp.fd >= 0 && ::bind(tcp.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      return ntohs(a.sin_port);
    }
  }
  throw std::runtime_error("free_loopback_port: no free port on 127.0.0.1");
}

NsdServer::NsdServer(std::vector<Zone> zones, std::chrono::milliseconds startup_timeout)
    : zones_(std::move(zones)), startup_timeout_(startup_timeout) {
  if (zones_.empty()) throw std::invalid_argument("NsdServer: at least one zone is needed");
  std::string tmpl = (std::filesystem::temp_directory_path() / "lookalike-nsd-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("NsdServer: mkdtemp failed");
  dir_ = tmpl;
  port_ = free_loopback_port();
  try {
    write_files();
    start();
  } catch (...) {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

NsdServer::~NsdServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string NsdServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

std::string NsdServer::broken_zone_records() {
  return "@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.53\n"
         "broken NOTATYPE garbage\n";
}

void NsdServer::write_files() {
  const std::string d = dir_.string();
  std::ofstream conf(dir_ / "nsd.conf", std::ios::trunc);
  conf << "server:\n"
       << "  ip-address: 127.0.0.1@" << port_ << "\n"
       << "  port: " << port_ << "\n"
       << "  do-ip6: no\n"
       << "  username: \"\"\n"
       << "  chroot: \"\"\n"
       << "  zonesdir: \"" << d << "\"\n"
       << "  pidfile: \"" << d << "/nsd.pid\"\n"
       << "  xfrdfile: \"" << d << "/xfrd.state\"\n"
       << "  xfrdir: \"" << d << "\"\n"
       << "  zonelistfile: \"" << d << "/zone.list\"\n"
       << "  database: \"\"\n"
       << "  logfile: \"" << d << "/nsd.log\"\n"
       << "  server-count: 1\n"
       << "  verbosity: 1\n"
       << "  rrl-ratelimit: 0\n"
       << "  rrl-whitelist-ratelimit: 0\n"
       << "  tcp-count: 200\n"
       << "  minimal-responses: no\n"
       << "remote-control:\n"
       << "  control-enable: no\n";
  for (const Zone& z : zones_) {
    const std::string file = z.name + ".zone";
    conf << "zone:\n  name: \"" << z.name << "\"\n  zonefile: \"" << file << "\"\n";
    std::ofstream zf(dir_ / file, std::ios::trunc);
    zf << "$ORIGIN " << z.name << ".\n$TTL 300\n" << z.records;
    if (!z.records.empty() && z.records.back() != '\n') zf << "\n";
  }
}

void NsdServer::start() {
  const std::string conf = (dir_ / "nsd.conf").string();
  const std::string log = (dir_ / "nsd.stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: nsd forks a server child and xfrd; the destructor signals the group.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::array<char*, 5> argv = {const_cast<char*>("nsd"), const_cast<char*>("-d"), const_cast<char*>("-c"),
                               const_cast<char*>(conf.c_str()), nullptr};
  pid_t pid = -1;
  // Debian installs nsd in /usr/sbin, which a non-root PATH may lack.
  const char* program = ::access("/usr/sbin/nsd", X_OK) == 0 ? "/usr/sbin/nsd" : "nsd";
  const int rc = posix_spawnp(&pid, program, &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error(std::string("NsdServer: cannot run nsd: ") + std::strerror(rc));
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + startup_timeout_;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("NsdServer: nsd exited during startup: " + read_file(dir_ / "nsd.stderr") +
                               read_file(dir_ / "nsd.log"));
    }
    // Any reply (even SERVFAIL for a broken zone) means nsd is serving.
    if (answers_soa(zones_.front().name)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("NsdServer: nsd did not answer on " + address() + ": " + read_file(dir_ / "nsd.log"));
}

bool NsdServer::answers_soa(const std::string& zone) const {
  Fd s(::socket(AF_INET, SOCK_DGRAM, 0));
  if (s.fd < 0) return false;
  static thread_local std::mt19937 rng{std::random_device{}()};
  const auto id = static_cast<std::uint16_t>(rng());
  const auto q = soa_query(zone, id);
  sockaddr_in a = loopback(port_);
  if (::sendto(s.fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return false;
  pollfd p{s.fd, POLLIN, 0};
  if (::poll(&p, 1, 200) <= 0) return false;
  std::array<unsigned char, 4096> buf{};
  const ssize_t n = ::recv(s.fd, buf.data(), buf.size(), 0);
  return n >= 12 && buf[0] == (id >> 8) && buf[1] == (id & 0xff) && (buf[2] & 0x80) != 0;
}

void NsdServer::stop() noexcept {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

void NsdServer::reload(std::vector<Zone> zones) {
  if (zones.empty()) throw std::invalid_argument("NsdServer::reload: at least one zone is needed");
  stop();
  zones_ = std::move(zones);
  write_files();
  start();
}

}  // namespace lookalike::test_support
