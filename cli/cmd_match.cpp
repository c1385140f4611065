// `lookalike match --brands FILE`: which brands do the names on stdin imitate?
#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "domain/domain.hpp"
#include "generator/matcher.hpp"
#include "util/line_reader.hpp"

namespace lookalike::cli {
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

// Brands file: one brand per line, `domain [keywords=a,b] [owned=x.com,y.org]`, '#' comments.
std::vector<generator::BrandSpec> read_brands(const std::string& path, std::vector<std::size_t>& line_of) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError{"cannot read brands file " + path};
  std::vector<generator::BrandSpec> specs;
  util::LineReader reader(in);
  std::string_view text;
  for (;;) {
    const auto got = reader.next(text);
    if (got == util::LineReader::Result::end) break;
    const std::size_t no = reader.line_number();
    if (got == util::LineReader::Result::too_long) {
      throw UsageError{path + ":" + std::to_string(no) + ": line longer than " + std::to_string(reader.max_bytes()) +
                       " bytes (is this a brands file?)"};
    }
    std::string line(text);
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::string field;
    generator::BrandSpec spec;
    while (fields >> field) {
      if (spec.domain.empty() && field.find('=') == std::string::npos) {
        spec.domain = field;
      } else if (field.starts_with("keywords=")) {
        for (auto& k : split_list(std::string_view(field).substr(9))) spec.keywords.push_back(std::move(k));
      } else if (field.starts_with("owned=")) {
        for (auto& o : split_list(std::string_view(field).substr(6))) spec.owned.push_back(std::move(o));
      } else {
        throw UsageError{path + ":" + std::to_string(no) + ": unexpected \"" + field +
                         "\" (expected: domain [keywords=a,b] [owned=x.com,y.org])"};
      }
    }
    if (spec.domain.empty()) {
      if (!spec.keywords.empty() || !spec.owned.empty()) throw UsageError{path + ":" + std::to_string(no) + ": no domain"};
      continue;
    }
    specs.push_back(std::move(spec));
    line_of.push_back(no);
  }
  if (specs.empty()) throw UsageError{"no brands in " + path};
  return specs;
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

void run_match(Context& ctx, const std::string& brands_path, const std::string& format,
               const generator::MatchOptions& options) {
  std::vector<std::size_t> line_of;
  const auto specs = read_brands(brands_path, line_of);
  auto matcher = generator::Matcher::build(specs, options);
  if (!matcher) {
    throw UsageError{brands_path + ":" + std::to_string(line_of[matcher.error().index]) + ": " + matcher.error().message};
  }
  const bool jsonl = format == "jsonl";
  std::string canonical;
  std::vector<generator::Match> matches;
  std::size_t bad = 0;
  // Bad lines are reported one by one up to this many, then only counted: a binary file fed by
  // mistake gives a few lines of explanation, not one per line.
  constexpr std::size_t kShownBadLines = 10;
  const auto report_bad = [&](std::size_t no, std::string_view why) {
    if (++bad <= kShownBadLines) ctx.err << "lookalike match: line " << no << " of stdin: " << why << "\n";
  };
  util::LineReader reader(ctx.in);
  std::string_view line;  // valid until the next call
  std::size_t no = 0;
  for (;;) {
    const auto got = reader.next(line);
    if (got == util::LineReader::Result::end) break;
    no = reader.line_number();
    if (got == util::LineReader::Result::too_long) {
      report_bad(no, "longer than " + std::to_string(reader.max_bytes()) + " bytes");
      continue;
    }
    std::string_view s = line;
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    if (s.empty()) continue;
    if (s.starts_with("*.")) s.remove_prefix(2);
    // Fast path for what feeds usually carry; anything else goes through the full parser.
    if (plain_ascii_name(s) && domain::validate_ascii(s)) {
      canonical.assign(s);
    } else if (registered_ascii_name(s)) {
      canonical.assign(s);
    } else {
      auto name = domain::parse(s);
      if (!name) {
        report_bad(no, name.error().message());
        continue;
      }
      canonical = std::move(name->ascii);
    }
    matches.clear();
    matcher->match(canonical, matches);
    for (const auto& m : matches) {
      if (jsonl) {
        // Names, brands and labels are LDH ASCII here: nothing to escape.
        ctx.out << "{\"name\":\"" << canonical << "\",\"brand\":\"" << m.brand << "\",\"rule\":\""
                << generator::rule_name(m.rule) << "\",\"distance\":" << m.distance << ",\"label\":\""
                << m.matched_label << "\"}\n";
      } else {
        ctx.out << canonical << '\t' << m.brand << '\t' << generator::rule_name(m.rule) << '\t' << m.distance << '\t'
                << m.matched_label << '\n';
      }
    }
  }
  if (bad > 0) {
    ctx.err << "lookalike match: " << no << " lines, " << bad << " not domain names (skipped"
            << (bad > kShownBadLines ? "; the first " + std::to_string(kShownBadLines) + " shown" : std::string()) << ")\n";
  }
}

}  // namespace

void add_match_command(CLI::App& app, Context& ctx) {
  struct Args {
    std::string brands;
    std::string format = "tsv";
    generator::MatchOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "match", "Match names on stdin (one per line) against a brand watchlist; prints name, brand, rule, distance, label");
  cmd->add_option("--brands", args->brands, "Brands file: `domain [keywords=a,b] [owned=x.com,y.org]` per line")
      ->required();
  cmd->add_option("--format", args->format, "Output: tsv (default) or jsonl")
      ->check(CLI::IsMember({"tsv", "jsonl"}));
  cmd->add_option("--k1-min", args->options.k1_min_length, "Brand labels this long allow 1 edit (default 4)");
  cmd->add_option("--k2-min", args->options.k2_min_length, "Brand labels this long allow 2 edits (default 8)");
  cmd->add_option("--substring-min", args->options.substring_min_length,
                  "Combosquat inside a token needs a brand label this long (default 4)");
  cmd->callback([&ctx, args] { run_match(ctx, args->brands, args->format, args->options); });
}

}  // namespace lookalike::cli
