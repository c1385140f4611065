// lookalike-sandbox: the README's main job on a machine without internet. Starts the demo world
// on loopback (real nsd, SMTP, HTTP and HTTPS servers), runs the real `lookalike scan` of the
// example brands against it, prints its ranked list, then stops everything it started. With
// --serve it only keeps the world up until SIGTERM, for other commands to use.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "tests/sandbox/world.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::string lookalike = "lookalike";
  std::vector<std::string> global, extra;
  bool serve = false;  // keep the world up until SIGTERM/SIGINT instead of scanning (walkthroughs)
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--lookalike" && i + 1 < argc) {
      lookalike = argv[++i];
    } else if (a == "--db" && i + 1 < argc) {
      global = {"--db", argv[++i]};
    } else if (a == "--serve") {
      serve = true;
    } else if (a == "--") {
      for (++i; i < argc; ++i) extra.emplace_back(argv[i]);
    } else {
      std::fprintf(stderr, "usage: lookalike-sandbox [--lookalike PATH] [--db PATH] [--serve] [-- extra scan options]\n");
      return 2;
    }
  }
  // The stop signals are blocked before the world starts its threads (they inherit the mask), so
  // only sigwait below takes them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (serve) pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    lookalike::sandbox::World world;
    std::fprintf(stderr,
                 "sandbox: nsd on %s serving com, net and xyz; SMTP on 127.0.0.1:%u, HTTP on :%u, HTTPS on :%u "
                 "(loopback only)\n",
                 world.resolver().c_str(), world.smtp_port(), world.http_port(), world.https_port());
    if (serve) {
      // Only the world: other programs (README "Scaling out": the worker roles) use it until a
      // stop signal arrives; then the world's destructor stops nsd and the listeners.
      int sig = 0;
      sigwait(&set, &sig);
      std::fprintf(stderr, "sandbox: stopped nsd and the listeners\n");
      return 0;
    }
    std::vector<std::string> args = {lookalike};
    args.insert(args.end(), global.begin(), global.end());
    args.insert(args.end(), {"scan", "--resolvers", world.resolver(), "--allow-private", "--smtp-port",
                             std::to_string(world.smtp_port()), "--http-port", std::to_string(world.http_port()),
                             "--https-port", std::to_string(world.https_port()), "--probe-timeout", "2000"});
    args.insert(args.end(), lookalike::sandbox::kBrands.begin(), lookalike::sandbox::kBrands.end());
    args.insert(args.end(), extra.begin(), extra.end());
    std::string shown;
    for (const auto& a : args) shown += (shown.empty() ? "" : " ") + a;
    std::fprintf(stderr, "sandbox: %s\n\n", shown.c_str());
    std::vector<char*> cargv;
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = 0;
    // posix_spawnp: the command is never given to a shell.
    if (const int rc = posix_spawnp(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ); rc != 0) {
      std::fprintf(stderr, "sandbox: cannot run %s: %s\n", lookalike.c_str(), std::strerror(rc));
      return 1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::fprintf(stderr, "\nsandbox: stopped nsd and the listeners\n");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sandbox: %s\n", e.what());
    return 1;
  }
}
