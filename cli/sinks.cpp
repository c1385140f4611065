// The three alert sinks behind cli/alerts.hpp: JSON lines (file or stdout, idempotent by seq),
// webhook (HTTP POST through net's verified HTTP client, HMAC-signed, retried with backoff) and
// exec (a program started with posix_spawn, never a shell, the alert JSON on its stdin).
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include "cli/alerts.hpp"
#include "cli/log.hpp"
#include "domain/domain.hpp"
#include "net/http.hpp"
#include "util/encoding.hpp"

extern char** environ;

namespace lookalike::cli {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds max_backoff{60000};

std::string errno_text(int e) { return std::strerror(e); }

bool wanted(const std::vector<AlertKind>& kinds, AlertKind k) {
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

// The alert's "id" member (the receivers' idempotency key); "<seq>" when the JSON has none.
std::string alert_id(const Alert& alert) {
  auto doc = nlohmann::json::parse(alert.json, nullptr, false);
  if (doc.is_object()) {
    auto it = doc.find("id");
    if (it != doc.end() && it->is_string()) return it->get<std::string>();
  }
  return std::to_string(alert.seq);
}

// Sleeps `d` in short slices so a stop request is seen quickly; false when stopped.
bool pause(milliseconds d, const std::atomic<bool>* stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (true) {
    if (stop != nullptr && stop->load()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, milliseconds(50)));
  }
}

// One attempt's outcome for the shared retry loop.
struct Attempt {
  bool delivered = false;
  bool permanent = false;  // retrying cannot help (HTTP 4xx other than 408/429)
  std::string error;
  std::optional<milliseconds> retry_after;  // the receiver asked for this wait
};

// Exponential backoff with jitter: initial * 2^(n-1) capped at 60 s, then a uniform draw in
// [d/2, d] so many watchers failing together do not retry in lockstep.
milliseconds backoff(milliseconds initial, unsigned failed_attempts, std::mt19937_64& rng) {
  milliseconds d = std::max(initial, milliseconds(1));
  for (unsigned i = 1; i < failed_attempts && d < max_backoff; ++i) d *= 2;
  d = std::min(d, max_backoff);
  std::uniform_int_distribution<long long> jitter(d.count() / 2, d.count());
  return milliseconds(jitter(rng));
}

template <class Once>
std::expected<void, std::string> with_retries(const SinkConfig& c, std::mt19937_64& rng, std::string_view what,
                                              const Alert& alert, Once once) {
  const unsigned attempts = std::max(1u, c.max_attempts);
  std::string last;
  for (unsigned n = 1; n <= attempts; ++n) {
    if (c.stop != nullptr && c.stop->load()) {
      return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) + " not delivered: stopping");
    }
    Attempt a = once();
    if (a.delivered) {
      if (n > 1) log_info("alert delivered after retries", {{"sink", what}, {"seq", alert.seq}, {"attempts", n}});
      return {};
    }
    last = a.error;
    if (a.permanent) {
      return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) + " refused: " + last);
    }
    if (n == attempts) break;
    milliseconds wait = backoff(c.initial_backoff, n, rng);
    if (a.retry_after) wait = std::min(std::max(wait, *a.retry_after), max_backoff);
    log_warn("alert delivery failed, retrying",
             {{"sink", what}, {"seq", alert.seq}, {"attempt", n}, {"wait_ms", wait.count()}, {"error", last}});
    if (!pause(wait, c.stop)) {
      return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) +
                             " not delivered: stopping (last error: " + last + ")");
    }
  }
  return std::unexpected(std::string(what) + ": alert " + std::to_string(alert.seq) + " not delivered after " +
                         std::to_string(attempts) + " attempts: " + last);
}

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd = std::exchange(o.fd, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

bool write_all(int fd, std::string_view data, int& err) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool read_at(int fd, std::string& buf, off_t offset, std::size_t len, int& err) {
  buf.resize(len);
  std::size_t got = 0;
  while (got < len) {
    const ssize_t n = ::pread(fd, buf.data() + got, len - got, offset + static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf.resize(got);
  return true;
}

// SIGPIPE blocked on this thread while we write to a hook that may exit early or to a stdout
// pipe whose reader went away (EPIPE instead of a dead watcher); a SIGPIPE left pending is consumed before the old mask comes back.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1 && sigismember(&old_, SIGPIPE) == 0) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      const timespec zero{0, 0};
      sigtimedwait(&set, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_{};
};

// ---------------------------------------------------------------------------------------------
// jsonl
// ---------------------------------------------------------------------------------------------

class JsonlSink final : public Sink {
 public:
  static std::expected<std::unique_ptr<Sink>, std::string> open(const SinkConfig& c) {
    auto s = std::unique_ptr<JsonlSink>(new JsonlSink(c));
    if (c.path == "-") {
      s->fd_ = STDOUT_FILENO;
      return s;
    }
    const std::string where = "jsonl sink \"" + domain::printable(c.path) + "\"";
    const bool existed = ::access(c.path.c_str(), F_OK) == 0;
    s->owned_ = Fd(::open(c.path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (s->owned_.fd < 0) return std::unexpected(where + ": cannot open: " + errno_text(errno));
    s->fd_ = s->owned_.fd;
    struct stat st {};
    if (::fstat(s->fd_, &st) != 0) return std::unexpected(where + ": stat: " + errno_text(errno));
    s->regular_ = S_ISREG(st.st_mode);
    if (!s->regular_) return s;  // a FIFO or a terminal: nothing to read back
    // Two watchers appending to one file would interleave and defeat the seq check.
    if (::flock(s->fd_, LOCK_EX | LOCK_NB) != 0) {
      return std::unexpected(where + ": in use by another process (flock: " + errno_text(errno) + ")");
    }
    if (auto r = s->recover(st.st_size); !r) return std::unexpected(where + ": " + r.error());
    if (!existed) {
      // The new directory entry must survive a power cut too, not only the data.
      const auto dir = std::filesystem::path(c.path).parent_path();
      Fd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (d.fd >= 0) ::fsync(d.fd);
    }
    return s;
  }

  [[nodiscard]] std::string describe() const override {
    return "jsonl " + (config_.path == "-" ? std::string("stdout") : domain::printable(config_.path));
  }

  [[nodiscard]] std::expected<void, std::string> deliver(const Alert& alert) override {
    if (!wanted(config_.kinds, alert.kind)) return {};
    if (alert.seq <= last_seq_) return {};  // delivered before a crash or restart
    if (alert.json.find_first_of("\r\n") != std::string::npos) {
      return std::unexpected(describe() + ": alert " + std::to_string(alert.seq) + ": JSON contains a line break");
    }
    std::string line = alert.json;
    line += '\n';
    off_t before = 0;
    if (regular_) {
      struct stat st {};
      if (::fstat(fd_, &st) != 0) return std::unexpected(describe() + ": stat: " + errno_text(errno));
      before = st.st_size;
    }
    int err = 0;
    SigpipeGuard sigpipe;
    if (!write_all(fd_, line, err)) {
      // A partial line (disk full) would be a torn line: cut it off so the next attempt is clean.
      if (regular_ && ::ftruncate(fd_, before) != 0) {
        log_error("cannot cut a partial alert line", {{"sink", describe()}, {"error", errno_text(errno)}});
      }
      return std::unexpected(describe() + ": write alert " + std::to_string(alert.seq) + ": " + errno_text(err));
    }
    if (regular_ && ::fdatasync(fd_) != 0) {
      err = errno;
      // Not durable: take the line back so a retry writes it again rather than skipping it.
      if (::ftruncate(fd_, before) != 0) {
        log_error("cannot cut an unsynced alert line", {{"sink", describe()}, {"error", errno_text(errno)}});
      }
      return std::unexpected(describe() + ": fdatasync after alert " + std::to_string(alert.seq) + ": " +
                             errno_text(err));
    }
    last_seq_ = alert.seq;
    return {};
  }

  [[nodiscard]] std::uint64_t last_seq() const noexcept { return last_seq_; }

 private:
  explicit JsonlSink(const SinkConfig& c) : config_(c) {}

  // Cuts a torn last line (a crash mid-write) and finds the highest seq already in the file by
  // reading its tail: seqs only grow, so the last line that is an alert holds the highest one.
  std::expected<void, std::string> recover(off_t size) {
    constexpr off_t window = 4 << 20;  // far more than a few alerts; a bound on start-up work
    if (size == 0) return {};
    const off_t start = std::max<off_t>(0, size - window);
    std::string buf;
    int err = 0;
    if (!read_at(fd_, buf, start, static_cast<std::size_t>(size - start), err)) {
      return std::unexpected("read: " + errno_text(err));
    }
    if (buf.back() != '\n') {
      const auto nl = buf.rfind('\n');
      if (nl == std::string::npos && start > 0) {
        // Megabytes without a line break are not ours: end them rather than delete them.
        if (!write_all(fd_, "\n", err) || ::fdatasync(fd_) != 0) {
          return std::unexpected("cannot end the unterminated last line: " + errno_text(err != 0 ? err : errno));
        }
        log_warn("ended an unterminated last line that is not an alert", {{"sink", describe()}});
        return {};
      }
      const std::size_t keep = nl == std::string::npos ? 0 : nl + 1;
      if (::ftruncate(fd_, start + static_cast<off_t>(keep)) != 0 || ::fdatasync(fd_) != 0) {
        return std::unexpected("cannot cut the torn last line: " + errno_text(errno));
      }
      log_warn("removed a torn last line (an alert cut by a crash; it is delivered again)",
               {{"sink", describe()}, {"bytes", buf.size() - keep}});
      buf.resize(keep);
    }
    // Complete lines only: when the window starts mid-file, its first line may be partial.
    std::string_view text(buf);
    if (start > 0) {
      const auto first = text.find('\n');
      text = first == std::string_view::npos ? std::string_view() : text.substr(first + 1);
    }
    while (!text.empty()) {
      text.remove_suffix(1);  // the newline ending the last line
      const auto nl = text.rfind('\n');
      const std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
      if (auto seq = seq_of(line)) {
        last_seq_ = *seq;
        return {};
      }
      text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl + 1);
    }
    return {};
  }

  static std::optional<std::uint64_t> seq_of(std::string_view line) {
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    auto it = doc.find("seq");
    if (it == doc.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<std::uint64_t>();
  }

  SinkConfig config_;
  Fd owned_;
  int fd_ = -1;
  bool regular_ = false;
  std::uint64_t last_seq_ = 0;
};

// ---------------------------------------------------------------------------------------------
// webhook
// ---------------------------------------------------------------------------------------------

// The URL without its query string (it may carry a token) for logs and errors.
std::string redact_url(std::string_view url) {
  const auto q = url.find_first_of("?#");
  std::string out = domain::printable(url.substr(0, q));
  if (q != std::string_view::npos) out += "?[redacted]";
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), md, &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");  // only on allocation failure
  }
  return util::hex_encode(std::span<const std::uint8_t>(md, len));
}

bool header_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The host of an http(s) URL, without brackets; empty when the URL has none.
std::string url_host(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    return close == std::string_view::npos ? std::string() : std::string(rest.substr(1, close - 1));
  }
  return std::string(rest.substr(0, rest.rfind(':')));
}

class WebhookSink final : public Sink {
 public:
  static std::expected<std::unique_ptr<Sink>, std::string> open(const SinkConfig& c) {
    const std::string where = "webhook sink";
    if (c.url.empty()) return std::unexpected(where + ": url is required");
    const bool tls = c.url.starts_with("https://");
    if (!tls && !c.url.starts_with("http://")) {
      return std::unexpected(where + ": url \"" + redact_url(c.url) + "\": scheme must be https (or http to loopback)");
    }
    const std::string host = url_host(c.url);
    if (host.empty()) return std::unexpected(where + ": url \"" + redact_url(c.url) + "\": no host");
    if (host.find('@') != std::string::npos) {
      return std::unexpected(where + ": url \"" + redact_url(c.url) + "\": credentials in the URL are not allowed");
    }
    if (!tls && !net::is_loopback_host(host)) {
      return std::unexpected(where + ": url \"" + redact_url(c.url) +
                             "\": plain http is only allowed to loopback; use https");
    }
    if (!c.ca_file.empty() && ::access(c.ca_file.c_str(), R_OK) != 0) {
      return std::unexpected(where + ": ca_file \"" + domain::printable(c.ca_file) + "\": " + errno_text(errno));
    }
    for (const auto& [name, value] : c.headers) {
      if (!header_token(name)) return std::unexpected(where + ": headers: \"" + domain::printable(name) + "\" is not a header name");
      if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
        return std::unexpected(where + ": headers." + name + ": value contains a line break");
      }
      for (std::string_view reserved : {"host", "content-length", "transfer-encoding", "connection", "content-type",
                                        "x-lookalike-alert-id", "x-lookalike-signature"}) {
        if (iequals(name, reserved)) return std::unexpected(where + ": headers." + name + ": set by the sink itself");
      }
    }
    if (c.timeout.count() <= 0) return std::unexpected(where + ": timeout must be positive");
    return std::unique_ptr<Sink>(new WebhookSink(c));
  }

  [[nodiscard]] std::string describe() const override { return "webhook " + redact_url(config_.url); }

  [[nodiscard]] std::expected<void, std::string> deliver(const Alert& alert) override {
    if (!wanted(config_.kinds, alert.kind)) return {};
    std::vector<std::pair<std::string, std::string>> headers;
    headers.emplace_back("Content-Type", "application/json");
    headers.emplace_back("X-Lookalike-Alert-Id", alert_id(alert));
    if (!config_.secret.empty()) {
      headers.emplace_back("X-Lookalike-Signature", "sha256=" + hmac_sha256_hex(config_.secret, alert.json));
    }
    for (const auto& h : config_.headers) headers.push_back(h);
    const std::string what = describe();
    return with_retries(config_, rng_, what, alert, [&]() -> Attempt {
      auto r = client_->post(config_.url, alert.json, headers);
      Attempt a;
      if (!r) {
        // net's errors start with the URL: keep a query-string token out of the logs.
        std::string e = r.error().what;
        if (const auto at = e.find(config_.url); at != std::string::npos) e.replace(at, config_.url.size(), redact_url(config_.url));
        a.error = std::move(e);
        return a;
      }
      const unsigned s = r->status;
      if (s >= 200 && s < 300) {
        a.delivered = true;
        return a;
      }
      a.error = "HTTP " + std::to_string(s);
      if (!r->body.empty()) a.error += ": " + domain::printable(std::string_view(r->body).substr(0, 200));
      if (r->retry_after) a.retry_after = std::chrono::duration_cast<milliseconds>(*r->retry_after);
      // 408/429 and 5xx are the receiver's temporary trouble; other answers will not change.
      a.permanent = !(s == 408 || s == 429 || (s >= 500 && s < 600));
      if (s >= 300 && s < 400) a.error += " (redirects are not followed)";
      return a;
    });
  }

 private:
  explicit WebhookSink(const SinkConfig& c) : config_(c), rng_(std::random_device{}()) {
    net::HttpOptions o;
    o.timeout = c.timeout;
    o.ca_file = c.ca_file;
    o.body_limit = 64 * 1024;  // we only read the status; a huge error page is not worth memory
    client_ = net::make_http_client(o);
  }

  SinkConfig config_;
  std::mt19937_64 rng_;
  std::unique_ptr<net::HttpClient> client_;
};

// ---------------------------------------------------------------------------------------------
// exec
// ---------------------------------------------------------------------------------------------

constexpr std::size_t hook_output_limit = 16 * 1024;

class ExecSink final : public Sink {
 public:
  static std::expected<std::unique_ptr<Sink>, std::string> open(const SinkConfig& c) {
    if (c.argv.empty() || c.argv[0].empty()) return std::unexpected(std::string("exec sink: argv is required"));
    for (const auto& a : c.argv) {
      if (a.find('\0') != std::string::npos) return std::unexpected(std::string("exec sink: argv contains a NUL byte"));
    }
    if (c.argv[0].find('/') != std::string::npos && ::access(c.argv[0].c_str(), X_OK) != 0) {
      return std::unexpected("exec sink: argv[0] \"" + domain::printable(c.argv[0]) + "\": " + errno_text(errno));
    }
    if (c.timeout.count() <= 0) return std::unexpected(std::string("exec sink: timeout must be positive"));
    return std::unique_ptr<Sink>(new ExecSink(c));
  }

  [[nodiscard]] std::string describe() const override { return "exec " + domain::printable(config_.argv[0]); }

  [[nodiscard]] std::expected<void, std::string> deliver(const Alert& alert) override {
    if (!wanted(config_.kinds, alert.kind)) return {};
    const std::string what = describe();
    return with_retries(config_, rng_, what, alert, [&] { return run_once(alert); });
  }

 private:
  explicit ExecSink(const SinkConfig& c) : config_(c), rng_(std::random_device{}()) {}

  Attempt run_once(const Alert& alert) {
    Attempt a;
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) {
      a.error = "pipe: " + errno_text(errno);
      return a;
    }
    Fd in_r(in[0]), in_w(in[1]);
    if (::pipe2(out, O_CLOEXEC) != 0) {
      a.error = "pipe: " + errno_text(errno);
      return a;
    }
    Fd out_r(out[0]), out_w(out[1]);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_r.fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_w.fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_w.fd, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // A clean signal state (we may block or ignore some), and its own process group so a
    // timeout kills whatever the hook started as well.
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    std::vector<std::string> env_store;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      const std::string_view v(*e);
      if (!v.starts_with("LOOKALIKE_ALERT_")) env_store.emplace_back(v);
    }
    env_store.push_back("LOOKALIKE_ALERT_SEQ=" + std::to_string(alert.seq));
    env_store.push_back("LOOKALIKE_ALERT_KIND=" + std::string(alert_kind_name(alert.kind)));
    env_store.push_back("LOOKALIKE_ALERT_ID=" + alert_id(alert));
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_store = config_.argv;
    std::vector<char*> argv;
    for (auto& s : argv_store) argv.push_back(s.data());
    argv.push_back(nullptr);

    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    in_r.reset();
    out_w.reset();
    if (rc != 0) {
      a.error = "cannot start \"" + domain::printable(config_.argv[0]) + "\": " + errno_text(rc);
      return a;
    }

    SigpipeGuard sigpipe;
    const std::string input = alert.json + "\n";
    std::size_t written = 0;
    ::fcntl(in_w.fd, F_SETFL, O_NONBLOCK);
    ::fcntl(out_r.fd, F_SETFL, O_NONBLOCK);
    std::string output;
    std::size_t dropped = 0;
    bool exited = false, timed_out = false;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + config_.timeout;
    char buf[4096];
    auto drain = [&] {
      while (true) {
        const ssize_t n = ::read(out_r.fd, buf, sizeof buf);
        if (n > 0) {
          const std::size_t take = std::min(static_cast<std::size_t>(n), hook_output_limit - output.size());
          output.append(buf, take);
          dropped += static_cast<std::size_t>(n) - take;
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n == 0;  // true at EOF
      }
    };
    bool out_open = true;
    while (!exited || out_open) {
      if (!exited) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) exited = true;
      }
      if (exited && out_open) {
        // A grandchild may keep the pipe open: take what is there and stop.
        drain();
        break;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      pollfd p[2] = {{out_open ? out_r.fd : -1, POLLIN, 0}, {in_w.fd, POLLOUT, 0}};
      // Short slices: the child's exit is noticed by waitpid, not by an event.
      ::poll(p, 2, static_cast<int>(std::min<long long>(left.count(), 20)));
      if (out_open && p[0].revents != 0 && drain()) out_open = false;
      if (in_w.fd >= 0 && p[1].revents != 0) {
        const ssize_t n = ::write(in_w.fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        // EPIPE: the hook did not read everything; its exit status decides.
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in_w.reset();
      }
    }
    if (timed_out) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      drain();
    }
    report_output(output, dropped);
    if (timed_out) {
      a.error = "timed out after " + std::to_string(config_.timeout.count()) + " ms, killed";
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      a.delivered = true;
    } else if (WIFEXITED(status)) {
      a.error = "exit status " + std::to_string(WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
      a.error = "killed by signal " + std::to_string(WTERMSIG(status));
    } else {
      a.error = "ended abnormally";
    }
    return a;
  }

  // The hook's own output, line by line in our log (bounded: a chatty hook cannot flood it).
  void report_output(const std::string& output, std::size_t dropped) const {
    std::string_view rest(output);
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      if (!line.empty()) log_info("hook output", {{"sink", describe()}, {"line", line}});
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    if (dropped > 0) log_warn("hook output truncated", {{"sink", describe()}, {"dropped_bytes", dropped}});
  }

  SinkConfig config_;
  std::mt19937_64 rng_;
};

}  // namespace

std::expected<std::unique_ptr<Sink>, std::string> make_sink(const SinkConfig& config) {
  if (config.max_attempts == 0) return std::unexpected(std::string("sink: max_attempts must be at least 1"));
  if (config.type == "jsonl") {
    if (config.path.empty()) return std::unexpected(std::string("jsonl sink: path is required (\"-\" for stdout)"));
    return JsonlSink::open(config);
  }
  if (config.type == "webhook") return WebhookSink::open(config);
  if (config.type == "exec") return ExecSink::open(config);
  return std::unexpected("sink: unknown type \"" + domain::printable(config.type) +
                         "\" (expected jsonl, webhook or exec)");
}

}  // namespace lookalike::cli
