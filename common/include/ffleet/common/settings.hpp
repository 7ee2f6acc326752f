// A daemon's settings as one table: each row names its config-file key, its
// environment variable and where the value goes, with its range. The same row
// checks a value from the file and from the environment, so the two cannot
// drift; an unknown key, a value of the wrong type or out of range is an
// error naming the file, line and key. Rows point into an Options copy: the
// caller applies to a copy and keeps it only if everything applied.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::settings {

struct Int {
  const char* key;
  const char* env;  // "" if none
  std::int64_t* target;
  std::int64_t min, max;
};
struct Bool {
  const char* key;
  const char* env;
  bool* target;
};
struct Text {
  const char* key;
  std::string* target;
  const char* env = "";  // "" if none
  // If not empty, the only values allowed (e.g. log_format: text, json).
  std::vector<std::string> choices = {};
};
// A TOML table of name = whole number, e.g. [user_limits] alice = 10.
struct IntMap {
  const char* key;
  std::function<void(const std::string&, std::int64_t)> put;
  std::int64_t min, max;
};

// A list of strings: a TOML array of strings in the file; in the environment
// one string split at `sep` (':' for paths, ',' for names), empty items
// dropped. A value replaces the list, it does not add to it.
struct List {
  const char* key;
  const char* env;  // "" if none
  char sep;
  std::vector<std::string>* target;
};

struct Table {
  const char* program;  // for "is not a setting of ffleet-agent"
  std::vector<Int> ints;
  std::vector<Bool> bools;
  std::vector<Text> texts;
  std::vector<IntMap> maps;
  std::vector<List> lists;
};

// "a:b::c" split at ':' -> {"a", "b", "c"}.
std::vector<std::string> split_list(std::string_view text, char sep);

// Parses TOML text (a config file's contents; `origin` names it) and applies
// every key through the table.
Status apply_toml(std::string_view text, const std::string& origin, const Table& t);
// A config file's contents, or "config PATH: cannot read it".
Result<std::string> read_config(const std::string& path);
// Applies every environment variable of the table that is set.
Status apply_env(const Table& t);

}  // namespace ffleet::settings
