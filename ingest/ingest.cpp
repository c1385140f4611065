// ingest_file: parse -> match -> diff against the source's previous state -> one index commit.
#include "ingest/ingest.hpp"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "domain/domain.hpp"
#include "generator/matcher.hpp"
#include "index/index.hpp"
#include "ingest/state.hpp"
#include "util/time.hpp"
#include "util/json.hpp"

namespace lookalike::ingest {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

// The source's position record in the index (owned here): "1 generation date names matches added
// removed files", space-separated.
std::string encode_position(const SourceState& s) {
  return "1 " + std::to_string(s.generation) + " " + s.date + " " + std::to_string(s.names) + " " +
         std::to_string(s.matches) + " " + std::to_string(s.added) + " " + std::to_string(s.removed) + " " +
         std::to_string(s.files);
}

std::expected<SourceState, std::string> decode_position(std::string_view source, std::string_view v) {
  std::istringstream in{std::string(v)};
  int version = 0;
  SourceState s;
  s.source = std::string(source);
  if (!(in >> version >> s.generation >> s.date >> s.names >> s.matches >> s.added >> s.removed >> s.files) ||
      version != 1 || !valid_date(s.date)) {
    return std::unexpected("ingest position of " + std::string(source) + " is damaged");
  }
  return s;
}

std::int64_t date_ms(std::string_view date) {
  unsigned y = 0, m = 0, d = 0;
  std::from_chars(date.data(), date.data() + 4, y);
  std::from_chars(date.data() + 5, date.data() + 7, m);
  std::from_chars(date.data() + 8, date.data() + 10, d);
  return util::days_from_civil(y, m, d) * kDayMs;
}

// "com.txt.gz" -> "com.txt": a feed's default name.
std::string file_stem(const std::string& path) {
  if (path == "-") return "stdin";
  std::string s = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".txt", ".csv", ".list", ".zone"}) {
    if (s.size() > std::strlen(ext) && s.ends_with(ext)) s.resize(s.size() - std::strlen(ext));
  }
  std::string out;
  for (char c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += domain::is_ldh(c) || c == '.' || c == '_' ? c : '_';
  }
  return out;
}

// The strongest match first: rule order, then distance (the matcher's own ranking).
bool stronger(const generator::Match& a, const generator::Match& b) {
  return a.rule != b.rule ? a.rule < b.rule : a.distance < b.distance;
}

struct Found {
  MatchedName m;
  std::vector<std::string> brands;
};
using FoundMap = std::map<std::string, Found, std::less<>>;

// Names cut by the parser are matched on a second thread, in batches: parsing (with inflate) and
// matching cost about the same per name, so on two cores they overlap. At most kDepth batches wait,
// so memory stays bounded whichever side is slower.
class MatchPipeline {
 public:
  explicit MatchPipeline(const generator::Matcher& matcher) : matcher_(matcher), worker_([this] { run(); }) {}
  MatchPipeline(const MatchPipeline&) = delete;
  MatchPipeline& operator=(const MatchPipeline&) = delete;
  ~MatchPipeline() { stop(); }

  void add(std::string_view name) {
    current_.text.append(name);
    current_.ends.push_back(static_cast<std::uint32_t>(current_.text.size()));
    if (current_.ends.size() == kBatch) hand_over();
  }
  // Matches what is left and returns every look-alike found.
  FoundMap finish() {
    hand_over();
    stop();
    return std::move(found_);
  }

 private:
  static constexpr std::size_t kBatch = 16384;
  static constexpr std::size_t kDepth = 4;
  struct Names {
    std::string text;
    std::vector<std::uint32_t> ends;
  };

  void hand_over() {
    if (current_.ends.empty()) return;
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return queue_.size() < kDepth; });
    queue_.push_back(std::move(current_));
    current_ = Names{};
    ready_.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    ready_.notify_one();
    if (worker_.joinable()) worker_.join();
  }
  void run() {
    std::vector<generator::Match> ms;
    for (;;) {
      Names batch;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      room_.notify_one();
      std::uint32_t begin = 0;
      for (const std::uint32_t end : batch.ends) {
        const std::string_view name = std::string_view(batch.text).substr(begin, end - begin);
        begin = end;
        ms.clear();
        matcher_.match(name, ms);
        if (ms.empty() || found_.contains(name)) continue;
        std::sort(ms.begin(), ms.end(), stronger);
        Found f;
        f.m = MatchedName{std::string(name), std::string(ms[0].brand), std::string(generator::rule_name(ms[0].rule)),
                          ms[0].distance, Change::seen};
        for (const auto& m : ms) f.brands.emplace_back(m.brand);
        found_.emplace(std::string(name), std::move(f));
      }
    }
  }

  const generator::Matcher& matcher_;
  Names current_;  // filled by the parsing thread
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Names> queue_;
  bool done_ = false;
  FoundMap found_;  // the worker's until finish()
  std::thread worker_;
};

std::string observation_json(const std::string& source, const std::string& date, const MatchedName& m) {
  std::string j = "{\"source\":";
  util::append_json_string(j, source);
  j += ",\"date\":\"" + date + "\",\"change\":\"" + std::string(change_name(m.change)) + "\"";
  if (!m.brand.empty()) {
    j += ",\"brand\":";
    util::append_json_string(j, m.brand);
    j += ",\"rule\":\"" + m.rule + "\",\"distance\":" + std::to_string(m.distance);
  }
  return j + "}";
}

}  // namespace

std::string_view change_name(Change c) noexcept {
  switch (c) {
    case Change::seen:
      return "seen";
    case Change::new_candidate:
      return "new";
    case Change::registered:
      return "registered";
    case Change::deleted:
      return "deleted";
  }
  return "seen";
}

std::uint64_t name_hash(std::string_view s) noexcept {
  // 8 bytes at a time, each mixed by a multiply-xorshift (wyhash-like), then MurmurHash3's
  // finaliser. Fixed forever: the state files keep these values.
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
  std::uint64_t h = 0x243f6a8885a308d3ull ^ (s.size() * kMul);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  std::uint64_t tail = 0;
  for (std::size_t k = 0; i + k < s.size(); ++k)
    tail |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[i + k])) << (8 * k);
  h = (h ^ tail) * kMul;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

std::string utc_date(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string today_utc() { return utc_date(std::time(nullptr)); }

bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  const int y = std::stoi(std::string(d.substr(0, 4)));
  const int m = std::stoi(std::string(d.substr(5, 2)));
  const int day = std::stoi(std::string(d.substr(8, 2)));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || m < 1 || m > 12 || day < 1 || day > kDays[m - 1]) return false;
  return m != 2 || day < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

std::expected<std::vector<SourceState>, std::string> source_states(const index::Store& store) {
  auto all = store.list_feed_states();
  if (!all) return std::unexpected(all.error().message);
  std::vector<SourceState> out;
  for (const auto& [source, value] : *all) {
    auto s = decode_position(source, value);
    if (!s) return std::unexpected(s.error());
    out.push_back(std::move(*s));
  }
  return out;
}

std::expected<IngestReport, ParseError> ingest_file(const std::string& path, const generator::Matcher& matcher,
                                                    index::Store& store, const IngestOptions& options,
                                                    const MalformedSink& on_malformed) {
  auto fail = [&](std::string reason) { return std::unexpected(ParseError{path, 0, std::move(reason)}); };
  auto step = [&](std::string_view s) {
    if (options.on_step) options.on_step(s);
  };
  IngestReport report;
  report.file = path;
  report.date = options.date.empty() ? today_utc() : options.date;
  if (!valid_date(report.date)) return fail("date " + report.date + " is not a YYYY-MM-DD date");

  // 1. Parse and match. Only the hashes of all names are kept; the look-alikes (few) by name.
  std::vector<std::uint64_t> hashes;
  hashes.reserve(1 << 16);
  MatchPipeline pipeline(matcher);
  const NameSink sink = [&](std::string_view name) {
    hashes.push_back(name_hash(name));
    pipeline.add(name);
  };
  ReadOptions ro;
  ro.format = options.format;
  ro.origin = options.source;
  ro.strict = options.strict;
  auto read = read_names(path, ro, sink, on_malformed);
  FoundMap found = pipeline.finish();
  if (!read) return std::unexpected(read.error());
  report.read = *read;
  const bool zone = read->format == Format::zone;
  if (zone) {
    if (options.source.empty() && read->origin.empty()) {
      return fail("cannot tell which zone this is (no $ORIGIN or SOA): give --source ZONE");
    }
    report.source = "zone:" + read->origin;
  } else {
    report.source = "feed:" + (options.source.empty() ? file_stem(path) : options.source);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  report.names = hashes.size();
  step("parsed");

  // 2. The previous state of the source, and the diff against it.
  auto stored = store.get_feed_state(report.source);
  if (!stored) return fail(stored.error().message);
  std::optional<SourceState> prev;
  if (*stored) {
    auto p = decode_position(report.source, **stored);
    if (!p) return fail(p.error());
    prev = std::move(*p);
    if (report.date < prev->date) {
      return fail(report.source + " was last ingested for " + prev->date + ": ingest a source's files in date order");
    }
    report.previous_date = prev->date;
  }
  std::vector<std::uint64_t> probes;  // hashes of today's look-alikes
  for (const auto& [name, f] : found) probes.push_back(name_hash(name));
  std::vector<std::size_t> order(probes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return probes[a] < probes[b]; });
  std::vector<std::uint64_t> sorted_probes;
  for (const std::size_t i : order) sorted_probes.push_back(probes[i]);
  std::vector<bool> in_prev_sorted;
  std::vector<std::string> prev_matched;
  if (prev) {
    auto d = state::diff(state::file_path(options.state_dir, report.source, prev->generation), hashes, sorted_probes,
                         in_prev_sorted);
    if (!d) return fail(d.error());
    report.added = d->added;
    report.removed = d->removed;
    prev_matched = std::move(d->matched_names);
    if (report.date == prev->date && d->added == 0 && d->removed == 0) {
      // The same data again (a rerun after a crash that followed the commit): nothing to do.
      report.added = prev->added;
      report.removed = prev->removed;
      state::remove_others(options.state_dir, report.source, prev->generation);
      for (auto& [name, f] : found) report.matches.push_back(f.m);
      step("committed");
      return report;
    }
  }
  std::vector<bool> in_prev(probes.size(), false);
  for (std::size_t k = 0; k < order.size() && prev; ++k) in_prev[order[k]] = in_prev_sorted[k];

  // 3. One batch: candidates, observations and events of the changes, and the new position.
  const std::int64_t seen = date_ms(report.date);
  const std::string provenance = report.source + "@" + report.date;
  index::Batch batch;
  auto check = [&](std::expected<void, index::Error> r) -> bool { return r.has_value(); };
  std::size_t k = 0;
  for (auto& [name, f] : found) {
    const bool was_there = in_prev[k++];
    auto known = store.get_candidate(name);
    if (!known) return fail(known.error().message);
    if (prev && !was_there) {
      f.m.change = Change::registered;
    } else if (!*known) {
      f.m.change = Change::new_candidate;
    }
    index::CandidateUpdate u;
    u.name = name;
    u.brands = f.brands;
    if (!was_there) u.fuzzers = {provenance};  // the first file of this source that had it
    u.seen = seen;
    // Only news: a name still delegated keeps whatever the resolver found out about it since.
    if (zone && f.m.change != Change::seen) {
      u.state = index::StateSummary{seen, index::DnsOutcome::unknown,
                                    index::state_flag::registered | index::state_flag::has_ns};
    }
    if (auto r = batch.upsert(u); !r) return fail("candidate " + name + ": " + r.error().message);
    if (f.m.change != Change::seen) {
      const auto kind =
          f.m.change == Change::registered ? index::EventKind::registered : index::EventKind::new_candidate;
      std::string detail;
      for (const auto& b : f.brands) detail += (detail.empty() ? "" : ",") + b;
      if (f.m.change == Change::registered) detail = provenance + " " + detail;
      if (!check(batch.append_event(kind, name, detail)) ||
          !check(batch.record_observation(
              {name, seen, index::ObservationKind::other, observation_json(report.source, report.date, f.m)}))) {
        return fail("cannot record " + name);
      }
      ++report.events;
    }
    report.matches.push_back(f.m);
  }
  if (zone && prev) {
    // A look-alike of the previous file that this zone no longer delegates.
    for (const auto& name : prev_matched) {
      if (std::binary_search(hashes.begin(), hashes.end(), name_hash(name))) continue;
      MatchedName m{name, {}, {}, 0, Change::deleted};
      if (auto c = store.get_candidate(name); c && *c && !(*c)->brands.empty()) m.brand = (*c)->brands.front();
      index::CandidateUpdate u;
      u.name = name;
      u.seen = date_ms(prev->date);
      u.state = index::StateSummary{seen, index::DnsOutcome::nxdomain, 0};
      if (auto r = batch.upsert(u); !r) return fail("candidate " + name + ": " + r.error().message);
      if (!check(batch.append_event(index::EventKind::custom, name, "deleted: no longer in " + provenance)) ||
          !check(batch.record_observation(
              {name, seen, index::ObservationKind::other, observation_json(report.source, report.date, m)}))) {
        return fail("cannot record " + name);
      }
      ++report.events;
      report.matches.push_back(std::move(m));
    }
    std::sort(report.matches.begin(), report.matches.end(),
              [](const MatchedName& a, const MatchedName& b) { return a.name < b.name; });
  }
  SourceState next;
  next.source = report.source;
  next.date = report.date;
  next.generation = prev ? prev->generation + 1 : 1;
  next.names = report.names;
  next.matches = found.size();
  next.added = report.added;
  next.removed = report.removed;
  next.files = prev ? prev->files + 1 : 1;
  if (auto r = batch.put_feed_state(report.source, encode_position(next)); !r) return fail(r.error().message);

  // 4. The new state file first (not yet current: the position names the old generation until
  //    the commit), then the commit, then the old generation goes.
  std::vector<std::string> matched_names;
  for (const auto& [name, f] : found) matched_names.push_back(name);
  const std::string next_path = state::file_path(options.state_dir, report.source, next.generation);
  if (auto r = state::write(next_path, hashes, matched_names); !r) return fail(r.error());
  step("state-written");
  if (auto r = store.commit(std::move(batch)); !r) return fail(r.error().message);
  step("committed");
  state::remove_others(options.state_dir, report.source, next.generation);
  return report;
}

}  // namespace lookalike::ingest
