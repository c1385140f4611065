// `lookalike export`: the takedown feed (STIX 2.1, MISP, CSV, JSON lines) of the candidates with
// the chosen verdicts, each with its evidence and, unless --no-rdap, its RDAP registrar facts.
#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "pipeline/takedown.hpp"
#include "report/export.hpp"
#include "domain/domain.hpp"

namespace lookalike::cli {
namespace {

struct ExportArgs {
  std::string verdicts = "malicious";
  std::vector<std::string> brands;
  std::string format;
  std::string output;
  bool no_rdap = false;
  bool rdap_refresh = false;
  bool rdap_cache_only = false;
  std::string rdap_bootstrap;
  std::string rdap_ca;
};

int run(const ExportArgs& a, Context& ctx) {
  auto format = report::parse_export_format(a.format);
  if (!format) throw UsageError{"--format: " + format.error()};
  report::ThreatQuery query;
  query.verdicts.clear();
  for (const auto& v : split_list(a.verdicts)) {
    auto d = index::parse_decision(v);
    if (!d) throw UsageError{"--verdict: " + d.error()};
    query.verdicts.push_back(*d);
  }
  if (query.verdicts.empty()) throw UsageError{"--verdict: give at least one decision"};
  for (const auto& b : a.brands) {
    auto n = domain::parse(b);
    if (!n) throw UsageError{"--brand: " + n.error().message()};
    query.brands.push_back(n->registrable());
  }
  const bool network_rdap = !a.no_rdap && !a.rdap_cache_only;
  // RDAP lookups are cached in the store, so open it writable when they may happen; a store
  // held by a running `watch` still exports, read-only, without caching.
  std::optional<index::Store> store;
  if (network_rdap) {
    index::Options o = store_options(ctx);
    o.create_if_missing = false;
    auto s = index::Store::open(ctx.db_path, o);
    if (s) {
      store = std::move(*s);
    } else if (s.error().code != index::ErrorCode::locked) {
      fail(ctx, s.error());
      return 1;
    }
  }
  if (!store) {
    store = open_store(ctx, false);
    if (!store) return ctx.exit_code;
  }

  auto threats = report::select_threats(*store, query);
  if (!threats) {
    fail(ctx, threats.error());
    return 1;
  }
  if (!a.no_rdap) {
    const pipeline::RdapStep step{network_rdap, a.rdap_refresh, network_rdap, a.rdap_bootstrap, a.rdap_ca};
    if (auto r = pipeline::attach_rdap(*threats, *store, step, ctx.err); !r) throw UsageError{"RDAP: " + r.error()};
  }

  report::ExportOptions eo;
  eo.now = index::now_ms();
  if (a.output.empty()) {
    report::write_export(ctx.out, *threats, *format, eo);
  } else {
    std::ofstream file(a.output, std::ios::binary | std::ios::trunc);
    if (!file) throw UsageError{"--output: cannot write " + a.output};
    report::write_export(file, *threats, *format, eo);
    file.flush();
    if (!file) throw UsageError{"--output: write to " + a.output + " failed"};
  }
  ctx.err << "lookalike export: " << threats->size() << " threat(s)\n";
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ExportArgs>();
  auto* sub = app.add_subcommand("export", "Export reviewed threats with their evidence (STIX 2.1, MISP, CSV, JSON lines)");
  sub->add_option("--verdict", a->verdicts, "Decisions to export, comma-separated")->capture_default_str();
  sub->add_option("--brand", a->brands, "Only look-alikes of these brands (repeatable; default all)");
  sub->add_option("--format", a->format, "stix, misp, csv or jsonl")->required();
  sub->add_option("--output", a->output, "Write to FILE instead of stdout");
  sub->add_flag("--no-rdap", a->no_rdap, "No RDAP facts at all");
  sub->add_flag("--rdap-refresh", a->rdap_refresh, "Look every threat up again instead of using cached records");
  sub->add_flag("--rdap-cache-only", a->rdap_cache_only, "Only RDAP records already cached in the store (no network)");
  sub->add_option("--rdap-bootstrap", a->rdap_bootstrap, "IANA dns.json to use instead of the bundled snapshot");
  sub->add_option("--rdap-ca", a->rdap_ca, "Extra CA certificate (PEM) trusted for RDAP servers");
  sub->callback([a, &ctx] { ctx.exit_code = run(*a, ctx); });
}

}  // namespace lookalike::cli
