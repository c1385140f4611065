// The IANA RDAP bootstrap registry for DNS (RFC 9224): which base URLs serve which TLDs.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rdap/json_util.hpp"
#include "rdap/rdap.hpp"

namespace lookalike::rdap {
namespace detail {
extern const unsigned char kBootstrapSnapshot[];
extern const std::size_t kBootstrapSnapshotSize;
}  // namespace detail

namespace {

namespace dom = simdjson::dom;

std::unexpected<Error> fail(std::string what) { return std::unexpected(Error{"bootstrap: " + std::move(what)}); }

bool is_https(std::string_view url) { return url.starts_with("https://"); }

// Reads at most detail::kMaxDocument bytes of a file.
std::expected<std::string, Error> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(Error{path + ": cannot open"});
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > detail::kMaxDocument) return std::unexpected(Error{path + ": larger than 16 MiB"});
  }
  if (in.bad()) return std::unexpected(Error{path + ": read error"});
  return data;
}

}  // namespace

std::expected<Bootstrap, Error> Bootstrap::parse(std::string_view json) {
  dom::element doc;
  if (auto ec = detail::parse(json).get(doc)) return fail(std::string("not JSON (") + simdjson::error_message(ec) + ")");
  dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return fail("/ is not an object");
  Bootstrap b;
  b.source_ = "text";
  dom::element pub;
  if (root.at_key("publication").get(pub) == simdjson::SUCCESS) {
    std::string_view s;
    if (pub.get_string().get(s) != simdjson::SUCCESS) return fail("/publication is not a string");
    b.publication_ = std::string(s.substr(0, 64));
  }
  dom::array services;
  if (root.at_key("services").get_array().get(services) != simdjson::SUCCESS) return fail("no /services array");
  std::size_t i = 0;
  for (dom::element service : services) {
    const std::string p = "/services/" + std::to_string(i++);
    dom::array pair;
    if (service.get_array().get(pair) != simdjson::SUCCESS || pair.size() < 2) {
      return fail(p + " is not [[entries], [urls]]");
    }
    dom::array entries, urls;
    if (pair.at(0).get_array().get(entries) != simdjson::SUCCESS) return fail(p + "/0 is not an array");
    if (pair.at(1).get_array().get(urls) != simdjson::SUCCESS) return fail(p + "/1 is not an array");
    std::vector<std::string> bases;
    for (dom::element u : urls) {
      std::string_view s;
      if (u.get_string().get(s) != simdjson::SUCCESS) return fail(p + "/1 has an item that is not a string");
      // Only http(s) base URLs can be queried; RFC 9224 says they end in '/', add it if missing.
      if (!s.starts_with("https://") && !s.starts_with("http://")) continue;
      std::string base(s);
      if (base.back() != '/') base.push_back('/');
      bases.push_back(std::move(base));
    }
    std::stable_partition(bases.begin(), bases.end(), [](const std::string& u) { return is_https(u); });
    if (bases.empty()) continue;
    for (dom::element e : entries) {
      std::string_view s;
      if (e.get_string().get(s) != simdjson::SUCCESS) return fail(p + "/0 has an item that is not a string");
      std::string tld = detail::lower(s);
      while (!tld.empty() && tld.back() == '.') tld.pop_back();
      if (tld.empty()) continue;
      b.services_.emplace_back(std::move(tld), bases);
    }
  }
  // Sorted by TLD; a TLD listed twice keeps every URL (first service's first).
  std::stable_sort(b.services_.begin(), b.services_.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::pair<std::string, std::vector<std::string>>> merged;
  for (auto& s : b.services_) {
    if (!merged.empty() && merged.back().first == s.first) {
      for (auto& u : s.second) {
        if (std::find(merged.back().second.begin(), merged.back().second.end(), u) == merged.back().second.end()) {
          merged.back().second.push_back(std::move(u));
        }
      }
      std::stable_partition(merged.back().second.begin(), merged.back().second.end(),
                            [](const std::string& u) { return is_https(u); });
    } else {
      merged.push_back(std::move(s));
    }
  }
  b.services_ = std::move(merged);
  if (b.services_.empty()) return fail("no service with an http(s) URL");
  return b;
}

std::expected<Bootstrap, Error> Bootstrap::load(const std::string& path) {
  if (path.empty()) {
    const std::string user = user_bootstrap_path();
    std::error_code ec;
    if (!user.empty() && std::filesystem::exists(user, ec)) {
      // A damaged refresh must not break lookups: fall back to the embedded snapshot.
      if (auto text = read_file(user)) {
        if (auto b = parse(*text)) {
          b->source_ = user;
          return b;
        }
      }
    }
    auto b = parse(bundled_bootstrap_json());
    if (b) b->source_ = "embedded snapshot";
    return b;
  }
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  auto b = parse(*text);
  if (!b) return std::unexpected(Error{path + ": " + b.error().what});
  b->source_ = path;
  return b;
}

std::vector<std::string> Bootstrap::servers_for(std::string_view domain) const {
  std::string name = detail::lower(domain);
  while (!name.empty() && name.back() == '.') name.pop_back();
  // Longest match (RFC 9224 section 4): the whole name, then without its first label, ...
  std::string_view rest = name;
  while (!rest.empty()) {
    auto it = std::lower_bound(services_.begin(), services_.end(), rest,
                               [](const auto& s, std::string_view k) { return s.first < k; });
    if (it != services_.end() && it->first == rest) return it->second;
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return {};
}

std::string bundled_bootstrap_path() { return LOOKALIKE_RDAP_SNAPSHOT; }

std::string_view bundled_bootstrap_json() noexcept {
  return {reinterpret_cast<const char*>(detail::kBootstrapSnapshot), detail::kBootstrapSnapshotSize};
}

std::string user_bootstrap_path() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = std::filesystem::path(home) / ".local" / "share";
  } else {
    return {};
  }
  return (base / "lookalike-data" / "rdap" / "dns.json").string();
}

}  // namespace lookalike::rdap
