// One name's probe result for people (`lookalike probe`): each SMTP session (banner, EHLO,
// STARTTLS, RCPT), each web answer (redirect hops, title, server, certificate, page hash), what
// was skipped and why, and the facts the score uses.
#pragma once

#include <cstdint>
#include <ostream>

#include "scoring/probe.hpp"

namespace lookalike::scoring {

// Writes `result` headed by its name; `smtp_port` is the port the mail probes used.
void write_probe_text(std::ostream& out, const ProbeResult& result, std::uint16_t smtp_port);

}  // namespace lookalike::scoring
