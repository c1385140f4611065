#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "rdap/rdap.hpp"
#include "util/time.hpp"
#include "util/utf8.hpp"

namespace lookalike::rdap {
namespace {

std::string or_dash(const std::string& s) { return s.empty() ? "-" : util::printable(s); }

std::string time_or_dash(const std::optional<Time>& t) { return t ? util::utc_iso(*t) : "-"; }

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + util::printable(x);
  return s.empty() ? "-" : s;
}

}  // namespace

void write_record_text(std::ostream& out, const Record& r, bool from_cache) {
  out << util::printable(r.name) << "\n";
  out << "  registrar     " << or_dash(r.registrar);
  if (r.registrar_iana_id) out << " (IANA ID " << *r.registrar_iana_id << ")";
  out << "\n";
  out << "  abuse e-mail  " << or_dash(r.abuse_email) << "\n";
  out << "  abuse phone   " << or_dash(r.abuse_phone) << "\n";
  out << "  registered    " << time_or_dash(r.registered) << "\n";
  out << "  expires       " << time_or_dash(r.expires) << "\n";
  out << "  last changed  " << time_or_dash(r.last_changed) << "\n";
  out << "  status        " << joined(r.status) << "\n";
  out << "  nameservers   " << joined(r.nameservers) << "\n";
  out << "  source        " << or_dash(r.server) << " at " << util::utc_iso(r.fetched) << (from_cache ? " (cached)" : "")
      << "\n";
  for (const auto& w : r.warnings) out << "  warning       " << util::printable(w) << "\n";
}

}  // namespace lookalike::rdap
