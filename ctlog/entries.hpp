// Internal to ctlog/: RFC 6962 MerkleTreeLeaf and extra_data, static-ct-api tile entries and tile
// paths, and the DER walk that takes names and evidence out of a certificate.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ctlog/ctlog.hpp"

namespace lookalike::ctlog {

enum class EntryType : std::uint8_t { x509 = 0, precert = 1 };

// A parsed TimestampedEntry. Views point into the input buffer.
struct TimestampedEntry {
  std::uint64_t timestamp = 0;
  EntryType type = EntryType::x509;
  std::span<const std::uint8_t> certificate;  // x509: certificate DER; precert: TBSCertificate DER
  std::span<const std::uint8_t> issuer_key_hash;  // precert only, 32 bytes
  std::span<const std::uint8_t> extensions;
  std::optional<std::uint64_t> leaf_index;  // static-ct leaf_index extension when present
};

// Parses an RFC 6962 MerkleTreeLeaf (version 0, timestamped_entry) consuming all of `leaf`.
[[nodiscard]] std::expected<TimestampedEntry, Error> parse_merkle_tree_leaf(std::span<const std::uint8_t> leaf);

// Parses extra_data and returns the chain certificates (and the pre-certificate first for precerts).
[[nodiscard]] std::expected<std::vector<std::span<const std::uint8_t>>, Error> parse_extra_data(
    EntryType type, std::span<const std::uint8_t> extra_data);

// One entry of a static-ct data tile.
struct TileEntry {
  TimestampedEntry entry;
  std::span<const std::uint8_t> timestamped_entry;  // raw bytes (for the leaf hash)
  std::span<const std::uint8_t> pre_certificate;    // precert only
  std::vector<Hash> chain_fingerprints;
};

// Parses one entry at the front of `data`, advancing `data` past it.
[[nodiscard]] std::expected<TileEntry, Error> parse_tile_entry(std::span<const std::uint8_t>& data);
// Leaf hash of a tile entry: SHA-256(0x00 ‖ 0x00 0x00 ‖ TimestampedEntry).
[[nodiscard]] Hash tile_leaf_hash(const TileEntry& e);

// Subject CN and SAN dNSNames of a certificate or a TBSCertificate (`tbs_only`), de-duplicated.
// Non-DNS CNs (spaces, no dot) are dropped; malformed DER is an error naming the offset.
[[nodiscard]] std::expected<std::vector<CertName>, Error> certificate_names(
    std::span<const std::uint8_t> der, bool tbs_only);

// A certificate's names plus the evidence a takedown needs (issuer, validity, SANs as written).
struct CertificateInfo {
  std::vector<CertName> names;    // as certificate_names()
  std::vector<std::string> sans;  // every SAN dNSName in certificate order, raw bytes as written
  std::string issuer;             // RFC 4514 text of the issuer's CN/O/C, e.g. "CN=R3,O=Let's Encrypt,C=US"
  std::uint64_t not_before = 0;   // ms since the epoch; 0 when the time is not UTC/GeneralizedTime
  std::uint64_t not_after = 0;
};

// certificate_names() plus issuer, validity and raw SANs; malformed DER is an error naming the offset.
[[nodiscard]] std::expected<CertificateInfo, Error> certificate_info(std::span<const std::uint8_t> der,
                                                                    bool tbs_only);

// A leaf decoded for matching.
struct ParsedEntry {
  std::uint64_t index = 0;
  std::uint64_t timestamp = 0;
  EntryType type = EntryType::x509;
  Hash cert_sha256{};  // SHA-256 of the logged certificate (x509) or TBSCertificate (precert)
  std::vector<CertName> names;
  std::vector<std::string> sans;  // CertificateInfo::sans
  std::string issuer;             // CertificateInfo::issuer
  std::uint64_t not_before = 0;   // ms since the epoch (0 = unknown)
  std::uint64_t not_after = 0;
  // The follower fills names only and keeps the DER here instead of sans/issuer/validity: the
  // evidence is decoded for the few entries that match a brand (decoding it for all costs ~30%).
  Bytes certificate;
};

// Builds a ParsedEntry from a parsed TimestampedEntry and its certificate's info (hashes the certificate).
[[nodiscard]] ParsedEntry make_parsed_entry(std::uint64_t index, const TimestampedEntry& entry, CertificateInfo&& info);

// Static-ct tile path: "tile/<L>/<N>" or "tile/data/<N>" (level < 0), with ".p/<W>" if width < 256.
[[nodiscard]] std::string tile_path(int level, std::uint64_t index, unsigned width = 256);
// Encodes N in 3-digit groups: 1234067 -> "x001/x234/067".
[[nodiscard]] std::string tile_index_path(std::uint64_t index);

// Parses a leaf (RFC 6962 leaf_input) into names; errors are values, never exceptions.
[[nodiscard]] std::expected<ParsedEntry, Error> parse_leaf_names(std::span<const std::uint8_t> leaf_input,
                                                                 std::uint64_t index);

}  // namespace lookalike::ctlog
