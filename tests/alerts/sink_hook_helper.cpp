// A stand-in alert hook for the exec sink tests (hooks are programs, never shell snippets):
//   sink_hook_helper fail-first N COUNTER OUT   fails (exit 3) the first N runs, then appends stdin to OUT
//   sink_hook_helper hang PIDFILE               writes its pid, then sleeps until killed
//   sink_hook_helper chatty                     reads stdin, prints 1 MiB to stdout, exits 0
//   sink_hook_helper env OUT                    appends the LOOKALIKE_ALERT_* variables to OUT
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (mode == "fail-first" && argc == 5) {
    const int fail = std::atoi(argv[2]);
    int runs = 0;
    std::ifstream(argv[3]) >> runs;
    ++runs;
    std::ofstream(argv[3], std::ios::trunc) << runs;
    if (runs <= fail) {
      std::cerr << "failing run " << runs << "\n";
      return 3;
    }
    std::ofstream(argv[4], std::ios::app) << input;
    std::cout << "accepted on run " << runs << "\n";
    return 0;
  }
  if (mode == "hang" && argc == 3) {
    std::ofstream(argv[2]) << getpid();
    while (true) pause();
  }
  if (mode == "chatty") {
    const std::string line(1023, 'x');
    for (int i = 0; i < 1024; ++i) std::cout << line << '\n';
    return 0;
  }
  if (mode == "env" && argc == 3) {
    std::ofstream out(argv[2], std::ios::app);
    for (const char* name : {"LOOKALIKE_ALERT_SEQ", "LOOKALIKE_ALERT_KIND", "LOOKALIKE_ALERT_ID"}) {
      const char* v = std::getenv(name);
      out << name << '=' << (v != nullptr ? v : "") << '\n';
    }
    return 0;
  }
  std::cerr << "usage: sink_hook_helper fail-first N COUNTER OUT | hang PIDFILE | chatty | env OUT\n";
  return 2;
}
