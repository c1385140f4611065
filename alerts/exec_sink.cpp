// The exec sink: a program started with posix_spawn (never a shell) in its own process group, the
// alert JSON on its stdin and LOOKALIKE_ALERT_* in its environment, killed after the timeout;
// its output is logged, bounded.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "alerts/delivery.hpp"
#include "alerts/sinks.hpp"
#include "domain/domain.hpp"
#include "util/utf8.hpp"

extern char** environ;

namespace lookalike::alerts {
namespace {

constexpr std::size_t hook_output_limit = 16 * 1024;

class ExecSink final : public Sink {
 public:
  static std::expected<std::unique_ptr<Sink>, std::string> open(const SinkConfig& c) {
    if (c.argv.empty() || c.argv[0].empty()) return std::unexpected(std::string("exec sink: argv is required"));
    for (const auto& a : c.argv) {
      if (a.find('\0') != std::string::npos) return std::unexpected(std::string("exec sink: argv contains a NUL byte"));
    }
    if (c.argv[0].find('/') != std::string::npos && ::access(c.argv[0].c_str(), X_OK) != 0) {
      return std::unexpected("exec sink: argv[0] \"" + util::printable(c.argv[0]) + "\": " + errno_text(errno));
    }
    if (c.timeout.count() <= 0) return std::unexpected(std::string("exec sink: timeout must be positive"));
    return std::unique_ptr<Sink>(new ExecSink(c));
  }

  [[nodiscard]] std::string describe() const override { return "exec " + util::printable(config_.argv[0]); }

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
      a.error = "cannot start \"" + util::printable(config_.argv[0]) + "\": " + errno_text(rc);
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
      if (!line.empty()) telemetry::log_info("hook output", {{"sink", describe()}, {"line", line}});
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    if (dropped > 0) telemetry::log_warn("hook output truncated", {{"sink", describe()}, {"dropped_bytes", dropped}});
  }

  SinkConfig config_;
  std::mt19937_64 rng_;
};

}  // namespace

std::optional<SinkConfigProblem> check_exec_sink(const SinkConfig& c) {
  if (c.argv.empty()) return SinkConfigProblem{"argv", "an exec sink needs argv (program and arguments)"};
  if (!c.argv[0].starts_with('/')) {
    return SinkConfigProblem{"argv", "the program must be an absolute path (no shell, no PATH search)", false};
  }
  return std::nullopt;
}

std::expected<std::unique_ptr<Sink>, std::string> open_exec_sink(const SinkConfig& c) { return ExecSink::open(c); }

}  // namespace lookalike::alerts
