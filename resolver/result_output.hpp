// The streamed output of `lookalike resolve`: one resolver result as a JSON line (every type's
// outcome, records, MX hosts with addresses, CNAME chain, TTL, SOA, wildcard, error) or as CSV
// rows (one per record type: name,type,outcome,records,cname,wildcard,error).
#pragma once

#include <string>

#include "resolver/resolver.hpp"

namespace lookalike::resolver {

// Appends the JSON line (with its newline) of `result`.
void append_result_jsonl(std::string& out, const NameResult& result);
// Appends one CSV row per record type of `result` (no header).
void append_result_csv(std::string& out, const NameResult& result);

}  // namespace lookalike::resolver
