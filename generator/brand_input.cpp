#include "generator/brand_input.hpp"

#include <algorithm>
#include <array>

#include "domain/domain.hpp"

namespace lookalike::generator {
namespace {

void lowercase(std::string& s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

}  // namespace

std::expected<std::string, std::string> brand_domain(std::string_view input) {
  auto n = domain::parse(input);
  if (!n) return std::unexpected(n.error().message());
  if (n->ascii != n->registrable()) {
    return std::unexpected("\"" + std::string(input) + "\" is not a registrable domain (did you mean " + n->registrable() + "?)");
  }
  return n->ascii;
}

std::expected<std::vector<std::string>, std::string> brand_keywords(std::vector<std::string> items) {
  for (auto& k : items) {
    lowercase(k);
    for (std::size_t i = 0; i < k.size(); ++i) {
      if (!domain::is_ldh(k[i])) {
        return std::unexpected("\"" + k + "\" has '" + std::string(1, k[i]) + "' at position " + std::to_string(i) +
                               " (only a-z, 0-9 and '-')");
      }
    }
    if (k.size() > 63) return std::unexpected("\"" + k + "\" is longer than 63 characters");
  }
  return items;
}

std::expected<std::vector<std::string>, std::string> brand_owned(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& d : items) {
    auto n = domain::parse(d);
    if (!n) return std::unexpected(n.error().message());
    out.push_back(n->ascii);
  }
  return out;
}

std::expected<std::string, std::string> brand_tlds(std::string_view set, std::vector<std::string> items) {
  static constexpr std::array<std::string_view, 4> named = {"original", "common", "abused", "all"};
  if (std::find(named.begin(), named.end(), set) != named.end()) return std::string(set);
  std::string out;
  for (auto& t : items) {
    if (!t.empty() && t.front() == '.') t.erase(0, 1);
    lowercase(t);
    auto ascii = domain::to_ascii(t);
    if (!ascii || !domain::is_public_suffix(*ascii)) {
      return std::unexpected("\"" + t + "\" is neither a TLD set (original, common, abused, all) nor a public suffix");
    }
    out += (out.empty() ? "" : ",") + *ascii;
  }
  if (out.empty()) return std::unexpected(std::string("empty set"));
  return out;
}

}  // namespace lookalike::generator
