#include "generator/keyboards.hpp"

namespace lookalike::generator {
namespace {

struct Layout {
  std::array<std::string_view, 128> keys{};
};

constexpr Layout make(std::initializer_list<std::pair<char, std::string_view>> rows) {
  Layout l;
  for (const auto& [c, n] : rows) l.keys[static_cast<unsigned char>(c)] = n;
  return l;
}

constexpr Layout kQwerty = make({
    {'1', "2q"},     {'2', "3wq1"},   {'3', "4ew2"},   {'4', "5re3"},   {'5', "6tr4"},   {'6', "7yt5"},
    {'7', "8uy6"},   {'8', "9iu7"},   {'9', "0oi8"},   {'0', "po9"},    {'q', "12wa"},   {'w', "3esaq2"},
    {'e', "4rdsw3"}, {'r', "5tfde4"}, {'t', "6ygfr5"}, {'y', "7uhgt6"}, {'u', "8ijhy7"}, {'i', "9okju8"},
    {'o', "0plki9"}, {'p', "lo0"},    {'a', "qwsz"},   {'s', "edxzaw"}, {'d', "rfcxse"}, {'f', "tgvcdr"},
    {'g', "yhbvft"}, {'h', "ujnbgy"}, {'j', "ikmnhu"}, {'k', "olmji"},  {'l', "kop"},    {'z', "asx"},
    {'x', "zsdc"},   {'c', "xdfv"},   {'v', "cfgb"},   {'b', "vghn"},   {'n', "bhjm"},   {'m', "njk"},
});

constexpr Layout kQwertz = make({
    {'1', "2q"},     {'2', "3wq1"},   {'3', "4ew2"},   {'4', "5re3"},   {'5', "6tr4"},   {'6', "7zt5"},
    {'7', "8uz6"},   {'8', "9iu7"},   {'9', "0oi8"},   {'0', "po9"},    {'q', "12wa"},   {'w', "3esaq2"},
    {'e', "4rdsw3"}, {'r', "5tfde4"}, {'t', "6zgfr5"}, {'z', "7uhgt6"}, {'u', "8ijhz7"}, {'i', "9okju8"},
    {'o', "0plki9"}, {'p', "lo0"},    {'a', "qwsy"},   {'s', "edxyaw"}, {'d', "rfcxse"}, {'f', "tgvcdr"},
    {'g', "zhbvft"}, {'h', "ujnbgz"}, {'j', "ikmnhu"}, {'k', "olmji"},  {'l', "kop"},    {'y', "asx"},
    {'x', "ysdc"},   {'c', "xdfv"},   {'v', "cfgb"},   {'b', "vghn"},   {'n', "bhjm"},   {'m', "njk"},
});

constexpr Layout kAzerty = make({
    {'1', "2a"},     {'2', "3za1"},   {'3', "4ez2"},   {'4', "5re3"},   {'5', "6tr4"},   {'6', "7yt5"},
    {'7', "8uy6"},   {'8', "9iu7"},   {'9', "0oi8"},   {'0', "po9"},    {'a', "2zq1"},   {'z', "3esqa2"},
    {'e', "4rdsz3"}, {'r', "5tfde4"}, {'t', "6ygfr5"}, {'y', "7uhgt6"}, {'u', "8ijhy7"}, {'i', "9okju8"},
    {'o', "0plki9"}, {'p', "lo0m"},   {'q', "zswa"},   {'s', "edxwqz"}, {'d', "rfcxse"}, {'f', "tgvcdr"},
    {'g', "yhbvft"}, {'h', "ujnbgy"}, {'j', "iknhu"},  {'k', "olji"},   {'l', "kopm"},   {'m', "lp"},
    {'w', "sxq"},    {'x', "wsdc"},   {'c', "xdfv"},   {'v', "cfgb"},   {'b', "vghn"},   {'n', "bhj"},
});

// US Dvorak: rows  1234567890 / ',.pyfgcrl / aoeuidhtns / ;qjkxbmwvz (punctuation keys dropped).
constexpr Layout kDvorak = make({
    {'1', "2"},     {'2', "13"},     {'3', "24p"},    {'4', "35p"},    {'5', "46py"},   {'6', "57yf"},
    {'7', "68fg"},  {'8', "79gc"},   {'9', "80cr"},   {'0', "9rl"},    {'p', "34yue"},  {'y', "56pfiu"},
    {'f', "67ygdi"}, {'g', "78fchd"}, {'c', "89grth"}, {'r', "90clnt"}, {'l', "0rsn"},   {'a', "oq"},
    {'o', "aeqj"},  {'e', "oupjk"},  {'u', "eipyk"},  {'i', "udyfxk"}, {'d', "ihfgbx"}, {'h', "dtgcmb"},
    {'t', "hncrwm"}, {'n', "tsrlvw"}, {'s', "nlvz"},   {'q', "aoj"},    {'j', "qkoe"},   {'k', "jxeui"},
    {'x', "kbid"},   {'b', "xmdh"},   {'m', "bwht"},   {'w', "mvtn"},   {'v', "wzns"},   {'z', "vs"},
});

const Layout& layout(Keyboard k) noexcept {
  switch (k) {
    case Keyboard::qwerty: return kQwerty;
    case Keyboard::qwertz: return kQwertz;
    case Keyboard::azerty: return kAzerty;
    case Keyboard::dvorak: return kDvorak;
  }
  return kQwerty;
}

}  // namespace

std::string_view keyboard_name(Keyboard k) noexcept {
  switch (k) {
    case Keyboard::qwerty: return "qwerty";
    case Keyboard::qwertz: return "qwertz";
    case Keyboard::azerty: return "azerty";
    case Keyboard::dvorak: return "dvorak";
  }
  return "?";
}

bool parse_keyboard(std::string_view name, Keyboard& out) noexcept {
  for (Keyboard k : kAllKeyboards) {
    if (keyboard_name(k) == name) {
      out = k;
      return true;
    }
  }
  return false;
}

std::string_view neighbours(Keyboard k, char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 128 ? layout(k).keys[u] : std::string_view{};
}

bool adjacent(std::span<const Keyboard> layouts, char a, char b) noexcept {
  for (Keyboard k : layouts) {
    if (neighbours(k, a).find(b) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace lookalike::generator
