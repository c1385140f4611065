// TLD sets, keyword and word lists: embedded defaults and user files.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "generator/generator.hpp"
#include "generator/likelihood.hpp"
#include "generator/unicode.hpp"

namespace lookalike::generator {
namespace detail {
std::string_view embedded_keywords();
std::string_view embedded_tlds_common();
std::string_view embedded_tlds_abused();

// The rules of the ICANN section of Debian's publicsuffix list, as written ("*.ck", "!www.ck").
std::expected<std::vector<std::string>, std::string> icann_rules();

std::expected<std::vector<std::string>, std::string> icann_rules() {
  const std::string path = "/usr/share/publicsuffix/public_suffix_list.dat";
  std::ifstream in(path);
  if (!in) return std::unexpected(path + " (Debian package publicsuffix)");
  std::vector<std::string> out;
  std::string line;
  bool icann = false;
  while (std::getline(in, line)) {
    if (line.find("===BEGIN ICANN DOMAINS===") != std::string::npos) icann = true;
    if (line.find("===END ICANN DOMAINS===") != std::string::npos) break;
    if (!icann || line.empty() || line.starts_with("//")) continue;
    out.push_back(line);
  }
  if (out.empty()) return std::unexpected(path + " has no ICANN section");
  return out;
}

}  // namespace detail

namespace {

std::string trim_line(std::string_view line) {
  if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '.')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r' || line.back() == '.')) {
    line.remove_suffix(1);
  }
  std::string s(line);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Parses a list of suffixes or words; `what` names the source in errors ("file x.txt").
std::expected<std::vector<std::string>, std::string> parse_list(std::istream& in, const std::string& what,
                                                                bool suffixes) {
  std::vector<std::string> out;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    const std::string item = trim_line(line);
    if (item.empty()) continue;
    if (suffixes) {
      auto ascii = domain::to_ascii(item);
      if (!ascii) return std::unexpected(what + " line " + std::to_string(n) + ": " + ascii.error().message());
      if (!domain::is_public_suffix(*ascii)) {
        return std::unexpected(what + " line " + std::to_string(n) + ": \"" + item +
                               "\" is not a public suffix in the Public Suffix List");
      }
      if (std::find(out.begin(), out.end(), *ascii) == out.end()) out.push_back(std::move(*ascii));
    } else {
      if (auto ok = domain::validate_label(item); !ok) {
        return std::unexpected(what + " line " + std::to_string(n) + ": " + ok.error().message());
      }
      if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    }
  }
  if (in.bad()) return std::unexpected("cannot read " + what);
  return out;
}

std::expected<std::vector<std::string>, std::string> from_text(std::string_view text, const std::string& what,
                                                               bool suffixes) {
  std::istringstream in{std::string(text)};
  return parse_list(in, what, suffixes);
}

// Every ICANN TLD: the single-label rules of the ICANN section of Debian's publicsuffix list.
std::expected<std::vector<std::string>, std::string> all_icann_tlds() {
  auto rules = detail::icann_rules();
  if (!rules) return std::unexpected("TLD set \"all\" needs " + rules.error());
  std::vector<std::string> out;
  for (const std::string& line : *rules) {
    if (line.find('.') != std::string::npos || line.front() == '!' || line.front() == '*') continue;
    auto ascii = domain::to_ascii(line);
    if (ascii) out.push_back(std::move(*ascii));
  }
  return out;
}

}  // namespace

std::expected<std::vector<std::string>, std::string> load_tlds(std::string_view set_or_file,
                                                               std::string_view brand_suffix) {
  if (set_or_file == "original") return std::vector<std::string>{std::string(brand_suffix)};
  if (set_or_file == "common") return from_text(detail::embedded_tlds_common(), "TLD set \"common\"", true);
  if (set_or_file == "abused") return from_text(detail::embedded_tlds_abused(), "TLD set \"abused\"", true);
  if (set_or_file == "all") return all_icann_tlds();
  if (set_or_file.find(',') != std::string_view::npos || set_or_file.find('/') == std::string_view::npos) {
    std::ifstream probe{std::string(set_or_file)};
    if (!probe) {
      // A comma-separated inline list such as "com,net,co.uk".
      std::string text(set_or_file);
      std::replace(text.begin(), text.end(), ',', '\n');
      return from_text(text, "--tlds list", true);
    }
  }
  const std::string path(set_or_file);
  std::ifstream in(path);
  if (!in) {
    return std::unexpected("TLD set \"" + path + "\" is neither original, common, abused, all, a list nor a readable file");
  }
  return parse_list(in, "file " + path, true);
}

std::vector<std::string> ranked_tlds() {
  std::vector<std::string> out;
  auto add = [&out](const std::string& t) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  for (const auto& [tld, prior] : default_model().tlds) add(tld);
  for (const auto* set : {"common", "abused"}) {
    if (auto list = load_tlds(set, "")) {
      for (const std::string& t : *list) add(t);
    }
  }
  return out;
}

std::vector<std::string> default_keywords() {
  auto list = from_text(detail::embedded_keywords(), "keywords", false);
  return list ? *list : std::vector<std::string>{};
}

std::expected<std::vector<std::string>, std::string> load_words(std::string_view path) {
  const std::string p(path);
  std::ifstream in(p);
  if (!in) return std::unexpected("cannot open word list " + p);
  return parse_list(in, "file " + p, false);
}

}  // namespace lookalike::generator
