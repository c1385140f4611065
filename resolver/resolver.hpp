// Bulk asynchronous DNS resolution: many names, several record types each, one honest outcome
// per name and type, wildcard detection. Results are plain data; no c-ares or Asio types here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::resolver {

class Transport;  // resolver/transport.hpp: the injectable network layer (tests use a fake)

// What is asked for each name. `dmarc` is TXT at `_dmarc.<name>`; `mx` also resolves the
// A/AAAA of every MX host (from the additional section when present, else by query).
enum class RecordType : std::uint8_t { a, aaaa, mx, ns, txt, dmarc };

// One outcome per name and type; never conflated. Only `nxdomain` means "does not exist".
//  answer   NOERROR with records of the type (possibly behind a CNAME chain)
//  nodata   NOERROR without records of the type (SOA kept when the server sent it); also a
//           CNAME chain whose end has no such records
//  referral NOERROR from a non-authoritative delegation (NS in authority, no SOA)
//  error    no usable reply: malformed response, transport failure, unsupported rcode
enum class Outcome : std::uint8_t { answer, nodata, nxdomain, servfail, refused, timeout, referral, error };

// A DNS server to ask: IPv4 or IPv6 literal and port.
struct Upstream {
  std::string address;
  std::uint16_t port = 53;
  friend bool operator==(const Upstream&, const Upstream&) = default;
};

struct Soa {
  std::string mname;
  std::string rname;
  std::uint32_t serial = 0;
  std::uint32_t minimum = 0;
};

// A mail exchanger and its addresses (empty when the host has none, or for a null MX ".").
struct MxHost {
  std::uint16_t preference = 0;
  std::string host;
  std::vector<std::string> addresses;  // A then AAAA
  Outcome a_outcome = Outcome::nodata;
  Outcome aaaa_outcome = Outcome::nodata;
};

// The outcome for one record type of one name.
struct TypeResult {
  RecordType type = RecordType::a;
  Outcome outcome = Outcome::timeout;
  std::string error;                     // what went wrong, for `error` (and the last failure of timeouts)
  std::vector<std::string> records;      // A/AAAA addresses, NS hosts, TXT strings (one per record)
  std::vector<MxHost> mx;                // for `mx`, sorted by preference
  std::vector<std::string> cname_chain;  // targets followed from the name, in order
  std::optional<Soa> soa;                // authority SOA on nodata / nxdomain
  std::uint32_t ttl = 0;                 // smallest TTL of the records
  unsigned attempts = 0;                 // queries sent for this type (retries included)
  bool wildcard = false;                 // answer equals the one for a random label under the parent
  // Not asked (Config::existence_first): the name's existence question got NXDOMAIN, which
  // covers every type and every name below it (RFC 8020). `outcome` is then `nxdomain`,
  // `attempts` 0 and `soa` the one of that NXDOMAIN, so callers reading outcomes need no change.
  bool inferred = false;
};

// Everything learnt about one name. `types` follows the order of Config::types.
struct NameResult {
  std::string name;
  std::vector<TypeResult> types;
  std::optional<std::string> spf;    // the TXT record starting "v=spf1", if any
  std::optional<std::string> dmarc;  // the `_dmarc` TXT record starting "v=DMARC1", if any
  bool wildcard = false;  // every answered type matched the parent's wildcard answers

  // The result for `t`, or nullptr when that type was not asked.
  [[nodiscard]] const TypeResult* find(RecordType t) const;
  // True when some type got an answer, NODATA or referral (the name exists in the DNS).
  [[nodiscard]] bool exists() const;
  // True when every asked type got NXDOMAIN (the only "does not exist").
  [[nodiscard]] bool nxdomain() const;
};

// The network layer. `native` is the purpose-built UDP engine (batched sendmmsg/recvmmsg, TCP on
// truncation); `c_ares` drives c-ares 1.18 through Asio. Both give identical outcomes.
enum class Backend : std::uint8_t { native, c_ares };

// 0x20 case randomisation (draft-vixie-dnsext-dns0x20): every letter of a question name is sent in
// a random case and a reply must echo it exactly, or it is dropped as a forgery. `remote` (the
// default) does so for upstreams off loopback, where an off-path spoofer can reach us; local stub
// resolvers (systemd-resolved, dnsmasq) are not all case-preserving. `never` is for servers that
// break it (reply in lower case); `always` includes loopback upstreams (tests, local recursors).
enum class CaseRandomization : std::uint8_t { remote, always, never };

// How to resolve. Defaults are for a polite client of public resolvers; an explicit list of
// upstreams without `qps` means "as fast as the adaptive window allows".
struct Config {
  std::vector<Upstream> upstreams;  // empty: the system's resolvers (/etc/resolv.conf)
  std::vector<RecordType> types = {RecordType::a, RecordType::aaaa, RecordType::mx,
                                   RecordType::ns, RecordType::txt, RecordType::dmarc};
  std::optional<double> qps;      // queries/s cap; unset: none for explicit upstreams, 300 for system ones
  unsigned concurrency = 0;       // in-flight queries: 0 = adaptive window, else fixed
  std::chrono::milliseconds timeout{1500};  // per attempt
  unsigned retries = 3;           // extra attempts after SERVFAIL/timeout/error, each on another upstream
  bool detect_wildcards = true;   // probe random labels under each parent
  // Connected UDP sockets (source ports; c-ares channels) per upstream. One is picked at random
  // (CSPRNG) per query and each is replaced by a fresh one after a random few hundred queries.
  unsigned sockets_per_upstream = 2;
  CaseRandomization case_randomization = CaseRandomization::remote;
  Backend backend = Backend::native;
  // Ask one question per name first (A when asked, else the first asked type at the name
  // itself) and the other types only when it is not NXDOMAIN: an NXDOMAIN name costs one query
  // and reads NXDOMAIN for every type (TypeResult::inferred). NODATA, SERVFAIL, REFUSED,
  // timeouts and errors still get every type. Wildcard probes then go only to parents with an
  // existing (or undecided) name under them: a wildcard would have made the name exist.
  bool existence_first = false;
  // Polled a few times a second while resolving (a signal handler may set it): once true the run
  // is abandoned like an outage (Stats::stopped), without waiting for the attempts in flight.
  const std::atomic<bool>* stop = nullptr;
};

inline constexpr std::size_t kRecordTypes = 6;  // RecordType values
inline constexpr std::size_t kOutcomes = 8;     // Outcome values

// Counters for one resolve() call.
struct Stats {
  std::uint64_t names = 0;
  std::uint64_t queries = 0;  // attempts sent, including retries, MX host lookups and probes
  std::uint64_t retries = 0;
  std::uint64_t timeouts = 0;  // attempts that timed out
  std::uint64_t wildcard_probes = 0;  // probe questions (one per parent and probed type)
  std::uint64_t peak_in_flight = 0;
  std::uint64_t final_window = 0;
  // Attempts for the names' own types, by [RecordType][Outcome of that attempt's reply]
  // (retries included); MX host lookups and wildcard probes are counted apart.
  std::uint64_t type_queries[kRecordTypes][kOutcomes] = {};
  std::uint64_t mx_host_queries = 0;
  std::uint64_t probe_queries = 0;  // attempts of wildcard probes (retries included)
  // Names settled by one NXDOMAIN under Config::existence_first, and the types not asked for them.
  std::uint64_t nxdomain_names = 0;
  std::uint64_t types_not_asked = 0;
  // Replies from an upstream's address and our source port with a pending ID but another
  // question (wrong name, type or 0x20 case): forgeries (or a broken server), dropped.
  std::uint64_t forged_replies = 0;
  // Replies whose ID matched no pending query: late answers to expired attempts, or forgeries
  // guessing the ID (native engine only; c-ares drops them without telling).
  std::uint64_t unmatched_replies = 0;
  // Upstreams found dead in this run (in Config::upstreams order): nothing listens there (ICMP
  // port unreachable / ECONNREFUSED), or no reply at all for a bounded number of attempts and
  // seconds. A dead upstream gets no more queries in this run; the next resolve() tries it again.
  std::vector<Upstream> dead_upstreams;
  // Set when every upstream is dead: a one-line message naming them. The run stopped at once:
  // names still in progress were not delivered to the sink and no further input was read, so
  // `names` is less than the input. Callers check this (not the outcomes) to stop or pause.
  std::optional<std::string> outage;
  // Set when Config::stop ended the run: as with an outage, names in progress were not delivered.
  bool stopped = false;
};

// Pulls the next name to resolve; std::nullopt ends the input. Called on the resolving thread.
using NameSource = std::function<std::optional<std::string>()>;
// Receives each finished name, in completion order, on the resolving thread.
using ResultSink = std::function<void(NameResult&&)>;

// A reusable bulk resolver. resolve() runs its own event loop on the calling thread (any thread
// the caller owns) and returns when every name is done; one call at a time per Resolver.
class Resolver {
 public:
  // Throws std::invalid_argument for an unusable config (no upstreams, no types, bad address).
  explicit Resolver(Config config);
  // Same, with an injected transport (unit tests).
  Resolver(Config config, std::unique_ptr<Transport> transport);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves every name from `next` and streams one NameResult per name to `sink`. Input names
  // are resolved as given (the caller normalises them); an invalid name yields `error` outcomes.
  Stats resolve(const NameSource& next, const ResultSink& sink);

  // Convenience batch form: results in input order. After an outage (Stats::outage) the names
  // not resolved are left default-constructed (empty name, no types).
  std::vector<NameResult> resolve_all(const std::vector<std::string>& names, Stats* stats = nullptr);

  [[nodiscard]] const Config& config() const { return config_; }

 private:
  Config config_;
  std::unique_ptr<Transport> transport_;
};

// Parses "IP[:PORT],..." ("[v6]:PORT" for IPv6 with a port), or, when `spec` names a readable
// file, one such entry per line (# comments allowed).
std::expected<std::vector<Upstream>, std::string> parse_upstreams(std::string_view spec);
// The nameservers of a resolv.conf (only reads the file; sends nothing).
std::expected<std::vector<Upstream>, std::string> system_upstreams(const std::string& path = "/etc/resolv.conf");

// "A", "AAAA", "MX", "NS", "TXT", "DMARC".
std::string_view to_string(RecordType t);
// "answer", "nodata", "nxdomain", "servfail", "refused", "timeout", "referral", "error".
std::string_view to_string(Outcome o);
// Parses one record type name (case-insensitive).
std::optional<RecordType> parse_record_type(std::string_view s);

}  // namespace lookalike::resolver
