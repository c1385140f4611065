// Fuzz target: every JSON body a log or a log list serves (get-sth, get-entries,
// get-sth-consistency, log list v3) plus the stored follower state decoder.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/json.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookalike::ctlog;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto sth = parse_sth_json(in)) (void)sth_signature_input(*sth);
  if (auto entries = parse_get_entries_json(in)) {
    for (const RawEntry& e : *entries) (void)parse_leaf_names(e.leaf_input, 0);
  }
  if (auto proof = parse_consistency_json(in)) {
    const Hash r{};
    (void)verify_consistency(3, 7, r, r, *proof);
    (void)compact_from_consistency(5, 9, r, *proof);
  }
  if (auto list = parse_log_list(in)) {
    for (const LogInfo& l : list->logs) {
      (void)l.short_name();
      (void)PublicKey::from_der(l.key_der);
    }
  }
  if (auto st = decode_state(in)) {
    // The current version is canonical; an older one (2, no head_checked) is upgraded on write,
    // and what is written reads back to the same bytes.
    const std::string out = encode_state(*st);
    if (in[0] == out[0] && out != in) __builtin_trap();
    auto again = decode_state(out);
    if (!again || encode_state(*again) != out) __builtin_trap();
  }
  return 0;
}
