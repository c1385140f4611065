#include "cli/cli.hpp"

int main(int argc, char** argv) { return lookalike::cli::run(argc, argv); }
