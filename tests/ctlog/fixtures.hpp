// Helpers for reading the real CT fixtures (../shared/fixtures/ct); a missing file fails the test.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace lookalike::ctlog::testing {

inline std::string fixture_path(const std::string& rel) { return std::string(LOOKALIKE_SHARED_DIR) + "/fixtures/ct/" + rel; }

// Reads a fixture file; ADD_FAILURE (not skip) when it is missing.
inline std::string read_fixture(const std::string& rel) {
  std::ifstream f(fixture_path(rel), std::ios::binary);
  if (!f) {
    ADD_FAILURE() << "missing CT fixture " << fixture_path(rel);
    return {};
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace lookalike::ctlog::testing
