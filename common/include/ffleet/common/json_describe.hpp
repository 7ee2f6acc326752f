// JSON views of protocol structs, walking the same describe() functions the
// wire codec uses, so a field's name is the same on the wire, in the
// database's spec column and in `ffleet --json` output.
#pragma once

#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "ffleet/common/base64.hpp"
#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::jsonv {

template <class T> nlohmann::json to_json(const T& v);

namespace detail {
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class T> struct is_map<std::map<std::string, T>> : std::true_type {};

struct Writer {
  nlohmann::json& j;
  template <class U> void req(const char* k, U& x) { j[k] = to_json(x); }
  template <class U> void opt(const char* k, U& x) { req(k, x); }
};

template <class T> Status from_json(const nlohmann::json& j, T& out);

struct Reader {
  const nlohmann::json& j;
  Status status;
  template <class U> void field(const char* k, U& x, bool required) {
    if (!status.is_ok()) return;
    auto it = j.find(k);
    if (it == j.end() || it->is_null()) {
      if (required) status = Status::error(std::string("missing field '") + k + "'");
      return;
    }
    if (Status s = from_json(*it, x); !s) status = Status::error(std::string("field '") + k + "': " + s.message());
  }
  template <class U> void req(const char* k, U& x) { field(k, x, true); }
  template <class U> void opt(const char* k, U& x) { field(k, x, false); }
};

template <class T> Status from_json(const nlohmann::json& j, T& out) {
  try {
    if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
      out = j.get<T>();
    } else if constexpr (std::is_same_v<T, proto::Bytes>) {
      auto bytes = base64::decode(j.get<std::string>());
      if (!bytes) return Status::error("expected base64");
      out.data = std::move(*bytes);
    } else if constexpr (is_vector<T>::value) {
      if (!j.is_array()) return Status::error("expected an array");
      out.clear();
      for (const auto& x : j) {
        typename T::value_type v{};
        if (Status s = from_json(x, v); !s) return s;
        out.push_back(std::move(v));
      }
    } else if constexpr (is_map<T>::value) {
      if (!j.is_object()) return Status::error("expected an object");
      for (auto it = j.begin(); it != j.end(); ++it) {
        typename T::mapped_type v{};
        if (Status s = from_json(it.value(), v); !s) return s;
        out[it.key()] = std::move(v);
      }
    } else {
      if (!j.is_object()) return Status::error("expected an object");
      Reader r{j, Status::ok()};
      proto::describe(r, out);
      return r.status;
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::error(e.what());
  }
  return Status::ok();
}
}  // namespace detail

template <class T> nlohmann::json to_json(const T& v) {
  if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, proto::Bytes>) {
    return base64::encode(v.data);  // JSON has no bytes
  } else if constexpr (detail::is_vector<T>::value) {
    auto a = nlohmann::json::array();
    for (const auto& x : v) a.push_back(to_json(x));
    return a;
  } else if constexpr (detail::is_map<T>::value) {
    auto o = nlohmann::json::object();
    for (const auto& [k, x] : v) o[k] = to_json(x);
    return o;
  } else {
    auto o = nlohmann::json::object();
    detail::Writer w{o};
    proto::describe(w, const_cast<T&>(v));  // the writer only reads
    return o;
  }
}

template <class T> Result<T> from_json(const nlohmann::json& j) {
  T out{};
  if (Status s = detail::from_json(j, out); !s) return s;
  return out;
}

}  // namespace ffleet::jsonv
