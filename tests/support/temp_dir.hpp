// Test support: a fresh folder under the system's temporary directory, removed with all it holds
// when the test ends.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace lookalike::test_support {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(std::string_view prefix = "lookalike-test") {
    std::string t = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + t);
    path = t;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // LOOKALIKE_TEST_KEEP=1 keeps the folder (its path is in the test's output) for a post-mortem.
  ~TempDir() {
    if (const char* keep = std::getenv("LOOKALIKE_TEST_KEEP"); keep != nullptr && *keep != '\0') return;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace lookalike::test_support
