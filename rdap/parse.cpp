// RFC 9083 domain responses -> Record. The response is untrusted: every member is type-checked,
// nesting and sizes are bounded, and a structural fault is an Error naming its JSON path.
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "rdap/json_util.hpp"
#include "rdap/rdap.hpp"
#include "util/time.hpp"

namespace lookalike::rdap {
namespace {

namespace dom = simdjson::dom;

constexpr int kMaxEntityDepth = 8;         // registrar -> abuse is depth 2; registries use <= 4
constexpr std::size_t kMaxEntities = 1024;  // over all levels
constexpr std::size_t kMaxListItems = 4096; // status, nameservers, events, vCard properties

std::unexpected<Error> fail(std::string what) { return std::unexpected(Error{"response: " + std::move(what)}); }

// An entity seen while walking the tree, flattened.
struct EntityInfo {
  dom::object object;
  std::string path;
  std::vector<std::string> roles;
  int depth = 0;
  std::size_t parent = static_cast<std::size_t>(-1);  // index into the flat list
};

bool has_role(const EntityInfo& e, std::string_view role) {
  return std::find(e.roles.begin(), e.roles.end(), role) != e.roles.end();
}

// Member `key` of `obj` when present; a JSON null counts as absent.
std::optional<dom::element> member(dom::object obj, std::string_view key) {
  dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

std::expected<std::optional<dom::array>, Error> array_member(dom::object obj, std::string_view key,
                                                             const std::string& path) {
  auto e = member(obj, key);
  if (!e) return std::optional<dom::array>{};
  dom::array a;
  if (e->get_array().get(a) != simdjson::SUCCESS) return fail(path + "/" + std::string(key) + " is not an array");
  if (a.size() > kMaxListItems) return fail(path + "/" + std::string(key) + " has too many items");
  return std::optional<dom::array>(a);
}

std::expected<std::optional<std::string_view>, Error> string_member(dom::object obj, std::string_view key,
                                                                    const std::string& path) {
  auto e = member(obj, key);
  if (!e) return std::optional<std::string_view>{};
  std::string_view s;
  if (e->get_string().get(s) != simdjson::SUCCESS) return fail(path + "/" + std::string(key) + " is not a string");
  return std::optional<std::string_view>(s);
}

std::expected<void, Error> collect_entities(dom::object parent, const std::string& path, int depth,
                                            std::size_t parent_index, std::vector<EntityInfo>& out,
                                            std::vector<std::string>& warnings) {
  auto arr = array_member(parent, "entities", path);
  if (!arr) return std::unexpected(arr.error());
  if (!*arr) return {};
  if (depth > kMaxEntityDepth) {
    warnings.push_back("entities nested deeper than " + std::to_string(kMaxEntityDepth) + " levels at " + path +
                       " were ignored");
    return {};
  }
  std::size_t i = 0;
  for (dom::element e : **arr) {
    const std::string p = path + "/entities/" + std::to_string(i++);
    dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) return fail(p + " is not an object");
    if (out.size() >= kMaxEntities) return fail("more than " + std::to_string(kMaxEntities) + " entities");
    EntityInfo info{obj, p, {}, depth, parent_index};
    auto roles = array_member(obj, "roles", p);
    if (!roles) return std::unexpected(roles.error());
    if (*roles) {
      std::size_t r = 0;
      for (dom::element role : **roles) {
        std::string_view s;
        if (role.get_string().get(s) != simdjson::SUCCESS) {
          return fail(p + "/roles/" + std::to_string(r) + " is not a string");
        }
        info.roles.push_back(detail::lower(s));
        ++r;
      }
    }
    out.push_back(std::move(info));
    const std::size_t me = out.size() - 1;
    if (auto r = collect_entities(obj, p, depth + 1, me, out, warnings); !r) return r;
  }
  return {};
}

// The facts of a jCard (RFC 7095) we need.
struct Card {
  std::string fn;
  std::string email;
  std::string phone;
  std::string fax;  // only used when no voice number is given
};

bool param_says(dom::element params, std::string_view word) {
  dom::object p;
  if (params.get_object().get(p) != simdjson::SUCCESS) return false;
  dom::element t;
  if (p.at_key("type").get(t) != simdjson::SUCCESS) return false;
  std::string_view s;
  if (t.get_string().get(s) == simdjson::SUCCESS) return detail::lower(s).find(word) != std::string::npos;
  dom::array a;
  if (t.get_array().get(a) != simdjson::SUCCESS) return false;
  for (dom::element x : a) {
    if (x.get_string().get(s) == simdjson::SUCCESS && detail::lower(s) == word) return true;
  }
  return false;
}

std::string strip_scheme(std::string_view v, std::string_view scheme) {
  if (v.size() >= scheme.size() && detail::lower(v.substr(0, scheme.size())) == scheme) v.remove_prefix(scheme.size());
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return std::string(v);
}

std::expected<Card, Error> read_card(dom::object entity, const std::string& path, std::vector<std::string>& warnings) {
  Card card;
  auto v = member(entity, "vcardArray");
  if (!v) return card;
  const std::string p = path + "/vcardArray";
  dom::array arr;
  if (v->get_array().get(arr) != simdjson::SUCCESS) return fail(p + " is not an array");
  if (arr.size() != 2) return fail(p + " does not have 2 items (\"vcard\", properties)");
  std::string_view tag;
  if (arr.at(0).get_string().get(tag) != simdjson::SUCCESS || tag != "vcard") return fail(p + "/0 is not \"vcard\"");
  dom::array props;
  if (arr.at(1).get_array().get(props) != simdjson::SUCCESS) return fail(p + "/1 is not an array");
  if (props.size() > kMaxListItems) return fail(p + "/1 has too many properties");
  std::size_t i = 0;
  for (dom::element prop : props) {
    const std::string pp = p + "/1/" + std::to_string(i++);
    dom::array parts;
    if (prop.get_array().get(parts) != simdjson::SUCCESS || parts.size() < 4) {
      warnings.push_back("vCard property " + pp + " is not [name, parameters, type, value]: ignored");
      continue;
    }
    std::string_view name;
    if (parts.at(0).get_string().get(name) != simdjson::SUCCESS) {
      warnings.push_back("vCard property " + pp + " has no name: ignored");
      continue;
    }
    const std::string n = detail::lower(name);
    if (n != "fn" && n != "email" && n != "tel") continue;
    std::string_view value;
    if (parts.at(3).get_string().get(value) != simdjson::SUCCESS) {
      // Structured values (arrays) are legal for some properties but not these three.
      warnings.push_back("vCard " + n + " at " + pp + " is not text: ignored");
      continue;
    }
    if (n == "fn" && card.fn.empty()) {
      card.fn = strip_scheme(value, "");
    } else if (n == "email" && card.email.empty()) {
      card.email = strip_scheme(value, "mailto:");
    } else if (n == "tel") {
      const bool fax = param_says(parts.at(1).value_unsafe(), "fax");
      std::string number = strip_scheme(value, "tel:");
      if (fax) {
        if (card.fax.empty()) card.fax = std::move(number);
      } else if (card.phone.empty()) {
        card.phone = std::move(number);
      }
    }
  }
  return card;
}

}  // namespace

std::expected<Record, Error> parse_domain(std::string_view json, std::string_view name) {
  dom::element doc;
  if (auto ec = detail::parse(json).get(doc)) {
    return fail(std::string("not JSON (") + simdjson::error_message(ec) + ")");
  }
  dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return fail("/ is not an object");

  // RFC 9083 section 6: an error response carries errorCode (and usually title/description).
  if (auto code = member(root, "errorCode")) {
    std::int64_t c = 0;
    std::string msg = "RDAP error";
    if (code->get_int64().get(c) == simdjson::SUCCESS) {
      msg += ' ';
      msg += std::to_string(c);
    }
    if (auto t = string_member(root, "title", ""); t && *t) {
      msg += ": ";
      msg.append(t->value().substr(0, 200));
    }
    if (auto d = member(root, "description")) {
      dom::array lines;
      std::string_view line;
      if (d->get_array().get(lines) == simdjson::SUCCESS && lines.size() > 0 &&
          lines.at(0).get_string().get(line) == simdjson::SUCCESS) {
        msg += " (" + std::string(line.substr(0, 200)) + ")";
      }
    }
    Error e{"response: " + msg};
    if (c >= 100 && c <= 599) e.http_status = static_cast<unsigned>(c);
    return std::unexpected(std::move(e));
  }

  auto cls = string_member(root, "objectClassName", "");
  if (!cls) return std::unexpected(cls.error());
  if (!*cls) return fail("no objectClassName at /");
  if (**cls != "domain") {
    std::string what = "objectClassName is \"";
    what.append(cls->value().substr(0, 64));
    what += "\", not \"domain\"";
    return fail(std::move(what));
  }

  Record rec;
  rec.name = detail::lower(name);
  while (!rec.name.empty() && rec.name.back() == '.') rec.name.pop_back();

  auto handle = string_member(root, "handle", "");
  if (!handle) return std::unexpected(handle.error());
  if (*handle) rec.handle = std::string(**handle);

  auto ldh = string_member(root, "ldhName", "");
  if (!ldh) return std::unexpected(ldh.error());
  if (!*ldh) {
    rec.warnings.push_back("no ldhName");
  } else {
    std::string l = detail::lower(**ldh);
    while (!l.empty() && l.back() == '.') l.pop_back();
    if (!rec.name.empty() && l != rec.name) rec.warnings.push_back("ldhName \"" + l + "\" is not the queried name");
    if (rec.name.empty()) rec.name = l;
  }

  // status
  auto status = array_member(root, "status", "");
  if (!status) return std::unexpected(status.error());
  if (*status) {
    std::size_t i = 0;
    for (dom::element s : **status) {
      std::string_view v;
      if (s.get_string().get(v) != simdjson::SUCCESS) return fail("/status/" + std::to_string(i) + " is not a string");
      rec.status.emplace_back(v);
      ++i;
    }
  }

  // events
  auto events = array_member(root, "events", "");
  if (!events) return std::unexpected(events.error());
  if (*events) {
    std::size_t i = 0;
    for (dom::element ev : **events) {
      const std::string p = "/events/" + std::to_string(i++);
      dom::object o;
      if (ev.get_object().get(o) != simdjson::SUCCESS) return fail(p + " is not an object");
      auto action = string_member(o, "eventAction", p);
      if (!action) return std::unexpected(action.error());
      auto date = string_member(o, "eventDate", p);
      if (!date) return std::unexpected(date.error());
      if (!*action || !*date) {
        rec.warnings.push_back("event " + p + " lacks eventAction or eventDate");
        continue;
      }
      const std::string a = detail::lower(**action);
      std::optional<Time>* slot = a == "registration"   ? &rec.registered
                                  : a == "expiration"   ? &rec.expires
                                  : a == "last changed" ? &rec.last_changed
                                                        : nullptr;
      if (slot == nullptr) continue;
      auto t = util::parse_rfc3339(**date);
      if (!t) {
        rec.warnings.push_back(a + " date \"" + std::string(date->value().substr(0, 64)) + "\" is not RFC 3339");
        continue;
      }
      if (slot->has_value() && **slot != *t) rec.warnings.push_back("several " + a + " events; the first is kept");
      if (!slot->has_value()) *slot = *t;
    }
  }

  // nameservers
  auto ns = array_member(root, "nameservers", "");
  if (!ns) return std::unexpected(ns.error());
  if (*ns) {
    std::size_t i = 0;
    for (dom::element n : **ns) {
      const std::string p = "/nameservers/" + std::to_string(i++);
      dom::object o;
      if (n.get_object().get(o) != simdjson::SUCCESS) return fail(p + " is not an object");
      auto l = string_member(o, "ldhName", p);
      if (!l) return std::unexpected(l.error());
      if (!*l) {
        rec.warnings.push_back("nameserver " + p + " has no ldhName");
        continue;
      }
      std::string h = detail::lower(**l);
      while (!h.empty() && h.back() == '.') h.pop_back();
      if (!h.empty() && std::find(rec.nameservers.begin(), rec.nameservers.end(), h) == rec.nameservers.end()) {
        rec.nameservers.push_back(std::move(h));
      }
    }
  }

  // entities: registrar (shallowest first), then its abuse contact.
  std::vector<EntityInfo> entities;
  if (auto r = collect_entities(root, "", 0, static_cast<std::size_t>(-1), entities, rec.warnings); !r) {
    return std::unexpected(r.error());
  }
  std::optional<std::size_t> registrar;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (has_role(entities[i], "registrar") && (!registrar || entities[i].depth < entities[*registrar].depth)) {
      registrar = i;
    }
  }
  if (registrar) {
    const EntityInfo& e = entities[*registrar];
    auto card = read_card(e.object, e.path, rec.warnings);
    if (!card) return std::unexpected(card.error());
    rec.registrar = card->fn;
    if (rec.registrar.empty()) rec.warnings.push_back("registrar entity has no vCard fn");
    auto ids = array_member(e.object, "publicIds", e.path);
    if (!ids) return std::unexpected(ids.error());
    if (*ids) {
      std::size_t i = 0;
      for (dom::element id : **ids) {
        const std::string p = e.path + "/publicIds/" + std::to_string(i++);
        dom::object o;
        if (id.get_object().get(o) != simdjson::SUCCESS) return fail(p + " is not an object");
        auto type = string_member(o, "type", p);
        if (!type) return std::unexpected(type.error());
        if (!*type || detail::lower(**type) != "iana registrar id") continue;
        // Usually a string ("292"); a few servers send a number.
        std::uint64_t n = 0;
        std::string_view text;
        bool ok = false;
        if (auto v = member(o, "identifier")) {
          if (v->get_string().get(text) == simdjson::SUCCESS) {
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            ok = ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
          } else if (v->get_uint64().get(n) == simdjson::SUCCESS) {
            ok = true;
          }
        }
        if (ok && n <= 0xffffffffu) {
          rec.registrar_iana_id = static_cast<std::uint32_t>(n);
        } else {
          rec.warnings.push_back("IANA Registrar ID at " + p + " is not a number");
        }
        break;
      }
    }
    if (!rec.registrar_iana_id) rec.warnings.push_back("registrar has no IANA Registrar ID");
  } else {
    rec.warnings.push_back("no registrar entity");
  }

  // Abuse contact: inside the registrar (ICANN's RDAP profile), else anywhere.
  auto inside_registrar = [&](std::size_t i) {
    for (std::size_t p = entities[i].parent; p != static_cast<std::size_t>(-1); p = entities[p].parent) {
      if (registrar && p == *registrar) return true;
    }
    return false;
  };
  std::optional<std::size_t> abuse;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (!has_role(entities[i], "abuse")) continue;
    if (!abuse || (inside_registrar(i) && !inside_registrar(*abuse))) abuse = i;
  }
  if (abuse) {
    auto card = read_card(entities[*abuse].object, entities[*abuse].path, rec.warnings);
    if (!card) return std::unexpected(card.error());
    rec.abuse_email = card->email;
    rec.abuse_phone = card->phone.empty() ? card->fax : card->phone;
    if (registrar && !inside_registrar(*abuse)) rec.warnings.push_back("abuse contact is not the registrar's");
  }
  if (rec.abuse_email.empty()) rec.warnings.push_back("no abuse e-mail");
  if (rec.abuse_phone.empty()) rec.warnings.push_back("no abuse phone");
  if (!rec.registered) rec.warnings.push_back("no registration date");
  if (!rec.expires) rec.warnings.push_back("no expiration date");
  return rec;
}

}  // namespace lookalike::rdap
