// Reading registry data: RFC 1035 master files (CZDS gzip dumps with absolute owners one record
// per line; `dig AXFR` / `ldns-read-zone` output with $ORIGIN, $TTL, relative names, @,
// parentheses, comments and escapes) and domain lists (one name per line, URLs and trailing dots
// tolerated), gzip or plain, reduced to the registrable domains they delegate. Hand-written and
// bounded: nothing grows with a line beyond kMaxLineBytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>

namespace lookalike::ingest {

enum class Format : std::uint8_t { automatic, zone, list };

// "auto", "zone", "list".
[[nodiscard]] std::string_view format_name(Format f) noexcept;
// Parses a format_name; the error names the accepted values.
[[nodiscard]] std::expected<Format, std::string> parse_format(std::string_view s);

// A line longer than this (without its newline) is malformed, never buffered whole.
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;

// What is wrong with one input: the file ("-" for stdin), its 1-based line (0: not at a line).
struct ParseError {
  std::string file;
  std::uint64_t line = 0;
  std::string reason;
  // "com.txt.gz:12: reason" (no line part when line is 0).
  [[nodiscard]] std::string message() const;
};

// One line's problem in the line parsers. `fatal`: the input cannot be trusted any further (a zone
// of another origin than declared); otherwise the line is skipped and parsing goes on.
struct LineError {
  std::string reason;
  bool fatal = false;
};

// Receives each delegated registrable domain: lower-case ASCII, no trailing dot; the view is valid
// only during the call. Repeats of the previous name are dropped; other duplicates are not.
using NameSink = std::function<void(std::string_view registrable)>;

// A master-file parser fed one line at a time (records may span lines inside parentheses). The
// names it emits are the owners of NS records at or below the registrable level, reduced to their
// registrable domain (Public Suffix List); owners that are themselves public suffixes (the zone's
// apex in a TLD zone) and owners that are not host names are skipped.
class ZoneParser {
 public:
  // `declared_origin`: the zone the caller expects (lower case, no trailing dot); empty: the
  // first $ORIGIN or SOA owner sets it.
  explicit ZoneParser(std::string declared_origin = {});

  // Parses one line (without its newline). A malformed record or directive, or an owner outside
  // the zone, returns an error and the parser stays usable; see LineError::fatal.
  [[nodiscard]] std::expected<void, LineError> line(std::string_view text, const NameSink& sink);
  // End of input: a record left open by a parenthesis is an error.
  [[nodiscard]] std::expected<void, LineError> finish(const NameSink& sink);

  // The zone's apex as declared or learnt ("" until known).
  [[nodiscard]] const std::string& origin() const noexcept { return apex_; }
  // Records (resource records, not lines) parsed so far, and NS owners skipped as not host names.
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
  [[nodiscard]] std::uint64_t not_host_names() const noexcept { return not_host_; }

 private:
  // The first kKept tokens of an entry and the number of tokens it has.
  static constexpr std::size_t kKept = 6;
  using Tokens = std::array<std::string_view, kKept>;
  std::expected<void, LineError> entry(const Tokens& t, const NameSink& sink);
  std::expected<void, LineError> directive(const Tokens& t);
  std::expected<void, LineError> absolute(std::string_view token, std::string& out, bool& host) const;

  std::string apex_;
  bool apex_known_ = false;  // apex_ "" is the root zone once known
  std::string origin_;       // current $ORIGIN (relative names are completed with it)
  bool origin_known_ = false;
  bool origin_host_ = true;  // origin_ is made of host-name labels
  std::string owner_;        // the previous record's owner (for lines that start with a blank)
  bool owner_host_ = true;   // owner_ is a host name
  bool have_owner_ = false;
  std::string last_ns_owner_;
  std::string last_emitted_;
  // The entry being assembled (a record may span lines inside parentheses).
  std::string tokens_;  // a multi-line entry's kept tokens, separated by '\0' (one-line entries are views)
  std::size_t token_count_ = 0;
  bool multiline_ = false;
  bool blank_owner_ = false;
  int depth_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t not_host_ = 0;
};

// Parses one line of a domain list: blank lines and '#' or ';' comments are skipped; the first
// field is a name in any form domain::parse accepts (URL, upper case, U-labels, trailing dot).
// LDH host names are taken as they are (A-labels IDNA2008 refuses included: registries hold
// them); a name that is not a registrable domain is an error, otherwise its registrable domain is
// emitted.
[[nodiscard]] std::expected<void, LineError> parse_list_line(std::string_view text, const NameSink& sink);

// The registrable domain of a lower-case ASCII host name, or "" when the name is itself a public
// suffix. A view into `ascii`.
[[nodiscard]] std::string_view registrable_part(std::string_view ascii);

struct ReadOptions {
  Format format = Format::automatic;  // automatic: a first record line of 3+ fields or a $ line is a zone
  std::string origin;                 // zone: the declared origin (see ZoneParser)
  bool strict = false;                // the first malformed line fails the read
  // Called once, before the first name is emitted, with the format in use and a zone's apex ("" for
  // a list): what a caller labelling names by their source needs before the read ends.
  std::function<void(Format format, std::string_view origin)> on_first_name;
};

struct ReadStats {
  Format format = Format::automatic;  // the format used
  std::string origin;                 // zone: its apex
  std::uint64_t lines = 0;
  std::uint64_t records = 0;         // zone records / list names read
  std::uint64_t names = 0;           // names emitted
  std::uint64_t malformed = 0;       // lines skipped
  std::uint64_t not_host_names = 0;  // zone NS owners that are not host names (skipped)
  std::uint64_t bytes = 0;           // decompressed bytes
};

// Called for each malformed line that is skipped.
using MalformedSink = std::function<void(const ParseError&)>;

// Reads `path` ("-": standard input), gzip (by its magic bytes, concatenated members allowed) or
// plain text, and emits its names. Fatal: unreadable, empty, truncated or corrupt gzip, a fatal
// line, no names at all, or (strict) any malformed line.
[[nodiscard]] std::expected<ReadStats, ParseError> read_names(const std::string& path, const ReadOptions& options,
                                                              const NameSink& sink, const MalformedSink& on_malformed);

}  // namespace lookalike::ingest
