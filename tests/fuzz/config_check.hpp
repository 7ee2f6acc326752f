// The checks both config fuzzers make, over a table of the keys a daemon's
// config file takes (key -> the Options field it sets). See
// fuzz_config_controller.cpp and fuzz_config_agent.cpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "ffleet/common/status.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {

// One scalar key of a config file and the field it sets.
template <class Options> struct Key {
  enum class Kind { kInt, kString, kBool, kList } kind;
  const char* name;
  std::function<std::int64_t&(Options&)> int_field = {};
  std::function<std::string&(Options&)> string_field = {};
  std::function<bool&(Options&)> bool_field = {};
  std::function<std::vector<std::string>&(Options&)> list_field = {};  // an array of strings
  std::vector<std::string> choices = {};  // a string key taking only these (log_format)
};

// A sub-table of name = integer (user_limits, encoder_sessions) and how the
// daemon stores one entry.
template <class Options> struct IntTable {
  const char* name;
  std::function<std::map<std::string, std::int64_t>(const Options&)> read;  // as the daemon holds it, widened
  std::function<std::int64_t(std::int64_t)> stored;  // what the daemon keeps of a value it reads
};

template <class Options> struct ConfigSchema {
  std::vector<Key<Options>> keys;
  IntTable<Options> table;
  std::function<Status(std::string_view, const std::string&, Options&)> apply;
  // Every field of Options but the sub-table, as text, for comparing and
  // for failure messages.
  std::function<std::string(const Options&)> dump;
};

inline std::optional<toml::table> reference_parse(std::string_view text) {
  try {
    return toml::parse(text, std::string_view("fuzz.toml"));
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

template <class Options> const Key<Options>* find_key(const ConfigSchema<Options>& s, std::string_view name) {
  for (const auto& k : s.keys)
    if (name == k.name) return &k;
  return nullptr;
}

template <class Options> bool right_type(const Key<Options>& k, const toml::node& n) {
  switch (k.kind) {
    case Key<Options>::Kind::kInt: return n.is_integer();
    case Key<Options>::Kind::kString: return n.is_string();
    case Key<Options>::Kind::kBool: return n.is_boolean();
    case Key<Options>::Kind::kList: {
      const auto* a = n.as_array();
      if (a == nullptr) return false;
      for (const auto& v : *a)
        if (!v.is_string()) return false;
      return true;
    }
  }
  return false;
}

// The Options a table the daemon accepted should give: each key's value
// taken, everything else as it was.
template <class Options> Options expected(const ConfigSchema<Options>& s, const toml::table& t, Options o) {
  for (const auto& k : s.keys) {
    const toml::node* n = t.get(k.name);
    if (n == nullptr) continue;
    switch (k.kind) {
      case Key<Options>::Kind::kInt: k.int_field(o) = n->as_integer()->get(); break;
      case Key<Options>::Kind::kString: k.string_field(o) = n->as_string()->get(); break;
      case Key<Options>::Kind::kBool: k.bool_field(o) = n->as_boolean()->get(); break;
      case Key<Options>::Kind::kList: {
        auto& l = k.list_field(o);
        l.clear();
        for (const auto& v : *n->as_array()) l.push_back(v.as_string()->get());
        break;
      }
    }
  }
  return o;
}

template <class Options> std::map<std::string, std::int64_t> expected_table(const ConfigSchema<Options>& s,
                                                                            const toml::table& t,
                                                                            std::map<std::string, std::int64_t> base) {
  if (const auto* sub = t[s.table.name].as_table())
    for (const auto& [k, v] : *sub) base[std::string(k.str())] = s.table.stored(v.as_integer()->get());
  return base;
}

// A TOML basic string: quotes, backslashes and control characters escaped,
// everything else (valid UTF-8, as the parser gave it) as it is.
inline std::string basic_string(std::string_view v) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "\"";
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// Options written back as TOML, every key and string quoted. (Not toml++'s
// writer: 3.3.0 writes a key with a quote in it bare, and a string with a
// newline and ''' as a '''literal''', neither of which reads back.)
template <class Options> std::string to_toml(const ConfigSchema<Options>& s, const Options& o) {
  std::string out;
  Options& m = const_cast<Options&>(o);  // the field accessors only read here
  for (const auto& k : s.keys) {
    out += basic_string(k.name) + " = ";
    switch (k.kind) {
      case Key<Options>::Kind::kInt: out += std::to_string(k.int_field(m)); break;
      case Key<Options>::Kind::kString: out += basic_string(k.string_field(m)); break;
      case Key<Options>::Kind::kBool: out += k.bool_field(m) ? "true" : "false"; break;
      case Key<Options>::Kind::kList: {
        out += "[";
        for (const auto& v : k.list_field(m)) out += basic_string(v) + ",";
        out += "]";
        break;
      }
    }
    out += "\n";
  }
  out += "[" + basic_string(s.table.name) + "]\n";
  for (const auto& [name, n] : s.table.read(o)) out += basic_string(name) + " = " + std::to_string(n) + "\n";
  return out;
}

// A refusal of parsed TOML must read "config fuzz.toml:LINE: key 'KEY' ..."
// for a key of the text (or "TABLE.NAME" for an entry of the sub-table) at
// that line, and be right about it.
template <class Options, class Alone>
void check_refusal(const ConfigSchema<Options>& s, const toml::table& doc, const std::string& msg, Alone&& alone) {
  const std::string origin = "config fuzz.toml:";
  FUZZ_CHECK(msg.rfind(origin, 0) == 0, "error does not name the origin: " + show(msg));
  std::size_t i = origin.size(), line = 0;
  while (i < msg.size() && msg[i] >= '0' && msg[i] <= '9') line = line * 10 + static_cast<std::size_t>(msg[i++] - '0');
  const std::string rest = msg.substr(i);
  auto names = [&](const std::string& k) { return rest.rfind(": key '" + k + "' ", 0) == 0; };
  const toml::node* node = nullptr;
  std::string key, entry;
  for (const auto& [k, n] : doc)
    if (names(std::string(k.str())) && (node == nullptr || k.str().size() > key.size())) {
      node = &n;
      key = k.str();
    }
  if (const auto* sub = doc[s.table.name].as_table())
    for (const auto& [name, v] : *sub)
      if (names(std::string(s.table.name) + "." + std::string(name.str()))) {
        node = &v;
        key = s.table.name;
        entry = name.str();
      }
  FUZZ_CHECK(node != nullptr, "the error names no key of the text: " + show(msg));
  FUZZ_CHECK(node->source().begin.line == line, "the error gives line " + std::to_string(line) + " for a key on line " +
                                                    std::to_string(node->source().begin.line) + ": " + show(msg));
  if (!entry.empty()) {
    // An entry of the sub-table: not a whole number, or one refused alone too.
    if (!node->is_integer()) return;
    const std::string one =
        "[" + basic_string(key) + "]\n" + basic_string(entry) + " = " + std::to_string(node->as_integer()->get()) + "\n";
    FUZZ_CHECK(!alone(one), "refused " + key + "." + entry + " but takes it alone: " + show(msg));
    return;
  }
  if (key == s.table.name) {
    FUZZ_CHECK(!node->is_table(), "refused the table " + key + " itself, not an entry: " + show(msg));
    return;
  }
  const Key<Options>* k = find_key(s, key);
  if (k == nullptr || !right_type(*k, *node)) return;  // unknown, or the wrong type: rightly refused
  if (k->kind == Key<Options>::Kind::kString && !k->choices.empty()) {
    const std::string v = node->as_string()->get();
    FUZZ_CHECK(std::find(k->choices.begin(), k->choices.end(), v) == k->choices.end(),
               "refused " + key + " = one of its choices: " + show(msg));
    return;  // not one of its choices: rightly refused
  }
  FUZZ_CHECK(k->kind == Key<Options>::Kind::kInt, "refused " + key + " of the right type: " + show(msg));
  // A number out of range: refused alone too, while the default is taken.
  Options defaults{};
  FUZZ_CHECK(!alone(basic_string(key) + " = " + std::to_string(node->as_integer()->get()) + "\n"),
             "refused " + key + " but takes it alone: " + show(msg));
  FUZZ_CHECK(alone(basic_string(key) + " = " + std::to_string(k->int_field(defaults)) + "\n"),
             "refuses " + key + "'s own default " + std::to_string(k->int_field(defaults)));
}

// Properties of apply_config_text on any text:
//  - it never throws (an exception would end the daemon's start-up unexplained);
//  - text that is not TOML is refused, naming the origin;
//  - a refused config leaves the options as they were (all or nothing), and
//    the error names a key of the text at its line, rightly: unknown, of the
//    wrong type, or a number the same key alone is refused with too;
//  - an accepted config holds only known keys of the right type; each sets
//    its field, the sub-table its entries, and nothing else changes;
//  - applying the same text again changes nothing;
//  - the result written back as TOML and applied to the defaults gives the
//    same options (every value and default can be written and read back).
template <class Options> void check_config(const ConfigSchema<Options>& s, std::string_view text) {
  const Options defaults{};
  auto same = [&](const Options& a, const Options& b) { return s.dump(a) == s.dump(b) && s.table.read(a) == s.table.read(b); };
  auto all = [&](const Options& a) {
    std::string out = s.dump(a) + " " + s.table.name + "={";
    for (const auto& [k, v] : s.table.read(a)) out += show(k) + "=" + std::to_string(v) + ",";
    return out + "}";
  };
  auto alone = [&](const std::string& toml) {
    Options x{};
    return s.apply(toml, "fuzz.toml", x).is_ok();
  };
  Options o{};
  const Status st = s.apply(text, "fuzz.toml", o);
  const auto doc = reference_parse(text);
  if (!doc) {
    FUZZ_CHECK(!st, "accepted text toml++ refuses: " + show(text));
    FUZZ_CHECK(st.message().rfind("config fuzz.toml: ", 0) == 0, "error does not name the origin: " + st.message());
    FUZZ_CHECK(same(o, defaults), "a refused config changed the options: " + all(o));
    return;
  }
  if (!st) {
    FUZZ_CHECK(same(o, defaults), "a refused config changed the options: " + all(o) + " for " + show(text));
    check_refusal(s, *doc, st.message(), alone);
    return;
  }
  for (const auto& [key, node] : *doc) {
    const std::string k(key.str());
    if (k == s.table.name) {
      FUZZ_CHECK(node.is_table(), k + " accepted though not a table in " + show(text));
      for (const auto& [name, v] : *node.as_table())
        FUZZ_CHECK(v.is_integer(), k + "." + std::string(name.str()) + " accepted though not a whole number");
      continue;
    }
    const Key<Options>* known = find_key(s, k);
    FUZZ_CHECK(known != nullptr, "unknown key " + show(k) + " accepted in " + show(text));
    FUZZ_CHECK(right_type(*known, node), "key " + k + " accepted with a value of the wrong type in " + show(text));
  }
  const Options want = expected(s, *doc, defaults);
  FUZZ_CHECK(s.dump(o) == s.dump(want), "options differ from the text: got " + s.dump(o) + " want " + s.dump(want) +
                                            " for " + show(text));
  FUZZ_CHECK(s.table.read(o) == expected_table(s, *doc, s.table.read(defaults)),
             std::string("[") + s.table.name + "] not as written: " + all(o) + " for " + show(text));

  Options twice = o;
  const Status st2 = s.apply(text, "fuzz.toml", twice);
  FUZZ_CHECK(st2.is_ok() && same(twice, o), "applying twice differs: " + all(twice));

  const std::string written = to_toml(s, o);
  Options back{};
  const Status st3 = s.apply(written, "written.toml", back);
  FUZZ_CHECK(st3.is_ok(), "the options written as TOML do not read back: " + st3.message() + " in " + show(written));
  FUZZ_CHECK(same(back, o), "options change through TOML: " + all(o) + " became " + all(back) + " via " + show(written));
}

}  // namespace ffleet::fuzz
