// The RocksDB side of the index: column families, merge operator, retention filter, the batch
// commit that keeps the by-brand index consistent, and the maintenance commands.
#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <istream>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <shared_mutex>

#include "index/codec.hpp"
#include "index/index.hpp"
#include "index/jsonl.hpp"

namespace lookalike::index {
namespace {

// Column families; `meta` is RocksDB's "default" family (schema record, consumer acks).
enum Cf : std::uint8_t { meta, brands, candidates, by_brand, observations, ct_state, verdicts, events, kCfCount };
constexpr std::array<const char*, kCfCount> kCfNames = {"default",      "brands",   "candidates", "by_brand",
                                                        "observations", "ct_state", "verdicts",   "events"};
constexpr std::string_view kSchemaKey = "schema_version";
constexpr std::string_view kAckPrefix = "ack/";
constexpr std::string_view kFeedPrefix = "feed/";  // + source: the ingest stage's opaque position record
constexpr std::string_view kGenerationPrefix = "gen/";  // + brand: watch's fingerprint of generated candidates
// + domain + '/' + 16 hex digits of (2^64-1 - time): posture runs, newest first in key order.
constexpr std::string_view kPosturePrefix = "posture/";

// The key of a posture run: newest first in key order.
std::string posture_key(std::string_view domain, Time time) {
  static constexpr char digits[] = "0123456789abcdef";
  std::uint64_t inverted = ~static_cast<std::uint64_t>(time);
  std::string key = std::string(kPosturePrefix) + std::string(domain) + "/";
  for (int shift = 60; shift >= 0; shift -= 4) key.push_back(digits[(inverted >> shift) & 0xf]);
  return key;
}

// The domain and time of a posture run key; nullopt for anything else under the prefix.
std::optional<std::pair<std::string_view, Time>> parse_posture_key(std::string_view key) {
  if (!key.starts_with(kPosturePrefix) || key.size() < kPosturePrefix.size() + 18) return std::nullopt;
  const std::string_view hex = key.substr(key.size() - 16);
  if (key[key.size() - 17] != '/') return std::nullopt;
  std::uint64_t inverted = 0;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    inverted = (inverted << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return std::pair{key.substr(kPosturePrefix.size(), key.size() - 17 - kPosturePrefix.size()), static_cast<Time>(~inverted)};
}
// The highest observation key sequence handed out (u64), written with every batch that uses one.
constexpr std::string_view kObservationSeqKey = "observation_seq";
// When the store migrated to schema 3 (u64 ms): the recorded time of observations written
// before it (their values carry none), so the migration never makes old evidence expire at once.
constexpr std::string_view kLegacyRecordedKey = "observation_legacy_recorded";
constexpr std::size_t kMaxProblems = 100;

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

Error error(ErrorCode code, std::string message) { return Error{code, one_line(std::move(message))}; }

// Maps a RocksDB status to our error, naming the store and what we were doing.
Error from_status(const rocksdb::Status& s, std::string_view path, std::string_view doing) {
  const std::string where = "store " + std::string(path);
  const std::string msg = s.ToString();
  if (s.IsIOError() && (msg.find("LOCK") != std::string::npos || msg.find("lock") != std::string::npos)) {
    return error(ErrorCode::locked,
                 where + " is in use by another process (its LOCK file is held); stop that process or use another --db");
  }
  if (s.IsCorruption()) return error(ErrorCode::corrupted, where + " is corrupted (" + std::string(doing) + "): " + msg);
  if (s.IsIOError() && msg.find("size mismatch") != std::string::npos) {
    return error(ErrorCode::corrupted, where + " is corrupted or truncated (" + std::string(doing) + "): " + msg);
  }
  if (s.IsInvalidArgument() || s.IsNotSupported()) {
    return error(ErrorCode::not_a_store, where + " cannot be opened (" + std::string(doing) + "): " + msg);
  }
  return error(ErrorCode::io, where + ": " + std::string(doing) + " failed: " + msg);
}

std::unexpected<Error> fail(ErrorCode code, std::string message) { return std::unexpected(error(code, std::move(message))); }

// Candidate merge: decodes the existing value and every operand and folds them with
// codec::merge_into, so the order in which writers' operands arrive never matters.
class CandidateMerge final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    if (in.existing_value == nullptr && in.operand_list.size() == 1) {
      // The common case (a name written once): validate and pass the operand through.
      if (!codec::decode_candidate(in.operand_list[0].ToStringView())) return false;
      out->existing_operand = in.operand_list[0];
      return true;
    }
    Candidate acc;
    if (in.existing_value != nullptr) {
      auto d = codec::decode_candidate(in.existing_value->ToStringView());
      if (!d) return false;  // surfaces as Status::Corruption to the reader: never silently dropped
      acc = std::move(*d);
    }
    for (const auto& op : in.operand_list) {
      auto d = codec::decode_candidate(op.ToStringView());
      if (!d) return false;
      codec::absorb(acc, *d);
    }
    codec::normalize(acc);
    out->new_value = codec::encode_candidate(acc);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands, std::string* new_value,
                         rocksdb::Logger*) const override {
    Candidate acc;
    for (const auto& op : operands) {
      auto d = codec::decode_candidate(op.ToStringView());
      if (!d) return false;
      codec::absorb(acc, *d);
    }
    codec::normalize(acc);
    *new_value = codec::encode_candidate(acc);
    return true;
  }

  const char* Name() const override { return "lookalike.candidate_merge.v1"; }
};

// Verdicts whose candidates' observations never expire: the evidence behind a takedown.
bool protects_evidence(Decision d) { return d == Decision::malicious || d == Decision::suspicious; }

// What the retention filter decides by, kept current by the store (compactions run on RocksDB's
// background threads, so every field is read under the mutex or is atomic).
struct Retention {
  std::int64_t retention_ms = 0;  // 0 = keep forever
  std::function<Time()> clock;    // Options::clock; empty = the system clock
  // False until open() has loaded the two fields below: a compaction that runs while the store
  // opens keeps everything rather than decide without them.
  std::atomic<bool> ready{false};
  Time legacy_recorded = 0;  // written before `ready`
  mutable std::shared_mutex mutex;
  std::set<std::string, std::less<>> protected_names;  // names with a protects_evidence verdict

  [[nodiscard]] Time now() const { return clock ? clock() : now_ms(); }
  [[nodiscard]] bool is_protected(std::string_view name) const {
    std::shared_lock lock(mutex);
    return protected_names.find(name) != protected_names.end();
  }
};

// Drops observations the store recorded more than the retention ago, during compaction. The
// observation's own time (a certificate's timestamp can be years old) plays no part, and
// names under a malicious or suspicious verdict keep all of theirs.
class ObservationRetention final : public rocksdb::CompactionFilter {
 public:
  explicit ObservationRetention(const Retention& state) : state_(state) {}
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*, bool*) const override {
    if (state_.retention_ms <= 0 || !state_.ready.load(std::memory_order_acquire)) return false;
    auto k = codec::parse_observation_key(key.ToStringView());
    auto v = codec::decode_observation_value(value.ToStringView());
    if (!k || !v) return false;  // keep what we cannot parse: check() reports it
    Time recorded = v->recorded;
    if (recorded == 0 && state_.legacy_recorded != 0) recorded = std::max(state_.legacy_recorded, k->time);
    if (recorded == 0) return false;
    if (recorded >= state_.now() - state_.retention_ms) return false;
    return !state_.is_protected(k->name);
  }
  const char* Name() const override { return "lookalike.observation_retention"; }

 private:
  const Retention& state_;
};

struct IteratorDeleter {
  void operator()(rocksdb::Iterator* it) const { delete it; }
};
using IteratorPtr = std::unique_ptr<rocksdb::Iterator, IteratorDeleter>;

std::string prefix_end(std::string prefix) {
  // The smallest key greater than every key starting with `prefix` (prefixes here end in '\0').
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::uint64_t folder_bytes(const std::string& path) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2)) total += it->file_size(ec2);
  }
  return total;
}

// True when a folder without CURRENT holds only files RocksDB writes before CURRENT exists: a
// creation killed half-way, which the next open may simply redo.
bool only_rocksdb_leftovers(const std::string& path) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
    const std::string n = e.path().filename().string();
    const bool ours = n == "LOCK" || n == "IDENTITY" || n == "LOG" || n.starts_with("LOG.old.") ||
                      n.starts_with("MANIFEST-") || n.starts_with("OPTIONS-") || n.ends_with(".log") ||
                      n.ends_with(".dbtmp") || n.ends_with(".sst");
    if (!ours) return false;
  }
  return !ec;
}

// Removes what a killed creation left behind. Nothing in it was ever acknowledged: DB::Open
// succeeds only after CURRENT exists. Holding the LOCK first (as RocksDB does, with fcntl) keeps
// us from deleting the files of another process that is creating the store right now.
std::expected<void, Error> clear_leftovers(const std::string& path) {
  const std::string lock_path = path + "/LOCK";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(error(ErrorCode::io, "store " + path + ": cannot open " + lock_path));
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_SETLK, &fl) != 0) {
    ::close(fd);
    return std::unexpected(error(ErrorCode::locked, "store " + path +
                                                        " is in use by another process (its LOCK file is held); stop that process or use another --db"));
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
    if (e.path().filename() != "LOCK") std::filesystem::remove(e.path(), ec);
  }
  ::close(fd);  // releases the lock; RocksDB takes it again in DB::Open
  if (ec) return std::unexpected(error(ErrorCode::io, "store " + path + ": cannot clear an interrupted creation: " + ec.message()));
  return {};
}

std::optional<std::pair<std::uint8_t, std::uint8_t>> score_key(const std::optional<Score>& s) {
  if (!s) return std::nullopt;
  return std::pair{s->value, s->level};
}

std::string index_value(const std::optional<Score>& s) {
  return s ? std::string(1, static_cast<char>(s->level)) : std::string();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Batch

struct Batch::Impl {
  struct Op {
    Cf cf;
    enum Type : std::uint8_t { put, merge } type;
    std::string key;
    std::string value;
  };
  // What the commit must reconcile with the stored record (index entries, events).
  struct Touch {
    std::vector<std::string> brands;
    std::optional<Score> score;
    bool upsert = false;
    bool ct = false;  // a certificate named it in this batch
  };
  // An observation waits for its sequence and recorded time, both assigned at commit.
  struct PendingObservation {
    std::string name;
    Time time = 0;
    ObservationKind kind = ObservationKind::other;
    Time recorded = 0;                  // 0 = the commit's time (patched into `value`)
    std::optional<std::uint64_t> seq;   // imported: kept (0 = the older key form); else assigned
    std::string value;                  // encoded, recorded time included
  };
  std::vector<Op> ops;
  std::vector<PendingObservation> observations;
  std::vector<std::pair<std::string, bool>> verdict_changes;  // name, protects_evidence; batch order
  std::map<std::string, Touch, std::less<>> touched;
  std::vector<Event> events;           // sequence assigned at commit
  std::vector<bool> event_is_auto;     // dropped when Options::emit_events is false
  std::uint64_t max_raw_event_seq = 0;  // imported events keep their sequence
  bool import = false;                  // no automatic events for imported records

  void merge_candidate(const std::string& name, Candidate record) {
    codec::normalize(record);
    auto& t = touched[name];
    t.brands.insert(t.brands.end(), record.brands.begin(), record.brands.end());
    t.upsert = true;
    t.ct = t.ct || !record.ct.empty();
    if (record.score && (!t.score || codec::score_newer(*record.score, *t.score))) t.score = record.score;
    ops.push_back({candidates, Op::merge, name, codec::encode_candidate(record)});
  }

  void put_verdict(const std::string& name, const Verdict& v) {
    ops.push_back({verdicts, Op::put, name, codec::encode_verdict(v)});
    verdict_changes.emplace_back(name, protects_evidence(v.decision));
  }

  std::expected<void, Error> add_observation(const Observation& o, Time recorded, std::optional<std::uint64_t> seq) {
    if (auto ok = codec::validate_key_name(o.name); !ok) return fail(ErrorCode::invalid_argument, "observation: " + ok.error());
    if (o.payload.size() > codec::kMaxBlobBytes) return fail(ErrorCode::invalid_argument, "observation payload over 16 MiB");
    if (o.time < 0 || recorded < 0) return fail(ErrorCode::invalid_argument, "observation time is negative");
    if (o.kind < ObservationKind::dns || o.kind > ObservationKind::ct) {
      return fail(ErrorCode::invalid_argument, "observation kind out of range");
    }
    observations.push_back({o.name, o.time != 0 ? o.time : now_ms(), o.kind, recorded, seq,
                            codec::encode_observation_value(recorded, o.payload)});
    return {};
  }
};

Batch::Batch() : impl_(std::make_unique<Impl>()) {}
Batch::~Batch() = default;
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;

std::size_t Batch::size() const noexcept {
  return impl_->ops.size() + impl_->observations.size() + impl_->events.size();
}

std::expected<void, Error> Batch::upsert(const CandidateUpdate& u) {
  if (auto ok = codec::validate_key_name(u.name); !ok) return fail(ErrorCode::invalid_argument, "candidate: " + ok.error());
  if (u.brands.size() > codec::kMaxListItems || u.fuzzers.size() > codec::kMaxListItems ||
      u.ct.size() > codec::kMaxListItems) {
    return fail(ErrorCode::invalid_argument, "candidate " + u.name + ": too many brands, fuzzers or sightings");
  }
  for (const auto& b : u.brands) {
    if (auto ok = codec::validate_key_name(b); !ok) {
      return fail(ErrorCode::invalid_argument, "candidate " + u.name + ": brand: " + ok.error());
    }
  }
  for (const auto& f : u.fuzzers) {
    if (f.empty() || f.size() > 64) {
      return fail(ErrorCode::invalid_argument, "candidate " + u.name + ": fuzzer name empty or over 64 bytes");
    }
  }
  for (const auto& s : u.ct) {
    if (s.log_id.empty() || s.log_id.size() > 256) {
      return fail(ErrorCode::invalid_argument, "candidate " + u.name + ": CT log id empty or over 256 bytes");
    }
  }
  Candidate c;
  c.brands = u.brands;
  c.fuzzers = u.fuzzers;
  c.ct = u.ct;
  c.first_seen = c.last_seen = u.seen != 0 ? u.seen : now_ms();
  c.state = u.state;
  impl_->merge_candidate(u.name, std::move(c));
  return {};
}

std::expected<void, Error> Batch::set_score(std::string_view name, const Score& score) {
  if (auto ok = codec::validate_key_name(name); !ok) return fail(ErrorCode::invalid_argument, "score: " + ok.error());
  if (score.value > 100) {
    return fail(ErrorCode::invalid_argument, "score of " + std::string(name) + " is " + std::to_string(score.value) + " (max 100)");
  }
  if (score.reasons.size() > codec::kMaxListItems) return fail(ErrorCode::invalid_argument, "score: too many reasons");
  Candidate c;
  c.score = score;
  if (c.score->time == 0) c.score->time = now_ms();
  const std::string key(name);
  auto& t = impl_->touched[key];
  if (!t.score || codec::score_newer(*c.score, *t.score)) t.score = c.score;
  impl_->ops.push_back({candidates, Impl::Op::merge, key, codec::encode_candidate(c)});
  return {};
}

std::expected<void, Error> Batch::record_observation(const Observation& o) {
  return impl_->add_observation(o, 0, std::nullopt);
}

std::expected<void, Error> Batch::put_ct_state(std::string_view log_id, const CtState& state) {
  if (log_id.empty() || log_id.size() > 256) return fail(ErrorCode::invalid_argument, "ct_state: log id empty or over 256 bytes");
  if (state.verified_root.size() > 64 || state.last_sth.size() > (1u << 16)) {
    return fail(ErrorCode::invalid_argument, "ct_state: root over 64 bytes or STH over 64 KiB");
  }
  CtState s = state;
  if (s.updated == 0) s.updated = now_ms();
  impl_->ops.push_back({ct_state, Impl::Op::put, std::string(log_id), codec::encode_ct_state(s)});
  return {};
}

std::expected<void, Error> Batch::put_verdict(std::string_view name, const Verdict& verdict) {
  if (auto ok = codec::validate_key_name(name); !ok) return fail(ErrorCode::invalid_argument, "verdict: " + ok.error());
  if (verdict.note.size() > (1u << 16)) return fail(ErrorCode::invalid_argument, "verdict note over 64 KiB");
  if (!is_decision(verdict.decision)) {
    return fail(ErrorCode::invalid_argument, "verdict decision out of range");
  }
  Verdict v = verdict;
  if (v.time == 0) v.time = now_ms();
  impl_->put_verdict(std::string(name), v);
  impl_->events.push_back(Event{0, v.time, EventKind::verdict, std::string(name), std::string(decision_name(v.decision))});
  impl_->event_is_auto.push_back(true);
  return {};
}

std::expected<void, Error> Batch::put_feed_state(std::string_view source, std::string_view value) {
  if (source.empty() || source.size() > 256) return fail(ErrorCode::invalid_argument, "feed state: source empty or over 256 bytes");
  if (value.size() > (1u << 16)) return fail(ErrorCode::invalid_argument, "feed state over 64 KiB");
  impl_->ops.push_back({meta, Impl::Op::put, std::string(kFeedPrefix) + std::string(source), std::string(value)});
  return {};
}

std::expected<void, Error> Batch::put_generation_state(std::string_view brand, std::string_view fingerprint) {
  if (auto v = codec::validate_key_name(brand); !v) return fail(ErrorCode::invalid_argument, v.error());
  if (fingerprint.size() > 256) return fail(ErrorCode::invalid_argument, "generation state over 256 bytes");
  impl_->ops.push_back({meta, Impl::Op::put, std::string(kGenerationPrefix) + std::string(brand), std::string(fingerprint)});
  return {};
}

std::expected<void, Error> Batch::append_event(EventKind kind, std::string_view name, std::string_view detail) {
  if (name.size() > codec::kMaxNameBytes || detail.size() > (1u << 16)) {
    return fail(ErrorCode::invalid_argument, "event name over 253 bytes or detail over 64 KiB");
  }
  if (kind < EventKind::new_candidate || kind > EventKind::posture_improved) return fail(ErrorCode::invalid_argument, "event kind out of range");
  impl_->events.push_back(Event{0, now_ms(), kind, std::string(name), std::string(detail)});
  impl_->event_is_auto.push_back(false);
  return {};
}

// ---------------------------------------------------------------------------------------------
// Store

struct Store::Impl {
  std::string path;
  Options options;
  std::unique_ptr<Retention> retention_state;       // must outlive db and the filter
  std::unique_ptr<ObservationRetention> retention;  // must outlive db
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> owned_handles;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> cf{};
  rocksdb::WriteOptions write_options;
  std::mutex write_mutex;  // serialises index reconciliation, event sequence, acks
  std::uint64_t next_seq = 1;
  std::uint64_t next_observation_seq = 1;  // under write_mutex

  ~Impl() {
    if (db) {
      for (auto* h : owned_handles) (void)db->DestroyColumnFamilyHandle(h);
      (void)db->Close();
    }
  }

  rocksdb::ColumnFamilyOptions cf_options(Cf which, const std::shared_ptr<rocksdb::Cache>& cache) const {
    rocksdb::ColumnFamilyOptions o;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    t.format_version = 5;
    t.block_size = 16 * 1024;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    o.compression = rocksdb::kLZ4Compression;
    o.bottommost_compression = rocksdb::kZSTD;
    o.level_compaction_dynamic_level_bytes = true;
    o.write_buffer_size = which == candidates || which == by_brand ? 32u << 20 : 16u << 20;
    if (which == candidates) {
      o.merge_operator = std::make_shared<CandidateMerge>();
      // Commits look up every name they touch: a memtable bloom filter makes misses cheap.
      o.memtable_whole_key_filtering = true;
      o.memtable_prefix_bloom_size_ratio = 0.05;
      o.max_successive_merges = 0;
    }
    if (which == Cf::observations) o.compaction_filter = retention.get();
    return o;
  }

  std::expected<void, Error> write(rocksdb::WriteBatch& wb) {
    auto s = db->Write(write_options, &wb);
    if (!s.ok()) return std::unexpected(from_status(s, path, "write"));
    return {};
  }

  template <typename T, typename Decode>
  std::expected<std::optional<T>, Error> get(Cf which, std::string_view key, Decode decode) const {
    std::string v;
    auto s = db->Get(rocksdb::ReadOptions(), cf[which], key, &v);
    if (s.IsNotFound()) return std::optional<T>();
    if (!s.ok()) return std::unexpected(from_status(s, path, std::string("reading ") + kCfNames[which]));
    auto d = decode(v);
    if (!d) {
      return fail(ErrorCode::corrupted, "store " + path + " is corrupted: " + kCfNames[which] + " \"" +
                                            codec::to_hex(key.substr(0, 64)) + "\": " + d.error());
    }
    return std::optional<T>(std::move(*d));
  }

  IteratorPtr iterator(Cf which, const rocksdb::Snapshot* snap = nullptr) const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ro.fill_cache = false;
    return IteratorPtr(db->NewIterator(ro, cf[which]));
  }

  std::expected<void, Error> commit(Batch::Impl& b);
  std::expected<void, Error> open_families(const std::vector<std::string>& existing,
                                           const rocksdb::DBOptions& dbo);
  std::expected<void, Error> check_schema(bool fresh_allowed);
  std::expected<void, Error> rebuild_by_brand();
  std::expected<void, Error> load_retention();
  void add_observations(Batch::Impl& b, rocksdb::WriteBatch& wb);
  void set_protection(const std::map<std::string_view, bool>& verdicts_now, bool protects);
};

std::expected<void, Error> Store::Impl::commit(Batch::Impl& b) {
  // Key order within each family lets the memtable skiplist reuse its last insertion point
  // (several times faster than random order). Stable, so repeated keys keep their order.
  std::vector<const Batch::Impl::Op*> order;
  order.reserve(b.ops.size());
  for (const auto& op : b.ops) order.push_back(&op);
  std::stable_sort(order.begin(), order.end(), [](const Batch::Impl::Op* x, const Batch::Impl::Op* y) {
    return x->cf != y->cf ? x->cf < y->cf : x->key < y->key;
  });
  rocksdb::WriteBatch wb(b.ops.size() * 64);
  for (const auto* op : order) {
    const auto s = op->type == Batch::Impl::Op::merge ? wb.Merge(cf[op->cf], op->key, op->value)
                                                       : wb.Put(cf[op->cf], op->key, op->value);
    if (!s.ok()) return std::unexpected(from_status(s, path, "building a batch"));
  }
  // by_brand changes: key -> value, or nullopt for a delete; sorted before they join the batch.
  std::map<std::string, std::optional<std::string>> index_ops;

  std::lock_guard lock(write_mutex);
  // Reconcile the by-brand index with the stored records under the lock: every writer of
  // scores or brand sets passes here, so the index never misses a concurrent change.
  if (!b.touched.empty()) {
    std::vector<rocksdb::Slice> keys;
    keys.reserve(b.touched.size());
    for (const auto& [name, t] : b.touched) keys.emplace_back(name);
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db->MultiGet(rocksdb::ReadOptions(), cf[candidates], keys.size(), keys.data(), values.data(), statuses.data(),
                 /*sorted_input=*/true);
    std::size_t i = 0;
    for (const auto& [name, t] : b.touched) {
      const auto& st = statuses[i];
      const auto& val = values[i];
      ++i;
      std::optional<Candidate> old;
      if (st.ok()) {
        auto d = codec::decode_candidate(val.ToStringView());
        if (!d) return fail(ErrorCode::corrupted, "store " + path + " is corrupted: candidate " + name + ": " + d.error());
        old = std::move(*d);
      } else if (!st.IsNotFound()) {
        return std::unexpected(from_status(st, path, "reading candidate " + name));
      }
      if (!old && !t.upsert) {
        return fail(ErrorCode::invalid_argument, "cannot score " + name + ": no such candidate");
      }
      const std::vector<std::string> no_brands;
      const auto& old_brands = old ? old->brands : no_brands;
      std::optional<Score> old_score = old ? old->score : std::nullopt;
      std::optional<Score> new_score = old_score;
      if (t.score && (!new_score || codec::score_newer(*t.score, *new_score))) new_score = t.score;
      const auto old_rank = old_score ? std::optional<std::uint8_t>(old_score->value) : std::nullopt;
      const auto new_rank = new_score ? std::optional<std::uint8_t>(new_score->value) : std::nullopt;
      const bool changed = score_key(old_score) != score_key(new_score);
      const std::string value = index_value(new_score);
      if (changed) {
        for (const auto& brand : old_brands) {
          if (old_rank != new_rank) index_ops[codec::by_brand_key(brand, old_rank, name)] = std::nullopt;
          index_ops[codec::by_brand_key(brand, new_rank, name)] = value;
        }
      }
      for (const auto& brand : t.brands) {
        if (!std::binary_search(old_brands.begin(), old_brands.end(), brand)) {
          index_ops[codec::by_brand_key(brand, new_rank, name)] = value;
        }
      }
      if (options.emit_events && !b.import) {
        if (!old && t.ct) {
          std::string detail;
          std::vector<std::string> brands = t.brands;
          std::sort(brands.begin(), brands.end());
          brands.erase(std::unique(brands.begin(), brands.end()), brands.end());
          for (const auto& brand : brands) detail += (detail.empty() ? "" : ",") + brand;
          b.events.push_back(Event{0, now_ms(), EventKind::new_candidate, name, detail});
          b.event_is_auto.push_back(true);
        }
        if (new_score && (!old_score || old_score->level != new_score->level)) {
          std::string detail = "level " + std::to_string(new_score->level) + " (was " +
                               (old_score ? std::to_string(old_score->level) : std::string("none")) + "), score " +
                               std::to_string(new_score->value);
          b.events.push_back(Event{0, now_ms(), EventKind::level_changed, name, std::move(detail)});
          b.event_is_auto.push_back(true);
        }
      }
    }
  }
  for (const auto& [key, value] : index_ops) {
    (void)(value ? wb.Put(cf[by_brand], key, *value) : wb.Delete(cf[by_brand], key));
  }
  const std::uint64_t saved_seq = next_seq;
  const std::uint64_t saved_observation_seq = next_observation_seq;
  if (!b.observations.empty()) add_observations(b, wb);
  next_seq = std::max(next_seq, b.max_raw_event_seq + 1);
  for (std::size_t e = 0; e < b.events.size(); ++e) {
    if (b.event_is_auto[e] && (!options.emit_events || b.import)) continue;
    auto& ev = b.events[e];
    ev.seq = next_seq++;
    (void)wb.Put(cf[events], codec::u64_key(ev.seq), codec::encode_event(ev));
  }
  if (wb.Count() == 0) return {};
  // Protection is granted before the write and withdrawn after it, so a compaction running
  // meanwhile never sees a protected name unprotected (at worst it keeps a little more).
  std::map<std::string_view, bool> verdicts_now;
  for (const auto& [name, protects] : b.verdict_changes) verdicts_now[name] = protects;
  set_protection(verdicts_now, true);
  if (auto w = write(wb); !w) {
    next_seq = saved_seq;
    next_observation_seq = saved_observation_seq;
    return w;
  }
  set_protection(verdicts_now, false);
  return {};
}

void Store::Impl::set_protection(const std::map<std::string_view, bool>& verdicts_now, bool protects) {
  if (std::none_of(verdicts_now.begin(), verdicts_now.end(), [&](const auto& v) { return v.second == protects; })) return;
  std::unique_lock lock(retention_state->mutex);
  for (const auto& [name, p] : verdicts_now) {
    if (p != protects) continue;
    if (protects) {
      retention_state->protected_names.emplace(name);
    } else if (auto it = retention_state->protected_names.find(name); it != retention_state->protected_names.end()) {
      retention_state->protected_names.erase(it);
    }
  }
}

void Store::Impl::add_observations(Batch::Impl& b, rocksdb::WriteBatch& wb) {
  // Imported sequences are kept, so fresh ones start above the highest of them.
  for (const auto& o : b.observations) {
    if (o.seq) next_observation_seq = std::max(next_observation_seq, *o.seq + 1);
  }
  // Key order again (see above); sequences follow it, so the keys stay ascending.
  std::vector<Batch::Impl::PendingObservation*> order;
  order.reserve(b.observations.size());
  for (auto& o : b.observations) order.push_back(&o);
  std::stable_sort(order.begin(), order.end(), [](const auto* x, const auto* y) {
    return std::tie(x->name, x->time, x->kind) < std::tie(y->name, y->time, y->kind);
  });
  const Time recorded = std::max<Time>(retention_state->now(), 1);
  std::string recorded_be;
  for (int shift = 56; shift >= 0; shift -= 8) recorded_be.push_back(static_cast<char>(static_cast<std::uint64_t>(recorded) >> shift));
  for (auto* o : order) {
    const std::uint64_t seq = o->seq ? *o->seq : next_observation_seq++;
    if (o->recorded == 0) o->value.replace(1, 8, recorded_be);
    (void)wb.Put(cf[Cf::observations], codec::observation_key(o->name, o->time, o->kind, seq), o->value);
  }
  if (next_observation_seq > 1) {
    (void)wb.Put(cf[meta], kObservationSeqKey, codec::encode_u64(next_observation_seq - 1));
  }
}

std::expected<void, Error> Store::Impl::rebuild_by_brand() {
  // Derives every index entry from the candidate records. Only puts: running it again after a
  // crash half-way is harmless.
  rocksdb::WriteBatch wb;
  auto it = iterator(candidates);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto c = codec::decode_candidate(it->value().ToStringView());
    if (!c) return fail(ErrorCode::corrupted, "store " + path + " is corrupted: candidate " + it->key().ToString() + ": " + c.error());
    const auto rank = c->score ? std::optional<std::uint8_t>(c->score->value) : std::nullopt;
    for (const auto& brand : c->brands) {
      (void)wb.Put(cf[by_brand], codec::by_brand_key(brand, rank, it->key().ToStringView()), index_value(c->score));
    }
    if (wb.Count() >= 10000) {
      if (auto w = write(wb); !w) return w;
      wb.Clear();
    }
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), path, "reading candidates"));
  return write(wb);
}

std::expected<void, Error> Store::Impl::load_retention() {
  auto seq = get<std::uint64_t>(meta, kObservationSeqKey, [](std::string_view v) { return codec::decode_u64(v); });
  if (!seq) return std::unexpected(seq.error());
  next_observation_seq = seq->value_or(0) + 1;
  auto since = get<std::uint64_t>(meta, kLegacyRecordedKey, [](std::string_view v) { return codec::decode_u64(v); });
  if (!since) return std::unexpected(since.error());
  retention_state->legacy_recorded = static_cast<Time>(since->value_or(0));
  std::set<std::string, std::less<>> names;
  auto it = iterator(verdicts);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto v = codec::decode_verdict(it->value().ToStringView());
    if (!v) return fail(ErrorCode::corrupted, "store " + path + " is corrupted: verdict " + it->key().ToString() + ": " + v.error());
    if (protects_evidence(v->decision)) names.insert(it->key().ToString());
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), path, "reading verdicts"));
  {
    std::unique_lock lock(retention_state->mutex);
    retention_state->protected_names = std::move(names);
  }
  retention_state->ready.store(true, std::memory_order_release);
  return {};
}

std::expected<void, Error> Store::Impl::check_schema(bool fresh_allowed) {
  std::string v;
  auto s = db->Get(rocksdb::ReadOptions(), cf[meta], kSchemaKey, &v);
  std::uint64_t version = 0;
  if (s.IsNotFound()) {
    if (!fresh_allowed) {
      return fail(ErrorCode::not_a_store, "store " + path + " holds a RocksDB database that is not a lookalike store (no schema record)");
    }
    version = kSchemaVersion;
    if (!options.read_only) {
      s = db->Put(write_options, cf[meta], kSchemaKey, codec::encode_u64(version));
      if (!s.ok()) return std::unexpected(from_status(s, path, "writing the schema record"));
    }
    return {};
  }
  if (!s.ok()) return std::unexpected(from_status(s, path, "reading the schema record"));
  auto d = codec::decode_u64(v);
  if (!d) return fail(ErrorCode::corrupted, "store " + path + " is corrupted: schema record: " + d.error());
  version = *d;
  if (version > kSchemaVersion) {
    return fail(ErrorCode::newer_schema, "store " + path + " has schema version " + std::to_string(version) +
                                             ", newer than this lookalike supports (" + std::to_string(kSchemaVersion) +
                                             "): upgrade lookalike; the store was not modified");
  }
  if (version == 0) return fail(ErrorCode::corrupted, "store " + path + " is corrupted: schema version 0");
  if (version < kSchemaVersion) {
    if (options.read_only) {
      return fail(ErrorCode::invalid_argument, "store " + path + " has schema version " + std::to_string(version) +
                                                   " and must be migrated: open it once without read-only");
    }
    // Schema 1 had no by-brand index: build it from the candidates, then record the version.
    // A crash in between leaves version 1, so the (idempotent) rebuild simply runs again.
    if (version == 1) {
      if (auto r = rebuild_by_brand(); !r) return r;
    }
    // Schema 3 counts retention from when the store recorded an observation; older values do
    // not say, so they count from this migration (never sooner than from their own time). A
    // crash before the schema record keeps the first migration time: reruns leave it alone.
    rocksdb::WriteBatch wb;
    std::string since;
    s = db->Get(rocksdb::ReadOptions(), cf[meta], kLegacyRecordedKey, &since);
    if (s.IsNotFound()) {
      (void)wb.Put(cf[meta], kLegacyRecordedKey, codec::encode_u64(static_cast<std::uint64_t>(retention_state->now())));
    } else if (!s.ok()) {
      return std::unexpected(from_status(s, path, "reading the migration time"));
    }
    (void)wb.Put(cf[meta], kSchemaKey, codec::encode_u64(kSchemaVersion));
    s = db->Write(write_options, &wb);
    if (!s.ok()) return std::unexpected(from_status(s, path, "writing the schema record"));
    s = db->FlushWAL(true);
    if (!s.ok()) return std::unexpected(from_status(s, path, "syncing the migration"));
  }
  return {};
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::string& Store::path() const noexcept { return impl_->path; }

std::expected<Store, Error> Store::open(const std::string& path, const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  const bool has_current = exists && fs::exists(fs::path(path) / "CURRENT", ec);
  if (!has_current) {
    if (exists && !fs::is_directory(path, ec)) return fail(ErrorCode::not_a_store, path + " is not a folder");
    if (exists && !fs::is_empty(path, ec)) {
      if (!only_rocksdb_leftovers(path)) {
        return fail(ErrorCode::not_a_store, path + " is not a lookalike store (a non-empty folder without a RocksDB CURRENT file)");
      }
      if (!options.read_only && options.create_if_missing) {
        if (auto r = clear_leftovers(path); !r) return std::unexpected(r.error());
      }
    }
    if (!options.create_if_missing || options.read_only) {
      return fail(ErrorCode::not_found, "no lookalike store at " + path + " (add a brand first, or pass --db)");
    }
    fs::create_directories(path, ec);
    if (ec) return fail(ErrorCode::io, "cannot create store folder " + path + ": " + ec.message());
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  impl->retention_state = std::make_unique<Retention>();
  impl->retention_state->retention_ms = std::chrono::milliseconds(options.observation_retention).count();
  impl->retention_state->clock = options.clock;
  impl->retention = std::make_unique<ObservationRetention>(*impl->retention_state);
  impl->write_options.sync = options.sync;

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = !has_current;
  dbo.create_missing_column_families = false;
  dbo.IncreaseParallelism(2);
  dbo.max_background_jobs = 2;
  dbo.paranoid_checks = true;
  dbo.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  dbo.max_log_file_size = 1u << 20;
  dbo.keep_log_file_num = 3;
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  dbo.max_total_wal_size = 256u << 20;

  std::vector<std::string> existing = {"default"};
  if (has_current) {
    auto s = rocksdb::DB::ListColumnFamilies(dbo, path, &existing);
    if (!s.ok()) return std::unexpected(from_status(s, path, "listing column families"));
  }
  auto cache = rocksdb::NewLRUCache(64u << 20);
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& name : existing) {
    const auto known = std::find(kCfNames.begin(), kCfNames.end(), name);
    if (known == kCfNames.end()) {
      descs.emplace_back(name, rocksdb::ColumnFamilyOptions());  // a newer schema's family
    } else {
      descs.emplace_back(name, impl->cf_options(static_cast<Cf>(known - kCfNames.begin()), cache));
    }
  }
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto s = options.read_only ? rocksdb::DB::OpenForReadOnly(dbo, path, descs, &handles, &raw)
                             : rocksdb::DB::Open(dbo, path, descs, &handles, &raw);
  if (!s.ok()) return std::unexpected(from_status(s, path, "opening"));
  impl->db.reset(raw);
  impl->owned_handles = handles;
  for (std::size_t i = 0; i < descs.size(); ++i) {
    const auto known = std::find(kCfNames.begin(), kCfNames.end(), descs[i].name);
    if (known != kCfNames.end()) impl->cf[static_cast<std::size_t>(known - kCfNames.begin())] = handles[i];
  }

  // A fresh store: nothing but an empty default family. Decide before creating anything, so
  // a newer store is refused without being modified.
  bool fresh = existing.size() == 1;
  if (fresh) {
    auto it = impl->iterator(meta);
    it->SeekToFirst();
    fresh = !it->Valid();
  }
  std::string schema_probe;
  const bool has_schema = impl->db->Get(rocksdb::ReadOptions(), impl->cf[meta], kSchemaKey, &schema_probe).ok();
  if (has_schema) {
    auto d = codec::decode_u64(schema_probe);
    if (d && *d > kSchemaVersion) {
      if (auto r = impl->check_schema(false); !r) return std::unexpected(r.error());
    }
  } else if (!fresh) {
    return fail(ErrorCode::not_a_store, "store " + path + " holds a RocksDB database that is not a lookalike store (no schema record)");
  } else if (!options.read_only) {
    // The schema record goes first: a crash while the families are created below still leaves
    // a store that reopens (and creates what is missing).
    s = impl->db->Put(impl->write_options, impl->cf[meta], kSchemaKey, codec::encode_u64(kSchemaVersion));
    if (!s.ok()) return std::unexpected(from_status(s, path, "writing the schema record"));
  }
  for (std::size_t c = 0; c < kCfCount; ++c) {
    if (impl->cf[c] != nullptr) continue;
    if (options.read_only) {
      if (c == by_brand && has_schema) continue;  // a schema-1 store: check_schema explains
      return fail(ErrorCode::corrupted, "store " + path + " is missing column family " + kCfNames[c]);
    }
    rocksdb::ColumnFamilyHandle* h = nullptr;
    s = impl->db->CreateColumnFamily(impl->cf_options(static_cast<Cf>(c), cache), kCfNames[c], &h);
    if (!s.ok()) return std::unexpected(from_status(s, path, std::string("creating column family ") + kCfNames[c]));
    impl->owned_handles.push_back(h);
    impl->cf[c] = h;
  }
  if (auto r = impl->check_schema(fresh); !r) return std::unexpected(r.error());
  if (auto r = impl->load_retention(); !r) return std::unexpected(r.error());

  auto it = impl->iterator(events);
  it->SeekToLast();
  if (it->Valid()) {
    auto seq = codec::parse_u64_key(it->key().ToStringView());
    if (!seq) return fail(ErrorCode::corrupted, "store " + path + " is corrupted: events: " + seq.error());
    impl->next_seq = *seq + 1;
  } else if (!it->status().ok()) {
    return std::unexpected(from_status(it->status(), path, "reading events"));
  }
  return Store(std::move(impl));
}

std::expected<void, Error> Store::commit(Batch&& batch) {
  if (impl_->options.read_only) return fail(ErrorCode::invalid_argument, "store " + impl_->path + " is open read-only");
  Batch b = std::move(batch);
  return impl_->commit(*b.impl_);
}

// --- brands

std::expected<void, Error> Store::add_brand(const Brand& brand) {
  if (auto ok = codec::validate_key_name(brand.domain); !ok) return fail(ErrorCode::invalid_argument, "brand: " + ok.error());
  Brand b = brand;
  if (b.added == 0) b.added = now_ms();
  Batch batch;
  batch.impl_->ops.push_back({brands, Batch::Impl::Op::put, b.domain, codec::encode_brand(b)});
  return commit(std::move(batch));
}

std::expected<std::vector<Brand>, Error> Store::list_brands() const {
  std::vector<Brand> out;
  auto it = impl_->iterator(brands);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto b = codec::decode_brand(it->key().ToStringView(), it->value().ToStringView());
    if (!b) return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: brand " + it->key().ToString() + ": " + b.error());
    out.push_back(std::move(*b));
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading brands"));
  return out;
}

std::expected<std::optional<Brand>, Error> Store::get_brand(std::string_view domain) const {
  return impl_->get<Brand>(brands, domain, [&](std::string_view v) { return codec::decode_brand(domain, v); });
}

std::expected<bool, Error> Store::remove_brand(std::string_view domain) {
  if (impl_->options.read_only) return fail(ErrorCode::invalid_argument, "store " + impl_->path + " is open read-only");
  std::lock_guard lock(impl_->write_mutex);
  auto existing = get_brand(domain);
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) return false;
  auto s = impl_->db->Delete(impl_->write_options, impl_->cf[brands], domain);
  if (!s.ok()) return std::unexpected(from_status(s, impl_->path, "removing a brand"));
  return true;
}

// --- candidates

std::expected<void, Error> Store::upsert_candidates(std::span<const CandidateUpdate> updates) {
  Batch batch;
  for (const auto& u : updates) {
    if (auto r = batch.upsert(u); !r) return r;
  }
  return commit(std::move(batch));
}

std::expected<std::optional<Candidate>, Error> Store::get_candidate(std::string_view name) const {
  auto c = impl_->get<Candidate>(candidates, name, [](std::string_view v) { return codec::decode_candidate(v); });
  if (c && *c) (*c)->name = std::string(name);
  return c;
}

std::expected<void, Error> Store::set_score(std::string_view name, const Score& score) {
  Batch batch;
  if (auto r = batch.set_score(name, score); !r) return r;
  return commit(std::move(batch));
}

std::expected<void, Error> Store::visit_candidates(const std::function<bool(const Candidate&)>& visit) const {
  auto it = impl_->iterator(candidates);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto c = codec::decode_candidate(it->value().ToStringView());
    if (!c) return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: candidate " + it->key().ToString() + ": " + c.error());
    c->name = it->key().ToString();
    if (!visit(*c)) return {};
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading candidates"));
  return {};
}

std::expected<void, Error> Store::candidates_by_brand(std::string_view brand, int min_score,
                                                      const std::function<bool(const Ranked&)>& visit) const {
  const std::string prefix = codec::by_brand_prefix(brand);
  const std::string end = prefix_end(prefix);
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper(end);
  ro.iterate_upper_bound = &upper;
  IteratorPtr it(impl_->db->NewIterator(ro, impl_->cf[by_brand]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    auto k = codec::parse_by_brand_key(it->key().ToStringView());
    if (!k) return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: by_brand: " + k.error());
    if (min_score > 0 && (!k->score || *k->score < min_score)) break;  // sorted: nothing better follows
    const auto v = it->value();
    Ranked r{k->name, k->score, v.size() == 1 ? static_cast<std::uint8_t>(v[0]) : std::uint8_t{0}};
    if (!visit(r)) return {};
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading by_brand"));
  return {};
}

// --- observations

std::expected<void, Error> Store::record_observation(const Observation& observation) {
  Batch batch;
  if (auto r = batch.record_observation(observation); !r) return r;
  return commit(std::move(batch));
}

std::expected<void, Error> Store::observations(std::string_view name,
                                               const std::function<bool(const Observation&)>& visit) const {
  const std::string prefix = codec::observation_prefix(name);
  const std::string end = prefix_end(prefix);
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper(end);
  ro.iterate_upper_bound = &upper;
  IteratorPtr it(impl_->db->NewIterator(ro, impl_->cf[Cf::observations]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    auto k = codec::parse_observation_key(it->key().ToStringView());
    auto v = codec::decode_observation_value(it->value().ToStringView());
    if (!k || !v) {
      return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: observation of " + std::string(name) + ": " +
                                            (!k ? k.error() : v.error()));
    }
    if (!visit(Observation{std::string(k->name), k->time, k->kind, std::string(v->payload)})) return {};
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading observations"));
  return {};
}

// --- CT positions, verdicts

std::expected<std::optional<CtState>, Error> Store::get_ct_state(std::string_view log_id) const {
  return impl_->get<CtState>(ct_state, log_id, [](std::string_view v) { return codec::decode_ct_state(v); });
}

std::expected<std::vector<std::pair<std::string, CtState>>, Error> Store::list_ct_states() const {
  std::vector<std::pair<std::string, CtState>> out;
  auto it = impl_->iterator(ct_state);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto st = codec::decode_ct_state(it->value().ToStringView());
    if (!st) {
      return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: ct_state " +
                                            codec::to_hex(it->key().ToStringView().substr(0, 64)) + ": " + st.error());
    }
    out.emplace_back(it->key().ToString(), std::move(*st));
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading ct_state"));
  return out;
}

std::expected<void, Error> Store::put_ct_state(std::string_view log_id, const CtState& state) {
  Batch batch;
  if (auto r = batch.put_ct_state(log_id, state); !r) return r;
  return commit(std::move(batch));
}

std::expected<std::optional<std::string>, Error> Store::get_feed_state(std::string_view source) const {
  return impl_->get<std::string>(meta, std::string(kFeedPrefix) + std::string(source),
                                 [](std::string_view v) { return std::expected<std::string, std::string>(v); });
}

std::expected<std::optional<std::string>, Error> Store::get_generation_state(std::string_view brand) const {
  return impl_->get<std::string>(meta, std::string(kGenerationPrefix) + std::string(brand),
                                 [](std::string_view v) { return std::expected<std::string, std::string>(v); });
}

std::expected<void, Error> Store::put_posture_run(std::string_view domain, Time time, std::string_view payload) {
  if (auto v = codec::validate_key_name(domain); !v) return fail(ErrorCode::invalid_argument, v.error());
  if (payload.size() > codec::kMaxPostureRunBytes) return fail(ErrorCode::invalid_argument, "posture run over 1 MiB");
  auto s = impl_->db->Put(impl_->write_options, impl_->cf[meta], posture_key(domain, time), rocksdb::Slice(payload.data(), payload.size()));
  if (!s.ok()) return std::unexpected(from_status(s, impl_->path, "writing a posture run"));
  return {};
}

std::expected<void, Error> Store::posture_runs(std::string_view domain,
                                               const std::function<bool(Time, std::string_view)>& visit) const {
  const std::string prefix = std::string(kPosturePrefix) + std::string(domain) + "/";
  auto it = impl_->iterator(meta);
  for (it->Seek(prefix); it->Valid() && it->key().ToStringView().starts_with(prefix); it->Next()) {
    const auto key = parse_posture_key(it->key().ToStringView());
    if (!key || key->first != domain) continue;
    if (!visit(key->second, it->value().ToStringView())) break;
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading posture runs"));
  return {};
}

std::expected<std::vector<std::pair<std::string, std::string>>, Error> Store::list_feed_states() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = impl_->iterator(meta);
  for (it->Seek(kFeedPrefix); it->Valid() && it->key().ToStringView().starts_with(kFeedPrefix); it->Next()) {
    out.emplace_back(std::string(it->key().ToStringView().substr(kFeedPrefix.size())), it->value().ToString());
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading feed states"));
  return out;
}

std::expected<void, Error> Store::put_verdict(std::string_view name, const Verdict& verdict) {
  Batch batch;
  if (auto r = batch.put_verdict(name, verdict); !r) return r;
  return commit(std::move(batch));
}

std::expected<std::optional<Verdict>, Error> Store::get_verdict(std::string_view name) const {
  return impl_->get<Verdict>(verdicts, name, [](std::string_view v) { return codec::decode_verdict(v); });
}

std::expected<void, Error> Store::visit_verdicts(const std::function<bool(std::string_view, const Verdict&)>& visit) const {
  auto it = impl_->iterator(verdicts);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto v = codec::decode_verdict(it->value().ToStringView());
    if (!v) return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: verdict " + it->key().ToString() + ": " + v.error());
    if (!visit(it->key().ToStringView(), *v)) return {};
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading verdicts"));
  return {};
}

// --- change feed

std::expected<std::uint64_t, Error> Store::append_event(EventKind kind, std::string_view name, std::string_view detail) {
  Batch batch;
  if (auto r = batch.append_event(kind, name, detail); !r) return std::unexpected(r.error());
  Batch::Impl& b = *batch.impl_;
  if (impl_->options.read_only) return fail(ErrorCode::invalid_argument, "store " + impl_->path + " is open read-only");
  if (auto r = impl_->commit(b); !r) return std::unexpected(r.error());
  return b.events.back().seq;
}

std::expected<std::vector<Event>, Error> Store::read_events_after(std::uint64_t after, std::size_t max) const {
  std::vector<Event> out;
  if (after == UINT64_MAX) return out;
  auto it = impl_->iterator(events);
  for (it->Seek(codec::u64_key(after + 1)); it->Valid() && out.size() < max; it->Next()) {
    auto seq = codec::parse_u64_key(it->key().ToStringView());
    auto e = codec::decode_event(it->value().ToStringView());
    if (!seq || !e) {
      return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: event: " + (!seq ? seq.error() : e.error()));
    }
    e->seq = *seq;
    out.push_back(std::move(*e));
  }
  if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, "reading events"));
  return out;
}

std::expected<std::vector<Event>, Error> Store::read_events(std::string_view consumer, std::size_t max) const {
  auto after = acked(consumer);
  if (!after) return std::unexpected(after.error());
  return read_events_after(*after, max);
}

std::expected<std::uint64_t, Error> Store::acked(std::string_view consumer) const {
  if (auto ok = codec::validate_key_name(consumer); !ok) return fail(ErrorCode::invalid_argument, "consumer: " + ok.error());
  auto v = impl_->get<std::uint64_t>(meta, std::string(kAckPrefix) + std::string(consumer),
                                     [](std::string_view x) { return codec::decode_u64(x); });
  if (!v) return std::unexpected(v.error());
  return v->value_or(0);
}

std::expected<void, Error> Store::ack(std::string_view consumer, std::uint64_t seq) {
  if (impl_->options.read_only) return fail(ErrorCode::invalid_argument, "store " + impl_->path + " is open read-only");
  std::lock_guard lock(impl_->write_mutex);
  auto current = acked(consumer);
  if (!current) return std::unexpected(current.error());
  if (seq <= *current) return {};
  auto s = impl_->db->Put(impl_->write_options, impl_->cf[meta], std::string(kAckPrefix) + std::string(consumer),
                          codec::encode_u64(seq));
  if (!s.ok()) return std::unexpected(from_status(s, impl_->path, "writing an acknowledgement"));
  return {};
}

// --- maintenance

std::expected<Stats, Error> Store::stats() const {
  Stats st;
  st.schema_version = kSchemaVersion;
  for (std::size_t c = 0; c < kCfCount; ++c) {
    FamilyStats f;
    f.name = c == meta ? "meta" : kCfNames[c];
    auto it = impl_->iterator(static_cast<Cf>(c));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++f.keys;
      f.logical_bytes += it->key().size() + it->value().size();
    }
    if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, std::string("counting ") + kCfNames[c]));
    std::uint64_t sst = 0;
    if (impl_->db->GetIntProperty(impl_->cf[c], "rocksdb.live-sst-files-size", &sst)) f.sst_bytes = sst;
    st.families.push_back(std::move(f));
  }
  st.disk_bytes = folder_bytes(impl_->path);
  st.last_event_seq = 0;
  {
    std::lock_guard lock(impl_->write_mutex);
    st.last_event_seq = impl_->next_seq - 1;
  }
  return st;
}

std::expected<CheckReport, Error> Store::check() const {
  CheckReport report;
  auto problem = [&report](std::string p) {
    if (report.problems.size() < kMaxProblems) report.problems.push_back(one_line(std::move(p)));
  };
  if (auto s = impl_->db->VerifyChecksum(); !s.ok()) problem("checksum verification: " + s.ToString());

  auto scan = [&](Cf which, const std::function<void(std::string_view, std::string_view)>& each) {
    auto it = impl_->iterator(which);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.records;
      each(it->key().ToStringView(), it->value().ToStringView());
    }
    if (!it->status().ok()) problem(std::string(kCfNames[which]) + ": " + it->status().ToString());
  };
  auto hexkey = [](std::string_view k) { return codec::to_hex(k.substr(0, 64)); };

  scan(meta, [&](std::string_view k, std::string_view v) {
    if (k == kSchemaKey || k == kObservationSeqKey || k == kLegacyRecordedKey || k.starts_with(kAckPrefix)) {
      if (auto d = codec::decode_u64(v); !d) problem("meta " + std::string(k) + ": " + d.error());
    } else if (k.starts_with(kFeedPrefix) || k.starts_with(kGenerationPrefix) || k.starts_with(kPosturePrefix)) {
      // opaque to the index: the ingest stage and watch own and check these bytes
    } else {
      problem("meta: unknown key " + hexkey(k));
    }
  });
  scan(brands, [&](std::string_view k, std::string_view v) {
    if (auto ok = codec::validate_key_name(k); !ok) problem("brand key " + hexkey(k) + ": " + ok.error());
    if (auto d = codec::decode_brand(k, v); !d) problem("brand " + std::string(k) + ": " + d.error());
  });
  // Expected index entries, derived from the primary records.
  std::vector<std::pair<std::string, std::string>> expected;
  scan(candidates, [&](std::string_view k, std::string_view v) {
    if (auto ok = codec::validate_key_name(k); !ok) problem("candidate key " + hexkey(k) + ": " + ok.error());
    auto c = codec::decode_candidate(v);
    if (!c) {
      problem("candidate " + std::string(k) + ": " + c.error());
      return;
    }
    const auto rank = c->score ? std::optional<std::uint8_t>(c->score->value) : std::nullopt;
    for (const auto& b : c->brands) expected.emplace_back(codec::by_brand_key(b, rank, k), index_value(c->score));
  });
  std::sort(expected.begin(), expected.end());
  {
    auto it = impl_->iterator(by_brand);
    auto e = expected.begin();
    it->SeekToFirst();
    while (it->Valid() || e != expected.end()) {
      const int cmp = !it->Valid() ? 1 : e == expected.end() ? -1 : it->key().ToStringView().compare(e->first);
      if (cmp < 0) {
        ++report.records;
        auto k = codec::parse_by_brand_key(it->key().ToStringView());
        problem(k ? "by_brand: stale entry " + std::string(k->brand) + " -> " + std::string(k->name)
                  : "by_brand: " + k.error());
        it->Next();
      } else if (cmp > 0) {
        auto k = codec::parse_by_brand_key(e->first);
        problem("by_brand: missing entry " + std::string(k ? k->brand : "?") + " -> " + std::string(k ? k->name : "?"));
        ++e;
      } else {
        ++report.records;
        if (it->value().ToStringView() != e->second) {
          problem("by_brand: wrong level for " + std::string(e->first.substr(e->first.find('\0') + 2)));
        }
        it->Next();
        ++e;
      }
    }
    if (!it->status().ok()) problem(std::string("by_brand: ") + it->status().ToString());
  }
  scan(Cf::observations, [&](std::string_view k, std::string_view v) {
    if (auto p = codec::parse_observation_key(k); !p) problem("observation key " + hexkey(k) + ": " + p.error());
    if (auto d = codec::decode_observation_value(v); !d) problem("observation " + hexkey(k) + ": " + d.error());
  });
  scan(ct_state, [&](std::string_view k, std::string_view v) {
    if (auto d = codec::decode_ct_state(v); !d) problem("ct_state " + hexkey(k) + ": " + d.error());
  });
  scan(verdicts, [&](std::string_view k, std::string_view v) {
    if (auto d = codec::decode_verdict(v); !d) problem("verdict " + std::string(k) + ": " + d.error());
  });
  scan(events, [&](std::string_view k, std::string_view v) {
    if (auto p = codec::parse_u64_key(k); !p) problem("event key " + hexkey(k) + ": " + p.error());
    if (auto d = codec::decode_event(v); !d) problem("event " + hexkey(k) + ": " + d.error());
  });
  return report;
}

std::expected<void, Error> Store::compact() {
  if (impl_->options.read_only) return fail(ErrorCode::invalid_argument, "store " + impl_->path + " is open read-only");
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* h : impl_->cf) {
    auto s = impl_->db->CompactRange(o, h, nullptr, nullptr);
    if (!s.ok()) return std::unexpected(from_status(s, impl_->path, "compacting"));
  }
  return {};
}

std::expected<std::uint64_t, Error> Store::export_jsonl(std::ostream& out) const {
  const rocksdb::Snapshot* snap = impl_->db->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() { db->ReleaseSnapshot(s); }
  } release{impl_->db.get(), snap};
  std::uint64_t lines = 0;
  auto emit = [&](const jsonl::Record& r) {
    out << jsonl::to_line(r) << '\n';
    ++lines;
  };
  auto corrupt = [&](std::string_view what, std::string_view key, const std::string& why) {
    return fail(ErrorCode::corrupted, "store " + impl_->path + " is corrupted: " + std::string(what) + " " +
                                          codec::to_hex(key.substr(0, 64)) + ": " + why);
  };
  emit(jsonl::Meta{kSchemaVersion});
  auto walk = [&](Cf which, const std::function<std::expected<void, Error>(std::string_view, std::string_view)>& each)
      -> std::expected<void, Error> {
    auto it = impl_->iterator(which, snap);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (auto r = each(it->key().ToStringView(), it->value().ToStringView()); !r) return r;
    }
    if (!it->status().ok()) return std::unexpected(from_status(it->status(), impl_->path, std::string("exporting ") + kCfNames[which]));
    return {};
  };
  std::expected<void, Error> r = walk(brands, [&](std::string_view k, std::string_view v) -> std::expected<void, Error> {
    auto b = codec::decode_brand(k, v);
    if (!b) return corrupt("brand", k, b.error());
    emit(*b);
    return {};
  });
  if (r) r = walk(candidates, [&](std::string_view k, std::string_view v) -> std::expected<void, Error> {
    auto c = codec::decode_candidate(v);
    if (!c) return corrupt("candidate", k, c.error());
    c->name = std::string(k);
    emit(*c);
    return {};
  });
  if (r) r = walk(ct_state, [&](std::string_view k, std::string_view v) -> std::expected<void, Error> {
    auto s = codec::decode_ct_state(v);
    if (!s) return corrupt("ct_state", k, s.error());
    emit(jsonl::CtStateRecord{std::string(k), *s});
    return {};
  });
  if (r) r = walk(verdicts, [&](std::string_view k, std::string_view v) -> std::expected<void, Error> {
    auto d = codec::decode_verdict(v);
    if (!d) return corrupt("verdict", k, d.error());
    emit(jsonl::VerdictRecord{std::string(k), *d});
    return {};
  });
  if (r) r = walk(Cf::observations, [&](std::string_view k, std::string_view v) -> std::expected<void, Error> {
    auto key = codec::parse_observation_key(k);
    if (!key) return corrupt("observation", k, key.error());
    auto p = codec::decode_observation_value(v);
    if (!p) return corrupt("observation", k, p.error());
    // A value from before schema 3 exports the recorded time the retention filter uses for it.
    const Time recorded = p->recorded != 0 ? p->recorded : std::max(impl_->retention_state->legacy_recorded, key->time);
    emit(jsonl::ObservationRecord{Observation{std::string(key->name), key->time, key->kind, std::string(p->payload)},
                                  recorded, key->seq});
    return {};
  });
  if (r) r = walk(events, [&](std::string_view k, std::string_view v) -> std::expected<void, Error> {
    auto seq = codec::parse_u64_key(k);
    if (!seq) return corrupt("event", k, seq.error());
    auto e = codec::decode_event(v);
    if (!e) return corrupt("event", k, e.error());
    e->seq = *seq;
    emit(*e);
    return {};
  });
  // Acks, the feed positions (ingest's per-source day-over-day state: last date, counts, the
  // generation of the hash file beside the store) and the posture history (each brand's runs,
  // which `posture --diff` and watch's posture alerts compare against), so a backup has them.
  if (r) r = walk(meta, [&](std::string_view k, std::string_view v) -> std::expected<void, Error> {
    if (k.starts_with(kFeedPrefix)) emit(jsonl::FeedStateRecord{std::string(k.substr(kFeedPrefix.size())), std::string(v)});
    if (auto run = parse_posture_key(k)) emit(jsonl::PostureRunRecord{std::string(run->first), run->second, std::string(v)});
    if (!k.starts_with(kAckPrefix)) return {};
    auto seq = codec::decode_u64(v);
    if (!seq) return corrupt("ack", k, seq.error());
    emit(jsonl::AckRecord{std::string(k.substr(kAckPrefix.size())), *seq});
    return {};
  });
  if (!r) return std::unexpected(r.error());
  out.flush();
  if (!out) return fail(ErrorCode::io, "export: cannot write the output");
  return lines;
}

std::expected<ImportReport, Error> Store::import_jsonl(std::istream& in) {
  ImportReport report;
  Batch batch;
  batch.impl_->import = true;
  std::uint64_t pending = 0;
  auto flush = [&]() -> std::expected<void, Error> {
    if (pending == 0) return {};
    Batch next;
    next.impl_->import = true;
    std::swap(batch, next);
    pending = 0;
    if (auto r = commit(std::move(next)); !r) {
      return fail(r.error().code, "import stopped before line " + std::to_string(report.lines) + ": " + r.error().message);
    }
    return {};
  };
  std::string line;
  while (std::getline(in, line)) {
    ++report.lines;
    if (line.empty() || line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto rec = jsonl::parse_line(line);
    const std::string where = "import line " + std::to_string(report.lines);
    if (!rec) {
      auto f = flush();
      return fail(ErrorCode::invalid_argument, where + ": " + rec.error() + (f ? "" : "; " + f.error().message) +
                                                   " (lines before it were imported; import is idempotent)");
    }
    Batch::Impl& b = *batch.impl_;
    std::expected<void, Error> added;
    if (auto* m = std::get_if<jsonl::Meta>(&*rec)) {
      if (m->schema > kSchemaVersion) {
        return fail(ErrorCode::newer_schema, where + ": export from schema version " + std::to_string(m->schema) +
                                                 ", newer than this lookalike supports (" + std::to_string(kSchemaVersion) + ")");
      }
    } else if (auto* br = std::get_if<Brand>(&*rec)) {
      b.ops.push_back({brands, Batch::Impl::Op::put, br->domain, codec::encode_brand(*br)});
      ++report.brands;
    } else if (auto* c = std::get_if<Candidate>(&*rec)) {
      b.merge_candidate(c->name, *c);
      ++report.candidates;
    } else if (auto* o = std::get_if<jsonl::ObservationRecord>(&*rec)) {
      added = b.add_observation(o->observation, o->recorded, o->seq);
      ++report.observations;
    } else if (auto* s = std::get_if<jsonl::CtStateRecord>(&*rec)) {
      added = batch.put_ct_state(s->log_id, s->state);
      ++report.ct_states;
    } else if (auto* v = std::get_if<jsonl::VerdictRecord>(&*rec)) {
      b.put_verdict(v->name, v->verdict);
      ++report.verdicts;
    } else if (auto* e = std::get_if<Event>(&*rec)) {
      b.ops.push_back({events, Batch::Impl::Op::put, codec::u64_key(e->seq), codec::encode_event(*e)});
      b.max_raw_event_seq = std::max(b.max_raw_event_seq, e->seq);
      ++report.events;
    } else if (auto* fs = std::get_if<jsonl::FeedStateRecord>(&*rec)) {
      added = batch.put_feed_state(fs->source, fs->value);
      ++report.feed_states;
    } else if (auto* pr = std::get_if<jsonl::PostureRunRecord>(&*rec)) {
      // The domain was checked by the parser like any stored name; the payload's size too.
      b.ops.push_back({meta, Batch::Impl::Op::put, posture_key(pr->domain, pr->time), std::move(pr->payload)});
      ++report.posture_runs;
    } else if (auto* a = std::get_if<jsonl::AckRecord>(&*rec)) {
      // Acks go through ack() after the data they refer to is committed.
      if (auto f = flush(); !f) return std::unexpected(f.error());
      if (auto r = ack(a->consumer, a->seq); !r) return std::unexpected(r.error());
      ++report.acks;
    }
    if (!added) return fail(added.error().code, where + ": " + added.error().message);
    if (++pending >= 5000) {
      if (auto f = flush(); !f) return std::unexpected(f.error());
    }
  }
  if (in.bad()) return fail(ErrorCode::io, "import: read error after line " + std::to_string(report.lines));
  if (auto f = flush(); !f) return std::unexpected(f.error());
  return report;
}

}  // namespace lookalike::index
