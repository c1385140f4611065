// The streamed output of `lookalike generate`: candidates as a list of names, JSON lines or CSV.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "generator/generator.hpp"

namespace lookalike::generator {

// Writes generator candidates as `list` (ASCII name per line), `jsonl` or `csv` (with a header);
// ranked candidates (likelihood > 0) also carry their likelihood and path.
class CandidateWriter {
 public:
  // `format`: "list", "jsonl" or "csv" (checked by the caller).
  CandidateWriter(std::ostream& out, std::string format);
  // Writes one candidate of `brand` (the csv header before the first).
  void write(const Candidate& c, std::string_view brand);

 private:
  std::ostream& out_;
  std::string format_;
  std::string buf_;
  bool header_done_ = false;
  bool ranked_ = false;  // csv: the header has likelihood and path columns
};

}  // namespace lookalike::generator
