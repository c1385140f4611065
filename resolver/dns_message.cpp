#include "resolver/dns_message.hpp"

#include <arpa/inet.h>

#include <cstdio>

namespace lookalike::resolver::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxNameWire = 255;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> wire) : wire_(wire) {}

  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] std::size_t size() const { return wire_.size(); }

  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > wire_.size()) return false;
    v = wire_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (pos_ + 2 > wire_.size()) return false;
    v = static_cast<std::uint16_t>((wire_[pos_] << 8) | wire_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (pos_ + 4 > wire_.size()) return false;
    v = (std::uint32_t{wire_[pos_]} << 24) | (std::uint32_t{wire_[pos_ + 1]} << 16) |
        (std::uint32_t{wire_[pos_ + 2]} << 8) | std::uint32_t{wire_[pos_ + 3]};
    pos_ += 4;
    return true;
  }
  bool bytes(std::size_t n, std::span<const std::uint8_t>& out) {
    if (n > wire_.size() - pos_) return false;
    out = wire_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  void seek(std::size_t p) { pos_ = p; }

  // Reads a possibly compressed name at the current position into presentation form.
  // Pointers must point strictly before the label that holds them, which rules out loops.
  std::expected<std::string, ParseError> name() {
    std::string out;
    std::size_t p = pos_;
    std::size_t end_after = 0;  // where the reader continues (after the first pointer)
    bool jumped = false;
    std::size_t wire_len = 1;
    for (int guard = 0; guard < 256; ++guard) {
      if (p >= wire_.size()) return std::unexpected(ParseError{"name runs past the end", p});
      const std::uint8_t len = wire_[p];
      if ((len & 0xC0) == 0xC0) {
        if (p + 1 >= wire_.size()) return std::unexpected(ParseError{"truncated compression pointer", p});
        const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | wire_[p + 1];
        if (target >= p) return std::unexpected(ParseError{"compression pointer does not point backwards", p});
        if (!jumped) end_after = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if ((len & 0xC0) != 0) return std::unexpected(ParseError{"unsupported label type", p});
      if (len == 0) {
        pos_ = jumped ? end_after : p + 1;
        return out;
      }
      if (p + 1 + len > wire_.size()) return std::unexpected(ParseError{"label runs past the end", p});
      wire_len += std::size_t{len} + 1;
      if (wire_len > kMaxNameWire) return std::unexpected(ParseError{"name longer than 255 bytes", p});
      if (!out.empty()) out.push_back('.');
      for (std::size_t i = 0; i < len; ++i) {
        const auto c = static_cast<unsigned char>(wire_[p + 1 + i]);
        if (c == '.' || c == '\\') {
          out.push_back('\\');
          out.push_back(static_cast<char>(c));
        } else if (c <= 0x20 || c >= 0x7F) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
          out.append(buf);
        } else {
          out.push_back(lower(static_cast<char>(c)));
        }
      }
      p += 1 + std::size_t{len};
    }
    return std::unexpected(ParseError{"too many labels or pointers in name", p});
  }

 private:
  std::span<const std::uint8_t> wire_;
  std::size_t pos_ = 0;
};

std::expected<Record, ParseError> read_record(Reader& r) {
  Record rec;
  auto owner = r.name();
  if (!owner) return std::unexpected(owner.error());
  rec.owner = std::move(*owner);
  std::uint16_t rdlength = 0;
  const std::size_t fixed_at = r.pos();
  if (!r.u16(rec.type) || !r.u16(rec.klass) || !r.u32(rec.ttl) || !r.u16(rdlength)) {
    return std::unexpected(ParseError{"record header runs past the end", fixed_at});
  }
  const std::size_t rdata_at = r.pos();
  if (rdlength > r.size() - rdata_at) return std::unexpected(ParseError{"rdata runs past the end", rdata_at});
  const std::size_t rdata_end = rdata_at + rdlength;
  auto name_in_rdata = [&](std::string& out) -> std::expected<void, ParseError> {
    auto n = r.name();
    if (!n) return std::unexpected(n.error());
    if (r.pos() > rdata_end) return std::unexpected(ParseError{"name runs past its rdata", rdata_at});
    out = std::move(*n);
    return {};
  };
  std::span<const std::uint8_t> raw;
  switch (rec.type) {
    case kTypeA:
    case kTypeAaaa: {
      const std::size_t want = rec.type == kTypeA ? 4 : 16;
      if (rdlength != want) return std::unexpected(ParseError{type_name(rec.type) + " rdata has wrong length", rdata_at});
      r.bytes(want, raw);
      char buf[INET6_ADDRSTRLEN] = {};
      inet_ntop(rec.type == kTypeA ? AF_INET : AF_INET6, raw.data(), buf, sizeof buf);
      rec.text = buf;
      break;
    }
    case kTypeNs:
    case kTypeCname:
      if (auto ok = name_in_rdata(rec.target); !ok) return std::unexpected(ok.error());
      break;
    case kTypeMx: {
      if (!r.u16(rec.preference) || r.pos() > rdata_end) return std::unexpected(ParseError{"MX rdata too short", rdata_at});
      if (auto ok = name_in_rdata(rec.target); !ok) return std::unexpected(ok.error());
      break;
    }
    case kTypeSoa: {
      if (auto ok = name_in_rdata(rec.target); !ok) return std::unexpected(ok.error());
      if (auto ok = name_in_rdata(rec.text); !ok) return std::unexpected(ok.error());
      for (auto& n : rec.soa_numbers) {
        if (r.pos() + 4 > rdata_end || !r.u32(n)) return std::unexpected(ParseError{"SOA rdata too short", rdata_at});
      }
      break;
    }
    case kTypeTxt: {
      while (r.pos() < rdata_end) {
        std::uint8_t len = 0;
        r.u8(len);
        if (len > rdata_end - r.pos()) return std::unexpected(ParseError{"TXT string runs past its rdata", r.pos() - 1});
        r.bytes(len, raw);
        rec.text.append(raw.begin(), raw.end());
      }
      break;
    }
    default:
      r.seek(rdata_end);  // kept with type and owner only; the resolver ignores other types
      break;
  }
  if (r.pos() != rdata_end) {
    return std::unexpected(ParseError{type_name(rec.type) + " rdata length does not match its content", rdata_at});
  }
  return rec;
}

}  // namespace

std::expected<Message, ParseError> parse(std::span<const std::uint8_t> wire) {
  Reader r(wire);
  Message m;
  std::uint16_t flags = 0;
  std::uint16_t qd = 0;
  std::uint16_t an = 0;
  std::uint16_t ns = 0;
  std::uint16_t ar = 0;
  if (!r.u16(m.id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar)) {
    return std::unexpected(ParseError{"message shorter than the 12-byte header", wire.size()});
  }
  m.qr = (flags & 0x8000) != 0;
  m.aa = (flags & 0x0400) != 0;
  m.tc = (flags & 0x0200) != 0;
  m.rcode = static_cast<std::uint8_t>(flags & 0x000F);
  if (qd != 1) return std::unexpected(ParseError{"expected exactly one question, got " + std::to_string(qd), 4});
  auto qname = r.name();
  if (!qname) return std::unexpected(qname.error());
  m.qname = std::move(*qname);
  std::uint16_t qclass = 0;
  if (!r.u16(m.qtype) || !r.u16(qclass)) return std::unexpected(ParseError{"question runs past the end", r.pos()});
  // Bound the work per message: each record needs at least 11 bytes.
  if (std::size_t{an} + ns + ar > (wire.size() - kHeaderSize) / 11 + 1) {
    return std::unexpected(ParseError{"record counts exceed the message size", 6});
  }
  for (auto [count, section] : {std::pair{an, &m.answer}, std::pair{ns, &m.authority}, std::pair{ar, &m.additional}}) {
    section->reserve(count);
    for (std::uint16_t i = 0; i < count; ++i) {
      auto rec = read_record(r);
      if (!rec) return std::unexpected(rec.error());
      section->push_back(std::move(*rec));
    }
  }
  return m;
}

std::expected<std::vector<std::uint8_t>, std::string> encode_query(std::uint16_t id, std::string_view name,
                                                                   std::uint16_t qtype, bool recursion_desired) {
  std::vector<std::uint8_t> q;
  q.reserve(kHeaderSize + name.size() + 6);
  q.insert(q.end(), {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF),
                     static_cast<std::uint8_t>(recursion_desired ? 0x01 : 0x00), 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0});
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::size_t wire_len = 1;
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty()) return std::unexpected(std::string("empty label"));
    if (label.size() > 63) return std::unexpected("label longer than 63 bytes: " + std::string(label.substr(0, 16)) + "...");
    wire_len += label.size() + 1;
    if (wire_len > kMaxNameWire) return std::unexpected(std::string("name longer than 255 bytes"));
    q.push_back(static_cast<std::uint8_t>(label.size()));
    q.insert(q.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  q.insert(q.end(), {0x00, static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype & 0xFF), 0x00, 0x01});
  return q;
}

bool same_question(std::span<const std::uint8_t> reply, std::span<const std::uint8_t> query, bool exact_case) {
  if (query.size() < kHeaderSize || reply.size() < query.size() || reply[4] != 0 || reply[5] != 1) return false;
  for (std::size_t i = kHeaderSize; i < query.size(); ++i) {
    const auto a = static_cast<char>(reply[i]);
    const auto b = static_cast<char>(query[i]);
    if (exact_case ? a != b : lower(a) != lower(b)) return false;
  }
  return true;
}

bool same_name(std::string_view a, std::string_view b) {
  if (!a.empty() && a.back() == '.') a.remove_suffix(1);
  if (!b.empty() && b.back() == '.') b.remove_suffix(1);
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string type_name(std::uint16_t type) {
  switch (type) {
    case kTypeA: return "A";
    case kTypeNs: return "NS";
    case kTypeCname: return "CNAME";
    case kTypeSoa: return "SOA";
    case kTypeMx: return "MX";
    case kTypeTxt: return "TXT";
    case kTypeAaaa: return "AAAA";
    default: return "TYPE" + std::to_string(type);
  }
}

}  // namespace lookalike::resolver::dns
