// `lookalike generate`: look-alike candidates of brand domains, streamed.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "cli/output.hpp"
#include "domain/domain.hpp"
#include "generator/candidate_writer.hpp"
#include "generator/generator.hpp"

namespace lookalike::cli {
namespace {

struct GenerateArgs {
  std::vector<std::string> domains;
  std::string fuzzers = "all";
  std::string tlds = "common";
  std::string keywords;
  std::string dictionary;
  std::string keyboards = "qwerty,qwertz,azerty,dvorak";
  int depth = 1;
  std::size_t max = 0;
  std::size_t budget = 0;  // 0: every candidate in generation order (no ranking)
  bool depth_given = false, tlds_given = false;
  std::string format = "list";
  bool mixed_script = false;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  return out;
}

generator::Options build_options(const GenerateArgs& a) {
  generator::Options o;
  auto fz = generator::parse_fuzzers(a.fuzzers);
  if (!fz) throw UsageError{"--fuzzers: " + fz.error()};
  o.fuzzers = *fz;
  o.keyboards.clear();
  for (const std::string& k : split_list(a.keyboards)) {
    generator::Keyboard kb{};
    if (!generator::parse_keyboard(k, kb)) {
      throw UsageError{"--keyboards: unknown layout \"" + k + "\" (known: qwerty, qwertz, azerty, dvorak)"};
    }
    o.keyboards.push_back(kb);
  }
  if (a.keywords.empty()) {
    o.keywords = generator::default_keywords();
  } else if (std::ifstream probe(a.keywords); probe) {
    auto words = generator::load_words(a.keywords);
    if (!words) throw UsageError{"--keywords: " + words.error()};
    o.keywords = std::move(*words);
  } else {
    for (const std::string& w : split_list(a.keywords)) {
      if (auto ok = domain::validate_label(w); !ok) throw UsageError{"--keywords: " + ok.error().message()};
      o.keywords.push_back(w);
    }
  }
  if (!a.dictionary.empty()) {
    auto words = generator::load_words(a.dictionary);
    if (!words) throw UsageError{"--dictionary: " + words.error()};
    o.dictionary = std::move(*words);
  }
  if (a.depth != 1 && a.depth != 2) throw UsageError{"--depth must be 1 or 2"};
  o.depth = a.depth;
  o.max = a.max;
  // 2-edit space is huge: without an explicit --max, bound it (ranked generation has its budget).
  if (o.depth == 2 && o.max == 0 && a.budget == 0) o.max = 200000;
  // Ranked generation composes two edits unless told otherwise.
  if (a.budget != 0 && !a.depth_given) o.depth = 2;
  o.mixed_script = a.mixed_script;
  return o;
}

int run_generate(const GenerateArgs& a, Context& ctx) {
  auto format = parse_format(a.format, {"list", "jsonl", "csv"});
  if (!format) throw UsageError{"--format: " + format.error()};
  const generator::Options base = build_options(a);

  std::vector<std::string> inputs = a.domains;
  const bool from_stdin = inputs.empty();
  generator::CandidateWriter out(ctx.out, *format);
  int bad = 0;
  std::string line;
  std::size_t line_no = 0;
  auto next = [&](std::string& d) -> bool {
    if (!from_stdin) {
      if (line_no >= inputs.size()) return false;
      d = inputs[line_no++];
      return true;
    }
    while (std::getline(ctx.in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
      d = line;
      return true;
    }
    return false;
  };
  std::string input;
  while (next(input)) {
    auto brand = domain::parse(input);
    if (!brand) {
      ctx.err << "lookalike generate: " << (from_stdin ? "line " + std::to_string(line_no) + ": " : "")
              << brand.error().message() << "\n";
      ++bad;
      continue;
    }
    generator::Options o = base;
    auto tlds = generator::load_tlds(a.tlds, brand->suffix);
    if (!tlds) throw UsageError{"--tlds: " + tlds.error()};
    o.tlds = std::move(*tlds);
    // Ranked generation crosses labels with every TLD the model ranks, plus the common and
    // abused sets, unless --tlds says otherwise.
    if (a.budget != 0 && !a.tlds_given) o.tlds = generator::ranked_tlds();
    const std::string brand_name = brand->registrable();
    const auto write = [&](const generator::Candidate& c) {
      out.write(c, brand_name);
      return static_cast<bool>(ctx.out);
    };
    if (a.budget != 0) {
      (void)generator::generate_ranked(*brand, o, a.budget, write);
    } else {
      (void)generator::generate(*brand, o, write);
    }
    ctx.out.flush();
  }
  return bad == 0 ? 0 : 1;
}

}  // namespace

void add_generate_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* sub = app.add_subcommand("generate", "Generate look-alike candidates of brand domains (args or stdin)");
  sub->add_option("domains", args->domains, "Brand domains (default: one per line on stdin)");
  sub->add_option("--fuzzers", args->fuzzers, "Comma-separated fuzzers or 'all': " + generator::fuzzer_names(generator::kAllFuzzers, ", "))
      ->capture_default_str();
  sub->add_option("--tlds", args->tlds,
                  "TLD set for tld-swap/tld-insertion (with --budget: crossed with every label; default there: "
                  "the model's ranked TLDs + common + abused): original, common, abused, all, a list or a file")
      ->capture_default_str()
      ->each([args](const std::string&) { args->tlds_given = true; });
  sub->add_option("--keywords", args->keywords, "Combosquat keywords: comma list or file (default: built-in list)");
  sub->add_option("--dictionary", args->dictionary, "Word file for dnstwist's dictionary fuzzer");
  sub->add_option("--keyboards", args->keyboards, "Keyboard layouts for typos")->capture_default_str();
  sub->add_option("--depth", args->depth, "1, or 2 for two composed edits (bounded by --max; --budget: 2 unless given)")
      ->capture_default_str()
      ->each([args](const std::string&) { args->depth_given = true; });
  sub->add_option("--budget", args->budget,
                  "Rank by likelihood and print the N most likely names per brand, best first (default budget of "
                  "scan/watch: " +
                      std::to_string(generator::kDefaultBudget) + ")");
  sub->add_option("--max", args->max, "Stop after N candidates per brand (0: no limit; depth 2 defaults to 200000)");
  sub->add_option("--format", args->format, "list, jsonl or csv")->capture_default_str();
  sub->add_flag("--mixed-script", args->mixed_script, "Also emit confusables that mix scripts within a label");
  sub->callback([args, &ctx] { ctx.exit_code = run_generate(*args, ctx); });
}

}  // namespace lookalike::cli
