#include "ingest/state.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <thread>

#include "ingest/ingest.hpp"

namespace lookalike::ingest::state {
namespace {

// Layout (little-endian): "LKIS", u32 version, u64 hash count, u64 name count, the hashes, then
// per name u16 length + bytes, then u32 CRC-32 of everything before it.
constexpr char kMagic[4] = {'L', 'K', 'I', 'S'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeader = 4 + 4 + 8 + 8;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::string errno_text() { return std::strerror(errno); }

std::expected<void, std::string> write_all(int fd, const void* data, std::size_t size, uLong& crc) {
  crc = crc32(crc, static_cast<const Bytef*>(data), static_cast<uInt>(size));
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected("write: " + errno_text());
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

// Buffered sequential reads with a running CRC.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd), buf_(1 << 20) {}
  // Reads exactly `size` bytes; false at a short file.
  std::expected<bool, std::string> read(void* out, std::size_t size) {
    char* o = static_cast<char*>(out);
    while (size > 0) {
      if (pos_ == len_) {
        ssize_t n;
        do n = ::read(fd_, buf_.data(), buf_.size());
        while (n < 0 && errno == EINTR);
        if (n < 0) return std::unexpected("read: " + errno_text());
        if (n == 0) return false;
        pos_ = 0;
        len_ = static_cast<std::size_t>(n);
      }
      const std::size_t take = std::min(size, len_ - pos_);
      std::memcpy(o, buf_.data() + pos_, take);
      crc_ = crc32(crc_, reinterpret_cast<const Bytef*>(buf_.data() + pos_), static_cast<uInt>(take));
      pos_ += take;
      o += take;
      size -= take;
    }
    return true;
  }
  [[nodiscard]] uLong crc() const { return crc_; }

 private:
  int fd_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  uLong crc_ = crc32(0, nullptr, 0);
};

std::string file_prefix(std::string_view source) {
  std::string safe;
  for (const char c : source)
    safe += (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ? c : '_';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(name_hash(source)));
  return safe + "-" + std::string(hex, 8) + ".";
}

}  // namespace

void* map_pages(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void unmap_pages(void* p, std::size_t bytes) noexcept { munmap(p, bytes); }

void NameHashes::finish() {
  auto sort_range = [this](std::size_t from, std::size_t to) {
    for (std::size_t b = from; b < to; ++b) {
      auto& v = buckets_[b];
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    }
  };
  std::thread half([&] { sort_range(0, kBuckets / 2); });
  sort_range(kBuckets / 2, kBuckets);
  half.join();
}

std::uint64_t NameHashes::size() const noexcept {
  std::uint64_t n = 0;
  for (const auto& b : buckets_) n += b.size();
  return n;
}

bool NameHashes::contains(std::uint64_t h) const noexcept {
  const auto& b = buckets_[h >> 56];
  return std::binary_search(b.begin(), b.end(), h);
}

std::string file_path(const std::string& dir, std::string_view source, std::uint64_t generation) {
  return dir + "/" + file_prefix(source) + std::to_string(generation) + ".state";
}

std::expected<void, std::string> write(const std::string& path, const NameHashes& hashes,
                                       std::span<const std::string> names) {
  const std::filesystem::path target(path);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return std::unexpected("cannot create " + target.parent_path().string() + ": " + ec.message());
  const std::string tmp = path + ".tmp";
  Fd f{open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (f.fd < 0) return std::unexpected("cannot create " + tmp + ": " + errno_text());
  uLong crc = crc32(0, nullptr, 0);
  char header[kHeader];
  std::memcpy(header, kMagic, 4);
  const std::uint64_t hc = hashes.size(), nc = names.size();
  std::memcpy(header + 4, &kVersion, 4);
  std::memcpy(header + 8, &hc, 8);
  std::memcpy(header + 16, &nc, 8);
  auto r = write_all(f.fd, header, kHeader, crc);
  for (std::size_t b = 0; b < NameHashes::kBuckets && r; ++b) {
    const auto& v = hashes.bucket(b);
    if (!v.empty()) r = write_all(f.fd, v.data(), v.size() * sizeof v[0], crc);
  }
  for (const auto& n : names) {
    if (!r) break;
    const auto len = static_cast<std::uint16_t>(std::min<std::size_t>(n.size(), 0xffff));
    r = write_all(f.fd, &len, 2, crc);
    if (r) r = write_all(f.fd, n.data(), len, crc);
  }
  const auto crc32v = static_cast<std::uint32_t>(crc);
  uLong ignored = 0;
  if (r) r = write_all(f.fd, &crc32v, 4, ignored);
  if (r && fsync(f.fd) != 0) r = std::unexpected("fsync: " + errno_text());
  if (!r) {
    unlink(tmp.c_str());
    return std::unexpected(tmp + ": " + r.error());
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) return std::unexpected("cannot rename " + tmp + ": " + errno_text());
  if (Fd d{open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)}; d.fd >= 0) fsync(d.fd);
  return {};
}

std::expected<Diff, std::string> diff(const std::string& path, const NameHashes& now,
                                      std::span<const std::uint64_t> probes, std::vector<bool>& in_stored) {
  Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return std::unexpected("cannot open state file " + path + ": " + errno_text());
  Reader in(f.fd);
  auto damaged = [&](std::string why) { return std::unexpected("state file " + path + " is damaged: " + why); };
  char header[kHeader];
  auto ok = in.read(header, kHeader);
  if (!ok) return std::unexpected(ok.error());
  if (!*ok || std::memcmp(header, kMagic, 4) != 0) return damaged("not a lookalike ingest state");
  std::uint32_t version = 0;
  std::uint64_t count = 0, names = 0;
  std::memcpy(&version, header + 4, 4);
  std::memcpy(&count, header + 8, 8);
  std::memcpy(&names, header + 16, 8);
  if (version != kVersion) return damaged("version " + std::to_string(version));
  Diff d;
  in_stored.assign(probes.size(), false);
  // A cursor over `now`'s buckets: bucket b, position i; `taken` counts the hashes passed.
  std::size_t b = 0, i = 0, p = 0;  // p: position in `probes`
  std::uint64_t taken = 0;
  auto at_valid = [&] {
    while (b < NameHashes::kBuckets && i >= now.bucket(b).size()) {
      ++b;
      i = 0;
    }
    return b < NameHashes::kBuckets;
  };
  std::vector<std::uint64_t> block(1 << 16);
  std::uint64_t last = 0;
  for (std::uint64_t done = 0; done < count;) {
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), count - done));
    ok = in.read(block.data(), take * 8);
    if (!ok) return std::unexpected(ok.error());
    if (!*ok) return damaged("truncated");
    for (std::size_t k = 0; k < take; ++k) {
      const std::uint64_t h = block[k];
      if (done + k > 0 && h <= last) return damaged("hashes out of order");
      last = h;
      while (at_valid() && now.bucket(b)[i] < h) {
        ++d.added;
        ++i;
        ++taken;
      }
      if (at_valid() && now.bucket(b)[i] == h) {
        ++i;
        ++taken;
      } else {
        ++d.removed;
      }
      while (p < probes.size() && probes[p] < h) ++p;
      for (std::size_t q = p; q < probes.size() && probes[q] == h; ++q) in_stored[q] = true;
    }
    done += take;
  }
  d.added += now.size() - taken;
  for (std::uint64_t n = 0; n < names; ++n) {
    std::uint16_t len = 0;
    ok = in.read(&len, 2);
    if (ok && *ok) {
      std::string s(len, '\0');
      ok = in.read(s.data(), len);
      d.matched_names.push_back(std::move(s));
    }
    if (!ok) return std::unexpected(ok.error());
    if (!*ok) return damaged("truncated");
  }
  const auto expect = static_cast<std::uint32_t>(in.crc());
  std::uint32_t crc = 0;
  ok = in.read(&crc, 4);
  if (!ok) return std::unexpected(ok.error());
  if (!*ok) return damaged("truncated");
  if (crc != expect) return damaged("checksum mismatch");
  return d;
}

void remove_others(const std::string& dir, std::string_view source, std::uint64_t keep) {
  const std::string prefix = file_prefix(source);
  const std::string kept = std::filesystem::path(file_path(dir, source, keep)).filename().string();
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(prefix) && name != kept) std::filesystem::remove(e.path(), ec);
  }
}

}  // namespace lookalike::ingest::state
