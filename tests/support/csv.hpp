// Test support: an RFC 4180 reader for checking CSV output (quoted fields may hold commas, doubled
// quotes and line breaks; CRLF or LF ends a record).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::test_support {

// The records of `text`, each a list of fields; throws when the last record has no line end.
inline std::vector<std::vector<std::string>> csv_records(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      any = false;
    } else {
      field += c;
    }
  }
  if (any || quoted) throw std::runtime_error("CSV: last record not terminated");
  return records;
}

}  // namespace lookalike::test_support
