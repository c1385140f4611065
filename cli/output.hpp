// Output formats shared by the commands: JSON string escaping, CSV quoting, candidate rows.
#pragma once

#include <expected>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

#include "domain/domain.hpp"
#include "generator/generator.hpp"
#include "util/csv.hpp"
#include "util/json.hpp"

namespace lookalike::cli {

// Checks `value` against the allowed format names; the error lists them.
std::expected<std::string, std::string> parse_format(std::string_view value, std::initializer_list<std::string_view> allowed);

// JSON string literals: one escaper for every stage (see domain.hpp).
using util::append_json_string;

// CSV field output: one quoting rule for every CSV writer.
using util::append_csv_field;

// Writes generator candidates as `list` (ASCII name per line), `jsonl` or `csv` (with a header);
// ranked candidates (likelihood > 0) also carry their likelihood and path.
class CandidateWriter {
 public:
  CandidateWriter(std::ostream& out, std::string format);
  void write(const generator::Candidate& c, std::string_view brand);

 private:
  std::ostream& out_;
  std::string format_;
  std::string buf_;
  bool header_done_ = false;
  bool ranked_ = false;  // csv: the header has likelihood and path columns
};

}  // namespace lookalike::cli
