// `lookalike match --brands FILE`: which brands do the names on stdin imitate?
#include <CLI/CLI.hpp>
#include <memory>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "generator/match_input.hpp"
#include "generator/matcher.hpp"
#include "util/line_reader.hpp"

namespace lookalike::cli {
namespace {

void run_match(Context& ctx, const std::string& brands_path, const std::string& format,
               const generator::MatchOptions& options) {
  const auto brands = generator::read_brands_file(brands_path);
  if (!brands) throw UsageError{brands.error()};
  auto matcher = generator::Matcher::build(brands->specs, options);
  if (!matcher) {
    throw UsageError{brands_path + ":" + std::to_string(brands->line_of[matcher.error().index]) + ": " +
                     matcher.error().message};
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
    const auto name = generator::match_input_name(line, canonical);
    if (!name) {
      report_bad(no, name.error());
      continue;
    }
    if (!*name) continue;
    matches.clear();
    matcher->match(canonical, matches);
    for (const auto& m : matches) generator::write_match(ctx.out, canonical, m, jsonl);
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
