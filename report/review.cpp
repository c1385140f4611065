#include "report/review.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "report/evidence.hpp"
#include "report/review_screen.hpp"

namespace lookalike::report {
namespace {

// The terminal settings to restore, also from a signal handler (tcsetattr is async-signal-safe).
termios g_saved_termios{};
volatile sig_atomic_t g_raw_active = 0;

extern "C" void review_restore_and_reraise(int sig) {
  if (g_raw_active != 0) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Single keys without Enter when stdin is a terminal (termios non-canonical, no echo), restored
// on every exit path and on SIGINT/SIGTERM/SIGHUP/SIGQUIT; otherwise characters from `in`.
class KeyReader {
 public:
  KeyReader(std::istream& in, bool terminal) : in_(in) {
    tty_ = terminal && isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &g_saved_termios) == 0;
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
      } else if (!in_.get(c)) {
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
    if (in_.peek() == '\n') in_.get();
    if (!std::getline(in_, s)) return std::nullopt;
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

  std::istream& in_;
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

}  // namespace

std::expected<std::vector<std::string>, index::Error> review_queue(const index::Store& store, const ReviewQuery& q) {
  std::vector<std::string> brands = q.brands;
  if (brands.empty()) {
    auto all = store.list_brands();
    if (!all) return std::unexpected(all.error());
    for (const auto& b : *all) brands.push_back(b.domain);
  }
  // The names of every brand, highest score first (unscored last), each once.
  struct Item {
    std::string name;
    int score;
  };
  std::vector<Item> items;
  for (const auto& brand : brands) {
    auto r = store.candidates_by_brand(brand, q.min_score, [&](const index::Ranked& rk) {
      items.push_back({std::string(rk.name), rk.score ? int{*rk.score} : -1});
      return true;
    });
    if (!r) return std::unexpected(r.error());
  }
  std::sort(items.begin(), items.end(),
            [](const Item& x, const Item& y) { return x.score != y.score ? x.score > y.score : x.name < y.name; });
  items.erase(std::unique(items.begin(), items.end(), [](const Item& x, const Item& y) { return x.name == y.name; }),
              items.end());
  std::vector<std::string> queue;
  for (const Item& it : items) {
    auto v = store.get_verdict(it.name);
    if (!v) return std::unexpected(v.error());
    if (*v) continue;
    // Generated names nobody registered are not threats yet: the queue holds what resolves or
    // was seen in a certificate (the watcher re-checks the rest).
    auto c = store.get_candidate(it.name);
    if (!c) return std::unexpected(c.error());
    const bool live = *c && (((*c)->state && ((*c)->state->flags & index::state_flag::registered)) || !(*c)->ct.empty());
    if (live || q.all) queue.push_back(it.name);
  }
  return queue;
}

std::expected<ReviewTally, index::Error> run_review(index::Store& store, const std::vector<std::string>& queue,
                                                    std::istream& in, bool terminal, std::ostream& out) {
  KeyReader keys(in, terminal);
  ReviewTally tally;
  std::size_t pos = 0;
  bool quit = false;
  for (const std::string& name : queue) {
    if (quit) break;
    ++pos;
    auto e = gather_evidence(store, name);
    if (!e) return std::unexpected(e.error());
    if (!*e) continue;  // removed meanwhile
    write_review_screen(out, **e, pos, queue.size());
    std::string note;
    for (;;) {
      out << "  [m]alicious [s]uspicious [b]enign [p]arked [o]wned  [n]ext [N]ote [q]uit > " << std::flush;
      auto k = keys.key();
      if (!k || *k == 'q') {
        out << (k ? "q\n" : "\n");
        quit = true;
        break;
      }
      if (*k == 'n') {
        out << "skipped\n";
        ++tally.skipped;
        break;
      }
      if (*k == 'N') {
        auto l = keys.line(out, "N\n  note: ");
        if (!l) {
          quit = true;
          break;
        }
        note = *l;
        if (!keys.is_tty()) out << screen_text(note) << "\n";  // a terminal echoed it already
        continue;
      }
      auto d = decision_for_key(*k);
      if (!d) {
        out << "\n  unknown key '" << screen_text(std::string(1, *k)) << "'\n";
        continue;
      }
      if (auto r = store.put_verdict(name, index::Verdict{*d, note, index::now_ms()}); !r) return std::unexpected(r.error());
      out << *k << "\n  " << name << ": " << index::decision_name(*d) << "\n";
      ++tally.decided;
      break;
    }
  }
  return tally;
}

}  // namespace lookalike::report
