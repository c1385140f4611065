#include "cli/output.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace c = lookalike::cli;

TEST(JsonString, KeepsUtf8EscapesControlsAndInvalidBytes) {
  std::string out;
  c::append_json_string(out, "münchen \"q\" \x1b[31m \xff\xc3(");
  EXPECT_EQ(out, "\"münchen \\\"q\\\" \\u001b[31m \\u00ff\\u00c3(\"");
  // Always parses back: no byte of a hostile TXT record can break a JSON line.
  const auto parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed.get<std::string>(), "münchen \"q\" \x1b[31m \u00ff\u00c3(");
}

TEST(CsvField, QuotesAndDefusesFormulas) {
  std::string out;
  c::append_csv_field(out, "=HYPERLINK(\"x\")");
  EXPECT_EQ(out, "\"'=HYPERLINK(\"\"x\"\")\"");
  out.clear();
  c::append_csv_field(out, "plain");
  EXPECT_EQ(out, "plain");
}
