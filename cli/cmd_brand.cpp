// `lookalike brand add|list|remove`: the brands the store protects.
#include <CLI/CLI.hpp>
#include <ctime>
#include <iomanip>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "domain/domain.hpp"
#include "generator/brand_input.hpp"
#include "index/index.hpp"
#include "util/text.hpp"

namespace lookalike::cli {
namespace {

// A brand input's value, or a usage error naming the option it came from.
template <class T>
T checked(std::expected<T, std::string> v, const char* option) {
  if (!v) throw UsageError{std::string(option) + ": " + v.error()};
  return std::move(*v);
}

struct BrandArgs {
  std::string domain;
  std::string keywords;
  std::string owned;
  std::string tlds = "common";
};

}  // namespace

void add_brand_command(CLI::App& app, Context& ctx) {
  auto* brand = app.add_subcommand("brand", "Manage the brands to protect (stored in the --db store)");
  brand->require_subcommand(1);
  auto args = std::make_shared<BrandArgs>();

  auto* add = brand->add_subcommand("add", "Add or replace a brand");
  add->add_option("domain", args->domain, "The brand's registrable domain (example.com)")->required();
  add->add_option("--keywords", args->keywords, "Comma-separated keywords for combosquats (login,secure)");
  add->add_option("--owned", args->owned, "Comma-separated domains the brand owns (never reported)");
  add->add_option("--tlds", args->tlds, "TLD set for TLD swaps: original, common, abused, all, or a list (com,net)")
      ->capture_default_str();
  add->callback([&ctx, args] {
    index::Brand b;
    b.domain = checked(generator::brand_domain(args->domain), "brand");
    b.keywords = checked(generator::brand_keywords(split_list(args->keywords)), "--keywords");
    b.owned = checked(generator::brand_owned(split_list(args->owned)), "--owned");
    b.tlds = checked(generator::brand_tlds(args->tlds, split_list(args->tlds)), "--tlds");
    auto store = open_store(ctx, true);
    if (!store) return;
    auto existing = store->get_brand(b.domain);
    if (!existing) return fail(ctx, existing.error());
    if (*existing) b.added = (*existing)->added;
    if (auto r = store->add_brand(b); !r) return fail(ctx, r.error());
    ctx.out << (*existing ? "updated" : "added") << " brand " << b.domain << " (keywords: "
            << (b.keywords.empty() ? "-" : util::join(b.keywords)) << "; owned: " << (b.owned.empty() ? "-" : util::join(b.owned))
            << "; tlds: " << b.tlds << ")\n";
  });

  auto* list = brand->add_subcommand("list", "List the brands");
  list->callback([&ctx] {
    index::Options o = store_options(ctx);
    o.read_only = true;
    o.create_if_missing = false;
    auto store = index::Store::open(ctx.db_path, o);
    if (!store && store.error().code == index::ErrorCode::not_found) {
      ctx.out << "no brands (add one with `lookalike brand add DOMAIN`)\n";
      return;
    }
    if (!store) return fail(ctx, store.error());
    auto brands = store->list_brands();
    if (!brands) return fail(ctx, brands.error());
    if (brands->empty()) {
      ctx.out << "no brands (add one with `lookalike brand add DOMAIN`)\n";
      return;
    }
    std::size_t w_domain = 6, w_keywords = 8, w_owned = 5, w_tlds = 4;
    for (const auto& b : *brands) {
      w_domain = std::max(w_domain, b.domain.size());
      w_keywords = std::max(w_keywords, util::join(b.keywords).size());
      w_owned = std::max(w_owned, util::join(b.owned).size());
      w_tlds = std::max(w_tlds, b.tlds.size());
    }
    auto row = [&](const std::string& a, const std::string& k, const std::string& o2, const std::string& t,
                   const std::string& when) {
      ctx.out << std::left << std::setw(static_cast<int>(w_domain)) << a << "  " << std::setw(static_cast<int>(w_keywords))
              << k << "  " << std::setw(static_cast<int>(w_owned)) << o2 << "  " << std::setw(static_cast<int>(w_tlds)) << t
              << "  " << when << "\n";
    };
    row("DOMAIN", "KEYWORDS", "OWNED", "TLDS", "ADDED");
    for (const auto& b : *brands) {
      row(b.domain, b.keywords.empty() ? "-" : util::join(b.keywords), b.owned.empty() ? "-" : util::join(b.owned), b.tlds,
          utc_iso(b.added));
    }
  });

  auto* remove = brand->add_subcommand("remove", "Remove a brand (its candidates stay in the store)");
  remove->add_option("domain", args->domain, "The brand's domain")->required();
  remove->callback([&ctx, args] {
    auto n = domain::parse(args->domain);
    if (!n) throw UsageError{"brand: " + n.error().message()};
    index::Options o = store_options(ctx);
    o.create_if_missing = false;
    auto store = index::Store::open(ctx.db_path, o);
    if (!store && store.error().code == index::ErrorCode::not_found) {
      ctx.err << "lookalike: no brand " << n->ascii << " (the store " << ctx.db_path << " does not exist)\n";
      ctx.exit_code = 1;
      return;
    }
    if (!store) return fail(ctx, store.error());
    auto removed = store->remove_brand(n->ascii);
    if (!removed) return fail(ctx, removed.error());
    if (!*removed) {
      ctx.err << "lookalike: no brand " << n->ascii << " (see `lookalike brand list`)\n";
      ctx.exit_code = 1;
      return;
    }
    ctx.out << "removed brand " << n->ascii << " (its candidates stay in the store)\n";
  });
}

}  // namespace lookalike::cli
