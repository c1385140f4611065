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
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

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
// removed files", space-separated, then, while a chunked ingest is under way, " pending
// generation date names items done" (what that run commits and how many items it committed).
struct Pending {
  std::uint64_t generation = 0;
  std::string date;
  std::uint64_t names = 0;
  std::uint64_t items = 0;
  std::uint64_t done = 0;
};
struct Position {
  SourceState committed;  // files == 0: no file committed yet
  std::optional<Pending> pending;
};

std::string encode_position(const SourceState& s, const std::optional<Pending>& p = std::nullopt) {
  std::string v = "1 " + std::to_string(s.generation) + " " + s.date + " " + std::to_string(s.names) + " " +
                  std::to_string(s.matches) + " " + std::to_string(s.added) + " " + std::to_string(s.removed) + " " +
                  std::to_string(s.files);
  if (p) {
    v += " pending " + std::to_string(p->generation) + " " + p->date + " " + std::to_string(p->names) + " " +
         std::to_string(p->items) + " " + std::to_string(p->done);
  }
  return v;
}

std::expected<Position, std::string> decode_position(std::string_view source, std::string_view v) {
  std::istringstream in{std::string(v)};
  int version = 0;
  Position pos;
  SourceState& s = pos.committed;
  s.source = std::string(source);
  auto damaged = [&] { return std::unexpected("ingest position of " + std::string(source) + " is damaged"); };
  if (!(in >> version >> s.generation >> s.date >> s.names >> s.matches >> s.added >> s.removed >> s.files) ||
      version != 1 || !valid_date(s.date)) {
    return damaged();
  }
  if (std::string word; in >> word) {
    Pending p;
    if (word != "pending" || !(in >> p.generation >> p.date >> p.names >> p.items >> p.done) || !valid_date(p.date) ||
        p.done > p.items) {
      return damaged();
    }
    pos.pending = std::move(p);
  }
  return pos;
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

// The look-alikes of one file, compactly (a name's bytes in one arena, its brands as views into
// the matcher): a zone can hold millions of them.
class Lookalikes {
 public:
  struct Item {
    std::uint64_t offset = 0;  // of the name in the arena
    std::uint32_t length = 0;
    std::uint32_t brands_begin = 0;  // in brand_refs, strongest first
    std::uint32_t brands_count = 0;
    generator::Rule rule = generator::Rule::edit;
    int distance = 0;
  };
  void add(std::string_view name, const std::vector<generator::Match>& ms) {
    Item it{arena_.size(), static_cast<std::uint32_t>(name.size()), static_cast<std::uint32_t>(brand_refs_.size()),
            static_cast<std::uint32_t>(ms.size()), ms[0].rule, ms[0].distance};
    arena_.append(name);
    for (const auto& m : ms) brand_refs_.push_back(m.brand);
    items_.push_back(it);
  }
  // Name order, each name once.
  void finish() {
    std::sort(items_.begin(), items_.end(), [&](const Item& a, const Item& b) { return name_of(a) < name_of(b); });
    items_.erase(std::unique(items_.begin(), items_.end(),
                             [&](const Item& a, const Item& b) { return name_of(a) == name_of(b); }),
                 items_.end());
  }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  [[nodiscard]] std::string_view name(std::size_t i) const noexcept { return name_of(items_[i]); }
  [[nodiscard]] MatchedName matched(std::size_t i) const {
    const Item& it = items_[i];
    return MatchedName{std::string(name_of(it)), std::string(brand_refs_[it.brands_begin]),
                       std::string(generator::rule_name(it.rule)), it.distance, Change::seen};
  }
  [[nodiscard]] std::vector<std::string> brands(std::size_t i) const {
    const Item& it = items_[i];
    return {brand_refs_.begin() + it.brands_begin, brand_refs_.begin() + it.brands_begin + it.brands_count};
  }

 private:
  [[nodiscard]] std::string_view name_of(const Item& it) const noexcept {
    return std::string_view(arena_).substr(it.offset, it.length);
  }
  std::string arena_;
  std::vector<std::string_view> brand_refs_;
  std::vector<Item> items_;
};

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
  // Matches what is left and returns every look-alike found, in name order.
  Lookalikes finish() {
    hand_over();
    stop();
    found_.finish();
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
        if (ms.empty()) continue;
        std::sort(ms.begin(), ms.end(), stronger);
        found_.add(name, ms);
      }
    }
  }

  const generator::Matcher& matcher_;
  Names current_;  // filled by the parsing thread
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Names> queue_;
  bool done_ = false;
  Lookalikes found_;  // the worker's until finish()
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

std::string source_name(const std::string& path, Format format, std::string_view zone_apex, std::string_view source) {
  if (format == Format::zone) return zone_apex.empty() ? std::string() : "zone:" + std::string(zone_apex);
  return "feed:" + (source.empty() ? file_stem(path) : std::string(source));
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
    auto p = decode_position(source, value);
    if (!p) return std::unexpected(p.error());
    out.push_back(std::move(p->committed));
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
  state::NameHashes hashes;
  MatchPipeline pipeline(matcher);
  const NameSink sink = [&](std::string_view name) {
    hashes.add(name_hash(name));
    pipeline.add(name);
  };
  ReadOptions ro;
  ro.format = options.format;
  ro.origin = options.source;
  ro.strict = options.strict;
  auto read = read_names(path, ro, sink, on_malformed);
  const Lookalikes found = pipeline.finish();
  if (!read) return std::unexpected(read.error());
  report.read = *read;
  const bool zone = read->format == Format::zone;
  report.source = source_name(path, read->format, read->origin, options.source);
  if (report.source.empty()) return fail("cannot tell which zone this is (no $ORIGIN or SOA): give --source ZONE");
  hashes.finish();
  report.names = hashes.size();
  step("parsed");

  // 2. The previous state of the source, and the diff against it.
  auto stored = store.get_feed_state(report.source);
  if (!stored) return fail(stored.error().message);
  std::optional<Position> pos;
  std::optional<SourceState> prev;  // the last file committed
  if (*stored) {
    auto p = decode_position(report.source, **stored);
    if (!p) return fail(p.error());
    pos = std::move(*p);
    if (pos->committed.files > 0) prev = pos->committed;
  }
  if (prev) {
    if (report.date < prev->date) {
      return fail(report.source + " was last ingested for " + prev->date + ": ingest a source's files in date order");
    }
    report.previous_date = prev->date;
  }
  std::vector<std::uint64_t> probes;  // hashes of today's look-alikes
  for (std::size_t i = 0; i < found.size(); ++i) probes.push_back(name_hash(found.name(i)));
  std::vector<std::size_t> order(probes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return probes[a] < probes[b]; });
  std::vector<std::uint64_t> sorted_probes;
  for (const std::size_t i : order) sorted_probes.push_back(probes[i]);
  std::vector<bool> in_prev_sorted;
  std::vector<std::string> prev_matched;
  bool diffed = false;  // the previous file's hashes were there to compare with
  if (prev) {
    const std::string prev_path = state::file_path(options.state_dir, report.source, prev->generation);
    std::error_code ec;
    if (!std::filesystem::exists(prev_path, ec)) {
      // A store restored from an export has the position but not the hash file beside it.
      report.note = "the state file of " + report.source + "'s " + prev->date + " data is missing (" + prev_path +
                    "; a restored store?): compared with nothing, so no registrations or deletions are reported "
                    "for this file";
    } else {
      auto d = state::diff(prev_path, hashes, sorted_probes, in_prev_sorted);
      if (!d) return fail(d.error());
      diffed = true;
      report.added = d->added;
      report.removed = d->removed;
      prev_matched = std::move(d->matched_names);
      if (!pos->pending && report.date == prev->date && d->added == 0 && d->removed == 0) {
        // The same data again (a rerun after a crash that followed the commit): nothing to do.
        report.added = prev->added;
        report.removed = prev->removed;
        state::remove_others(options.state_dir, report.source, prev->generation);
        for (std::size_t i = 0; i < found.size(); ++i) report.matches.push_back(found.matched(i));
        step("committed");
        return report;
      }
    }
  }
  std::vector<bool> in_prev(probes.size(), false);
  for (std::size_t k = 0; k < order.size() && diffed; ++k) in_prev[order[k]] = in_prev_sorted[k];
  // A look-alike of the previous file that this zone no longer delegates (a list is not a
  // snapshot of a registry: its removals are counted, never recorded).
  std::vector<std::string> gone;
  if (zone) {
    for (auto& name : prev_matched) {
      if (!hashes.contains(name_hash(name))) gone.push_back(std::move(name));
    }
  }
  prev_matched = {};

  SourceState next;
  next.source = report.source;
  next.date = report.date;
  next.generation = prev ? prev->generation + 1 : 1;
  next.names = report.names;
  next.matches = found.size();
  next.added = report.added;
  next.removed = report.removed;
  next.files = prev ? prev->files + 1 : 1;
  // The work: today's look-alikes in name order, then the deletions; committed in chunks.
  const std::uint64_t items = found.size() + gone.size();
  std::uint64_t done = 0;
  if (pos && pos->pending) {
    const Pending& p = *pos->pending;
    if (p.generation != next.generation || p.date != report.date || p.names != report.names || p.items != items) {
      return fail(report.source + ": the ingest of its " + p.date +
                  " file was interrupted after committing part of it; ingest that file again first");
    }
    done = p.done;  // the same file again: go on after what the interrupted run committed
    report.resumed = done;
  }

  // 3. The new state file first (not yet current: the position names the old generation until
  //    the last commit).
  {
    std::vector<std::string> matched_names;
    matched_names.reserve(found.size());
    for (std::size_t i = 0; i < found.size(); ++i) matched_names.emplace_back(found.name(i));
    const std::string next_path = state::file_path(options.state_dir, report.source, next.generation);
    if (auto r = state::write(next_path, hashes, matched_names); !r) return fail(r.error());
  }
  step("state-written");

  // 4. Batches of candidates, observations and events of the changes; the last one also moves
  //    the position. Each earlier one records how far it got, so a rerun resumes there.
  const std::int64_t seen = date_ms(report.date);
  const std::string provenance = report.source + "@" + report.date;
  const std::size_t chunk = std::max<std::size_t>(options.commit_every, 1);
  SourceState base = prev ? *prev : SourceState{report.source, report.date, 0, 0, 0, 0, 0, 0};
  index::Batch batch;
  std::size_t in_batch = 0;
  auto check = [&](std::expected<void, index::Error> r) -> bool { return r.has_value(); };
  auto commit = [&](std::uint64_t upto) -> std::expected<void, std::string> {
    const bool last = upto == items;
    const std::string position =
        last ? encode_position(next)
             : encode_position(base, Pending{next.generation, report.date, report.names, items, upto});
    if (auto r = batch.put_feed_state(report.source, position); !r) return std::unexpected(r.error().message);
    if (auto r = store.commit(std::exchange(batch, index::Batch{})); !r) return std::unexpected(r.error().message);
    in_batch = 0;
    step(last ? "committed" : "chunk-committed");
    return {};
  };
  for (std::uint64_t k = done; k < items; ++k) {
    if (k < found.size()) {
      const std::size_t i = static_cast<std::size_t>(k);
      MatchedName m = found.matched(i);
      const std::string& name = m.name;
      const bool was_there = in_prev[i];
      auto known = store.get_candidate(name);
      if (!known) return fail(known.error().message);
      if (diffed && !was_there) {
        m.change = Change::registered;
      } else if (!*known) {
        m.change = Change::new_candidate;
      }
      index::CandidateUpdate u;
      u.name = name;
      u.brands = found.brands(i);
      if (!was_there) u.fuzzers = {provenance};  // the first file of this source that had it
      u.seen = seen;
      // Only news: a name still delegated keeps whatever the resolver found out about it since.
      if (zone && m.change != Change::seen) {
        u.state = index::StateSummary{seen, index::DnsOutcome::unknown,
                                      index::state_flag::registered | index::state_flag::has_ns};
      }
      if (auto r = batch.upsert(u); !r) return fail("candidate " + name + ": " + r.error().message);
      if (m.change != Change::seen) {
        const auto kind =
            m.change == Change::registered ? index::EventKind::registered : index::EventKind::new_candidate;
        std::string detail;
        for (const auto& b : u.brands) detail += (detail.empty() ? "" : ",") + b;
        if (m.change == Change::registered) detail = provenance + " " + detail;
        if (!check(batch.append_event(kind, name, detail)) ||
            !check(batch.record_observation(
                {name, seen, index::ObservationKind::other, observation_json(report.source, report.date, m)}))) {
          return fail("cannot record " + name);
        }
        ++report.events;
      }
      report.matches.push_back(std::move(m));
    } else {
      const std::string& name = gone[static_cast<std::size_t>(k - found.size())];
      MatchedName m{name, {}, {}, 0, Change::deleted};
      std::string detail = provenance;
      if (auto c = store.get_candidate(name); c && *c) {
        for (std::size_t i = 0; i < (*c)->brands.size(); ++i) detail += (i ? "," : " ") + (*c)->brands[i];
        if (!(*c)->brands.empty()) m.brand = (*c)->brands.front();
      }
      index::CandidateUpdate u;
      u.name = name;
      u.seen = date_ms(prev->date);
      u.state = index::StateSummary{seen, index::DnsOutcome::nxdomain, 0};
      if (auto r = batch.upsert(u); !r) return fail("candidate " + name + ": " + r.error().message);
      if (!check(batch.append_event(index::EventKind::deleted, name, detail)) ||
          !check(batch.record_observation(
              {name, seen, index::ObservationKind::other, observation_json(report.source, report.date, m)}))) {
        return fail("cannot record " + name);
      }
      ++report.events;
      report.matches.push_back(std::move(m));
    }
    if (++in_batch == chunk && k + 1 < items) {
      if (auto r = commit(k + 1); !r) {
        return fail(r.error() + " (committed up to look-alike " + std::to_string(k + 1 - chunk) + " of " +
                    std::to_string(items) + ": ingest this file again to finish it)");
      }
    }
  }
  if (!gone.empty()) {
    std::sort(report.matches.begin(), report.matches.end(),
              [](const MatchedName& a, const MatchedName& b) { return a.name < b.name; });
  }
  if (auto r = commit(items); !r) return fail(r.error());
  state::remove_others(options.state_dir, report.source, next.generation);
  return report;
}

}  // namespace lookalike::ingest
