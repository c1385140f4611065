// `lookalike review`: record an analyst's verdict on one candidate, or walk the queue of the
// highest-scoring unreviewed candidates one screen at a time, deciding with single keys.
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/context.hpp"
#include "report/evidence.hpp"
#include "report/review_screen.hpp"
#include "domain/domain.hpp"
#include "scoring/scoring.hpp"

namespace lookalike::cli {
namespace {

struct ReviewArgs {
  std::string name;
  std::string verdict;
  std::string note;
  bool queue = false;
  std::vector<std::string> brands;
  int min_score = 0;
  bool all = false;
};

std::string normalise_name(std::string_view input) {
  auto n = domain::parse(input);
  if (!n) throw UsageError{"NAME: " + n.error().message()};
  return n->ascii;
}

// ---- keys ------------------------------------------------------------------------------------

// The terminal settings to restore, also from a signal handler (tcsetattr is async-signal-safe).
termios g_saved_termios{};
volatile sig_atomic_t g_raw_active = 0;

extern "C" void review_restore_and_reraise(int sig) {
  if (g_raw_active != 0) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Single keys without Enter when stdin is a terminal (termios non-canonical, no echo), restored
// on every exit path and on SIGINT/SIGTERM/SIGHUP/SIGQUIT; otherwise characters from ctx.in.
class KeyReader {
 public:
  explicit KeyReader(Context& ctx) : ctx_(ctx) {
    tty_ = &ctx.in == &std::cin && isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &g_saved_termios) == 0;
    if (tty_) {
      for (int sig : kSignals) previous_.push_back(signal(sig, review_restore_and_reraise));
      raw(true);
    }
  }
  ~KeyReader() {
    if (!tty_) return;
    raw(false);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) signal(kSignals[i], previous_[i]);
  }
  KeyReader(const KeyReader&) = delete;
  KeyReader& operator=(const KeyReader&) = delete;

  // The next key, skipping white space; nullopt at end of input.
  std::optional<char> key() {
    for (;;) {
      char c = 0;
      if (tty_) {
        if (::read(STDIN_FILENO, &c, 1) != 1) return std::nullopt;
      } else if (!ctx_.in.get(c)) {
        return std::nullopt;
      }
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') return c;
    }
  }

  [[nodiscard]] bool is_tty() const noexcept { return tty_; }

  // A whole line (a note) after `prompt`, typed with echo and line editing. On a terminal the
  // mode changes before the prompt shows: keys typed as soon as it appears are echoed too.
  std::optional<std::string> line(std::ostream& out, std::string_view prompt) {
    std::string s;
    if (tty_) {
      raw(false);
      out << prompt << std::flush;
      const bool ok = static_cast<bool>(std::getline(std::cin, s));
      raw(true);
      if (!ok) return std::nullopt;
      return s;
    }
    out << prompt << std::flush;
    // From a pipe the key was followed by a newline: the note is the next line.
    if (ctx_.in.peek() == '\n') ctx_.in.get();
    if (!std::getline(ctx_.in, s)) return std::nullopt;
    return s;
  }

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

  void raw(bool on) {
    if (on) {
      termios t = g_saved_termios;
      t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      t.c_cc[VMIN] = 1;
      t.c_cc[VTIME] = 0;
      g_raw_active = 1;
      tcsetattr(STDIN_FILENO, TCSANOW, &t);
    } else {
      tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
      g_raw_active = 0;
    }
  }

  Context& ctx_;
  bool tty_ = false;
  std::vector<void (*)(int)> previous_;
};

std::optional<index::Decision> decision_for_key(char k) {
  switch (k) {
    case 'm': return index::Decision::malicious;
    case 's': return index::Decision::suspicious;
    case 'b': return index::Decision::benign;
    case 'p': return index::Decision::parked;
    case 'o': return index::Decision::owned;
    default: return std::nullopt;
  }
}

// ---- commands --------------------------------------------------------------------------------

int set_verdict(const ReviewArgs& a, Context& ctx) {
  auto decision = index::parse_decision(a.verdict);
  if (!decision) throw UsageError{"--verdict: " + decision.error()};
  const std::string name = normalise_name(a.name);
  auto store = open_store(ctx, true, false);
  if (!store) return ctx.exit_code;
  auto c = store->get_candidate(name);
  if (!c) {
    fail(ctx, c.error());
    return 1;
  }
  if (!*c) {
    ctx.err << "lookalike review: " << name << " is not a candidate in " << ctx.db_path
            << " (scan its brand or follow CT first)\n";
    return 1;
  }
  auto previous = store->get_verdict(name);
  if (!previous) {
    fail(ctx, previous.error());
    return 1;
  }
  const index::Verdict v{*decision, a.note, index::now_ms()};
  if (auto r = store->put_verdict(name, v); !r) {
    fail(ctx, r.error());
    return 1;
  }
  ctx.out << name << ": " << index::decision_name(v.decision);
  if (*previous) ctx.out << " (was " << index::decision_name((*previous)->decision) << ")";
  if (!v.note.empty()) ctx.out << ", note \"" << report::screen_text(v.note) << "\"";
  ctx.out << "\n";
  return 0;
}

int run_queue(const ReviewArgs& a, Context& ctx) {
  auto store = open_store(ctx, true, false);
  if (!store) return ctx.exit_code;
  std::vector<std::string> brands;
  for (const auto& b : a.brands) {
    auto n = domain::parse(b);
    if (!n) throw UsageError{"--brand: " + n.error().message()};
    brands.push_back(n->registrable());
  }
  if (brands.empty()) {
    auto all = store->list_brands();
    if (!all) {
      fail(ctx, all.error());
      return 1;
    }
    for (const auto& b : *all) brands.push_back(b.domain);
  }
  // The unreviewed names of every brand, highest score first (unscored last), each once.
  struct Item {
    std::string name;
    int score;
  };
  std::vector<Item> items;
  for (const auto& brand : brands) {
    auto r = store->candidates_by_brand(brand, a.min_score, [&](const index::Ranked& rk) {
      items.push_back({std::string(rk.name), rk.score ? int{*rk.score} : -1});
      return true;
    });
    if (!r) {
      fail(ctx, r.error());
      return 1;
    }
  }
  std::sort(items.begin(), items.end(),
            [](const Item& x, const Item& y) { return x.score != y.score ? x.score > y.score : x.name < y.name; });
  items.erase(std::unique(items.begin(), items.end(), [](const Item& x, const Item& y) { return x.name == y.name; }),
              items.end());
  std::vector<std::string> queue;
  for (const Item& it : items) {
    auto v = store->get_verdict(it.name);
    if (!v) {
      fail(ctx, v.error());
      return 1;
    }
    if (*v) continue;
    // Generated names nobody registered are not threats yet: the queue holds what resolves or
    // was seen in a certificate (the watcher re-checks the rest).
    auto c = store->get_candidate(it.name);
    if (!c) {
      fail(ctx, c.error());
      return 1;
    }
    const bool live = *c && (((*c)->state && ((*c)->state->flags & index::state_flag::registered)) || !(*c)->ct.empty());
    if (live || a.all) queue.push_back(it.name);
  }
  if (queue.empty()) {
    ctx.out << "nothing to review: every candidate" << (a.min_score > 0 ? " at or above the score" : "")
            << " has a verdict\n";
    return 0;
  }

  KeyReader keys(ctx);
  std::size_t decided = 0, skipped = 0, pos = 0;
  bool quit = false;
  for (const std::string& name : queue) {
    if (quit) break;
    ++pos;
    auto e = report::gather_evidence(*store, name);
    if (!e) {
      fail(ctx, e.error());
      return 1;
    }
    if (!*e) continue;  // removed meanwhile
    report::write_review_screen(ctx.out, **e, pos, queue.size());
    std::string note;
    for (;;) {
      ctx.out << "  [m]alicious [s]uspicious [b]enign [p]arked [o]wned  [n]ext [N]ote [q]uit > " << std::flush;
      auto k = keys.key();
      if (!k || *k == 'q') {
        ctx.out << (k ? "q\n" : "\n");
        quit = true;
        break;
      }
      if (*k == 'n') {
        ctx.out << "skipped\n";
        ++skipped;
        break;
      }
      if (*k == 'N') {
        auto l = keys.line(ctx.out, "N\n  note: ");
        if (!l) {
          quit = true;
          break;
        }
        note = *l;
        if (!keys.is_tty()) ctx.out << report::screen_text(note) << "\n";  // a terminal echoed it already
        continue;
      }
      auto d = decision_for_key(*k);
      if (!d) {
        ctx.out << "\n  unknown key '" << report::screen_text(std::string(1, *k)) << "'\n";
        continue;
      }
      if (auto r = store->put_verdict(name, index::Verdict{*d, note, index::now_ms()}); !r) {
        fail(ctx, r.error());
        return 1;
      }
      ctx.out << *k << "\n  " << name << ": " << index::decision_name(*d) << "\n";
      ++decided;
      break;
    }
  }
  ctx.out << "\nreviewed " << decided << ", skipped " << skipped << ", left "
          << (queue.size() - decided - skipped) << " of " << queue.size() << "\n";
  return 0;
}

}  // namespace

void add_review_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ReviewArgs>();
  auto* sub = app.add_subcommand("review", "Record a verdict on a candidate, or review the queue of unreviewed ones");
  sub->add_option("NAME", a->name, "The candidate (A-label or U-label)");
  sub->add_option("--verdict", a->verdict, "malicious, suspicious, benign, parked or owned");
  sub->add_option("--note", a->note, "Free text stored with the verdict");
  sub->add_flag("--queue", a->queue, "Walk the highest-scoring unreviewed candidates (keys m s b p o n N q)");
  sub->add_option("--brand", a->brands, "Queue: only these brands (repeatable; default all)");
  sub->add_option("--min-score", a->min_score, "Queue: only candidates scoring at least N")->capture_default_str();
  sub->add_flag("--all", a->all, "Queue: also names that neither resolve nor appeared in CT");
  sub->callback([a, &ctx] {
    if (a->queue) {
      if (!a->name.empty() || !a->verdict.empty()) throw UsageError{"review: --queue takes no NAME or --verdict"};
      ctx.exit_code = run_queue(*a, ctx);
      return;
    }
    if (a->name.empty() || a->verdict.empty()) throw UsageError{"review: give NAME --verdict DECISION, or --queue"};
    ctx.exit_code = set_verdict(*a, ctx);
  });
}

}  // namespace lookalike::cli
