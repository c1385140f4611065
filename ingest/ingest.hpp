// Ingesting registry data: every registrable name of a zone file or domain list goes through the
// brand matcher; matches become candidates in the index (provenance "zone:com@2026-12-02" or
// "feed:NAME@date", first/last seen, change-feed events), and the source's day-over-day state (a
// sorted file of 64-bit name hashes, never the names as strings) tells which names were added
// and removed since the previous file of the same source.
//
// Crash safety: the new state file is written (temporary file, fsync, rename) under a new
// generation number before the index commit; the commit carries the source's position record
// naming that generation, so a kill -9 at any point leaves either the old state and nothing of
// this file, or everything. A rerun after the commit finds no change and appends no event.
// A file with more look-alikes than IngestOptions::commit_every is committed in chunks (memory
// stays bounded); each chunk's batch records how far it got in the source's position, the
// position itself moves only with the last chunk, and a rerun of the same file after a kill
// resumes after the last committed chunk (no event lost or doubled). Until then the source
// refuses other files.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/parse.hpp"

namespace lookalike::generator {
class Matcher;
}
namespace lookalike::index {
class Store;
}

namespace lookalike::ingest {

struct IngestOptions {
  Format format = Format::automatic;
  std::string
      source;        // zone: the zone (declared origin; default: the file's); list: the feed name (default: file stem)
  std::string date;  // YYYY-MM-DD of the data (default: today, UTC)
  bool strict = false;    // the first malformed line fails the file
  std::string state_dir;  // where the per-source hash files live (beside the store)
  // Called after each step ("parsed", "state-written", "chunk-committed", "committed"): progress,
  // and the crash tests.
  std::function<void(std::string_view step)> on_step;
  // Look-alikes (and deletions) per index commit: bounds the memory of a huge first file.
  std::size_t commit_every = 20000;
};

// What happened to one matching name in this ingest.
enum class Change : std::uint8_t {
  seen,           // still there (or seen again on the first file of a source and known to the store)
  new_candidate,  // not in the store before
  registered,     // a zone newly delegates it (absent from the previous file of the source)
  deleted,        // the previous zone file delegated it, this one does not
};
// "seen", "new", "registered", "deleted".
[[nodiscard]] std::string_view change_name(Change c) noexcept;

struct MatchedName {
  std::string name;
  std::string brand;  // the strongest match's brand (see generator::Matcher)
  std::string rule;
  int distance = 0;
  Change change = Change::seen;
};

struct IngestReport {
  std::string file;
  std::string source;         // "zone:com", "feed:nrd"
  std::string date;           // this file's date
  std::string previous_date;  // the source's previous file ("" on the first)
  ReadStats read;
  std::uint64_t names = 0;  // distinct registrable names
  std::uint64_t added = 0;  // since the previous file (0 on the first)
  std::uint64_t removed = 0;
  std::vector<MatchedName> matches;  // name order; deleted names included
  std::uint64_t events = 0;          // change-feed events appended
  std::uint64_t resumed = 0;         // look-alikes an interrupted run of this file had committed (not in `matches`)
  std::string note;                  // a warning for the operator ("" when none)
};

// The stored position of one source (see source_stats).
struct SourceState {
  std::string source;
  std::string date;  // of the last file ingested
  std::uint64_t generation = 0;
  std::uint64_t names = 0;    // distinct registrable names in that file
  std::uint64_t matches = 0;  // of them, look-alikes of the brands
  std::uint64_t added = 0;    // since the file before it
  std::uint64_t removed = 0;
  std::uint64_t files = 0;  // files ingested for this source
};

// Ingests one file ("-": stdin) into `store` (errors name the file, line and reason; nothing of a
// failed file is committed). `matcher` is built from the store's brands.
[[nodiscard]] std::expected<IngestReport, ParseError> ingest_file(const std::string& path,
                                                                  const generator::Matcher& matcher,
                                                                  index::Store& store, const IngestOptions& options,
                                                                  const MalformedSink& on_malformed);

// The source a file's names are ingested under: "zone:<apex>" for a zone ("" while the apex is
// unknown), "feed:<name>" for a list (`source` when given, else the file's stem: "nrd" for
// "nrd.txt.gz").
[[nodiscard]] std::string source_name(const std::string& path, Format format, std::string_view zone_apex,
                                      std::string_view source);

// Every source's position, in source order.
[[nodiscard]] std::expected<std::vector<SourceState>, std::string> source_states(const index::Store& store);

// A file waiting in a feed directory (an operator's CZDS download job or NRD fetcher drops them
// there), with the date of its data.
struct FeedFile {
  std::string path;
  std::string date;  // YYYY-MM-DD
  std::string key;   // name, size and modification time: a rewritten file is new again
};

// The files of `dir` (not recursive; names starting with '.' and ending in ".tmp", ".part" or
// "~" are skipped as downloads in progress) that `ledger` does not list, oldest first. The date is
// the first YYYY-MM-DD or YYYYMMDD in the file name, else the file's modification day (UTC).
[[nodiscard]] std::expected<std::vector<FeedFile>, std::string> pending_feed_files(const std::string& dir,
                                                                                   const std::string& ledger);

// Appends `file` to `ledger` (created if missing, fsynced) with its outcome, so it is not taken
// again. Record a file after its ingest commits: a crash in between makes the rerun a no-op.
[[nodiscard]] std::expected<void, std::string> mark_feed_file(const std::string& ledger, const FeedFile& file, bool ok);

// The ledger of feed directory `dir` inside `state_dir` (one per directory).
[[nodiscard]] std::string feed_ledger_path(const std::string& state_dir, const std::string& dir);

// The UTC date of a Unix time, YYYY-MM-DD.
[[nodiscard]] std::string utc_date(std::int64_t unix_seconds);

// Today's date (UTC) as YYYY-MM-DD.
[[nodiscard]] std::string today_utc();

// True for a valid YYYY-MM-DD date.
[[nodiscard]] bool valid_date(std::string_view date);

// The 64-bit hash the day-over-day state keeps per name (stable across versions: it is on disk).
[[nodiscard]] std::uint64_t name_hash(std::string_view name) noexcept;

}  // namespace lookalike::ingest
