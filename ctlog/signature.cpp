// Log keys, STH and checkpoint (signed note) parsing and signature verification via OpenSSL EVP.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <charconv>
#include <cstring>

#include "ctlog/ctlog.hpp"
#include "ctlog/merkle.hpp"
#include "ctlog/signature.hpp"
#include "util/encoding.hpp"

namespace lookalike::ctlog {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::expected<PublicKey, Error> make_key(EVP_PKEY* raw, std::span<const std::uint8_t> der);

}  // namespace

std::expected<PublicKey, Error> PublicKey::from_der(std::span<const std::uint8_t> spki) {
  const unsigned char* p = spki.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (k == nullptr || p != spki.data() + spki.size()) {
    EVP_PKEY_free(k);
    return std::unexpected(Error{"log key: not a DER SubjectPublicKeyInfo"});
  }
  return make_key(k, spki);
}

std::expected<PublicKey, Error> PublicKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::unexpected(Error{"log key: out of memory"});
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (k == nullptr) return std::unexpected(Error{"log key: not a PEM PUBLIC KEY"});
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(k, &der);
  if (len <= 0) {
    EVP_PKEY_free(k);
    return std::unexpected(Error{"log key: cannot re-encode"});
  }
  auto r = make_key(k, std::span<const std::uint8_t>(der, static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return r;
}

struct KeyAccess {
  static std::expected<PublicKey, Error> make(EVP_PKEY* raw, std::span<const std::uint8_t> der) {
    std::shared_ptr<EVP_PKEY> k(raw, PkeyFree{});
    const int id = EVP_PKEY_get_base_id(raw);
    if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA) return std::unexpected(Error{"log key: neither ECDSA nor RSA"});
    PublicKey pk;
    pk.key_ = std::static_pointer_cast<void>(k);
    pk.log_id_ = sha256(der);
    pk.ecdsa_ = id == EVP_PKEY_EC;
    return pk;
  }
};

namespace {
std::expected<PublicKey, Error> make_key(EVP_PKEY* raw, std::span<const std::uint8_t> der) {
  return KeyAccess::make(raw, der);
}
}  // namespace

bool PublicKey::verify_digitally_signed(std::span<const std::uint8_t> message,
                                        std::span<const std::uint8_t> digitally_signed) const {
  if (!key_ || digitally_signed.size() < 4) return false;
  const std::uint8_t hash_alg = digitally_signed[0];
  const std::uint8_t sig_alg = digitally_signed[1];
  const std::size_t len = (std::size_t{digitally_signed[2]} << 8) | digitally_signed[3];
  if (hash_alg != 4 || len != digitally_signed.size() - 4) return false;
  if ((sig_alg == 3) != ecdsa_ || (sig_alg != 3 && sig_alg != 1)) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  auto* pkey = static_cast<EVP_PKEY*>(key_.get());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), digitally_signed.data() + 4, len, message.data(), message.size()) == 1;
}

Bytes sth_signature_input(const SignedTreeHead& sth) {
  Bytes m;
  m.reserve(2 + 8 + 8 + 32);
  m.push_back(0);  // v1
  m.push_back(1);  // tree_hash
  put_u64(m, sth.timestamp);
  put_u64(m, sth.tree_size);
  m.insert(m.end(), sth.root.begin(), sth.root.end());
  return m;
}

bool verify_sth(const SignedTreeHead& sth, const PublicKey& key) {
  return key.verify_digitally_signed(sth_signature_input(sth), sth.signature);
}

std::array<std::uint8_t, 4> checkpoint_key_id(std::string_view origin, const Hash& log_id) {
  Bytes m(origin.begin(), origin.end());
  m.push_back(0x0A);
  m.push_back(0x05);  // RFC6962NoteSignature type
  m.insert(m.end(), log_id.begin(), log_id.end());
  const Hash h = sha256(m);
  return {h[0], h[1], h[2], h[3]};
}

std::expected<Checkpoint, Error> parse_checkpoint(std::string_view note, std::string_view origin,
                                                  const Hash& log_id) {
  const std::size_t split = note.find("\n\n");
  if (split == std::string_view::npos) return std::unexpected(Error{"checkpoint: no blank line before signatures"});
  const std::string_view body = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);

  auto next_line = [](std::string_view& s) -> std::optional<std::string_view> {
    const std::size_t nl = s.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    const std::string_view line = s.substr(0, nl);
    s.remove_prefix(nl + 1);
    return line;
  };
  std::string_view b = body;
  const auto l_origin = next_line(b);
  const auto l_size = next_line(b);
  const auto l_root = next_line(b);
  if (!l_origin || !l_size || !l_root) return std::unexpected(Error{"checkpoint: body needs origin, size and root lines"});
  Checkpoint cp;
  cp.origin = std::string(*l_origin);
  if (cp.origin != origin) {
    return std::unexpected(Error{"checkpoint: origin \"" + cp.origin + "\" is not \"" + std::string(origin) + "\""});
  }
  if (l_size->empty() || (l_size->size() > 1 && (*l_size)[0] == '0')) {
    return std::unexpected(Error{"checkpoint: bad tree size line"});
  }
  const auto [ptr, ec] = std::from_chars(l_size->data(), l_size->data() + l_size->size(), cp.tree_size);
  if (ec != std::errc() || ptr != l_size->data() + l_size->size()) {
    return std::unexpected(Error{"checkpoint: bad tree size line"});
  }
  const auto root = util::base64_decode(*l_root);
  if (!root || root->size() != 32) return std::unexpected(Error{"checkpoint: root is not 32 bytes of base64"});
  std::memcpy(cp.root.data(), root->data(), 32);

  const auto want_id = checkpoint_key_id(origin, log_id);
  static constexpr std::string_view kDash = "\xE2\x80\x94 ";  // em dash + space
  bool found = false;
  while (auto line = next_line(sigs)) {
    if (!line->starts_with(kDash)) return std::unexpected(Error{"checkpoint: signature line without em dash"});
    std::string_view rest = line->substr(kDash.size());
    const std::size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) return std::unexpected(Error{"checkpoint: signature line without key name"});
    const std::string_view name = rest.substr(0, sp);
    const auto sig = util::base64_decode(rest.substr(sp + 1));
    if (!sig || sig->size() < 4) return std::unexpected(Error{"checkpoint: signature is not base64"});
    // Unknown names or key IDs are cosigners (witnesses, grease): ignore them.
    if (name != origin || !std::equal(want_id.begin(), want_id.end(), sig->begin())) continue;
    if (sig->size() < 4 + 8 + 4) return std::unexpected(Error{"checkpoint: log signature too short"});
    cp.timestamp = get_u64(sig->data() + 4);
    cp.signature.assign(sig->begin() + 12, sig->end());
    found = true;
  }
  if (!sigs.empty()) return std::unexpected(Error{"checkpoint: last signature line not terminated"});
  if (!found) return std::unexpected(Error{"checkpoint: no signature from the log's key"});
  return cp;
}

bool verify_checkpoint(const Checkpoint& cp, const PublicKey& key) {
  SignedTreeHead sth{cp.tree_size, cp.timestamp, cp.root, cp.signature};
  return verify_sth(sth, key);
}

}  // namespace lookalike::ctlog
