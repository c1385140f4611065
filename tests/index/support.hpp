// Helpers for the index tests: a temporary folder removed on scope exit, and a child-process
// runner that never goes through a shell (argv only) and always reaps what it started.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace lookalike::index::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lookalike-index-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// A started child process; killed (SIGKILL) and reaped on destruction if still running.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(Child&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept {
    std::swap(pid_, o.pid_);
    return *this;
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
  }
  // Waits for exit; returns the raw waitpid status.
  int wait() {
    int st = 0;
    if (pid_ > 0) {
      while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    return st;
  }
  void kill9() {
    if (pid_ > 0) kill(pid_, SIGKILL);
  }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Starts argv[0] with the given fds as stdin/stdout/stderr (-1: /dev/null).
inline Child spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  auto redirect = [&fa](int fd, int target, int flags) {
    if (fd >= 0) {
      posix_spawn_file_actions_adddup2(&fa, fd, target);
    } else {
      posix_spawn_file_actions_addopen(&fa, target, "/dev/null", flags, 0);
    }
  };
  redirect(in_fd, 0, O_RDONLY);
  redirect(out_fd, 1, O_WRONLY);
  redirect(err_fd, 2, O_WRONLY);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + " failed");
  return Child(pid);
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion with `input` on stdin; captures stdout and stderr via files.
inline RunResult run(const std::vector<std::string>& argv, const std::string& input = {}) {
  TempDir io;
  write_file(io.sub("in"), input);
  const int in = open(io.sub("in").c_str(), O_RDONLY);
  const int out = open(io.sub("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int err = open(io.sub("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  Child c = spawn(argv, in, out, err);
  close(in);
  close(out);
  close(err);
  const int st = c.wait();
  RunResult r;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_file(io.sub("out"));
  r.err = read_file(io.sub("err"));
  return r;
}

}  // namespace lookalike::index::test
