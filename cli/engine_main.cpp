// lookalike-engine: the full program, every command family (see cli/front.cpp).
#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return lookalike::cli::run(argc, argv);
}
