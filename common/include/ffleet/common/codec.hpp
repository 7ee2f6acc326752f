// MessagePack encoding and strict decoding of the protocol in
// schema/protocol.hpp, and the frame envelope:
//
//   [routing id (ROUTER side only)] [tag "FFLEET/1"] [header map] [body map]
//
// Decoding never throws: a bad frame count, a foreign tag, an oversized
// message, malformed MessagePack, a missing required field or a field of the
// wrong type all come back as an error naming what was wrong.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <type_traits>
#include <variant>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::wire {

using proto::Header;
using proto::MsgType;

// ---- encoding ----

namespace detail {

struct FieldCounter {
  std::uint32_t n = 0;
  template <class T> void req(const char*, T&) { ++n; }
  template <class T> void opt(const char*, T&) { ++n; }
};

using Packer = msgpack::packer<msgpack::sbuffer>;

template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class T> struct is_map<std::map<std::string, T>> : std::true_type {};

template <class T> void pack_value(Packer& pk, const T& v);

struct FieldWriter {
  Packer& pk;
  template <class U> void req(const char* k, U& x) {
    pk.pack(std::string_view(k));
    pack_value(pk, x);
  }
  template <class U> void opt(const char* k, U& x) { req(k, x); }
};

// describe() takes a mutable reference so one function serves encoding and
// decoding; the writer never modifies what it is given.
template <class T> void pack_struct(Packer& pk, const T& v) {
  T& m = const_cast<T&>(v);
  FieldCounter c;
  proto::describe(c, m);
  pk.pack_map(c.n);
  FieldWriter w{pk};
  proto::describe(w, m);
}

template <class T> void pack_value(Packer& pk, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    pk.pack(v);
  } else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T>) {
    pk.pack(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    pk.pack(v);
  } else if constexpr (std::is_same_v<T, proto::Bytes>) {
    pk.pack_bin(static_cast<std::uint32_t>(v.data.size()));
    pk.pack_bin_body(v.data.data(), static_cast<std::uint32_t>(v.data.size()));
  } else if constexpr (is_vector<T>::value) {
    pk.pack_array(static_cast<std::uint32_t>(v.size()));
    for (const auto& x : v) pack_value(pk, x);
  } else if constexpr (is_map<T>::value) {
    pk.pack_map(static_cast<std::uint32_t>(v.size()));
    for (const auto& [k, x] : v) {
      pk.pack(k);
      pack_value(pk, x);
    }
  } else {
    pack_struct(pk, v);
  }
}

// ---- decoding ----

Status read_scalar(const msgpack::object& o, bool& out);
Status read_scalar(const msgpack::object& o, std::int64_t& out);
Status read_scalar(const msgpack::object& o, std::uint64_t& out);
Status read_scalar(const msgpack::object& o, std::uint32_t& out);
Status read_scalar(const msgpack::object& o, double& out);
Status read_scalar(const msgpack::object& o, std::string& out);
Status read_scalar(const msgpack::object& o, proto::Bytes& out);

template <class T> Status read_value(const msgpack::object& o, T& out);

// Walks describe() over a decoded map; the first problem wins.
struct FieldReader {
  const msgpack::object_map& map;
  Status status;
  // Our encoder writes the fields in describe() order, the order they are
  // read in: the search starts after the last field found, so reading a
  // struct costs one comparison per field rather than one per field pair
  // (a heartbeat's runs were 5% of the idle controller's CPU in memcmp).
  std::uint32_t next = 0;
  const msgpack::object* find(std::string_view key) {
    for (std::uint32_t n = 0; n < map.size; ++n) {
      const std::uint32_t i = next + n < map.size ? next + n : next + n - map.size;
      const auto& kv = map.ptr[i];
      if (kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
        next = i + 1;
        return &kv.val;
      }
    }
    return nullptr;
  }
  template <class U> void field(const char* k, U& x, bool required) {
    if (!status.is_ok()) return;
    const msgpack::object* v = find(k);
    if (v == nullptr) {
      if (required) status = Status::error(std::string("missing field '") + k + "'");
      return;
    }
    if (!required && v->type == msgpack::type::NIL) return;
    if (Status s = read_value(*v, x); !s) status = Status::error(std::string("field '") + k + "': " + s.message());
  }
  template <class U> void req(const char* k, U& x) { field(k, x, true); }
  template <class U> void opt(const char* k, U& x) { field(k, x, false); }
};

template <class T> Status read_struct(const msgpack::object& o, T& out) {
  if (o.type != msgpack::type::MAP) return Status::error("expected a map");
  FieldReader r{o.via.map, Status::ok()};
  proto::describe(r, out);
  return r.status;
}

template <class T> Status read_value(const msgpack::object& o, T& out) {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> ||
                std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::uint32_t> ||
                std::is_same_v<T, double> || std::is_same_v<T, std::string> || std::is_same_v<T, proto::Bytes>) {
    return read_scalar(o, out);
  } else if constexpr (is_vector<T>::value) {
    if (o.type != msgpack::type::ARRAY) return Status::error("expected an array");
    out.clear();
    for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
      typename T::value_type x{};
      if (Status s = read_value(o.via.array.ptr[i], x); !s)
        return Status::error("item " + std::to_string(i) + ": " + s.message());
      out.push_back(std::move(x));
    }
    return Status::ok();
  } else if constexpr (is_map<T>::value) {
    if (o.type != msgpack::type::MAP) return Status::error("expected a map");
    out.clear();
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
      std::string k;
      typename T::mapped_type x{};
      if (Status s = read_scalar(o.via.map.ptr[i].key, k); !s) return Status::error("map key: " + s.message());
      if (Status s = read_value(o.via.map.ptr[i].val, x); !s) return Status::error(k + ": " + s.message());
      out.emplace(std::move(k), std::move(x));
    }
    return Status::ok();
  } else {
    return read_struct(o, out);
  }
}

// Unpacks bytes with limits on nesting and sizes, so a hostile peer cannot
// make us allocate much. Never throws.
Result<msgpack::object_handle> unpack(std::string_view bytes);

}  // namespace detail

template <class M> std::string encode_body(const M& m) {
  msgpack::sbuffer buf;
  detail::Packer pk(buf);
  detail::pack_struct(pk, m);
  return std::string(buf.data(), buf.size());
}

template <class M> Result<M> decode_body(std::string_view bytes) {
  auto oh = detail::unpack(bytes);
  if (!oh) return oh.status();
  M m{};
  if (Status s = detail::read_struct(oh->get(), m); !s) return s;
  return m;
}

// One received message: header decoded, body still bytes (decoded by type).
struct Envelope {
  std::string peer;  // ROUTER routing id; empty on DEALER sockets
  std::string key;   // the connection's public key (Z85) when links are CURVE, else ""
  // The controller's HTTP channel only (never on the wire): the SHA-256
  // (hex) of the request's bearer token, "" without one.
  std::string bearer;
  Header header;
  std::string body;
  MsgType type() const { return static_cast<MsgType>(header.type); }
};

// Why a message was refused, precise enough to log once and to answer with.
struct FrameError {
  std::string code;  // proto::err::kVersion or kMalformed
  std::string message;
  std::string peer;
};

// Parses frames as received. `with_peer` is true on a ROUTER socket.
std::variant<Envelope, FrameError> parse(std::vector<std::string> frames, bool with_peer);

// A routing id fit for a log line: agents' names as they are, the CLI's
// random binary ids in hex.
std::string peer_label(const std::string& peer);

// The frames to send (without routing id).
std::vector<std::string> frames(MsgType type, std::uint64_t msg_id, std::uint64_t in_reply_to,
                                std::string body);

template <class M> std::vector<std::string> message(const M& m, std::uint64_t msg_id,
                                                    std::uint64_t in_reply_to = 0) {
  return frames(M::kType, msg_id, in_reply_to, encode_body(m));
}

template <class M> Result<M> decode(const Envelope& env) {
  auto r = decode_body<M>(env.body);
  if (!r) return Status::error(std::string(proto::type_name(M::kType)) + ": " + r.error());
  return r;
}

}  // namespace ffleet::wire
