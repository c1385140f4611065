// lookalike: runs `generate` itself and hands every other command to lookalike-engine.
#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return lookalike::cli::run_front(argc, argv);
}
