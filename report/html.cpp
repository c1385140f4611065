// The ranked list as one self-contained HTML page (no network: sortable table, filters, chart of
// threats per brand and level).
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "report/text.hpp"
#include "report/writers.hpp"

namespace lookalike::report {
namespace {

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
    ++b.counts[level_rank(r.level_text())];
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
  const std::string t = utc_iso(ms);
  h += "<td data-sort=\"" + t + "\"><time datetime=\"" + t + "\" title=\"" + t + "\">" + t.substr(0, 10) + " " +
       t.substr(11, 5) + "</time></td>";
}

}  // namespace

void write_html(std::ostream& out, std::span<const ReportRow> rows, const RenderOptions& options) {
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
  for (const ReportRow& r : rows) ++counts[level_rank(r.level_text())];
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
    const std::string t = utc_iso(options.generated_at);
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
    const std::string_view lc = level_class(r.level_text());
    h += "<tr data-level=\"";
    append_html(h, r.level_text());
    h += "\" data-brand=\"";
    append_html(h, r.brand);
    h += "\" data-score=\"" + std::to_string(r.score_or_zero()) + "\" data-flags=\"";
    for (std::size_t i = 0; i < r.flags.size(); ++i) {
      if (i != 0) h += ' ';
      std::string f = r.flags[i];
      std::replace(f.begin(), f.end(), ' ', '_');  // data-flags is a space-separated list
      append_html(h, f);
    }
    h += "\">";
    h += "<td class=\"num\">" + std::to_string(r.score_or_zero()) + "</td>";
    h += "<td><span class=\"lv lv-";
    h += lc;
    h += "\">";
    append_html(h, r.level_text());
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
    append_html(h, r.decision());
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

}  // namespace lookalike::report
