// read_names: gzip or plain bytes -> bounded lines -> the zone or list parser.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "ingest/parse.hpp"

namespace lookalike::ingest {
namespace {

struct GzClose {
  void operator()(gzFile_s* g) const noexcept { gzclose(g); }
};
using GzPtr = std::unique_ptr<gzFile_s, GzClose>;

// The format of a first content line: a directive or three fields or more make a record.
Format sniff(std::string_view line) {
  if (line.starts_with('$')) return Format::zone;
  int fields = 0;
  bool in_field = false;
  for (const char c : line) {
    const bool blank = c == ' ' || c == '\t' || c == '\r';
    if (c == ';') break;
    if (!blank && !in_field) ++fields;
    in_field = !blank;
  }
  return fields >= 3 ? Format::zone : Format::list;
}

bool content_line(std::string_view line) {
  for (const char c : line) {
    if (c == ' ' || c == '\t' || c == '\r') continue;
    return c != ';' && c != '#';
  }
  return false;
}

}  // namespace

std::expected<ReadStats, ParseError> read_names(const std::string& path, const ReadOptions& options,
                                                const NameSink& sink, const MalformedSink& on_malformed) {
  ReadStats stats;
  stats.format = options.format;
  auto fail = [&](std::uint64_t line, std::string reason) {
    return std::unexpected(ParseError{path, line, std::move(reason)});
  };
  GzPtr g;
  if (path == "-") {
    const int fd = dup(STDIN_FILENO);
    if (fd < 0) return fail(0, std::string("cannot read standard input: ") + std::strerror(errno));
    g.reset(gzdopen(fd, "rb"));
    if (!g) close(fd);
  } else {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(0, std::string("cannot open: ") + std::strerror(errno));
    g.reset(gzdopen(fd, "rb"));
    if (!g) close(fd);
  }
  if (!g) return fail(0, "cannot open: out of memory");
  gzbuffer(g.get(), 1 << 18);

  std::optional<ZoneParser> zone;
  if (options.format == Format::zone) zone.emplace(options.origin);
  std::uint64_t emitted = 0;
  const NameSink counted = [&](std::string_view name) {
    if (emitted++ == 0 && options.on_first_name) options.on_first_name(stats.format, zone ? zone->origin() : "");
    sink(name);
  };
  std::optional<ParseError> fatal;
  auto report = [&](std::uint64_t line, const LineError& e) {
    if (e.fatal || options.strict) {
      fatal = ParseError{path, line, e.reason};
      return;
    }
    ++stats.malformed;
    if (on_malformed) on_malformed(ParseError{path, line, e.reason});
  };
  auto handle = [&](std::string_view line) {
    ++stats.lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (stats.format == Format::automatic) {
      if (!content_line(line)) return;
      stats.format = sniff(line);
      if (stats.format == Format::zone) zone.emplace(options.origin);
    }
    std::expected<void, LineError> r;
    if (stats.format == Format::zone) {
      r = zone->line(line, counted);
    } else {
      r = parse_list_line(line, counted);
      if (r && content_line(line)) ++stats.records;
    }
    if (!r) report(stats.lines, r.error());
  };

  // Lines are cut in place from a buffer refilled by gzread; a line longer than kMaxLineBytes is
  // reported and skipped up to its newline without being kept.
  std::string buf(1 << 20, '\0');
  std::size_t begin = 0, end = 0;
  bool skipping = false;  // inside an over-long line
  bool any = false;
  for (;;) {
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    const int n = gzread(g.get(), buf.data() + end, static_cast<unsigned>(buf.size() - end));
    if (n < 0) {
      int code = Z_OK;
      const char* msg = gzerror(g.get(), &code);
      if (code == Z_ERRNO) return fail(stats.lines + 1, std::string("read error: ") + std::strerror(errno));
      return fail(stats.lines + 1, std::string("corrupt gzip data: ") + (msg != nullptr ? msg : "unknown error"));
    }
    if (n == 0) {
      int code = Z_OK;
      const char* msg = gzerror(g.get(), &code);
      if (code == Z_BUF_ERROR) return fail(stats.lines + 1, "truncated gzip data (unexpected end of file)");
      if (code != Z_OK)
        return fail(stats.lines + 1, std::string("corrupt gzip data: ") + (msg != nullptr ? msg : "unknown error"));
      break;
    }
    any = true;
    stats.bytes += static_cast<std::uint64_t>(n);
    end += static_cast<std::size_t>(n);
    while (!fatal) {
      const void* nl = std::memchr(buf.data() + begin, '\n', end - begin);
      if (nl == nullptr) break;
      const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data());
      if (skipping) {
        skipping = false;
        ++stats.lines;
      } else if (at - begin > kMaxLineBytes) {
        ++stats.lines;
        report(stats.lines, LineError{"line over 64 KiB"});
      } else {
        handle(std::string_view(buf).substr(begin, at - begin));
      }
      begin = at + 1;
    }
    if (fatal) return std::unexpected(*fatal);
    if (!skipping && end - begin > kMaxLineBytes) {
      report(stats.lines + 1, LineError{"line over 64 KiB"});
      if (fatal) return std::unexpected(*fatal);
      skipping = true;
    }
    if (skipping) begin = end;
  }
  if (!any) return fail(0, "empty file");
  if (skipping) {
    ++stats.lines;
  } else if (end > begin) {
    handle(std::string_view(buf).substr(begin, end - begin));  // a last line without a newline
  }
  if (!fatal && zone) {
    if (auto r = zone->finish(counted); !r) report(stats.lines, r.error());
  }
  if (fatal) return std::unexpected(*fatal);
  if (zone) {
    stats.origin = zone->origin();
    stats.records = zone->records();
    stats.not_host_names = zone->not_host_names();
  }
  stats.names = emitted;
  if (stats.format == Format::automatic) return fail(0, "no records or names (only comments and blank lines)");
  if (emitted == 0) {
    return fail(0, stats.format == Format::zone ? "no delegated names (no NS records below the registrable level)"
                                                : "no domain names");
  }
  return stats;
}

}  // namespace lookalike::ingest
