// Which CT logs to follow: the log list (a file, a URL, or the snapshot compiled into the program)
// and the selection of logs in it. One copy for `ct follow`, `ct logs` and `watch`.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "ctlog/ctlog.hpp"

namespace lookalike::pipeline {

// Where a log list is read from.
struct LogListSource {
  std::string source;            // a FILE, an http(s) URL, "bundled" or empty: the bundled snapshot
  bool fetch_published = false;  // empty source: try the published list first (`ct`; watch never
                                 // fetches anything on its own)
  std::string ca_file;           // extra trust anchor for an https source (tests)
};

struct LoadedLogList {
  ctlog::LogList list;
  std::string from;     // the file or URL read, or "the bundled snapshot"
  std::string warning;  // set when the published list could not be fetched and the snapshot was used
};

// Reads and parses the list; errors name the file or URL.
[[nodiscard]] std::expected<LoadedLogList, std::string> load_log_list(const LogListSource& source);

// The logs named (short name, description, log ID or URL; case-insensitive), in list order; with no
// names, those followed by default (every state with all_states). An unknown name is an error.
[[nodiscard]] std::expected<std::vector<ctlog::LogInfo>, std::string> select_logs(const ctlog::LogList& list,
                                                                                  const std::vector<std::string>& names,
                                                                                  bool all_states);

// Where a log without saved state starts (`--from`): "start", "end" or an entry index, set in
// `options`; an error for the user otherwise.
[[nodiscard]] std::expected<void, std::string> parse_start(const std::string& from, ctlog::FollowOptions& options);

}  // namespace lookalike::pipeline
