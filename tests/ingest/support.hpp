// Test support for ingest: writing plain and gzip files.
#pragma once

#include <zlib.h>

#include <fstream>
#include <stdexcept>
#include <string>

namespace lookalike::ingest::test {

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// `text` gzip-compressed into `path`.
inline void write_gzip(const std::string& path, const std::string& text) {
  gzFile g = gzopen(path.c_str(), "wb");
  if (g == nullptr) throw std::runtime_error("gzopen " + path);
  if (!text.empty() && gzwrite(g, text.data(), static_cast<unsigned>(text.size())) != static_cast<int>(text.size())) {
    gzclose(g);
    throw std::runtime_error("gzwrite " + path);
  }
  gzclose(g);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace lookalike::ingest::test
