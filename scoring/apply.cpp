#include "scoring/scoring.hpp"

namespace lookalike::scoring {

void apply_probe(const ProbeResult& probe, Facts& facts) {
  facts.mx_live = facts.mx_live || probe.mx_live;
  facts.mx_accepts_mail = facts.mx_accepts_mail || probe.mx_accepts_mail;
  facts.web_live = facts.web_live || probe.web_live;
  facts.tls_covers_name = facts.tls_covers_name || probe.tls_covers_name;
  facts.redirects_to_brand = facts.redirects_to_brand || probe.redirects_to_brand;
  facts.parked = facts.parked || probe.parked;
  if (probe.page_similarity) facts.page_similarity = *probe.page_similarity;
}

}  // namespace lookalike::scoring
