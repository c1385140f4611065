// Parsers for what mail and web servers send back: SMTP replies and HTTP/1.x responses. Both
// take the raw bytes read so far and say complete / incomplete / malformed, so the network
// code can stop reading exactly when it has enough (or too much).
#include <algorithm>
#include <charconv>
#include <string>

#include "scoring/probe.hpp"

namespace lookalike::scoring {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

void set_error(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

}  // namespace

SmtpParse parse_smtp_reply(std::string_view data, SmtpReply& out, std::size_t& consumed, std::size_t max_line) {
  out = SmtpReply{};
  consumed = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      return data.size() - pos > max_line ? SmtpParse::malformed : SmtpParse::incomplete;
    }
    if (nl - pos > max_line) return SmtpParse::malformed;
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) || line[0] < '2' ||
        line[0] > '5') {
      return SmtpParse::malformed;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (out.code != 0 && code != out.code) return SmtpParse::malformed;
    out.code = code;
    const char sep = line.size() > 3 ? line[3] : ' ';
    if (sep != ' ' && sep != '-') return SmtpParse::malformed;
    out.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view{});
    pos = nl + 1;
    if (sep == ' ') {
      consumed = pos;
      return SmtpParse::complete;
    }
    // Bound the number of continuation lines as well as their length.
    if (out.lines.size() > 512) return SmtpParse::malformed;
  }
}

bool ehlo_offers_starttls(const SmtpReply& ehlo) {
  if (ehlo.code != 250) return false;
  // The first line is the greeting; extensions follow, keyword first (case-insensitive).
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view kw = trim(ehlo.lines[i]);
    kw = kw.substr(0, kw.find(' '));
    if (kw.size() == 8) {
      std::string k;
      for (char c : kw) k += lower(c);
      if (k == "starttls") return true;
    }
  }
  return false;
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

HttpParse parse_http_response(std::string_view data, bool eof, std::size_t max_header, HttpResponse& out,
                              std::string* error) {
  out = HttpResponse{};
  // Fail fast on a peer that is not speaking HTTP at all, instead of waiting for a blank line.
  constexpr std::string_view kPrefix = "HTTP/1.";
  if (data.substr(0, kPrefix.size()) != kPrefix.substr(0, std::min(data.size(), kPrefix.size()))) {
    set_error(error, "not an HTTP/1.x status line");
    return HttpParse::malformed;
  }
  // End of the header section: CRLFCRLF, or LFLF from sloppy servers.
  std::size_t head_end = std::string_view::npos;
  std::size_t body_start = 0;
  for (std::size_t i = data.find('\n'); i != std::string_view::npos; i = data.find('\n', i + 1)) {
    if (i > max_header) break;
    if (i + 1 < data.size() && data[i + 1] == '\n') {
      head_end = i;
      body_start = i + 2;
      break;
    }
    if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n') {
      head_end = i;
      body_start = i + 3;
      break;
    }
  }
  if (head_end == std::string_view::npos) {
    if (data.size() > max_header) {
      set_error(error, "header section longer than " + std::to_string(max_header) + " bytes");
      return HttpParse::header_too_large;
    }
    if (eof) {
      set_error(error, data.empty() ? "connection closed without a response" : "connection closed inside the header");
      return HttpParse::malformed;
    }
    return HttpParse::incomplete;
  }
  if (head_end > max_header) {
    set_error(error, "header section longer than " + std::to_string(max_header) + " bytes");
    return HttpParse::header_too_large;
  }
  const std::string_view head = data.substr(0, head_end);
  std::size_t line_end = head.find('\n');
  std::string_view status_line = trim(head.substr(0, line_end));
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || !is_digit(status_line[7]) ||
      status_line[8] != ' ' || !is_digit(status_line[9]) || !is_digit(status_line[10]) || !is_digit(status_line[11]) ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    set_error(error, "not an HTTP/1.x status line");
    return HttpParse::malformed;
  }
  out.status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  if (out.status < 100) {
    set_error(error, "status code below 100");
    return HttpParse::malformed;
  }
  out.reason = std::string(status_line.size() > 13 ? status_line.substr(13) : std::string_view{});
  std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 1;
  while (pos < head.size()) {
    std::size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && !out.headers.empty()) {
      out.headers.back().second += ' ';
      out.headers.back().second += trim(line);  // obsolete line folding
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos ||
        !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), is_tchar)) {
      set_error(error, "malformed header line");
      return HttpParse::malformed;
    }
    if (out.headers.size() >= 200) {
      set_error(error, "more than 200 header lines");
      return HttpParse::header_too_large;
    }
    std::string name;
    for (char c : line.substr(0, colon)) name += lower(c);
    out.headers.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
  }

  const std::string_view body = data.substr(body_start);
  if (out.status < 200 || out.status == 204 || out.status == 304) return HttpParse::complete;

  bool chunked = false;
  std::optional<std::size_t> length;
  for (const auto& [k, v] : out.headers) {
    if (k == "transfer-encoding") {
      std::string lv;
      for (char c : v) lv += lower(c);
      chunked = lv.find("chunked") != std::string::npos;
    } else if (k == "content-length") {
      std::size_t n = 0;
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || p != v.data() + v.size() || (length && *length != n)) {
        set_error(error, "bad Content-Length");
        return HttpParse::malformed;
      }
      length = n;
    }
  }
  if (chunked) {
    std::size_t p = 0;
    while (true) {
      const std::size_t nl = body.find('\n', p);
      if (nl == std::string_view::npos) {
        if (body.size() - p > 1024) {
          set_error(error, "chunk size line too long");
          return HttpParse::malformed;
        }
        break;  // need more
      }
      std::string_view size_line = trim(body.substr(p, nl - p));
      size_line = size_line.substr(0, size_line.find(';'));
      std::size_t n = 0;
      const auto [q, ec] = std::from_chars(size_line.data(), size_line.data() + size_line.size(), n, 16);
      if (ec != std::errc{} || q != size_line.data() + size_line.size() || size_line.empty() ||
          n > (std::size_t{1} << 40)) {
        set_error(error, "bad chunk size");
        return HttpParse::malformed;
      }
      if (n == 0) return HttpParse::complete;  // trailers, if any, are not needed
      const std::size_t data_at = nl + 1;
      if (body.size() - data_at < n + 1) {
        out.body.append(body.substr(data_at, std::min(n, body.size() - data_at)));
        break;
      }
      out.body.append(body.substr(data_at, n));
      p = data_at + n;
      if (body[p] == '\r') ++p;
      if (p >= body.size()) break;
      if (body[p] != '\n') {
        set_error(error, "chunk not followed by CRLF");
        return HttpParse::malformed;
      }
      ++p;
    }
    if (eof) {
      out.body_truncated = true;
      return HttpParse::complete;
    }
    return HttpParse::incomplete;
  }
  if (length) {
    if (body.size() >= *length) {
      out.body.assign(body.substr(0, *length));
      return HttpParse::complete;
    }
    if (eof) {
      out.body.assign(body);
      out.body_truncated = true;
      return HttpParse::complete;
    }
    return HttpParse::incomplete;
  }
  if (eof) {
    out.body.assign(body);
    return HttpParse::complete;
  }
  return HttpParse::incomplete;
}

}  // namespace lookalike::scoring
