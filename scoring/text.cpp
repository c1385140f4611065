// Untrusted text: sanitising, HTML title and visible-text extraction, the page SimHash and
// parking markers. Everything here is bounded by the input size and never throws on bad bytes.
#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "scoring/probe.hpp"
#include "scoring/score_weights_embedded.hpp"
#include "util/utf8.hpp"

namespace lookalike::scoring {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i. Overlong forms,
// surrogates and out-of-range values decode to U+FFFD consuming one byte.
char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return kReplacement;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacement;
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

bool is_bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// Skips an escape sequence starting at s[i] == ESC (ECMA-48: CSI, OSC/DCS/APC/PM strings, or
// a two-byte escape).
void skip_escape(std::string_view s, std::size_t& i) {
  ++i;  // ESC
  if (i >= s.size()) return;
  const char c = s[i];
  if (c == '[') {
    ++i;
    while (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x20 && static_cast<unsigned char>(s[i]) <= 0x3F) ++i;
    while (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x20 && static_cast<unsigned char>(s[i]) <= 0x2F) ++i;
    if (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x40 && static_cast<unsigned char>(s[i]) <= 0x7E) ++i;
    return;
  }
  if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
    // String until BEL or ST (ESC \).
    ++i;
    while (i < s.size()) {
      if (s[i] == '\a') {
        ++i;
        return;
      }
      if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '\\') {
        i += 2;
        return;
      }
      ++i;
    }
    return;
  }
  ++i;  // ESC + one character
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view word) {
  if (at + word.size() > s.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (lower(s[at + k]) != word[k]) return false;
  }
  return true;
}

std::size_t find_ci(std::string_view s, std::string_view word, std::size_t from) {
  if (word.empty() || s.size() < word.size()) return std::string_view::npos;
  for (std::size_t i = from; i + word.size() <= s.size(); ++i) {
    if (lower(s[i]) == word[0] && starts_with_ci(s, i, word)) return i;
  }
  return std::string_view::npos;
}

// Decodes the HTML character references that matter for titles; unknown ones stay as text.
std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    const std::size_t semi = s.substr(i, 12).find(';');
    if (semi == std::string_view::npos) {
      out += s[i++];
      continue;
    }
    const std::string_view ent = s.substr(i + 1, semi - 1);
    char32_t cp = 0;
    bool known = true;
    if (ent == "amp") cp = '&';
    else if (ent == "lt") cp = '<';
    else if (ent == "gt") cp = '>';
    else if (ent == "quot") cp = '"';
    else if (ent == "apos") cp = '\'';
    else if (ent == "nbsp") cp = ' ';
    else if (ent.size() >= 2 && ent[0] == '#') {
      const bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::uint32_t v = 0;
      bool digits = ent.size() > (hex ? 2u : 1u);
      for (std::size_t k = hex ? 2 : 1; k < ent.size() && digits; ++k) {
        const char c = lower(ent[k]);
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (d < 0) digits = false;
        else v = std::min<std::uint32_t>(v * (hex ? 16u : 10u) + static_cast<std::uint32_t>(d), 0x110000);
      }
      known = digits;
      cp = (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? kReplacement : v;
    } else {
      known = false;
    }
    if (!known) {
      out += s[i++];
      continue;
    }
    util::append_utf8(out, cp);
    i += semi + 1;
  }
  return out;
}

std::uint64_t mix64(std::uint64_t x) {
  // splitmix64 finaliser: spreads FNV's weak low bits over all 64.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::string sanitize_text(std::string_view in, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(in.size(), max_bytes) + 4);
  bool pending_space = false;
  for (std::size_t i = 0; i < in.size();) {
    if (in[i] == '\x1b') {
      skip_escape(in, i);
      continue;
    }
    const char32_t cp = decode_utf8(in, i);
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0) {
      pending_space = !out.empty();
      continue;
    }
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)) continue;
    std::string ch;
    if (pending_space) ch += ' ';
    util::append_utf8(ch, cp);
    if (out.size() + ch.size() > max_bytes) break;
    out += ch;
    pending_space = false;
  }
  return out;
}

std::string extract_title(std::string_view html) {
  std::size_t at = 0;
  while ((at = find_ci(html, "<title", at)) != std::string_view::npos) {
    const std::size_t after = at + 6;
    // "<titlefoo>" is another element; the name must end at '>' or whitespace or '/'.
    if (after < html.size() && (html[after] == '>' || html[after] == ' ' || html[after] == '\t' ||
                                html[after] == '\n' || html[after] == '\r' || html[after] == '/')) {
      const std::size_t gt = html.find('>', after);
      if (gt == std::string_view::npos) return "";
      std::size_t end = find_ci(html, "</title", gt + 1);
      if (end == std::string_view::npos) end = std::min(html.size(), gt + 1 + 4096);
      const std::string_view raw = html.substr(gt + 1, std::min<std::size_t>(end - gt - 1, 4096));
      return sanitize_text(decode_entities(raw), 200);
    }
    at = after;
  }
  return "";
}

std::string normalise_page(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  auto space = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (std::size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c == '<') {
      if (html.compare(i, 4, "<!--") == 0) {
        const std::size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
      } else if (starts_with_ci(html, i, "<script") || starts_with_ci(html, i, "<style")) {
        const std::string_view close = starts_with_ci(html, i, "<script") ? "</script" : "</style";
        const std::size_t end = find_ci(html, close, i + 1);
        const std::size_t gt = end == std::string_view::npos ? end : html.find('>', end);
        i = gt == std::string_view::npos ? html.size() : gt + 1;
      } else {
        const std::size_t gt = html.find('>', i + 1);
        i = gt == std::string_view::npos ? html.size() : gt + 1;
      }
      space();
      continue;
    }
    if (c == '&') {
      const std::size_t semi = html.substr(i, 10).find(';');
      if (semi != std::string_view::npos) {
        i += semi + 1;
        space();
        continue;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || u >= 0x80) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += lower(c);
    } else {
      space();
    }
    ++i;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::uint64_t page_hash(std::string_view html) {
  const std::string text = normalise_page(html);
  std::vector<std::string_view> words;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t sp = text.find(' ', i);
    const std::size_t end = sp == std::string::npos ? text.size() : sp;
    if (end > i) words.emplace_back(text.data() + i, end - i);
    i = end + 1;
  }
  if (words.empty()) return 0;
  int votes[64] = {};
  const std::size_t n = words.size() < 3 ? words.size() : words.size() - 2;
  const std::size_t width = words.size() < 3 ? 1 : 3;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::size_t k = 0; k < width; ++k) h = fnv1a(words[i + k], fnv1a(" ", h));
    h = mix64(h);
    for (int b = 0; b < 64; ++b) votes[b] += ((h >> b) & 1U) != 0 ? 1 : -1;
  }
  std::uint64_t out = 0;
  for (int b = 0; b < 64; ++b) {
    if (votes[b] > 0) out |= std::uint64_t{1} << b;
  }
  return out;
}

double page_similarity(std::uint64_t a, std::uint64_t b) noexcept {
  return 1.0 - static_cast<double>(std::popcount(a ^ b)) / 64.0;
}

bool looks_parked(std::string_view html) {
  // Phrases and script hosts of parking and domain-marketplace pages (checked by hand against
  // the landing pages these services serve); lower case, matched case-insensitively.
  static constexpr std::string_view kMarkers[] = {
      "this domain is for sale",     "this domain may be for sale", "buy this domain",
      "domain is parked",            "this domain is parked",       "parked free",
      "parkingcrew.net",             "sedoparking.com",             "img.sedoparking.com",
      "bodis.com",                   "above.com",                   "parklogic",
      "domain parking",              "this web page is parked",     "hugedomains.com",
      "afternic.com",                "dan.com/buy-domain",          "the domain name is for sale",
      "is for sale!",                "make an offer on this domain"};
  const std::string_view head = html.substr(0, 128 * 1024);
  for (std::string_view m : kMarkers) {
    if (find_ci(head, m, 0) != std::string_view::npos) return true;
  }
  return false;
}

bool host_within(std::string_view host, std::string_view domain) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty() || host.size() < domain.size()) return false;
  const std::string_view tail = host.substr(host.size() - domain.size());
  for (std::size_t i = 0; i < tail.size(); ++i) {
    if (lower(tail[i]) != lower(domain[i])) return false;
  }
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

bool is_parking_ns(std::string_view ns_host) {
  static const std::vector<std::string> suffixes = [] {
    std::vector<std::string> v;
    std::string_view all = kEmbeddedParkingNs;
    while (!all.empty()) {
      const std::size_t nl = all.find('\n');
      std::string_view line = all.substr(0, nl);
      all = nl == std::string_view::npos ? std::string_view{} : all.substr(nl + 1);
      if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (!line.empty()) v.emplace_back(line);
    }
    return v;
  }();
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const std::string& s) { return host_within(ns_host, s); });
}

}  // namespace lookalike::scoring
