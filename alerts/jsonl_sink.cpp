// The jsonl sink: one alert per line in a file (or stdout), fsynced, idempotent by seq: on open it
// cuts a torn last line and reads the highest seq already written, so a restart never repeats one.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "alerts/delivery.hpp"
#include "alerts/sinks.hpp"
#include "domain/domain.hpp"
#include "util/utf8.hpp"

namespace lookalike::alerts {
namespace {

class JsonlSink final : public Sink {
 public:
  static std::expected<std::unique_ptr<Sink>, std::string> open(const SinkConfig& c) {
    auto s = std::unique_ptr<JsonlSink>(new JsonlSink(c));
    if (c.path == "-") {
      s->fd_ = STDOUT_FILENO;
      return s;
    }
    const std::string where = "jsonl sink \"" + util::printable(c.path) + "\"";
    const bool existed = ::access(c.path.c_str(), F_OK) == 0;
    s->owned_ = Fd(::open(c.path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (s->owned_.fd < 0) return std::unexpected(where + ": cannot open: " + errno_text(errno));
    s->fd_ = s->owned_.fd;
    struct stat st {};
    if (::fstat(s->fd_, &st) != 0) return std::unexpected(where + ": stat: " + errno_text(errno));
    s->regular_ = S_ISREG(st.st_mode);
    if (!s->regular_) return s;  // a FIFO or a terminal: nothing to read back
    // Two watchers appending to one file would interleave and defeat the seq check.
    if (::flock(s->fd_, LOCK_EX | LOCK_NB) != 0) {
      return std::unexpected(where + ": in use by another process (flock: " + errno_text(errno) + ")");
    }
    if (auto r = s->recover(st.st_size); !r) return std::unexpected(where + ": " + r.error());
    if (!existed) {
      // The new directory entry must survive a power cut too, not only the data.
      const auto dir = std::filesystem::path(c.path).parent_path();
      Fd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (d.fd >= 0) ::fsync(d.fd);
    }
    return s;
  }

  [[nodiscard]] std::string describe() const override {
    return "jsonl " + (config_.path == "-" ? std::string("stdout") : util::printable(config_.path));
  }

  [[nodiscard]] std::expected<void, std::string> deliver(const Alert& alert) override {
    if (!wanted(config_.kinds, alert.kind)) return {};
    if (alert.seq <= last_seq_) return {};  // delivered before a crash or restart
    if (alert.json.find_first_of("\r\n") != std::string::npos) {
      return std::unexpected(describe() + ": alert " + std::to_string(alert.seq) + ": JSON contains a line break");
    }
    std::string line = alert.json;
    line += '\n';
    off_t before = 0;
    if (regular_) {
      struct stat st {};
      if (::fstat(fd_, &st) != 0) return std::unexpected(describe() + ": stat: " + errno_text(errno));
      before = st.st_size;
    }
    int err = 0;
    SigpipeGuard sigpipe;
    if (!write_all(fd_, line, err)) {
      // A partial line (disk full) would be a torn line: cut it off so the next attempt is clean.
      if (regular_ && ::ftruncate(fd_, before) != 0) {
        telemetry::log_error("cannot cut a partial alert line", {{"sink", describe()}, {"error", errno_text(errno)}});
      }
      return std::unexpected(describe() + ": write alert " + std::to_string(alert.seq) + ": " + errno_text(err));
    }
    if (regular_ && ::fdatasync(fd_) != 0) {
      err = errno;
      // Not durable: take the line back so a retry writes it again rather than skipping it.
      if (::ftruncate(fd_, before) != 0) {
        telemetry::log_error("cannot cut an unsynced alert line", {{"sink", describe()}, {"error", errno_text(errno)}});
      }
      return std::unexpected(describe() + ": fdatasync after alert " + std::to_string(alert.seq) + ": " +
                             errno_text(err));
    }
    last_seq_ = alert.seq;
    return {};
  }

  [[nodiscard]] std::uint64_t last_seq() const noexcept { return last_seq_; }

 private:
  explicit JsonlSink(const SinkConfig& c) : config_(c) {}

  // Cuts a torn last line (a crash mid-write) and finds the highest seq already in the file by
  // reading its tail: seqs only grow, so the last line that is an alert holds the highest one.
  std::expected<void, std::string> recover(off_t size) {
    constexpr off_t window = 4 << 20;  // far more than a few alerts; a bound on start-up work
    if (size == 0) return {};
    const off_t start = std::max<off_t>(0, size - window);
    std::string buf;
    int err = 0;
    if (!read_at(fd_, buf, start, static_cast<std::size_t>(size - start), err)) {
      return std::unexpected("read: " + errno_text(err));
    }
    if (buf.back() != '\n') {
      const auto nl = buf.rfind('\n');
      if (nl == std::string::npos && start > 0) {
        // Megabytes without a line break are not ours: end them rather than delete them.
        if (!write_all(fd_, "\n", err) || ::fdatasync(fd_) != 0) {
          return std::unexpected("cannot end the unterminated last line: " + errno_text(err != 0 ? err : errno));
        }
        telemetry::log_warn("ended an unterminated last line that is not an alert", {{"sink", describe()}});
        return {};
      }
      const std::size_t keep = nl == std::string::npos ? 0 : nl + 1;
      if (::ftruncate(fd_, start + static_cast<off_t>(keep)) != 0 || ::fdatasync(fd_) != 0) {
        return std::unexpected("cannot cut the torn last line: " + errno_text(errno));
      }
      telemetry::log_warn("removed a torn last line (an alert cut by a crash; it is delivered again)",
                          {{"sink", describe()}, {"bytes", buf.size() - keep}});
      buf.resize(keep);
    }
    // Complete lines only: when the window starts mid-file, its first line may be partial.
    std::string_view text(buf);
    if (start > 0) {
      const auto first = text.find('\n');
      text = first == std::string_view::npos ? std::string_view() : text.substr(first + 1);
    }
    while (!text.empty()) {
      text.remove_suffix(1);  // the newline ending the last line
      const auto nl = text.rfind('\n');
      const std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
      if (auto seq = seq_of(line)) {
        last_seq_ = *seq;
        return {};
      }
      text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl + 1);
    }
    return {};
  }

  static std::optional<std::uint64_t> seq_of(std::string_view line) {
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    auto it = doc.find("seq");
    if (it == doc.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<std::uint64_t>();
  }

  SinkConfig config_;
  Fd owned_;
  int fd_ = -1;
  bool regular_ = false;
  std::uint64_t last_seq_ = 0;
};

}  // namespace

std::optional<SinkConfigProblem> check_jsonl_sink(const SinkConfig& c) {
  if (c.path.empty()) return SinkConfigProblem{"path", "a jsonl sink needs a path (\"-\" for stdout)"};
  return std::nullopt;
}

std::expected<std::unique_ptr<Sink>, std::string> open_jsonl_sink(const SinkConfig& c) {
  if (c.path.empty()) return std::unexpected(std::string("jsonl sink: path is required (\"-\" for stdout)"));
  return JsonlSink::open(c);
}

}  // namespace lookalike::alerts
