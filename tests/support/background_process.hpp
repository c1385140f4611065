// Test support: a program running in the background (never through a shell) with stdin from
// /dev/null and stdout+stderr appended to a log file; stopped by its pid (SIGTERM, then SIGKILL)
// and reaped, also when an assertion fails first.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace lookalike::test_support {

// Starts argv[0] (a path, never through a shell) with stdin from /dev/null and stdout+stderr
// appended to `log`; its pid, or -1 when it cannot be started.
inline pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

class BackgroundProcess {
 public:
  // Starts argv[0] (a path); throws std::runtime_error when it cannot be started.
  BackgroundProcess(const std::vector<std::string>& argv, std::string log) : log_(std::move(log)) {
    pid_ = spawn_logged(argv, log_);
    if (pid_ <= 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // SIGTERM, then the exit code; -1 when it was killed by a signal or still ran after `limit`
  // (it is SIGKILLed then).
  int terminate(std::chrono::seconds limit = std::chrono::seconds(120)) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    return wait(limit);
  }
  // Waits for the process to end by itself; as terminate() for the result.
  int wait(std::chrono::seconds limit = std::chrono::seconds(120)) {
    if (pid_ <= 0) return exit_code_;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
  }
  // What it wrote so far.
  [[nodiscard]] std::string output() const {
    std::ifstream in(log_);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_;
};

}  // namespace lookalike::test_support
