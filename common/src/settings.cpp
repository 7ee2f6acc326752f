#include "ffleet/common/settings.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "ffleet/common/env.hpp"

namespace ffleet::settings {
namespace {

std::string at(const std::string& origin, const toml::node& n, std::string_view key) {
  return "config " + origin + ":" + std::to_string(n.source().begin.line) + ": key '" + std::string(key) + "'";
}

// Only a TOML integer is a whole number: toml++'s value<int64_t>() converts
// a float first, which is undefined past int64 (found by the config fuzzer).
Result<std::int64_t> whole(const toml::node& n, const std::string& where, std::int64_t min, std::int64_t max) {
  const auto* i = n.as_integer();
  if (i == nullptr || i->get() < min || i->get() > max)
    return Status::error(where + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return i->get();
}

// A value of a row with choices must be one of them.
Status check_choice(const std::string& where, const std::string& v, const std::vector<std::string>& choices) {
  if (choices.empty() || std::find(choices.begin(), choices.end(), v) != choices.end()) return Status::ok();
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  return Status::error(where + " must be one of " + list + " (not '" + v + "')");
}

template <class Row> const Row* find(const std::vector<Row>& rows, const std::string& key) {
  auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return key == r.key; });
  return it == rows.end() ? nullptr : &*it;
}

Status apply_one(const std::string& origin, const std::string& key, const toml::node& node, const Table& t) {
  const std::string where = at(origin, node, key);
  if (const auto* r = find(t.ints, key)) {
    auto n = whole(node, where, r->min, r->max);
    if (!n) return n.status();
    *r->target = *n;
  } else if (const auto* b = find(t.bools, key)) {
    const auto* v = node.as_boolean();
    if (v == nullptr) return Status::error(where + " must be true or false");
    *b->target = v->get();
  } else if (const auto* s = find(t.texts, key)) {
    const auto* v = node.as_string();
    if (v == nullptr) return Status::error(where + " must be a string");
    if (Status c = check_choice(where, v->get(), s->choices); !c) return c;
    *s->target = v->get();
  } else if (const auto* m = find(t.maps, key)) {
    const auto* table = node.as_table();
    if (table == nullptr) return Status::error(where + " must be a table of name = number");
    for (const auto& [name, v] : *table) {
      auto n = whole(v, at(origin, v, key + ("." + std::string(name.str()))), m->min, m->max);
      if (!n) return n.status();
      m->put(std::string(name.str()), *n);
    }
  } else if (const auto* l = find(t.lists, key)) {
    const auto* arr = node.as_array();
    if (arr == nullptr) return Status::error(where + " must be an array of strings");
    std::vector<std::string> items;
    for (const auto& v : *arr) {
      const auto* str = v.as_string();
      if (str == nullptr) return Status::error(where + " must be an array of strings");
      items.push_back(str->get());
    }
    *l->target = std::move(items);
  } else {
    return Status::error(where + " is not a setting of " + t.program + " (see docs/configuration.md)");
  }
  return Status::ok();
}

}  // namespace

Status apply_toml(std::string_view text, const std::string& origin, const Table& t) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Status::error("config " + origin + ": " + std::string(e.description()));
  }
  for (const auto& [k, node] : doc)
    if (Status s = apply_one(origin, std::string(k.str()), node, t); !s) return s;
  return Status::ok();
}

Result<std::string> read_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("config " + path + ": cannot read it");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status apply_env(const Table& t) {
  for (const auto& r : t.ints) {
    if (*r.env == '\0') continue;
    auto v = env::integer(r.env, r.min, r.max);
    if (!v) return v.status();
    if (*v) *r.target = **v;
  }
  for (const auto& b : t.bools) {
    if (*b.env == '\0') continue;
    auto v = env::boolean(b.env);
    if (!v) return v.status();
    if (*v) *b.target = **v;
  }
  for (const auto& x : t.texts) {
    if (*x.env == '\0') continue;
    if (auto v = env::text(x.env)) {
      if (Status c = check_choice(std::string("environment variable ") + x.env, *v, x.choices); !c) return c;
      *x.target = *v;
    }
  }
  for (const auto& l : t.lists) {
    if (*l.env == '\0') continue;
    if (auto v = env::text(l.env)) *l.target = split_list(*v, l.sep);
  }
  return Status::ok();
}

std::vector<std::string> split_list(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find(sep, pos), text.size());
    if (end > pos) out.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace ffleet::settings
