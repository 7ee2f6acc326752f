// The checks both config fuzzers make, over a table of the keys a daemon's
// config file takes (key -> the Options field it sets). See
// fuzz_config_controller.cpp and fuzz_config_agent.cpp.
#pragma once

#include <cmath>
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
  enum class Kind { kInt, kString, kBool } kind;
  const char* name;
  std::function<std::int64_t&(Options&)> int_field = {};
  std::function<std::string&(Options&)> string_field = {};
  std::function<bool&(Options&)> bool_field = {};
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

// KNOWN BUG (reported; tests/unit/*/options_fuzz_regression_test.cpp): both
// options.cpp read integers with toml++'s node::value<int64_t>(), which
// converts a float with static_cast<int64_t> before any range check, so a
// finite float past int64 (heartbeat_ms = 1e37) is undefined behaviour.
template <class Options> bool has_float_past_int64(const ConfigSchema<Options>& s, const toml::table& t) {
  auto bad = [](const toml::node* n) {
    if (n == nullptr || !n->is_floating_point()) return false;
    const double v = n->as_floating_point()->get();
    return std::isfinite(v) && (v >= 9223372036854775808.0 || v < -9223372036854775808.0);
  };
  for (const auto& k : s.keys)
    if (k.kind == Key<Options>::Kind::kInt && bad(t.get(k.name))) return true;
  if (const auto* sub = t[s.table.name].as_table())
    for (const auto& [name, v] : *sub)
      if (bad(&v)) return true;
  return false;
}

// The Options a parsed table should give: each key of the right type taken,
// anything else left as it was.
template <class Options> Options expected(const ConfigSchema<Options>& s, const toml::table& t, Options o) {
  for (const auto& k : s.keys) {
    switch (k.kind) {
      case Key<Options>::Kind::kInt:
        if (auto v = t[k.name].template value<std::int64_t>()) k.int_field(o) = *v;
        break;
      case Key<Options>::Kind::kString:
        if (auto v = t[k.name].template value<std::string>()) k.string_field(o) = *v;
        break;
      case Key<Options>::Kind::kBool:
        if (auto v = t[k.name].template value<bool>()) k.bool_field(o) = *v;
        break;
    }
  }
  return o;
}

template <class Options> std::map<std::string, std::int64_t> expected_table(const ConfigSchema<Options>& s,
                                                                            const toml::table& t,
                                                                            std::map<std::string, std::int64_t> base) {
  if (const auto* sub = t[s.table.name].as_table())
    for (const auto& [k, v] : *sub)
      if (auto n = v.template value<std::int64_t>()) base[std::string(k.str())] = s.table.stored(*n);
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
    }
    out += "\n";
  }
  out += "[" + basic_string(s.table.name) + "]\n";
  for (const auto& [name, n] : s.table.read(o)) out += basic_string(name) + " = " + std::to_string(n) + "\n";
  return out;
}

// Properties of apply_config_text on any text:
//  - it never throws (an exception would end the daemon's start-up unexplained);
//  - it fails exactly when the text is not TOML, naming the origin, and then
//    leaves the options as they were;
//  - otherwise each known key of the right type sets its field, the sub-table
//    its entries, and nothing else changes;
//  - applying the same text again changes nothing;
//  - the result written back as TOML and applied to the defaults gives the
//    same options (any value a config can hold can be written and read back).
template <class Options> void check_config(const ConfigSchema<Options>& s, std::string_view text) {
  const Options defaults{};
  auto same = [&](const Options& a, const Options& b) { return s.dump(a) == s.dump(b) && s.table.read(a) == s.table.read(b); };
  auto all = [&](const Options& a) {
    std::string out = s.dump(a) + " " + s.table.name + "={";
    for (const auto& [k, v] : s.table.read(a)) out += show(k) + "=" + std::to_string(v) + ",";
    return out + "}";
  };
  const auto table = reference_parse(text);
  if (table && has_float_past_int64(s, *table) && skip_known_bugs()) return;
  Options o{};
  const Status st = s.apply(text, "fuzz.toml", o);
  FUZZ_CHECK(st.is_ok() == table.has_value(), "apply says " + (st ? std::string("ok") : st.message()) +
                                                  " but toml++ says the opposite for " + show(text));
  if (!st) {
    FUZZ_CHECK(st.message().rfind("config fuzz.toml: ", 0) == 0, "error does not name the origin: " + st.message());
    FUZZ_CHECK(same(o, defaults), "a refused config changed the options: " + all(o));
    return;
  }
  const Options want = expected(s, *table, defaults);
  FUZZ_CHECK(s.dump(o) == s.dump(want), "options differ from the text: got " + s.dump(o) + " want " + s.dump(want) +
                                            " for " + show(text));
  FUZZ_CHECK(s.table.read(o) == expected_table(s, *table, s.table.read(defaults)),
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
