// The metrics endpoint's request-line check, apart from the server so that a fuzz target can
// reach it without Asio: the head comes from whoever connects to the port.
#include "telemetry/metrics.hpp"

namespace lookalike::telemetry {

ScrapeAnswer classify_scrape_request(std::string_view head) noexcept {
  const std::string_view line = head.substr(0, head.find("\r\n"));
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return ScrapeAnswer::bad_request;
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1.")) return ScrapeAnswer::bad_request;
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) return ScrapeAnswer::method_not_allowed;
  if (target != "/metrics") return ScrapeAnswer::not_found;
  return head_only ? ScrapeAnswer::metrics_head : ScrapeAnswer::metrics;
}

}  // namespace lookalike::telemetry
