#include "generator/match_input.hpp"

#include <fstream>
#include <ostream>
#include <sstream>

#include "domain/domain.hpp"
#include "util/line_reader.hpp"

namespace lookalike::generator {
namespace {

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    const std::string_view item = s.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

bool plain_ascii_name(std::string_view s) {
  for (const char c : s) {
    if (!domain::is_ldh(c) && c != '.') return false;
  }
  return !s.empty() && !s.ends_with('.');
}

// A-labels that IDNA2008 rejects (Cherokee letters, older IDNA2003 registrations) still exist in
// zones and certificates: a lower-case LDH name whose labels fit the DNS and whose A-labels
// decode is matched as it is rather than dropped.
bool registered_ascii_name(std::string_view s) {
  if (!plain_ascii_name(s) || s.size() > 253) return false;
  for (std::size_t start = 0;;) {
    const std::size_t dot = s.find('.', start);
    const std::size_t len = (dot == std::string_view::npos ? s.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return domain::to_unicode(s).has_value();
}

}  // namespace

std::expected<BrandsFile, std::string> read_brands_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read brands file " + path);
  BrandsFile out;
  util::LineReader reader(in);
  std::string_view text;
  for (;;) {
    const auto got = reader.next(text);
    if (got == util::LineReader::Result::end) break;
    const std::size_t no = reader.line_number();
    if (got == util::LineReader::Result::too_long) {
      return std::unexpected(path + ":" + std::to_string(no) + ": line longer than " + std::to_string(reader.max_bytes()) +
                       " bytes (is this a brands file?)");
    }
    std::string line(text);
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::string field;
    BrandSpec spec;
    while (fields >> field) {
      if (spec.domain.empty() && field.find('=') == std::string::npos) {
        spec.domain = field;
      } else if (field.starts_with("keywords=")) {
        for (auto& k : split_list(std::string_view(field).substr(9))) spec.keywords.push_back(std::move(k));
      } else if (field.starts_with("owned=")) {
        for (auto& o : split_list(std::string_view(field).substr(6))) spec.owned.push_back(std::move(o));
      } else {
        return std::unexpected(path + ":" + std::to_string(no) + ": unexpected \"" + field +
                         "\" (expected: domain [keywords=a,b] [owned=x.com,y.org])");
      }
    }
    if (spec.domain.empty()) {
      if (!spec.keywords.empty() || !spec.owned.empty()) return std::unexpected(path + ":" + std::to_string(no) + ": no domain");
      continue;
    }
    out.specs.push_back(std::move(spec));
    out.line_of.push_back(no);
  }
  if (out.specs.empty()) return std::unexpected("no brands in " + path);
  return out;
}

std::expected<bool, std::string> match_input_name(std::string_view s, std::string& out) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  if (s.empty()) return false;
  if (s.starts_with("*.")) s.remove_prefix(2);
  // Fast path for what feeds usually carry; anything else goes through the full parser.
  if ((plain_ascii_name(s) && domain::validate_ascii(s)) || registered_ascii_name(s)) {
    out.assign(s);
    return true;
  }
  auto name = domain::parse(s);
  if (!name) return std::unexpected(name.error().message());
  out = std::move(name->ascii);
  return true;
}

void write_match(std::ostream& out, std::string_view name, const Match& m, bool jsonl) {
  if (jsonl) {
    // Names, brands and labels are LDH ASCII here: nothing to escape.
    out << "{\"name\":\"" << name << "\",\"brand\":\"" << m.brand << "\",\"rule\":\"" << rule_name(m.rule)
        << "\",\"distance\":" << m.distance << ",\"label\":\"" << m.matched_label << "\"}\n";
  } else {
    out << name << '\t' << m.brand << '\t' << rule_name(m.rule) << '\t' << m.distance << '\t' << m.matched_label << '\n';
  }
}

}  // namespace lookalike::generator
