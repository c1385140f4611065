// Helper process for the crash and lock tests.
//   index_crash_child ingest DB ROUND   commits batch after batch (candidates + scores + the
//                                       round's CT position, atomically) and writes "B\n" to
//                                       stdout after each commit returns, until killed.
//   index_crash_child hold DB           opens the store, prints "ready\n", waits to be killed.
// The batch contents are a pure function of (ROUND, B), so the test can recompute them.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "index/index.hpp"
#include "tests/index/crash_batch.hpp"

namespace {

bool say(const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    const ssize_t n = write(STDOUT_FILENO, p, left);
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lookalike::index;
  if (argc < 3) {
    std::fprintf(stderr, "usage: index_crash_child ingest DB ROUND | hold DB\n");
    return 2;
  }
  const std::string mode = argv[1];
  auto store = Store::open(argv[2]);
  if (!store) {
    std::fprintf(stderr, "index_crash_child: %s\n", store.error().message.c_str());
    return 1;
  }
  if (mode == "hold") {
    say("ready\n");
    for (;;) pause();
  }
  if (mode != "ingest" || argc < 4) return 2;
  const int round = std::atoi(argv[3]);
  for (int b = 0;; ++b) {
    Batch batch;
    if (!test::fill_crash_batch(batch, round, b)) return 3;
    if (auto r = store->commit(std::move(batch)); !r) {
      std::fprintf(stderr, "index_crash_child: %s\n", r.error().message.c_str());
      return 1;
    }
    if (!say(std::to_string(b) + "\n")) return 1;
  }
}
