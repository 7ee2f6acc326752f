#include "ffleet/common/settings.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "ffleet/common/env.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/text.hpp"

namespace ffleet::settings {
namespace {

using Kind = Setting::Kind;

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
  return Status::error(where + " must be one of " + list + " (not '" + text::for_people(v) + "')");
}

Status apply_one(const std::string& origin, const std::string& key, const toml::node& node, const Setting& r) {
  const std::string where = at(origin, node, key);
  switch (r.kind) {
    case Kind::kInt: {
      auto n = whole(node, where, r.min, r.max);
      if (!n) return n.status();
      *r.i = *n;
      break;
    }
    case Kind::kBool: {
      const auto* v = node.as_boolean();
      if (v == nullptr) return Status::error(where + " must be true or false");
      *r.b = v->get();
      break;
    }
    case Kind::kText: {
      const auto* v = node.as_string();
      if (v == nullptr) return Status::error(where + " must be a string");
      if (Status c = check_choice(where, v->get(), r.choices); !c) return c;
      *r.s = v->get();
      break;
    }
    case Kind::kMap: {
      const auto* table = node.as_table();
      if (table == nullptr) return Status::error(where + " must be a table of name = number");
      IntMap m = r.get_map();
      for (const auto& [name, v] : *table) {
        auto n = whole(v, at(origin, v, key + ("." + std::string(name.str()))), r.min, r.max);
        if (!n) return n.status();
        m[std::string(name.str())] = *n;
      }
      r.set_map(m);
      break;
    }
    case Kind::kList: {
      const auto* arr = node.as_array();
      if (arr == nullptr) return Status::error(where + " must be an array of strings");
      std::vector<std::string> items;
      for (const auto& v : *arr) {
        const auto* str = v.as_string();
        if (str == nullptr) return Status::error(where + " must be an array of strings");
        items.push_back(str->get());
      }
      *r.l = std::move(items);
      break;
    }
  }
  return Status::ok();
}

// A TOML basic string: quotes, backslashes and control characters escaped;
// bytes that are not UTF-8 (a value from the environment) replaced first.
std::string quoted(std::string_view raw) {
  const std::string v = text::valid_utf8(raw) ? std::string(raw) : text::for_people(raw);
  std::string out = "\"";
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool bare_key(std::string_view k) {
  return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string shown(const std::string& v, bool mask) { return quoted(mask ? redact::for_error(v) : v); }

}  // namespace

Setting integer(const char* key, std::int64_t* target, std::int64_t min, std::int64_t max) {
  Setting s;
  s.kind = Kind::kInt;
  s.key = key;
  s.i = target;
  s.min = min;
  s.max = max;
  return s;
}

Setting boolean(const char* key, bool* target) {
  Setting s;
  s.kind = Kind::kBool;
  s.key = key;
  s.b = target;
  return s;
}

Setting text(const char* key, std::string* target) {
  Setting s;
  s.kind = Kind::kText;
  s.key = key;
  s.s = target;
  return s;
}

Setting list(const char* key, std::vector<std::string>* target, char sep) {
  Setting s;
  s.kind = Kind::kList;
  s.key = key;
  s.l = target;
  s.sep = sep;
  return s;
}

Setting int_map(const char* key, std::function<IntMap()> get, std::function<void(const IntMap&)> set,
                std::int64_t min, std::int64_t max) {
  Setting s;
  s.kind = Kind::kMap;
  s.key = key;
  s.get_map = std::move(get);
  s.set_map = std::move(set);
  s.min = min;
  s.max = max;
  return s;
}

const Setting* Table::find(std::string_view key) const {
  auto it = std::find_if(rows.begin(), rows.end(), [&](const Setting& r) { return key == r.key; });
  return it == rows.end() ? nullptr : &*it;
}

Status apply_toml(std::string_view text, const std::string& origin, const Table& t, Origins* origins) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Status::error("config " + origin + ": " + std::string(e.description()));
  }
  for (const auto& [k, node] : doc) {
    const std::string key(k.str());
    const Setting* r = t.find(key);
    if (r == nullptr)
      return Status::error(at(origin, node, key) + " is not a setting of " + t.program + " (see docs/configuration.md)");
    if (Status s = apply_one(origin, key, node, *r); !s) return s;
    if (origins) (*origins)[key] = origin + ":" + std::to_string(node.source().begin.line);
  }
  return Status::ok();
}

Result<std::string> read_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("config " + path + ": cannot read it");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status apply_env(const Table& t, Origins* origins) {
  for (const auto& r : t.rows) {
    if (*r.env_name == '\0') continue;
    bool set = false;
    if (r.kind == Kind::kInt) {
      auto v = env::integer(r.env_name, r.min, r.max);
      if (!v) return v.status();
      if ((set = v->has_value())) *r.i = **v;
    } else if (r.kind == Kind::kBool) {
      auto v = env::boolean(r.env_name);
      if (!v) return v.status();
      if ((set = v->has_value())) *r.b = **v;
    } else if (r.kind == Kind::kList) {
      if (auto v = env::text(r.env_name); (set = v.has_value())) *r.l = split_list(*v, r.sep);
    } else if (r.kind == Kind::kText) {
      auto v = env::text(r.env_name);
      if ((set = v.has_value())) {
        if (Status c = check_choice(std::string("environment variable ") + r.env_name, *v, r.choices); !c) return c;
        *r.s = *v;
      }
    }
    if (set && origins) (*origins)[r.key] = std::string("env ") + r.env_name;
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

std::string toml_value(const Setting& s, bool mask) {
  switch (s.kind) {
    case Kind::kInt: return std::to_string(*s.i);
    case Kind::kBool: return *s.b ? "true" : "false";
    case Kind::kText: return shown(*s.s, mask);
    case Kind::kList: {
      std::string out = "[";
      for (const auto& v : *s.l) out += (out.size() > 1 ? ", " : "") + shown(v, mask);
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "{";
      for (const auto& [k, v] : s.get_map())
        out += std::string(out.size() > 1 ? ", " : " ") + (bare_key(k) ? k : quoted(k)) + " = " + std::to_string(v);
      return out + (out.size() > 1 ? " }" : "}");
    }
  }
  return "";
}

std::string render(const Table& t, const Origins& origins, const std::string& header) {
  std::string out = header;
  for (const auto& r : t.rows) {
    auto it = origins.find(r.key);
    out += std::string(r.key) + " = " + toml_value(r) + "  # " + (it == origins.end() ? "default" : it->second) + "\n";
  }
  return out;
}

std::string example(const Table& defaults, const std::string& header) {
  std::string out = header;
  for (const auto& r : defaults.rows) {
    out += "\n# " + std::string(r.help_text);
    if (*r.env_name != '\0') out += std::string(" (env ") + r.env_name + ")";
    if (r.reload_mode == Reload::kLive) out += " [SIGHUP]";
    out += "\n";
    out += "#" + std::string(r.key) + " = " + toml_value(r) + "\n";
  }
  return out;
}

std::vector<Change> diff(const Table& running, const Table& next) {
  std::vector<Change> out;
  for (const auto& r : running.rows) {
    const Setting* n = next.find(r.key);
    if (n == nullptr) continue;
    if (toml_value(r, false) != toml_value(*n, false))
      out.push_back({r.key, toml_value(r), toml_value(*n), r.reload_mode});
  }
  return out;
}

void copy(const Table& from, const Table& to, std::string_view key) {
  const Setting* f = from.find(key);
  const Setting* t = to.find(key);
  if (f == nullptr || t == nullptr || f->kind != t->kind) return;
  switch (f->kind) {
    case Kind::kInt: *t->i = *f->i; break;
    case Kind::kBool: *t->b = *f->b; break;
    case Kind::kText: *t->s = *f->s; break;
    case Kind::kList: *t->l = *f->l; break;
    case Kind::kMap: t->set_map(f->get_map()); break;
  }
}

std::pair<int, int> apply_live(const std::vector<Change>& changes, const Table& fresh, const Table& running,
                               const std::string& log_component) {
  auto log = log::get(log_component);
  int live = 0, waiting = 0;
  for (const auto& c : changes) {
    if (c.reload == Reload::kLive) {
      settings::copy(fresh, running, c.key);
      ++live;
      log->info("config_changed key={} from={} to={}", c.key, c.before, c.after);
    } else {
      ++waiting;
      log->warn("config_needs_restart key={} running={} configured={}", c.key, c.before, c.after);
    }
  }
  return {live, waiting};
}

}  // namespace ffleet::settings
