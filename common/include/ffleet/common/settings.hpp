// A daemon's settings as one table: each row names its config-file key, its
// environment variable, its flag, where the value goes (with its range), a
// line of help and whether SIGHUP may change it. The same row checks a value
// from the file and from the environment, prints it for --print-config and
// for the example config file, and compares it on a reload, so none of these
// can drift. An unknown key, a value of the wrong type or out of range is an
// error naming the file, line and key. Rows point into an Options copy: the
// caller applies to a copy and keeps it only if everything applied.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::settings {

// kLive: SIGHUP applies a new value to the running daemon; kRestart: a new
// value is logged as waiting for a restart and the old one stays.
enum class Reload { kLive, kRestart };

using IntMap = std::map<std::string, std::int64_t>;

struct Setting {
  enum class Kind { kInt, kBool, kText, kList, kMap };
  Kind kind = Kind::kText;
  const char* key = "";
  const char* env_name = "";  // "" if none
  const char* flag_name = "";  // "--listen"; "" if the setting has no flag
  const char* help_text = "";  // one line, for the example config file
  Reload reload_mode = Reload::kRestart;
  std::int64_t* i = nullptr;
  std::int64_t min = 0, max = 0;  // kInt, and each number of a kMap
  bool* b = nullptr;
  std::string* s = nullptr;
  // kList: a TOML array of strings; in the environment one string split at
  // `sep` (':' for paths, ',' for names), empty items dropped. A value
  // replaces the list, it does not add to it.
  std::vector<std::string>* l = nullptr;
  char sep = ':';
  // kMap: a TOML table of name = whole number, e.g. [user_limits] alice = 10.
  std::function<IntMap()> get_map;
  std::function<void(const IntMap&)> set_map;
  // kText: if not empty, the only values allowed (log_format: text, json).
  std::vector<std::string> choices;

  Setting& env(const char* name) { env_name = name; return *this; }
  Setting& flag(const char* name) { flag_name = name; return *this; }
  Setting& help(const char* text) { help_text = text; return *this; }
  Setting& live() { reload_mode = Reload::kLive; return *this; }
  Setting& one_of(std::vector<std::string> values) { choices = std::move(values); return *this; }
};

Setting integer(const char* key, std::int64_t* target, std::int64_t min, std::int64_t max);
Setting boolean(const char* key, bool* target);
Setting text(const char* key, std::string* target);
Setting list(const char* key, std::vector<std::string>* target, char sep);
Setting int_map(const char* key, std::function<IntMap()> get, std::function<void(const IntMap&)> set,
                std::int64_t min, std::int64_t max);

// Where each setting's value came from, by key: "FILE:LINE", "env NAME" or
// "flag --x"; a key not in it has its default.
using Origins = std::map<std::string, std::string>;

struct Table {
  const char* program = "";  // for "is not a setting of ffleet-agent"
  std::vector<Setting> rows;
  const Setting* find(std::string_view key) const;
};

// "a:b::c" split at ':' -> {"a", "b", "c"}.
std::vector<std::string> split_list(std::string_view text, char sep);

// Parses TOML text (a config file's contents; `origin` names it) and applies
// every key through the table; records "origin:LINE" for each in `origins`.
Status apply_toml(std::string_view text, const std::string& origin, const Table& t, Origins* origins = nullptr);
// A config file's contents, or "config PATH: cannot read it".
Result<std::string> read_config(const std::string& path);

// Applies TOML text to `o` through `table_of(Options&)`, all or nothing: on
// any error `o` is left as it was.
template <class Options, class TableOf>
Status apply_all_or_nothing(std::string_view text, const std::string& origin, Options& o, TableOf table_of,
                            Origins* origins = nullptr) {
  Options next = o;
  if (Status s = apply_toml(text, origin, table_of(next), origins); !s) return s;
  o = std::move(next);
  return Status::ok();
}
// The same with the contents of the file at `path`.
template <class Options, class TableOf>
Status apply_file(const std::string& path, Options& o, TableOf table_of, Origins* origins = nullptr) {
  auto text = read_config(path);
  return text ? apply_all_or_nothing(*text, path, o, table_of, origins) : text.status();
}
// Applies every environment variable of the table that is set.
Status apply_env(const Table& t, Origins* origins = nullptr);

// A setting's value as TOML (`"tcp://…"`, `5000`, `["/srv"]`, `{ nvenc = 3 }`),
// with any URL's credentials masked unless `mask` is false.
std::string toml_value(const Setting& s, bool mask = true);

// --print-config: every setting as `key = value`, each followed by where its
// value came from; `header` opens it as comment lines.
std::string render(const Table& t, const Origins& origins, const std::string& header);

// The example config file: each setting's help and its default, commented
// out (uncommented, it changes nothing). `defaults` points into default
// Options, where "" or 0 stands for a default computed at start.
std::string example(const Table& defaults, const std::string& header);

// What a reload would change: the settings whose value differs between the
// running daemon and the newly read configuration.
struct Change {
  std::string key;
  std::string before, after;  // as TOML, masked
  Reload reload;
};
std::vector<Change> diff(const Table& running, const Table& next);
// Copies the value of row `key` of `from` into the same row of `to` (both
// tables of the same program).
void copy(const Table& from, const Table& to, std::string_view key);
// SIGHUP's outcome: each live change copied from `fresh` into `running` and
// logged as config_changed, each other one logged as config_needs_restart
// (on `log`, the daemon's logger). Returns (live, waiting).
std::pair<int, int> apply_live(const std::vector<Change>& changes, const Table& fresh, const Table& running,
                               const std::string& log_component);

}  // namespace ffleet::settings
