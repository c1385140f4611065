#include "pipeline/log_list.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "net/http.hpp"

namespace lookalike::pipeline {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool names_log(const std::string& name, const ctlog::LogInfo& l) {
  const std::string q = lower(name);
  return q == lower(l.short_name()) || q == lower(l.description) || name == l.log_id_b64 || q == lower(l.url);
}

std::expected<std::string, std::string> fetch(const std::string& url, const std::string& ca_file) {
  net::HttpOptions o;
  o.timeout = std::chrono::milliseconds(15000);
  o.ca_file = ca_file;
  auto r = net::make_http_client(o)->get(url);
  if (!r) return std::unexpected("cannot fetch log list: " + r.error().what);  // names the URL
  if (r->status != 200) return std::unexpected("cannot fetch log list " + url + ": HTTP " + std::to_string(r->status));
  return std::move(r->body);
}

}  // namespace

std::expected<LoadedLogList, std::string> load_log_list(const LogListSource& s) {
  LoadedLogList out;
  std::string text;
  if (s.source.empty() || s.source == "bundled") {
    out.from = "the bundled snapshot";
    text = std::string(ctlog::bundled_log_list());
    if (s.fetch_published && s.source.empty()) {
      const std::string url(ctlog::default_log_list_url);
      if (auto body = fetch(url, s.ca_file)) {
        text = std::move(*body);
        out.from = url;
      } else {
        out.warning = body.error() + "; using the bundled snapshot";
      }
    }
  } else if (s.source.starts_with("https://") || s.source.starts_with("http://")) {
    auto body = fetch(s.source, s.ca_file);
    if (!body) return std::unexpected(body.error());
    text = std::move(*body);
    out.from = s.source;
  } else {
    std::ifstream f(s.source, std::ios::binary);
    if (!f) return std::unexpected("cannot read log list " + s.source);
    std::ostringstream b;
    b << f.rdbuf();
    text = b.str();
    out.from = s.source;
  }
  auto list = ctlog::parse_log_list(text);
  if (!list) return std::unexpected(out.from + ": " + list.error().what);
  out.list = std::move(*list);
  return out;
}

std::expected<std::vector<ctlog::LogInfo>, std::string> select_logs(const ctlog::LogList& list,
                                                                    const std::vector<std::string>& names,
                                                                    bool all_states) {
  std::vector<ctlog::LogInfo> out;
  for (const auto& l : list.logs) {
    const bool chosen = names.empty() ? all_states || l.followed_by_default()
                                      : std::any_of(names.begin(), names.end(), [&](const auto& n) { return names_log(n, l); });
    if (chosen) out.push_back(l);
  }
  for (const auto& n : names) {
    if (std::none_of(out.begin(), out.end(), [&](const auto& l) { return names_log(n, l); })) {
      return std::unexpected("no log named \"" + n + "\" in the log list");
    }
  }
  return out;
}

std::expected<void, std::string> parse_start(const std::string& from, ctlog::FollowOptions& options) {
  if (from == "start") {
    options.from = ctlog::StartFrom::start;
  } else if (from == "end") {
    options.from = ctlog::StartFrom::end;
  } else {
    try {
      std::size_t used = 0;
      options.from_index = std::stoull(from, &used);
      if (used != from.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return std::unexpected("--from: expected start, end or an entry index, got \"" + from + "\"");
    }
    options.from = ctlog::StartFrom::index;
  }
  return {};
}

}  // namespace lookalike::pipeline
