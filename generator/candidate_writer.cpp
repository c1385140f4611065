#include "generator/candidate_writer.hpp"

#include <cstdio>

#include "util/csv.hpp"
#include "util/json.hpp"

namespace lookalike::generator {
namespace {

// Three significant digits: enough to compare two names, short enough to read.
std::string likelihood_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

CandidateWriter::CandidateWriter(std::ostream& out, std::string format) : out_(out), format_(std::move(format)) {}

void CandidateWriter::write(const Candidate& c, std::string_view brand) {
  buf_.clear();
  if (format_ == "list") {
    buf_ += c.ascii;
  } else if (format_ == "jsonl") {
    buf_ += "{\"name\":";
    util::append_json_string(buf_, c.ascii);
    buf_ += ",\"unicode\":";
    util::append_json_string(buf_, c.unicode);
    buf_ += ",\"registrable\":";
    util::append_json_string(buf_, c.registrable);
    buf_ += ",\"brand\":";
    util::append_json_string(buf_, brand);
    buf_ += ",\"fuzzers\":[";
    bool first = true;
    for (std::size_t i = 0; i < kFuzzerCount; ++i) {
      if (c.fuzzers & (FuzzerSet{1} << i)) {
        if (!first) buf_ += ',';
        first = false;
        util::append_json_string(buf_, fuzzer_name(static_cast<Fuzzer>(i)));
      }
    }
    buf_ += "],\"edits\":";
    buf_ += static_cast<char>('0' + c.edits);
    if (c.likelihood > 0) {  // ranked generation: why this name ranks where it does
      buf_ += ",\"likelihood\":";
      buf_ += likelihood_text(c.likelihood);
      buf_ += ",\"path\":[";
      for (std::size_t i = 0; i < c.path.size(); ++i) {
        if (i) buf_ += ',';
        util::append_json_string(buf_, c.path[i]);
      }
      buf_ += ']';
    }
    buf_ += '}';
  } else {
    if (!header_done_) {
      ranked_ = c.likelihood > 0;
      buf_ += ranked_ ? "name,unicode,registrable,brand,fuzzers,edits,likelihood,path\n"
                      : "name,unicode,registrable,brand,fuzzers,edits\n";
      header_done_ = true;
    }
    util::append_csv_field(buf_, c.ascii);
    buf_ += ',';
    util::append_csv_field(buf_, c.unicode);
    buf_ += ',';
    util::append_csv_field(buf_, c.registrable);
    buf_ += ',';
    util::append_csv_field(buf_, brand);
    buf_ += ',';
    util::append_csv_field(buf_, fuzzer_names(c.fuzzers, "|"));
    buf_ += ',';
    buf_ += static_cast<char>('0' + c.edits);
    if (ranked_) {
      buf_ += ',';
      buf_ += likelihood_text(c.likelihood);
      std::string path;
      for (std::size_t i = 0; i < c.path.size(); ++i) {
        if (i) path += " | ";
        path += c.path[i];
      }
      buf_ += ',';
      util::append_csv_field(buf_, path);
    }
  }
  buf_ += '\n';
  out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
}

}  // namespace lookalike::generator
