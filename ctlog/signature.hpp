// Internal to ctlog/: log keys, RFC 6962 signed tree heads and static-ct-api checkpoints (C2SP
// signed notes), and their signatures.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ctlog/ctlog.hpp"

namespace lookalike::ctlog {

// A log's public key (ECDSA P-256 or RSA SubjectPublicKeyInfo). Cheap to copy (shared handle).
class PublicKey {
 public:
  // Parses a DER SubjectPublicKeyInfo.
  [[nodiscard]] static std::expected<PublicKey, Error> from_der(std::span<const std::uint8_t> spki);
  // Parses a PEM "PUBLIC KEY" block.
  [[nodiscard]] static std::expected<PublicKey, Error> from_pem(std::string_view pem);
  // Verifies a TLS DigitallySigned struct (hash u8 ‖ sig u8 ‖ u16 len ‖ sig) over `message`.
  [[nodiscard]] bool verify_digitally_signed(std::span<const std::uint8_t> message,
                                             std::span<const std::uint8_t> digitally_signed) const;
  // SHA-256 of the DER key: the RFC 6962 LogID.
  [[nodiscard]] const Hash& log_id() const noexcept { return log_id_; }
  [[nodiscard]] bool is_ecdsa() const noexcept { return ecdsa_; }

 private:
  friend struct KeyAccess;
  std::shared_ptr<void> key_;  // EVP_PKEY, freed with EVP_PKEY_free
  Hash log_id_{};
  bool ecdsa_ = false;
};

// An RFC 6962 signed tree head (get-sth).
struct SignedTreeHead {
  std::uint64_t tree_size = 0;
  std::uint64_t timestamp = 0;  // ms since the epoch
  Hash root{};
  Bytes signature;  // DigitallySigned
};

// The bytes an STH signature covers (version 0, type 1 tree_hash, timestamp, size, root).
[[nodiscard]] Bytes sth_signature_input(const SignedTreeHead& sth);
// True when the STH's signature verifies with `key`.
[[nodiscard]] bool verify_sth(const SignedTreeHead& sth, const PublicKey& key);

// A static-ct-api checkpoint (C2SP signed note) whose log signature has been found.
struct Checkpoint {
  std::string origin;
  std::uint64_t tree_size = 0;
  Hash root{};
  std::uint64_t timestamp = 0;  // from the RFC6962NoteSignature
  Bytes signature;              // DigitallySigned over the RFC 6962 STH input
};

// The 4-byte note key ID of an RFC 6962 log key: SHA-256(origin ‖ 0x0A ‖ 0x05 ‖ log_id)[:4].
[[nodiscard]] std::array<std::uint8_t, 4> checkpoint_key_id(std::string_view origin, const Hash& log_id);
// Parses a signed note and picks the signature line whose name is `origin` and key ID matches
// `log_id` (cosignatures from unknown keys are ignored). Does not check the signature.
[[nodiscard]] std::expected<Checkpoint, Error> parse_checkpoint(std::string_view note,
                                                                std::string_view origin,
                                                                const Hash& log_id);
// Verifies the checkpoint's RFC 6962 signature with `key`.
[[nodiscard]] bool verify_checkpoint(const Checkpoint& cp, const PublicKey& key);

}  // namespace lookalike::ctlog
