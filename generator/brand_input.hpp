// What a user may give as a brand (`brand add`): its domain, combosquat keywords, owned domains and
// TLD set, checked and normalised the way the generator needs them. Errors are one line naming the
// offending value (the caller adds which option it came from).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::generator {

// The brand's domain as an A-label; it must be a registrable domain (what the generator mutates).
[[nodiscard]] std::expected<std::string, std::string> brand_domain(std::string_view input);
// Keywords lowercased; only a-z, 0-9 and '-', at most 63 characters each.
[[nodiscard]] std::expected<std::vector<std::string>, std::string> brand_keywords(std::vector<std::string> items);
// Owned domains as A-labels.
[[nodiscard]] std::expected<std::vector<std::string>, std::string> brand_owned(const std::vector<std::string>& items);
// A named TLD set ("original", "common", "abused", "all") as given, or public suffixes (leading dot
// dropped, lowercased, A-labels) joined by commas; `items` is the comma-split list.
[[nodiscard]] std::expected<std::string, std::string> brand_tlds(std::string_view set, std::vector<std::string> items);

}  // namespace lookalike::generator
