#include "cli/report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "cli/output.hpp"

namespace lookalike::cli {
namespace {

constexpr std::array<std::string_view, 5> kLevels{"critical", "high", "medium", "low", "info"};
constexpr std::array<std::string_view, 7> kFlags{"MX", "WEB", "SPF", "DMARC", "CT", "WILDCARD", "PARKED"};
constexpr char kHex[] = "0123456789abcdef";

// Index of a known level in kLevels, kLevels.size() for anything else.
std::size_t level_rank(std::string_view level) {
  return static_cast<std::size_t>(std::find(kLevels.begin(), kLevels.end(), level) - kLevels.begin());
}

struct Decoded {
  char32_t cp = 0;
  std::size_t len = 0;  // 0: ill-formed byte at this position
};

// Decodes one well-formed UTF-8 sequence (no overlongs, surrogates or values above U+10FFFF).
Decoded decode_utf8(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return {c, 1};
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  char32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {};
  }
  if (i + len > s.size()) return {};
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char x = b(k);
    if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF)) return {};
    cp = (cp << 6) | (x & 0x3Fu);
  }
  return {cp, len};
}

// Bidirectional controls reorder what follows them on screen: a reason could make a name read
// backwards, so they are shown as escapes like other controls.
bool is_bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_u_escape(std::string& out, char32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 15u];
}

// Text that cannot drive a terminal or confuse a reader: C0/C1 controls, DEL and bidi controls
// become visible escapes (\x1b, \u202e); bytes that are not UTF-8 become \xNN. Used by the table,
// CSV and HTML (JSON keeps the exact text, escaped as JSON).
std::string safe_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    if (d.len == 0 || d.cp < 0x20 || d.cp == 0x7F) {
      const auto c = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
      continue;
    }
    if ((d.cp >= 0x80 && d.cp <= 0x9F) || is_bidi_control(d.cp)) {
      append_u_escape(out, d.cp);
    } else {
      out.append(s.substr(i, d.len));
    }
    i += d.len;
  }
  return out;
}

// Columns a code point takes in a terminal: 0 for combining marks, 2 for East Asian wide and
// emoji, 1 otherwise (an approximation of wcwidth that does not depend on the locale).
std::size_t cp_width(char32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) || (cp >= 0x0591 && cp <= 0x05BD) ||
      (cp >= 0x0610 && cp <= 0x061A) || (cp >= 0x064B && cp <= 0x065F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
      (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x200B && cp <= 0x200D) || (cp >= 0x20D0 && cp <= 0x20FF) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F)) {
    return 0;
  }
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

// Display width of text that went through safe_text (valid UTF-8).
std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    w += d.len == 0 ? 1 : cp_width(d.cp);
    i += d.len == 0 ? 1 : d.len;
  }
  return w;
}

// Cuts `s` to at most `width` columns, ending in "…" when something was cut.
std::string truncate_to(std::string s, std::size_t width) {
  if (display_width(s) <= width) return s;
  std::string out;
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    const std::size_t len = d.len == 0 ? 1 : d.len;
    const std::size_t cw = d.len == 0 ? 1 : cp_width(d.cp);
    if (w + cw + 1 > width) break;
    out.append(s, i, len);
    w += cw;
    i += len;
  }
  out += "…";
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep, std::size_t limit = SIZE_MAX) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i != 0) out += sep;
    out += items[i];
  }
  return out;
}

// Milliseconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (proleptic Gregorian, UTC; Howard
// Hinnant's civil_from_days, valid for every int64 value).
std::string iso8601(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  if (ms % 1000 < 0) --secs;
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  return buf;
}

std::string name_cell(const ReportRow& r) {
  if (r.unicode.empty() || r.unicode == r.name) return r.name;
  return r.unicode + " (" + r.name + ")";
}

void write(std::ostream& out, const std::string& s) { out.write(s.data(), static_cast<std::streamsize>(s.size())); }

// ---------------------------------------------------------------------------------------------
// Terminal table

struct Column {
  std::string_view header;
  std::size_t cap;  // widest a cell may be before it is cut with "…"
  bool right;       // right-aligned (numbers)
};
constexpr std::array<Column, 8> kColumns{{{"SCORE", 5, true},
                                          {"LEVEL", 8, false},
                                          {"NAME", 64, false},
                                          {"BRAND", 32, false},
                                          {"FLAGS", 34, false},
                                          {"VERDICT", 10, false},
                                          {"REASONS", 80, false},
                                          {"CHANGE", 24, false}}};

std::string_view level_color(std::string_view level) {
  switch (level_rank(level)) {
    case 0: return "\x1b[1;91m";  // critical: bold bright red
    case 1: return "\x1b[31m";
    case 2: return "\x1b[33m";
    case 3: return "\x1b[36m";
    case 4: return "\x1b[2m";
    default: return "";
  }
}

void render_table(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options) {
  using Cells = std::array<std::string, kColumns.size()>;
  std::vector<Cells> table;
  table.reserve(rows.size());
  std::array<std::size_t, kColumns.size()> width{};
  for (std::size_t c = 0; c < kColumns.size(); ++c) width[c] = kColumns[c].header.size();
  for (const ReportRow& r : rows) {
    std::vector<std::string> flags;
    flags.reserve(r.flags.size());
    for (const std::string& f : r.flags) flags.push_back(safe_text(f));
    std::vector<std::string> reasons;
    for (std::size_t i = 0; i < r.reasons.size() && i < options.max_reasons; ++i) reasons.push_back(safe_text(r.reasons[i]));
    Cells cells{std::to_string(r.score), safe_text(r.level), safe_text(name_cell(r)), safe_text(r.brand),
                join(flags, " "),        safe_text(r.verdict), join(reasons, "; "), safe_text(r.change)};
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      cells[c] = truncate_to(std::move(cells[c]), kColumns[c].cap);
      width[c] = std::max(width[c], display_width(cells[c]));
    }
    table.push_back(std::move(cells));
  }

  std::string line;
  auto emit = [&](const Cells& cells, std::string_view color) {
    line.clear();
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      if (c != 0) line += "  ";
      const std::size_t pad = width[c] - display_width(cells[c]);
      if (kColumns[c].right) line.append(pad, ' ');
      // Only score, level and name are coloured: reasons stay readable in every theme.
      const bool paint = !color.empty() && c <= 2;
      if (paint) line += color;
      line += cells[c];
      if (paint) line += "\x1b[0m";
      if (!kColumns[c].right) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line += '\n';
    write(out, line);
  };

  Cells header;
  for (std::size_t c = 0; c < kColumns.size(); ++c) header[c] = kColumns[c].header;
  emit(header, options.color ? "\x1b[1m" : "");
  if (table.empty()) {
    write(out, "no look-alikes at or above the threshold\n");
    return;
  }
  for (std::size_t i = 0; i < table.size(); ++i) emit(table[i], options.color ? level_color(rows[i].level) : "");
}

// ---------------------------------------------------------------------------------------------
// JSON lines

// A JSON string literal of `s`: ill-formed UTF-8 becomes U+FFFD (so every line is valid JSON);
// C0/C1 controls, DEL and U+2028/2029 are \u-escaped so nothing raw reaches a terminal or a JS parser.
void append_json_text(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const Decoded d = decode_utf8(s, i);
    if (d.len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    const char32_t cp = d.cp;
    if (cp == '"') {
      out += "\\\"";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029) {
      append_u_escape(out, cp);
    } else {
      out.append(s.substr(i, d.len));
    }
    i += d.len;
  }
  out += '"';
}

void append_json_list(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    append_json_text(out, items[i]);
  }
  out += ']';
}

void append_json_time(std::string& out, std::int64_t ms) {
  if (ms == 0) {
    out += "null";
  } else {
    out += '"';
    out += iso8601(ms);
    out += '"';
  }
}

void append_json_optional(std::string& out, const std::string& s) {
  if (s.empty()) {
    out += "null";
  } else {
    append_json_text(out, s);
  }
}

void render_jsonl(std::ostream& out, std::span<const ReportRow> rows) {
  std::string buf;
  for (const ReportRow& r : rows) {
    buf.clear();
    buf += "{\"name\":";
    append_json_text(buf, r.name);
    buf += ",\"unicode\":";
    append_json_text(buf, r.unicode.empty() ? r.name : r.unicode);
    buf += ",\"brand\":";
    append_json_text(buf, r.brand);
    buf += ",\"score\":";
    buf += std::to_string(r.score);
    buf += ",\"level\":";
    append_json_text(buf, r.level);
    buf += ",\"flags\":";
    append_json_list(buf, r.flags);
    buf += ",\"reasons\":";
    append_json_list(buf, r.reasons);
    buf += ",\"fuzzers\":";
    append_json_list(buf, r.fuzzers);
    buf += ",\"verdict\":";
    append_json_optional(buf, r.verdict);
    buf += ",\"first_seen\":";
    append_json_time(buf, r.first_seen);
    buf += ",\"last_seen\":";
    append_json_time(buf, r.last_seen);
    buf += ",\"change\":";
    append_json_optional(buf, r.change);
    buf += "}\n";
    write(out, buf);
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

void append_csv_text(std::string& out, std::string_view s) { append_csv_field(out, safe_text(s)); }

void append_csv_list(std::string& out, const std::vector<std::string>& items) {
  std::vector<std::string> safe;
  safe.reserve(items.size());
  for (const std::string& s : items) safe.push_back(safe_text(s));
  append_csv_field(out, join(safe, "|"));
}

void render_csv(std::ostream& out, std::span<const ReportRow> rows) {
  std::string buf = "name,unicode,brand,score,level,flags,reasons,fuzzers,verdict,first_seen,last_seen,change\n";
  write(out, buf);
  for (const ReportRow& r : rows) {
    buf.clear();
    append_csv_text(buf, r.name);
    buf += ',';
    append_csv_text(buf, r.unicode.empty() ? r.name : r.unicode);
    buf += ',';
    append_csv_text(buf, r.brand);
    buf += ',';
    buf += std::to_string(r.score);
    buf += ',';
    append_csv_text(buf, r.level);
    buf += ',';
    append_csv_list(buf, r.flags);
    buf += ',';
    append_csv_list(buf, r.reasons);
    buf += ',';
    append_csv_list(buf, r.fuzzers);
    buf += ',';
    append_csv_text(buf, r.verdict);
    buf += ',';
    if (r.first_seen != 0) buf += iso8601(r.first_seen);
    buf += ',';
    if (r.last_seen != 0) buf += iso8601(r.last_seen);
    buf += ',';
    append_csv_text(buf, r.change);
    buf += '\n';
    write(out, buf);
  }
}

// ---------------------------------------------------------------------------------------------
// HTML

// Appends `s` made safe (safe_text) and HTML-escaped, fit for element content and quoted attributes.
void append_html(std::string& out, std::string_view s) {
  for (char c : safe_text(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

// CSS class suffix for a level: only the known names, so row text never becomes a class.
std::string_view level_class(std::string_view level) {
  const std::size_t rank = level_rank(level);
  return rank < kLevels.size() ? kLevels[rank] : std::string_view("other");
}

constexpr std::array<std::string_view, 6> kLevelColors{"#c62828", "#ef6c00", "#f9a825", "#00838f", "#90a4ae", "#bdbdbd"};

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;font-size:14px;color:#1f2328;background:#f6f8fa}
body{margin:0;padding:20px 28px}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:15px;margin:0 0 8px;color:#444}
.summary{margin:0 0 16px;color:#333}
.summary .lv{margin-left:6px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 16px;margin-bottom:16px}
.chart svg{display:block;max-width:100%;height:auto}
.chart text{font-size:12px;fill:#333}
.filters{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center}
.filters input[type=search]{width:260px;padding:5px 8px;border:1px solid #bbb;border-radius:6px}
.filters select{padding:4px 6px;border:1px solid #bbb;border-radius:6px}
.filters fieldset{border:0;margin:0;padding:0;display:flex;gap:8px;align-items:center}
.filters legend{float:left;margin-right:6px;color:#555}
#shown{color:#555;margin-left:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e5e7eb}
th{position:sticky;top:0;background:#eef1f4;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \25B2";font-size:10px}
th[aria-sort=descending]::after{content:" \25BC";font-size:10px}
td.num{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}
.lv{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.lv-critical{background:#c62828}.lv-high{background:#ef6c00}.lv-medium{background:#f9a825;color:#222}
.lv-low{background:#00838f}.lv-info{background:#90a4ae}.lv-other{background:#bdbdbd;color:#222}
.flag{display:inline-block;padding:0 5px;margin:0 3px 3px 0;border:1px solid #8c959f;border-radius:4px;font-size:11px;font-family:ui-monospace,monospace}
.aname,.found{color:#666;font-size:12px}
.uname{font-weight:600;overflow-wrap:anywhere}
td.name{min-width:170px;max-width:300px}
ul.reasons{margin:0;padding-left:16px}
td time{white-space:nowrap;font-size:12px}
[hidden]{display:none!important}
#empty{padding:12px;color:#555}
)css";

// Vanilla JS: sorting (click a header), filters (search, level, brand, flags) and an initial
// state from the page's query string (?q=&level=&brand=&flag=&sort=&dir=). Hidden rows get the
// `hidden` attribute. Reads only the DOM that the server rendered: no data is parsed from text.
constexpr std::string_view kScript = R"js(
(function () {
  'use strict';
  var table = document.getElementById('report');
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var text = new Map();
  rows.forEach(function (r) { text.set(r, r.textContent.toLowerCase()); });
  var q = document.getElementById('q');
  var level = document.getElementById('level');
  var brand = document.getElementById('brand');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name=flag]'));
  var shown = document.getElementById('shown');
  var empty = document.getElementById('empty');
  var rank = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

  function apply() {
    var needle = q.value.trim().toLowerCase();
    var lv = level.value, br = brand.value;
    var want = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var n = 0;
    rows.forEach(function (r) {
      var flags = (r.dataset.flags || '').split(' ');
      var ok = (!needle || text.get(r).indexOf(needle) !== -1) &&
               (!lv || r.dataset.level === lv) && (!br || r.dataset.brand === br) &&
               want.every(function (f) { return flags.indexOf(f) !== -1; });
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' shown';
    empty.hidden = n !== 0;
  }

  function key(r, th) {
    var type = th.dataset.type;
    if (type === 'num') return Number(r.dataset.score);
    if (type === 'level') return Object.prototype.hasOwnProperty.call(rank, r.dataset.level) ? rank[r.dataset.level] : 9;
    var cell = r.cells[th.cellIndex];
    return (cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent).toLowerCase();
  }

  function sortBy(th, dir) {
    var sign = dir === 'ascending' ? 1 : -1;
    var keyed = rows.map(function (r, i) { return { r: r, k: key(r, th), i: i }; });
    keyed.sort(function (a, b) {
      if (a.k < b.k) return -sign;
      if (a.k > b.k) return sign;
      return a.i - b.i;
    });
    rows = keyed.map(function (x) { return x.r; });
    rows.forEach(function (r) { tbody.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir);
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.addEventListener('click', function () {
      var cur = th.getAttribute('aria-sort');
      // Scores start highest first; levels (by severity rank) and text start at the top.
      var first = th.dataset.type === 'num' ? 'descending' : 'ascending';
      sortBy(th, cur === first ? (first === 'ascending' ? 'descending' : 'ascending') : first);
    });
  });
  [q, level, brand].concat(boxes).forEach(function (el) {
    el.addEventListener('input', apply);
    el.addEventListener('change', apply);
  });
  document.getElementById('filters').addEventListener('submit', function (e) { e.preventDefault(); });

  var params = new URLSearchParams(window.location.search);
  if (params.has('q')) q.value = params.get('q');
  if (params.has('level')) level.value = params.get('level');
  if (params.has('brand')) brand.value = params.get('brand');
  params.getAll('flag').forEach(function (f) {
    boxes.forEach(function (b) { if (b.value === f) b.checked = true; });
  });
  if (params.has('sort')) {
    var th = table.querySelector('th[data-key="' + CSS.escape(params.get('sort')) + '"]');
    if (th) sortBy(th, params.get('dir') === 'ascending' ? 'ascending' : 'descending');
  }
  apply();
})();
)js";

struct ChartBrand {
  std::string brand;
  std::array<std::size_t, kLevels.size() + 1> counts{};
  std::size_t total = 0;
};

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

void append_chart(std::string& h, std::span<const ReportRow> rows) {
  std::map<std::string, ChartBrand> by_brand;
  for (const ReportRow& r : rows) {
    ChartBrand& b = by_brand[r.brand];
    b.brand = r.brand;
    ++b.counts[level_rank(r.level)];
    ++b.total;
  }
  std::vector<ChartBrand> brands;
  for (auto& [name, b] : by_brand) brands.push_back(std::move(b));
  std::stable_sort(brands.begin(), brands.end(), [](const ChartBrand& a, const ChartBrand& b) { return a.total > b.total; });

  h += "<section class=\"card chart\"><h2>Threats per brand and level</h2>\n";
  if (brands.empty()) {
    h += "<p>nothing to chart</p></section>\n";
    return;
  }
  // Many brands would make a very tall chart: the busiest 25 are drawn, the rest counted.
  constexpr std::size_t kMaxBrands = 25;
  const std::size_t drawn = std::min(brands.size(), kMaxBrands);
  constexpr double kLabelW = 210;
  constexpr double kBarW = 560;
  constexpr double kRowH = 26;
  constexpr double kTop = 34;
  const double height = kTop + kRowH * static_cast<double>(drawn) + 8;
  const double max_total = static_cast<double>(brands.front().total);
  h += "<svg id=\"chart\" role=\"img\" aria-label=\"threats per brand and level\" width=\"820\" height=\"" +
       fixed1(height) + "\" viewBox=\"0 0 820 " + fixed1(height) + "\">\n";
  // Legend.
  double lx = kLabelW;
  for (std::size_t l = 0; l <= kLevels.size(); ++l) {
    const std::string_view name = l < kLevels.size() ? kLevels[l] : std::string_view("other");
    if (l == kLevels.size()) {
      bool any = false;
      for (const ChartBrand& b : brands) any = any || b.counts[l] != 0;
      if (!any) break;
    }
    h += "<rect x=\"" + fixed1(lx) + "\" y=\"6\" width=\"12\" height=\"12\" fill=\"";
    h += kLevelColors[l];
    h += "\"/><text x=\"" + fixed1(lx + 16) + "\" y=\"16\">";
    h += name;
    h += "</text>\n";
    lx += 90;
  }
  for (std::size_t i = 0; i < drawn; ++i) {
    const ChartBrand& b = brands[i];
    const double y = kTop + kRowH * static_cast<double>(i);
    h += "<g class=\"brand\"><text x=\"" + fixed1(kLabelW - 10) + "\" y=\"" + fixed1(y + 14) + "\" text-anchor=\"end\">";
    append_html(h, truncate_to(safe_text(b.brand), 30));
    h += "</text>";
    double x = kLabelW;
    for (std::size_t l = 0; l < b.counts.size(); ++l) {
      if (b.counts[l] == 0) continue;
      const double w = kBarW * static_cast<double>(b.counts[l]) / max_total;
      const std::string_view name = l < kLevels.size() ? kLevels[l] : std::string_view("other");
      h += "<rect class=\"seg\" data-brand=\"";
      append_html(h, b.brand);
      h += "\" data-level=\"";
      h += name;
      h += "\" data-count=\"" + std::to_string(b.counts[l]) + "\" x=\"" + fixed1(x) + "\" y=\"" + fixed1(y) +
           "\" width=\"" + fixed1(w) + "\" height=\"18\" fill=\"";
      h += kLevelColors[l];
      h += "\"><title>";
      append_html(h, b.brand);
      h += ": " + std::to_string(b.counts[l]) + " ";
      h += name;
      h += "</title></rect>";
      x += w;
    }
    h += "<text x=\"" + fixed1(x + 6) + "\" y=\"" + fixed1(y + 14) + "\">" + std::to_string(b.total) + "</text></g>\n";
  }
  h += "</svg>\n";
  if (brands.size() > drawn) h += "<p>" + std::to_string(brands.size() - drawn) + " more brands not drawn</p>\n";
  h += "</section>\n";
}

void append_time_cell(std::string& h, std::int64_t ms) {
  if (ms == 0) {
    h += "<td data-sort=\"\"></td>";
    return;
  }
  // Shown as "2026-11-28 11:50" (UTC, to the minute) to keep the column narrow; exact in datetime.
  const std::string t = iso8601(ms);
  h += "<td data-sort=\"" + t + "\"><time datetime=\"" + t + "\" title=\"" + t + "\">" + t.substr(0, 10) + " " +
       t.substr(11, 5) + "</time></td>";
}

void render_html(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options) {
  std::string h;
  h.reserve(16384 + rows.size() * 1024);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
  h += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  append_html(h, options.title);
  h += "</title>\n<style>";
  h += kStyle;
  h += "</style>\n</head>\n<body>\n<header>\n<h1>";
  append_html(h, options.title);
  h += "</h1>\n";

  // Summary: rows, per-level counts, generation time.
  std::array<std::size_t, kLevels.size() + 1> counts{};
  for (const ReportRow& r : rows) ++counts[level_rank(r.level)];
  h += "<p class=\"summary\" id=\"summary\"><strong>" + std::to_string(rows.size()) + "</strong> look-alike" +
       (rows.size() == 1 ? "" : "s") + ":";
  for (std::size_t l = 0; l < counts.size(); ++l) {
    if (l == kLevels.size() && counts[l] == 0) break;
    const std::string_view name = l < kLevels.size() ? kLevels[l] : std::string_view("other");
    h += " <span class=\"lv lv-";
    h += name;
    h += "\" data-level-count=\"";
    h += name;
    h += "\">" + std::to_string(counts[l]) + " ";
    h += name;
    h += "</span>";
  }
  if (options.generated_at != 0) {
    const std::string t = iso8601(options.generated_at);
    h += " · generated <time datetime=\"" + t + "\">" + t + "</time>";
  }
  h += "</p>\n</header>\n";

  append_chart(h, rows);

  // Filters.
  std::vector<std::string> brands;
  std::vector<std::string> flags(kFlags.begin(), kFlags.end());
  for (const ReportRow& r : rows) {
    brands.push_back(r.brand);
    for (const std::string& f : r.flags) {
      if (std::find(flags.begin(), flags.end(), f) == flags.end()) flags.push_back(f);
    }
  }
  std::sort(brands.begin(), brands.end());
  brands.erase(std::unique(brands.begin(), brands.end()), brands.end());
  h += "<form class=\"card filters\" id=\"filters\">\n";
  h += "<input type=\"search\" id=\"q\" placeholder=\"Search names, brands, reasons…\" aria-label=\"search\">\n";
  h += "<select id=\"level\" aria-label=\"level\"><option value=\"\">All levels</option>";
  for (std::string_view l : kLevels) {
    h += "<option value=\"";
    h += l;
    h += "\">";
    h += l;
    h += "</option>";
  }
  h += "</select>\n<select id=\"brand\" aria-label=\"brand\"><option value=\"\">All brands</option>";
  for (const std::string& b : brands) {
    h += "<option value=\"";
    append_html(h, b);
    h += "\">";
    append_html(h, b);
    h += "</option>";
  }
  h += "</select>\n<fieldset><legend>Flags</legend>";
  for (const std::string& f : flags) {
    h += "<label><input type=\"checkbox\" name=\"flag\" value=\"";
    append_html(h, f);
    h += "\"> ";
    append_html(h, f);
    h += "</label>";
  }
  h += "</fieldset>\n<span id=\"shown\">" + std::to_string(rows.size()) + " of " + std::to_string(rows.size()) +
       " shown</span>\n</form>\n";

  // The table.
  h += "<table id=\"report\">\n<thead><tr>"
       "<th data-key=\"score\" data-type=\"num\">Score</th>"
       "<th data-key=\"level\" data-type=\"level\">Level</th>"
       "<th data-key=\"name\" data-type=\"text\">Name</th>"
       "<th data-key=\"brand\" data-type=\"text\">Brand</th>"
       "<th data-key=\"flags\" data-type=\"text\">Flags</th>"
       "<th data-key=\"reasons\" data-type=\"text\">Reasons</th>"
       "<th data-key=\"change\" data-type=\"text\">Change</th>"
       "<th data-key=\"verdict\" data-type=\"text\">Verdict</th>"
       "<th data-key=\"first_seen\" data-type=\"text\">First seen (UTC)</th>"
       "<th data-key=\"last_seen\" data-type=\"text\">Last seen (UTC)</th>"
       "</tr></thead>\n<tbody>\n";
  for (const ReportRow& r : rows) {
    const std::string_view lc = level_class(r.level);
    h += "<tr data-level=\"";
    append_html(h, r.level);
    h += "\" data-brand=\"";
    append_html(h, r.brand);
    h += "\" data-score=\"" + std::to_string(r.score) + "\" data-flags=\"";
    for (std::size_t i = 0; i < r.flags.size(); ++i) {
      if (i != 0) h += ' ';
      std::string f = r.flags[i];
      std::replace(f.begin(), f.end(), ' ', '_');  // data-flags is a space-separated list
      append_html(h, f);
    }
    h += "\">";
    h += "<td class=\"num\">" + std::to_string(r.score) + "</td>";
    h += "<td><span class=\"lv lv-";
    h += lc;
    h += "\">";
    append_html(h, r.level);
    h += "</span></td>";
    // Names are never links: a click must not visit a look-alike.
    h += "<td class=\"name\" data-sort=\"";
    append_html(h, r.unicode.empty() ? r.name : r.unicode);
    h += "\"><div class=\"uname\">";
    append_html(h, r.unicode.empty() ? r.name : r.unicode);
    h += "</div>";
    if (!r.unicode.empty() && r.unicode != r.name) {
      h += "<div class=\"aname\">";
      append_html(h, r.name);
      h += "</div>";
    }
    if (!r.fuzzers.empty()) {
      h += "<div class=\"found\">found by ";
      append_html(h, join(r.fuzzers, ", "));
      h += "</div>";
    }
    h += "</td><td>";
    append_html(h, r.brand);
    h += "</td><td>";
    for (const std::string& f : r.flags) {
      h += "<span class=\"flag\">";
      append_html(h, f);
      h += "</span>";
    }
    h += "</td><td>";
    if (!r.reasons.empty()) {
      h += "<ul class=\"reasons\">";
      for (const std::string& reason : r.reasons) {
        h += "<li>";
        append_html(h, reason);
        h += "</li>";
      }
      h += "</ul>";
    }
    h += "</td><td>";
    append_html(h, r.change);
    h += "</td><td>";
    append_html(h, r.verdict);
    h += "</td>";
    append_time_cell(h, r.first_seen);
    append_time_cell(h, r.last_seen);
    h += "</tr>\n";
  }
  h += "</tbody>\n</table>\n<p id=\"empty\"";
  if (!rows.empty()) h += " hidden";
  h += ">";
  h += rows.empty() ? "no look-alikes at or above the threshold" : "no rows match the filters";
  h += "</p>\n<script>";
  h += kScript;
  h += "</script>\n</body>\n</html>\n";
  write(out, h);
}

}  // namespace

std::expected<ReportFormat, std::string> parse_report_format(std::string_view s) {
  if (s == "table") return ReportFormat::table;
  if (s == "jsonl") return ReportFormat::jsonl;
  if (s == "csv") return ReportFormat::csv;
  if (s == "html") return ReportFormat::html;
  return std::unexpected("unknown report format \"" + safe_text(s.substr(0, 64)) + "\" (use table, jsonl, csv, html)");
}

void render_report(std::ostream& out, std::span<const ReportRow> rows, ReportFormat format, const RenderOptions& options) {
  switch (format) {
    case ReportFormat::table: render_table(out, rows, options); break;
    case ReportFormat::jsonl: render_jsonl(out, rows); break;
    case ReportFormat::csv: render_csv(out, rows); break;
    case ReportFormat::html: render_html(out, rows, options); break;
  }
}

}  // namespace lookalike::cli
