// The scoring stage: live probes (probe.hpp) and the explainable threat score (score.hpp).
// Callers usually need only this header.
#pragma once

#include "scoring/probe.hpp"
#include "scoring/score.hpp"

namespace lookalike::scoring {

// Copies what the probes learned into `facts` (mx_live, mx_accepts_mail, web_live,
// tls_covers_name, redirects_to_brand, parked, page_similarity); leaves DNS/CT facts alone.
void apply_probe(const ProbeResult& probe, Facts& facts);

}  // namespace lookalike::scoring
