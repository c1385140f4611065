// Log entry parsing: MerkleTreeLeaf / TimestampedEntry / extra_data (RFC 6962 §3.4), static-ct
// data tile entries, and a minimal DER walker pulling subject CN and SAN dNSNames out of a
// certificate or a bare precert TBSCertificate (which OpenSSL's d2i cannot take on its own).
#include <algorithm>
#include <cstring>

#include "ctlog/ctlog.hpp"
#include "ctlog/entries.hpp"
#include "ctlog/merkle.hpp"
#include "domain/domain.hpp"
#include "util/time.hpp"
#include "util/utf8.hpp"

namespace lookalike::ctlog {
namespace {

using Span = std::span<const std::uint8_t>;

// A bounds-checked big-endian reader over untrusted bytes.
struct Reader {
  Span data;
  std::size_t pos = 0;
  const char* what;

  [[nodiscard]] std::size_t left() const { return data.size() - pos; }
  std::expected<std::uint64_t, Error> uint(std::size_t bytes) {
    if (left() < bytes) return fail(std::to_string(bytes) + "-byte integer");
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | data[pos + i];
    pos += bytes;
    return v;
  }
  std::expected<Span, Error> take(std::size_t n) {
    if (left() < n) return fail(std::to_string(n) + " bytes");
    const Span s = data.subspan(pos, n);
    pos += n;
    return s;
  }
  std::expected<Span, Error> vec(std::size_t len_bytes) {
    auto n = uint(len_bytes);
    if (!n) return std::unexpected(n.error());
    return take(static_cast<std::size_t>(*n));
  }
  std::unexpected<Error> fail(const std::string& need) const {
    return std::unexpected(Error{std::string(what) + ": truncated at byte " + std::to_string(pos) + " (need " +
                                 need + ", " + std::to_string(left()) + " left)"});
  }
};

#define CTLOG_TRY(var, expr)                          \
  auto var##_r = (expr);                              \
  if (!var##_r) return std::unexpected(var##_r.error()); \
  auto var = *var##_r

// Parses a TimestampedEntry at the reader's position.
std::expected<TimestampedEntry, Error> read_timestamped_entry(Reader& r) {
  TimestampedEntry e;
  CTLOG_TRY(ts, r.uint(8));
  e.timestamp = ts;
  CTLOG_TRY(type, r.uint(2));
  if (type == 0) {
    e.type = EntryType::x509;
    CTLOG_TRY(cert, r.vec(3));
    e.certificate = cert;
  } else if (type == 1) {
    e.type = EntryType::precert;
    CTLOG_TRY(ikh, r.take(32));
    e.issuer_key_hash = ikh;
    CTLOG_TRY(tbs, r.vec(3));
    e.certificate = tbs;
  } else {
    return std::unexpected(Error{std::string(r.what) + ": unknown entry_type " + std::to_string(type)});
  }
  CTLOG_TRY(ext, r.vec(2));
  e.extensions = ext;
  // static-ct-api extensions: {type u8, data<u16>}*; leaf_index (type 0) is a 40-bit index.
  Reader x{ext, 0, "CT extensions"};
  while (x.left() > 0) {
    auto t = x.uint(1);
    auto d = t ? x.vec(2) : std::expected<Span, Error>(std::unexpected(t.error()));
    if (!d) break;  // RFC 6962 logs put opaque bytes here; only static-ct defines a structure
    if (*t == 0 && d->size() == 5) {
      std::uint64_t v = 0;
      for (const std::uint8_t b : *d) v = (v << 8) | b;
      e.leaf_index = v;
    }
  }
  return e;
}

// ---- DER ---------------------------------------------------------------------------------------

struct Tlv {
  unsigned tag = 0;  // first identifier octet (we never need high tag numbers' value)
  Span value;
};

struct Der {
  Span data;
  std::size_t pos = 0;
  std::size_t base = 0;  // offset of data within the whole certificate, for error messages

  [[nodiscard]] bool done() const { return pos >= data.size(); }
  std::expected<Tlv, Error> next() {
    const std::size_t start = pos;
    auto bad = [&](const char* why) {
      return std::unexpected(Error{std::string("DER: ") + why + " at offset " + std::to_string(base + start)});
    };
    if (data.size() - pos < 2) return bad("truncated tag");
    Tlv t;
    t.tag = data[pos++];
    if ((t.tag & 0x1f) == 0x1f) {
      // High tag number form: skip the base-128 tag number.
      int guard = 0;
      while (pos < data.size() && (data[pos] & 0x80) != 0 && ++guard < 5) ++pos;
      if (pos >= data.size() || guard >= 5) return bad("bad high tag number");
      ++pos;
    }
    if (pos >= data.size()) return bad("truncated length");
    std::size_t len = data[pos++];
    if ((len & 0x80) != 0) {
      const std::size_t n = len & 0x7f;
      if (n == 0 || n > 4) return bad("unsupported length form");
      if (data.size() - pos < n) return bad("truncated length");
      len = 0;
      for (std::size_t i = 0; i < n; ++i) len = (len << 8) | data[pos++];
    }
    if (data.size() - pos < len) return bad("length beyond the end");
    t.value = data.subspan(pos, len);
    pos += len;
    return t;
  }
  Der inside(const Tlv& t) const {
    return Der{t.value, 0, base + static_cast<std::size_t>(t.value.data() - data.data())};
  }
};

constexpr std::uint8_t kOidCn[] = {0x55, 0x04, 0x03};
constexpr std::uint8_t kOidSan[] = {0x55, 0x1d, 0x11};

bool equal_bytes(Span a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// A directory string as UTF-8 (BMPString and UniversalString converted; others taken as bytes).
std::string directory_string(const Tlv& t) {
  std::string s;
  if (t.tag == 0x1E) {  // BMPString, UCS-2 BE
    for (std::size_t i = 0; i + 1 < t.value.size(); i += 2) {
      util::append_utf8(s, static_cast<char32_t>((std::uint32_t{t.value[i]} << 8) | t.value[i + 1]));
    }
  } else if (t.tag == 0x1C) {  // UniversalString, UCS-4 BE
    for (std::size_t i = 0; i + 3 < t.value.size(); i += 4) {
      util::append_utf8(s, static_cast<char32_t>((std::uint32_t{t.value[i]} << 24) | (std::uint32_t{t.value[i + 1]} << 16) |
                                                   (std::uint32_t{t.value[i + 2]} << 8) | t.value[i + 3]));
    }
  } else {
    s.assign(reinterpret_cast<const char*>(t.value.data()), t.value.size());
  }
  return s;
}

// Normalises a certificate name for matching; nullopt when it is not a DNS name.
std::optional<CertName> normalise(std::string_view raw, bool from_cn) {
  std::string s(raw);
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  CertName n;
  n.from_cn = from_cn;
  if (s.starts_with("*.")) {
    n.wildcard = true;
    s.erase(0, 2);
  }
  if (s.empty() || s.size() > 253) return std::nullopt;
  bool ascii = true;
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      ascii = false;
      continue;
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return std::nullopt;  // spaces, '@', '*' inside, ...: not a DNS name
  }
  if (s.front() == '.' || s.find("..") != std::string::npos) return std::nullopt;
  if (from_cn && s.find('.') == std::string::npos) return std::nullopt;
  if (!ascii) {
    // A U-label in a CN (SAN dNSNames are IA5): convert so matching sees one form.
    auto a = domain::to_ascii(s);
    if (!a) return std::nullopt;
    n.unicode = s;
    n.ascii = std::move(*a);
    return n;
  }
  n.ascii = std::move(s);
  if (n.ascii.starts_with("xn--") || n.ascii.find(".xn--") != std::string::npos) {
    if (auto u = domain::to_unicode(n.ascii)) n.unicode = std::move(*u);
  }
  if (n.unicode.empty()) n.unicode = n.ascii;
  return n;
}

void add_name(std::vector<CertName>& out, CertName n) {
  for (CertName& o : out) {
    if (o.ascii == n.ascii) {
      o.wildcard = o.wildcard || n.wildcard;
      o.from_cn = o.from_cn && n.from_cn;
      return;
    }
  }
  out.push_back(std::move(n));
}

// Calls visit(oid, value) for each attribute of an X.501 Name (RDNSequence of SETs of
// AttributeTypeAndValue), in order; attributes without an OID and a value are skipped.
template <class Visit>
std::expected<void, Error> for_each_attribute(Der name, Visit&& visit) {
  while (!name.done()) {
    CTLOG_TRY(set, name.next());
    Der s = name.inside(set);
    while (!s.done()) {
      CTLOG_TRY(atv, s.next());
      Der a = s.inside(atv);
      CTLOG_TRY(oid, a.next());
      if (oid.tag != 0x06 || a.done()) continue;
      CTLOG_TRY(val, a.next());
      visit(oid, val);
    }
  }
  return {};
}

std::expected<void, Error> subject_cns(Der name, std::vector<CertName>& out) {
  return for_each_attribute(name, [&](const Tlv& oid, const Tlv& val) {
    if (!equal_bytes(oid.value, kOidCn)) return;
    if (auto n = normalise(directory_string(val), true)) add_name(out, std::move(*n));
  });
}

std::expected<void, Error> san_names(Der exts, std::vector<CertName>& out, std::vector<std::string>* raw_sans) {
  CTLOG_TRY(seq, exts.next());
  if (seq.tag != 0x30) return std::unexpected(Error{"DER: extensions are not a SEQUENCE"});
  Der list = exts.inside(seq);
  while (!list.done()) {
    CTLOG_TRY(ext, list.next());
    Der e = list.inside(ext);
    CTLOG_TRY(oid, e.next());
    if (!equal_bytes(oid.value, kOidSan)) continue;
    CTLOG_TRY(v, e.next());
    if (v.tag == 0x01) {  // critical BOOLEAN
      auto v2 = e.next();
      if (!v2) return std::unexpected(v2.error());
      v = *v2;
    }
    if (v.tag != 0x04) return std::unexpected(Error{"DER: SAN extnValue is not an OCTET STRING"});
    Der inner = e.inside(v);
    CTLOG_TRY(gns, inner.next());
    Der g = inner.inside(gns);
    while (!g.done()) {
      CTLOG_TRY(gn, g.next());
      if (gn.tag == 0x82) {
        const std::string_view raw(reinterpret_cast<const char*>(gn.value.data()), gn.value.size());
        if (raw_sans != nullptr) raw_sans->emplace_back(raw);
        if (auto n = normalise(raw, false)) add_name(out, std::move(*n));
      }
    }
  }
  return {};
}


constexpr std::uint8_t kOidO[] = {0x55, 0x04, 0x0A};
constexpr std::uint8_t kOidC[] = {0x55, 0x04, 0x06};

// Appends `value` as an RFC 4514 attribute value: special characters backslash-escaped, control
// bytes as \XX, so the DN stays one printable line whatever the issuer put in it.
void append_dn_value(std::string& out, std::string_view value) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const auto u = static_cast<unsigned char>(c);
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
    if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' || c == '=' ||
        (c == '#' && i == 0) || edge_space) {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      out.push_back('\\');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15]);
    } else {
      out.push_back(c);
    }
  }
}

// The CN, O and C attributes of an issuer Name as RFC 4514 text (last RDN first: "CN=..,O=..,C=..").
std::expected<std::string, Error> issuer_dn(Der name) {
  std::vector<std::pair<const char*, std::string>> parts;
  auto walked = for_each_attribute(name, [&](const Tlv& oid, const Tlv& val) {
    const char* key = equal_bytes(oid.value, kOidCn) ? "CN"
                      : equal_bytes(oid.value, kOidO) ? "O"
                      : equal_bytes(oid.value, kOidC) ? "C"
                                                      : nullptr;
    if (key != nullptr) parts.emplace_back(key, directory_string(val));
  });
  if (!walked) return std::unexpected(walked.error());
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out.push_back(',');
    out += it->first;
    out.push_back('=');
    append_dn_value(out, it->second);
  }
  return out;
}

// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as ms since the epoch; 0 when the
// text is not one of those forms (the names are still worth having, so this is not an error).
std::uint64_t der_time_ms(const Tlv& t) {
  const std::string_view v(reinterpret_cast<const char*>(t.value.data()), t.value.size());
  std::size_t year_digits = 0;
  if (t.tag == 0x17 && v.size() == 13) year_digits = 2;
  if (t.tag == 0x18 && v.size() == 15) year_digits = 4;
  if (year_digits == 0 || v.back() != 'Z') return 0;
  std::uint32_t f[6] = {};
  std::size_t pos = 0;
  for (std::size_t k = 0; k < 6; ++k) {
    const std::size_t n = k == 0 ? year_digits : 2;
    for (std::size_t i = 0; i < n; ++i, ++pos) {
      if (v[pos] < '0' || v[pos] > '9') return 0;
      f[k] = f[k] * 10 + static_cast<std::uint32_t>(v[pos] - '0');
    }
  }
  std::int64_t year = f[0];
  if (year_digits == 2) year += year >= 50 ? 1900 : 2000;  // RFC 5280 §4.1.2.5.1
  if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 || year < 1970) return 0;
  const std::int64_t days = util::days_from_civil(year, f[1], f[2]);
  const std::int64_t secs = days * 86400 + std::int64_t{f[3]} * 3600 + std::int64_t{f[4]} * 60 + f[5];
  return static_cast<std::uint64_t>(secs) * 1000;
}

// Walks a certificate (or a bare TBSCertificate) collecting names; with `info` also the issuer,
// the validity and every SAN dNSName as written.
std::expected<void, Error> walk_certificate(std::span<const std::uint8_t> der, bool tbs_only,
                                            std::vector<CertName>& names, CertificateInfo* info) {
  Der top{der, 0, 0};
  CTLOG_TRY(outer, top.next());
  if (outer.tag != 0x30) return std::unexpected(Error{"DER: certificate is not a SEQUENCE"});
  Tlv tbs = outer;
  if (!tbs_only) {
    Der cert = top.inside(outer);
    CTLOG_TRY(t, cert.next());
    if (t.tag != 0x30) return std::unexpected(Error{"DER: TBSCertificate is not a SEQUENCE"});
    tbs = t;
    top = cert;
  }
  Der f = top.inside(tbs);
  CTLOG_TRY(first, f.next());
  Tlv field = first;
  if (field.tag == 0xA0) {  // [0] version
    CTLOG_TRY(x, f.next());
    field = x;
  }
  // field is serialNumber; then signature, issuer, validity, subject, subjectPublicKeyInfo.
  CTLOG_TRY(signature, f.next());
  (void)signature;
  CTLOG_TRY(issuer, f.next());
  CTLOG_TRY(validity, f.next());
  CTLOG_TRY(subject, f.next());
  if (subject.tag != 0x30) return std::unexpected(Error{"DER: subject is not a SEQUENCE"});
  if (info != nullptr) {
    if (issuer.tag != 0x30) return std::unexpected(Error{"DER: issuer is not a SEQUENCE"});
    CTLOG_TRY(dn, issuer_dn(f.inside(issuer)));
    info->issuer = std::move(dn);
    if (validity.tag == 0x30) {
      Der v = f.inside(validity);
      if (auto nb = v.next()) {
        info->not_before = der_time_ms(*nb);
        if (auto na = v.next()) info->not_after = der_time_ms(*na);
      }
    }
  }
  std::vector<CertName> cns;
  if (auto r = subject_cns(f.inside(subject), cns); !r) return std::unexpected(r.error());
  CTLOG_TRY(spki, f.next());
  (void)spki;
  while (!f.done()) {
    CTLOG_TRY(x, f.next());
    if (x.tag == 0xA3) {
      if (auto r = san_names(f.inside(x), names, info != nullptr ? &info->sans : nullptr); !r) {
        return std::unexpected(r.error());
      }
    }
  }
  for (CertName& n : cns) add_name(names, std::move(n));
  return {};
}

}  // namespace

std::expected<TimestampedEntry, Error> parse_merkle_tree_leaf(std::span<const std::uint8_t> leaf) {
  Reader r{leaf, 0, "MerkleTreeLeaf"};
  CTLOG_TRY(version, r.uint(1));
  CTLOG_TRY(leaf_type, r.uint(1));
  if (version != 0) return std::unexpected(Error{"MerkleTreeLeaf: version " + std::to_string(version)});
  if (leaf_type != 0) return std::unexpected(Error{"MerkleTreeLeaf: leaf_type " + std::to_string(leaf_type)});
  auto e = read_timestamped_entry(r);
  if (!e) return e;
  if (r.left() != 0) {
    return std::unexpected(Error{"MerkleTreeLeaf: " + std::to_string(r.left()) + " trailing bytes"});
  }
  return e;
}

std::expected<std::vector<std::span<const std::uint8_t>>, Error> parse_extra_data(
    EntryType type, std::span<const std::uint8_t> extra_data) {
  Reader r{extra_data, 0, "extra_data"};
  std::vector<Span> certs;
  if (type == EntryType::precert) {
    CTLOG_TRY(pre, r.vec(3));
    certs.push_back(pre);
  }
  CTLOG_TRY(chain, r.vec(3));
  Reader c{chain, 0, "extra_data chain"};
  while (c.left() > 0) {
    CTLOG_TRY(cert, c.vec(3));
    certs.push_back(cert);
  }
  if (r.left() != 0) return std::unexpected(Error{"extra_data: " + std::to_string(r.left()) + " trailing bytes"});
  return certs;
}

std::expected<TileEntry, Error> parse_tile_entry(std::span<const std::uint8_t>& data) {
  Reader r{data, 0, "tile entry"};
  TileEntry t;
  auto e = read_timestamped_entry(r);
  if (!e) return std::unexpected(e.error());
  t.entry = *e;
  t.timestamped_entry = data.subspan(0, r.pos);
  if (t.entry.type == EntryType::precert) {
    CTLOG_TRY(pre, r.vec(3));
    t.pre_certificate = pre;
  }
  CTLOG_TRY(fps, r.vec(2));
  if (fps.size() % 32 != 0) return std::unexpected(Error{"tile entry: fingerprint list not a multiple of 32"});
  for (std::size_t i = 0; i < fps.size(); i += 32) {
    Hash h;
    std::memcpy(h.data(), fps.data() + i, 32);
    t.chain_fingerprints.push_back(h);
  }
  data = data.subspan(r.pos);
  return t;
}

Hash tile_leaf_hash(const TileEntry& e) {
  thread_local Bytes buf;
  buf.assign({0, 0});
  buf.insert(buf.end(), e.timestamped_entry.begin(), e.timestamped_entry.end());
  return leaf_hash(buf);
}

std::expected<CertificateInfo, Error> certificate_info(std::span<const std::uint8_t> der, bool tbs_only) {
  CertificateInfo info;
  if (auto r = walk_certificate(der, tbs_only, info.names, &info); !r) return std::unexpected(r.error());
  return info;
}

std::expected<std::vector<CertName>, Error> certificate_names(std::span<const std::uint8_t> der, bool tbs_only) {
  std::vector<CertName> names;
  if (auto r = walk_certificate(der, tbs_only, names, nullptr); !r) return std::unexpected(r.error());
  return names;
}

std::expected<ParsedEntry, Error> parse_leaf_names(std::span<const std::uint8_t> leaf_input, std::uint64_t index) {
  auto e = parse_merkle_tree_leaf(leaf_input);
  if (!e) return std::unexpected(e.error());
  auto info = certificate_info(e->certificate, e->type == EntryType::precert);
  if (!info) return std::unexpected(info.error());
  return make_parsed_entry(index, *e, std::move(*info));
}

ParsedEntry make_parsed_entry(std::uint64_t index, const TimestampedEntry& entry, CertificateInfo&& info) {
  ParsedEntry p;
  p.index = index;
  p.timestamp = entry.timestamp;
  p.type = entry.type;
  p.cert_sha256 = sha256(entry.certificate);
  p.names = std::move(info.names);
  p.sans = std::move(info.sans);
  p.issuer = std::move(info.issuer);
  p.not_before = info.not_before;
  p.not_after = info.not_after;
  return p;
}

}  // namespace lookalike::ctlog
