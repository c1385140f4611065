#include "posture/unbound_dns.hpp"

#include <poll.h>
#include <unbound.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

namespace lookalike::posture {
namespace {

struct CtxDeleter {
  void operator()(ub_ctx* ctx) const noexcept { ub_ctx_delete(ctx); }
};
using CtxPtr = std::unique_ptr<ub_ctx, CtxDeleter>;

// "127.0.0.1:5353" -> "127.0.0.1@5353" (libunbound's spelling); "[::1]:53" -> "::1@53"; bare
// addresses stay as they are.
std::string unbound_address(const std::string& text) {
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return text;
    std::string host = text.substr(1, close - 1);
    if (close + 2 < text.size() && text[close + 1] == ':') return host + "@" + text.substr(close + 2);
    return host;
  }
  const auto colon = text.find(':');
  if (colon != std::string::npos && text.find(':', colon + 1) == std::string::npos)
    return text.substr(0, colon) + "@" + text.substr(colon + 1);
  return text;
}

std::string without_dot(std::string name) {
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  return name;
}

bool same_name(std::string a, std::string b) {
  a = without_dot(std::move(a));
  b = without_dot(std::move(b));
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

struct UnboundDns::Impl {
  // One outstanding query: the callback finds its slot through the token; a slot whose batch gave
  // up (timeout) is gone, and the late callback only frees the result.
  struct Ticket {
    Impl* impl = nullptr;
    std::uint64_t token = 0;
  };

  CtxPtr ctx;
  bool validating = false;
  int timeout_ms = 5'000;
  std::uint64_t next_token = 1;
  std::map<std::uint64_t, std::unique_ptr<Ticket>> tickets;  // alive until the callback or the context ends
  std::map<std::uint64_t, Answer*> waiting;                   // token -> the answer slot it fills
  std::size_t pending = 0;

  static void on_result(void* data, int err, ub_result* result) {
    auto* ticket = static_cast<Ticket*>(data);
    Impl& self = *ticket->impl;
    const std::uint64_t token = ticket->token;
    if (auto it = self.waiting.find(token); it != self.waiting.end()) {
      fill(*it->second, err, result, self.validating);
      self.waiting.erase(it);
      --self.pending;
    }
    if (result) ub_resolve_free(result);
    self.tickets.erase(token);  // frees `ticket`
  }

  static void fill(Answer& answer, int err, const ub_result* result, bool validating) {
    if (err != 0 || !result) {
      answer.rcode = Answer::Rcode::error;
      answer.error = ub_strerror(err);
      return;
    }
    switch (result->rcode) {
      case 0: answer.rcode = Answer::Rcode::noerror; break;
      case 3: answer.rcode = Answer::Rcode::nxdomain; break;
      case 2: answer.rcode = Answer::Rcode::servfail; break;
      case 5: answer.rcode = Answer::Rcode::refused; break;
      default:
        answer.rcode = Answer::Rcode::error;
        answer.error = "rcode " + std::to_string(result->rcode);
    }
    if (result->havedata && result->data) {
      for (int i = 0; result->data[i]; ++i)
        answer.rdata.emplace_back(result->data[i], static_cast<std::size_t>(result->len[i]));
    }
    if (result->canonname && result->qname && !same_name(result->canonname, result->qname))
      answer.canonical_name = without_dot(result->canonname);
    if (!validating) {
      answer.security = Security::indeterminate;
    } else if (result->bogus) {
      answer.security = Security::bogus;
      if (result->why_bogus) answer.why_bogus = result->why_bogus;
      // A validating resolver turns a bogus answer into SERVFAIL for its clients; keep both facts.
    } else if (result->secure) {
      answer.security = Security::secure;
    } else {
      answer.security = Security::insecure;
    }
  }
};

UnboundDns::UnboundDns(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

UnboundDns::~UnboundDns() {
  if (!impl_) return;
  // Deleting the context cancels what is still outstanding; no callback runs afterwards.
  impl_->waiting.clear();
  impl_->ctx.reset();
}

bool UnboundDns::validating() const noexcept { return impl_->validating; }

std::expected<std::unique_ptr<UnboundDns>, std::string> UnboundDns::create(const UnboundOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->ctx.reset(ub_ctx_create());
  if (!impl->ctx) return std::unexpected("libunbound: cannot create a context");
  ub_ctx* ctx = impl->ctx.get();
  impl->timeout_ms = options.timeout_ms > 0 ? options.timeout_ms : 5'000;
  auto check = [](int rc, std::string what) -> std::expected<void, std::string> {
    if (rc != 0) return std::unexpected(what + ": " + ub_strerror(rc));
    return {};
  };
  // A background thread, not a forked process, runs the queries (ub_ctx_async).
  if (auto r = check(ub_ctx_async(ctx, 1), "libunbound async"); !r) return std::unexpected(r.error());
  // Quiet: no stderr chatter from the library.
  (void)ub_ctx_set_option(ctx, "verbosity:", "0");
  (void)ub_ctx_set_option(ctx, "use-syslog:", "no");
  std::vector<std::string> special;  // special-use TLDs unbound answers locally unless told not to
  if (!options.stubs.empty()) {
    if (auto r = check(ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"), "do-not-query-localhost"); !r)
      return std::unexpected(r.error());
  }
  // With explicit resolvers, `.test` questions go to them (unbound would answer NXDOMAIN itself).
  if (!options.forwarders.empty()) special.push_back("test.");
  for (const auto& forwarder : options.forwarders) {
    const std::string address = unbound_address(forwarder);
    if (address.find("127.") == 0 || address.find("::1") == 0)
      (void)ub_ctx_set_option(ctx, "do-not-query-localhost:", "no");
    if (auto r = check(ub_ctx_set_fwd(ctx, address.c_str()), "resolver " + forwarder); !r)
      return std::unexpected(r.error());
  }
  for (const auto& stub : options.stubs) {
    std::string zone = without_dot(stub.zone) + ".";
    // `.test` (and other special-use names) are served locally by default; let them through.
    const auto last = zone.rfind('.', zone.size() - 2);
    const std::string tld = last == std::string::npos ? zone : zone.substr(last + 1);
    if ((tld == "test." || tld == "invalid.") && std::find(special.begin(), special.end(), tld) == special.end())
      special.push_back(tld);
    const std::string address = unbound_address(stub.address);
    if (auto r = check(ub_ctx_set_stub(ctx, zone.c_str(), address.c_str(), 0), "stub zone " + stub.zone); !r)
      return std::unexpected(r.error());
  }
  std::string anchor = options.trust_anchor_file;
  if (anchor.empty() && std::filesystem::exists("/usr/share/dns/root.key")) anchor = "/usr/share/dns/root.key";
  if (!anchor.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(anchor, ec)) return std::unexpected("trust anchor " + anchor + ": not a readable file");
    if (auto r = check(ub_ctx_add_ta_file(ctx, anchor.c_str()), "trust anchor " + anchor); !r)
      return std::unexpected(r.error());
    impl->validating = true;
  }
  // Removing the built-in local zone (this finalises the configuration, so it comes last) is what
  // `local-zone: "test." nodefault` does in unbound.conf.
  for (const auto& tld : special) (void)ub_ctx_zone_remove(ctx, tld.c_str());
  return std::unique_ptr<UnboundDns>(new UnboundDns(std::move(impl)));
}

std::vector<Answer> UnboundDns::resolve(std::span<const Question> questions) {
  std::vector<Answer> answers(questions.size());
  Impl& impl = *impl_;
  ub_ctx* ctx = impl.ctx.get();
  std::vector<std::pair<std::uint64_t, int>> submitted;  // token, async id
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const std::uint64_t token = impl.next_token++;
    auto ticket = std::make_unique<Impl::Ticket>(Impl::Ticket{&impl, token});
    int async_id = 0;
    const int rc = ub_resolve_async(ctx, questions[i].name.c_str(), questions[i].type, 1 /* IN */, ticket.get(),
                                    &Impl::on_result, &async_id);
    if (rc != 0) {
      answers[i].rcode = Answer::Rcode::error;
      answers[i].error = ub_strerror(rc);
      continue;
    }
    impl.tickets.emplace(token, std::move(ticket));
    impl.waiting.emplace(token, &answers[i]);
    ++impl.pending;
    submitted.emplace_back(token, async_id);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl.timeout_ms);
  while (impl.pending > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{ub_fd(ctx), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready > 0) (void)ub_process(ctx);
  }
  // Whatever is still unanswered times out; its late callback finds no slot.
  for (const auto& [token, async_id] : submitted) {
    auto it = impl.waiting.find(token);
    if (it == impl.waiting.end()) continue;
    it->second->rcode = Answer::Rcode::timeout;
    it->second->error = "no answer within " + std::to_string(impl.timeout_ms) + " ms";
    impl.waiting.erase(it);
    --impl.pending;
    if (ub_cancel(ctx, async_id) == 0) impl.tickets.erase(token);  // cancelled: no callback will come
  }
  return answers;
}

}  // namespace lookalike::posture
