// Certificate Transparency follower: log list v3, RFC 6962 and static-ct-api (tiled) clients,
// Merkle verification (every leaf folded, roots compared at each signed size, consistency between
// heads, STH/checkpoint signatures), certificate name extraction and resumable per-log state.
// simdjson and OpenSSL stay inside ctlog/ (HTTP is net/); this header only uses std types.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http.hpp"

namespace lookalike::ctlog {

using Hash = std::array<std::uint8_t, 32>;
using Bytes = std::vector<std::uint8_t>;

// A failure with what went wrong and where ("get-entries 1000-1999: truncated JSON at byte 812").
struct Error {
  std::string what;
};

// ---------------------------------------------------------------------------------------------
// Hashing (base64 and hex are in util/encoding.hpp)
// ---------------------------------------------------------------------------------------------

// SHA-256 of `data`.
[[nodiscard]] Hash sha256(std::span<const std::uint8_t> data);

// ---------------------------------------------------------------------------------------------
// Merkle trees (RFC 6962 §2.1, RFC 9162 §2.1)
// ---------------------------------------------------------------------------------------------

// SHA-256(0x00 ‖ leaf), the hash of one MerkleTreeLeaf.
[[nodiscard]] Hash leaf_hash(std::span<const std::uint8_t> merkle_tree_leaf);
// SHA-256(0x01 ‖ left ‖ right).
[[nodiscard]] Hash node_hash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the empty tree.
[[nodiscard]] Hash empty_root();
// Root of a whole list of leaf hashes (reference implementation, O(n) memory; tests and tiles).
[[nodiscard]] Hash root_of(std::span<const Hash> leaf_hashes);

// A compact range [0, size): the roots of the perfect subtrees given by the bits of `size`,
// largest (leftmost) first. Folding every leaf into it yields the root at every size.
class CompactTree {
 public:
  CompactTree() = default;
  // Starts from saved subtree roots; nullopt-free: fails when the count does not match popcount(size).
  [[nodiscard]] static std::expected<CompactTree, Error> from_parts(std::uint64_t size,
                                                                    std::vector<Hash> subtrees);
  // Appends one leaf hash.
  void append(const Hash& leaf);
  // Root of the tree of `size()` leaves.
  [[nodiscard]] Hash root() const;
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  // The subtree roots, largest first (what must be saved to resume).
  [[nodiscard]] const std::vector<Hash>& subtrees() const noexcept { return stack_; }

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> stack_;
};

// Verifies a consistency proof between (size1, root1) and (size2, root2) per RFC 9162 §2.1.4.2.
[[nodiscard]] bool verify_consistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                                      const Hash& root2, std::span<const Hash> proof);

// Verifies the proof against root2 only and returns the compact range of [0, size1) it implies
// (so a follower can start at size1 without downloading earlier leaves); also returns root1.
[[nodiscard]] std::expected<CompactTree, Error> compact_from_consistency(std::uint64_t size1,
                                                                         std::uint64_t size2,
                                                                         const Hash& root2,
                                                                         std::span<const Hash> proof);

// Verifies an inclusion (audit) proof of `leaf` at `index` in a tree of `size` with `root`.
[[nodiscard]] bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf,
                                    const Hash& root, std::span<const Hash> proof);

// ---------------------------------------------------------------------------------------------
// Signed tree heads, checkpoints and log keys
// ---------------------------------------------------------------------------------------------

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

// Parses a get-sth JSON body.
[[nodiscard]] std::expected<SignedTreeHead, Error> parse_sth_json(std::string_view json);
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

// ---------------------------------------------------------------------------------------------
// Entries: MerkleTreeLeaf, extra_data, tile entries, certificate names
// ---------------------------------------------------------------------------------------------

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

// A DNS name taken from a certificate, normalised for matching.
struct CertName {
  std::string ascii;      // lower case, "*." removed
  std::string unicode;    // U-label form when the name had A-labels (else equal to ascii)
  bool wildcard = false;  // the certificate said "*.<ascii>"
  bool from_cn = false;   // only seen in the subject CN
};

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

// Parses a get-entries JSON body into (leaf_input, extra_data) pairs.
struct RawEntry {
  Bytes leaf_input;
  Bytes extra_data;
};
[[nodiscard]] std::expected<std::vector<RawEntry>, Error> parse_get_entries_json(std::string_view json);
// Parses a get-sth-consistency JSON body.
[[nodiscard]] std::expected<std::vector<Hash>, Error> parse_consistency_json(std::string_view json);

// ---------------------------------------------------------------------------------------------
// Log list v3
// ---------------------------------------------------------------------------------------------

// One log from a v3 list.
struct LogInfo {
  std::string operator_name;
  std::string description;
  std::string log_id_b64;
  Bytes key_der;
  std::string url;  // RFC 6962 base URL, or the monitoring prefix for tiled logs (ends with '/')
  std::string submission_url;
  bool tiled = false;
  std::string state = "unknown";  // pending|qualified|usable|readonly|retired|rejected|unknown
  std::uint32_t mmd = 0;
  // Followed by default: usable, qualified or readonly.
  [[nodiscard]] bool followed_by_default() const;
  // A short name for --log and output: the description without the operator's quotes.
  [[nodiscard]] std::string short_name() const;
};

struct LogList {
  std::string version;
  std::string timestamp;
  std::vector<LogInfo> logs;
};

// Parses a log list v3 JSON document (logs and tiled_logs of every operator).
[[nodiscard]] std::expected<LogList, Error> parse_log_list(std::string_view json);
// The dated snapshot bundled in data/loglist/.
[[nodiscard]] std::string bundled_log_list_path();
// The published list browsers use.
inline constexpr std::string_view default_log_list_url =
    "https://www.gstatic.com/ct/log_list/v3/log_list.json";

// ---------------------------------------------------------------------------------------------
// Resumable state and sinks
// ---------------------------------------------------------------------------------------------

// What is kept per log between runs. `next_index` leaves have been folded into `subtrees` and
// their matches committed; `verified_*` is the last signed head whose root our fold reproduced.
struct FollowState {
  std::uint64_t next_index = 0;
  std::vector<Hash> subtrees;  // compact range of [0, next_index)
  std::uint64_t verified_size = 0;
  Hash verified_root{};
  std::vector<Hash> verified_subtrees;  // compact range of [0, verified_size): where to roll back to
  std::uint64_t head_size = 0;  // last signed head seen
  std::uint64_t head_timestamp = 0;
  std::uint64_t entries_seen = 0;
  std::uint64_t malformed = 0;
  std::string last_error;
};

// Binary encoding of FollowState for a key-value store (versioned; decode checks everything).
[[nodiscard]] std::string encode_state(const FollowState& s);
[[nodiscard]] std::expected<FollowState, Error> decode_state(std::string_view bytes);

// A name that matched a brand, as reported by the matcher.
struct BrandMatch {
  std::string brand;
  std::string rule;
  int distance = 0;
};

// Matches one certificate name against the brand watchlist, appending to `out`.
using NameMatcher = std::function<void(const CertName& name, std::vector<BrandMatch>& out)>;

// A matched certificate name, ready to be stored as a candidate (with the certificate's evidence).
struct Hit {
  std::string log;  // short name
  std::uint64_t index = 0;
  std::uint64_t timestamp = 0;
  Hash cert_sha256{};
  CertName name;
  BrandMatch match;
  bool precert = false;
  std::string issuer;             // RFC 4514 CN/O/C of the issuer
  std::vector<std::string> sans;  // every SAN dNSName of the certificate
  std::uint64_t not_before = 0;   // ms since the epoch (0 = unknown)
  std::uint64_t not_after = 0;
};

// Where state and matches go (the index in production, memory in tests).
class StateStore {
 public:
  virtual ~StateStore() = default;
  // Saved state of a log keyed by its base64 log ID, or nullopt when never followed.
  [[nodiscard]] virtual std::expected<std::optional<FollowState>, Error> load(std::string_view log_id) = 0;
  // Atomically stores `hits` (found below state.next_index) together with the new state.
  [[nodiscard]] virtual std::expected<void, Error> commit(std::string_view log_id, const FollowState& state,
                                                          std::span<const Hit> hits) = 0;
};

// A verification failure: the evidence needed to show a log misbehaved.
struct Alert {
  std::string log;
  std::string kind;    // "root mismatch", "bad signature", "inconsistent head", "log shrank", ...
  std::string detail;  // sizes, roots and the signed head (JSON or note text) as served
};

// ---------------------------------------------------------------------------------------------
// Follower
// ---------------------------------------------------------------------------------------------

enum class StartFrom : std::uint8_t { start, end, index };

struct FollowOptions {
  StartFrom from = StartFrom::start;  // only for logs without saved state
  std::uint64_t from_index = 0;
  bool once = false;                  // catch up to the head seen at start, then return
  unsigned parallel = 4;              // ranges (or tiles) in flight per log
  std::uint64_t batch = 1024;         // first get-entries request size (the log's cap is learnt)
  std::chrono::milliseconds poll{10000};
  std::chrono::milliseconds max_backoff{60000};
  unsigned max_retries = 8;           // per request, before the log is put aside with an error
  net::HttpOptions http;
  std::function<std::unique_ptr<net::HttpClient>()> client_factory;  // default: net::make_http_client(http)
  std::function<void(const Alert&)> on_alert;
  std::function<void(std::string_view log, const FollowState&)> on_progress;
  // A malformed entry (recorded and skipped; its leaf is still folded into the tree).
  std::function<void(std::string_view log, std::uint64_t index, const Error&)> on_malformed;
  const std::atomic<bool>* stop = nullptr;  // set to request a clean stop
};

// Outcome of following one log.
struct FollowResult {
  FollowState state;
  std::uint64_t entries = 0;  // entries processed this run
  std::uint64_t hits = 0;
  bool verified = false;      // ended with the fold matching a signed head
  std::optional<Error> error;
};

// Follows one log (RFC 6962 or tiled per `log.tiled`) until caught up (`once`) or stopped.
[[nodiscard]] FollowResult follow_log(const LogInfo& log, StateStore& store, const NameMatcher& matcher,
                                      const FollowOptions& options);

// Parses a leaf (RFC 6962 leaf_input) into names; errors are values, never exceptions.
[[nodiscard]] std::expected<ParsedEntry, Error> parse_leaf_names(std::span<const std::uint8_t> leaf_input,
                                                                 std::uint64_t index);

}  // namespace lookalike::ctlog
