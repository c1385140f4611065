// The streamed output of `lookalike resolve`: one resolver result as a JSON line (every type's
// outcome, records, MX hosts with addresses, CNAME chain, TTL, SOA, wildcard, error) or as CSV
// rows (one per record type: name,type,outcome,records,cname,wildcard,error); its input lines
// and its --stats line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "resolver/resolver.hpp"

namespace lookalike::resolver {

// Appends the JSON line (with its newline) of `result`.
void append_result_jsonl(std::string& out, const NameResult& result);
// Appends one CSV row per record type of `result` (no header).
void append_result_csv(std::string& out, const NameResult& result);

// The name on one line of a names list, nullopt for blank lines and '#' comments. ASCII input is
// only lower-cased (so labels like "_dmarc" pass); anything else goes through IDNA to its A-label
// form, and one that fails is returned as given with `why` set (the resolver reports it).
[[nodiscard]] std::optional<std::string> input_name(std::string_view line, std::string& why);

// The counters of a run as one JSON object (`lookalike resolve --stats`): names, queries,
// retries, ..., queries_per_second over `seconds`, and type_queries {"A":{"nxdomain":N,..},..}
// (attempts per record type and the outcome each got, non-zero only).
[[nodiscard]] std::string stats_json(const Stats& stats, double seconds);

}  // namespace lookalike::resolver
