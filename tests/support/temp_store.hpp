// Test support: a real RocksDB store (lookalike's index) in a temporary folder.
#pragma once

#include <optional>
#include <stdexcept>
#include <string_view>

#include "index/index.hpp"
#include "tests/support/temp_dir.hpp"

namespace lookalike::test_support {

struct TempStore {
  TempDir dir;  // declared first: removed after the store is closed
  std::optional<index::Store> store;
  explicit TempStore(std::string_view prefix = "lookalike-store") : dir(prefix) {
    auto s = index::Store::open((dir.path / "db").string());
    if (!s) throw std::runtime_error(s.error().message);
    store.emplace(std::move(*s));
  }
};

}  // namespace lookalike::test_support
