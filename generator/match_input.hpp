// What `lookalike match` reads and writes: the brands file, the names fed to it (one per line,
// from feeds and certificates) and its output lines.
#pragma once

#include <cstddef>
#include <expected>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "generator/matcher.hpp"

namespace lookalike::generator {

// A brands file's brands and the line each came from (for the matcher's errors).
struct BrandsFile {
  std::vector<BrandSpec> specs;
  std::vector<std::size_t> line_of;
};

// Reads `path`: one brand per line, `domain [keywords=a,b] [owned=x.com,y.org]`, '#' comments.
// An unreadable or empty file or a bad line is an error naming the file and line.
[[nodiscard]] std::expected<BrandsFile, std::string> read_brands_file(const std::string& path);

// The name on one input line, trimmed, without a leading "*." and canonical (A-labels, lower
// case) in `out`: true, or false for a blank line; a line that is no domain name is its error.
// Allocation-free for the plain LDH names feeds usually carry.
[[nodiscard]] std::expected<bool, std::string> match_input_name(std::string_view line, std::string& out);

// One output line for `m`: TSV (name, brand, rule, distance, label) or a JSON object.
void write_match(std::ostream& out, std::string_view name, const Match& m, bool jsonl);

}  // namespace lookalike::generator
