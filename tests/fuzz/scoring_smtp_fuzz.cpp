// Fuzz target: SMTP replies from untrusted mail servers (banner, EHLO, MAIL/RCPT replies).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scoring/probe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  lookalike::scoring::SmtpReply reply;
  // Walk the input as a stream of replies, exactly as the prober consumes its buffer.
  for (int guard = 0; guard < 1000; ++guard) {
    std::size_t used = 0;
    const auto st = lookalike::scoring::parse_smtp_reply(in, reply, used, 512);
    if (st != lookalike::scoring::SmtpParse::complete) break;
    if (used == 0 || used > in.size() || reply.lines.empty() || reply.code < 200 || reply.code > 599) __builtin_trap();
    (void)lookalike::scoring::ehlo_offers_starttls(reply);
    for (const auto& l : reply.lines) (void)lookalike::scoring::sanitize_text(l, 128);
    in.remove_prefix(used);
  }
  return 0;
}
