// Feed directories: which dropped files are still to be ingested, and the ledger of those that were.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "ingest/ingest.hpp"

namespace lookalike::ingest {
namespace {

namespace fs = std::filesystem;

// The first date in a file name: YYYY-MM-DD or YYYYMMDD, delimited by non-digits.
std::string date_in_name(std::string_view name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (i > 0 && std::isdigit(static_cast<unsigned char>(name[i - 1]))) continue;
    for (const std::size_t len : {10, 8}) {
      if (i + len > name.size()) continue;
      if (i + len < name.size() && std::isdigit(static_cast<unsigned char>(name[i + len]))) continue;
      std::string d(name.substr(i, len));
      if (len == 8) {
        if (!std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
          continue;
        d = d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
      }
      if (valid_date(d)) return d;
    }
  }
  return {};
}

bool in_progress(std::string_view name) {
  return name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part") || name.ends_with('~');
}

}  // namespace

std::string feed_ledger_path(const std::string& state_dir, const std::string& dir) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(dir, ec);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(name_hash(ec ? dir : canonical.string())));
  return state_dir + "/feeds/" + hex + ".done";
}

std::expected<std::vector<FeedFile>, std::string> pending_feed_files(const std::string& dir,
                                                                     const std::string& ledger) {
  std::set<std::string> done;
  if (std::ifstream in(ledger); in) {
    for (std::string line; std::getline(in, line);) done.insert(line.substr(0, line.rfind('\t')));
  }
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return std::unexpected("cannot read feed directory " + dir + ": " + ec.message());
  std::vector<FeedFile> out;
  for (const auto& e : it) {
    const std::string name = e.path().filename().string();
    if (in_progress(name) || !e.is_regular_file(ec)) continue;
    struct stat st {};
    if (stat(e.path().c_str(), &st) != 0) continue;
    FeedFile f;
    f.path = e.path().string();
    f.key = name + "\t" + std::to_string(st.st_size) + "\t" + std::to_string(st.st_mtim.tv_sec) + "." +
            std::to_string(st.st_mtim.tv_nsec);
    if (done.contains(f.key)) continue;
    f.date = date_in_name(name);
    if (f.date.empty()) f.date = utc_date(st.st_mtim.tv_sec);
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const FeedFile& a, const FeedFile& b) { return a.date != b.date ? a.date < b.date : a.path < b.path; });
  return out;
}

std::expected<void, std::string> mark_feed_file(const std::string& ledger, const FeedFile& file, bool ok) {
  std::error_code ec;
  fs::create_directories(fs::path(ledger).parent_path(), ec);
  const int fd = open(ledger.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected("cannot open " + ledger + ": " + std::strerror(errno));
  const std::string line = file.key + "\t" + (ok ? "ok" : "failed") + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fsync(fd) == 0;
  const int err = errno;
  close(fd);
  if (!written) return std::unexpected("cannot write " + ledger + ": " + std::strerror(err));
  return {};
}

}  // namespace lookalike::ingest
