#include "ffleet/common/log_json.hpp"

#include <chrono>
#include <ctime>

#include <spdlog/details/log_msg.h>

#include "ffleet/common/text.hpp"

namespace ffleet::log {
namespace {

bool key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

// At `i`, a key followed by '=': its length, else 0.
std::size_t key_at(std::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && key_char(s[j])) ++j;
  return j > i && j < s.size() && s[j] == '=' ? j - i : 0;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& m, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::system_clock::to_time_t(m.time);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(m.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char ts[40];
    const std::size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(ts + n, sizeof ts - n, ".%03dZ", static_cast<int>(ms));
    const std::string_view msg(m.payload.data(), m.payload.size());
    const auto level = spdlog::level::to_string_view(m.level);
    std::string line = "{\"ts\":\"" + std::string(ts) + "\",\"level\":" +
                       json_string(std::string_view(level.data(), level.size())) +
                       ",\"component\":" + json_string(std::string_view(m.logger_name.data(), m.logger_name.size())) +
                       ",\"msg\":" + json_string(msg);
    if (auto split = split_message(msg)) {
      if (!split->event.empty()) line += ",\"event\":" + json_string(split->event);
      if (!split->fields.empty()) {
        line += ",\"fields\":{";
        bool first = true;
        for (const auto& [k, v] : split->fields) {
          line += (first ? "" : ",") + json_string(k) + ":" + json_string(v);
          first = false;
        }
        line += "}";
      }
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::optional<Split> split_message(std::string_view s) {
  Split out;
  std::size_t i = 0;
  if (!s.empty() && key_at(s, 0) == 0) {  // the event: a first word without '='
    while (i < s.size() && key_char(s[i])) ++i;
    if (i == 0 || (i < s.size() && s[i] != ' ')) return std::nullopt;
    out.event = std::string(s.substr(0, i));
  }
  while (i < s.size()) {
    if (i > 0 && s[i] != ' ') return std::nullopt;  // words are apart
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) break;
    const std::size_t klen = key_at(s, i);
    if (klen == 0) return std::nullopt;
    std::string key(s.substr(i, klen));
    i += klen + 1;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      // A quoted value ends at the quote followed by the end or by " key=":
      // values are not escaped (an error text may hold quotes), so that is
      // the only reading that cannot cut a value short at an inner quote
      // unless the value itself holds `" key=`.
      std::size_t end = std::string_view::npos;
      for (std::size_t q = s.find('"', i + 1); q != std::string_view::npos; q = s.find('"', q + 1)) {
        if (q + 1 == s.size()) { end = q; break; }
        if (s[q + 1] == ' ') {
          std::size_t k = q + 1;
          while (k < s.size() && s[k] == ' ') ++k;
          if (k < s.size() && key_at(s, k) > 0) { end = q; break; }
        }
      }
      if (end == std::string_view::npos) return std::nullopt;
      value = std::string(s.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      const std::size_t end = std::min(s.find(' ', i), s.size());
      value = std::string(s.substr(i, end - i));
      i = end;
    }
    out.fields.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string json_string(std::string_view s) {
  // relayed(): valid UTF-8 and no raw control character (C0, DEL, C1 come
  // out as \n, \xNN, \u{NN}); then only the JSON specials are left.
  const std::string clean = text::relayed(s);
  std::string out;
  out.reserve(clean.size() + 2);
  out.push_back('"');
  for (char c : clean) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::unique_ptr<spdlog::formatter> json_formatter() { return std::make_unique<JsonFormatter>(); }

}  // namespace ffleet::log
