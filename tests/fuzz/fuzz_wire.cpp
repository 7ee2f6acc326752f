// Fuzzes the message codec (common/codec.hpp) with frames as a peer could
// send them: wire::parse() with and without a routing id, then the last frame
// decoded as every message type of protocol v1.
//
// Input: byte 0 = flags (bit 0: ROUTER side, with a routing id first;
// bits 1-3: number of frames, 0-7), then every frame but the last as a
// 2-byte little-endian length and its bytes; the last frame is the rest.
//
// Properties:
//  - parse() never throws; it accepts only [peer] "FFLEET/1" header body,
//    and refuses anything else with code "version" or "malformed" and the
//    peer's id;
//  - an accepted envelope, framed again, parses to the same header and body;
//  - whatever decodes as some message M has every required field, also in
//    nested structs and lists; encoded again, it decodes again and encodes
//    to the same bytes (a fixed point: nothing is lost or invented);
//  - decode<M>(envelope) agrees with decoding the body on its own;
//  - peer_label() is printable ASCII: a peer's id cannot forge a log line.
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "ffleet/common/codec.hpp"
#include "fuzz_util.hpp"
#include "wire_messages.hpp"

namespace ffleet::fuzz {
namespace {

using wire::Envelope;
using wire::FrameError;

template <class M> std::string name_of() {
  if constexpr (requires { M::kType; }) return std::string(proto::type_name(M::kType));
  else return "header";
}

template <class M> void check_round_trip(const M& first, std::string_view from) {
  const std::string e1 = wire::encode_body(first);
  auto again = wire::decode_body<M>(e1);
  FUZZ_CHECK(again.is_ok(), name_of<M>() + " decoded from " + show(from) +
                                " does not decode once encoded: " + (again ? "" : again.error()) + "; encoded " +
                                show(e1));
  const std::string e2 = wire::encode_body(*again);
  FUZZ_CHECK(e1 == e2, name_of<M>() + " changes in a round trip: " + show(e1) + " then " +
                           show(e2));
}

void check_peer_label(const std::string& peer) {
  const std::string label = wire::peer_label(peer);
  FUZZ_CHECK(!label.empty(), "empty label for " + show(peer));
  for (unsigned char c : label) FUZZ_CHECK(c > 0x20 && c < 0x7f, "unprintable label " + show(label));
}

void check_envelope(const Envelope& env, const std::vector<std::string>& frames, bool with_peer) {
  const std::size_t first = with_peer ? 1 : 0;
  FUZZ_CHECK(frames.size() == first + 3, "accepted " + std::to_string(frames.size()) + " frames");
  FUZZ_CHECK(frames[first] == proto::kTag, "accepted tag " + show(frames[first]));
  FUZZ_CHECK(env.peer == (with_peer ? frames[0] : std::string()), "peer " + show(env.peer));
  FUZZ_CHECK(env.body == frames[first + 2], "body changed: " + show(env.body));
  FUZZ_CHECK(frames[first + 1].size() + frames[first + 2].size() <= proto::kMaxMessageBytes, "oversized accepted");

  // Framed again, it parses to the same envelope.
  std::vector<std::string> again;
  if (with_peer) again.push_back(env.peer);
  again.emplace_back(proto::kTag);
  again.push_back(wire::encode_body(env.header));
  again.push_back(env.body);
  auto reparsed = wire::parse(again, with_peer);
  FUZZ_CHECK(std::holds_alternative<Envelope>(reparsed), "re-framed envelope refused: " +
                                                             (std::holds_alternative<FrameError>(reparsed)
                                                                  ? std::get<FrameError>(reparsed).message
                                                                  : std::string()));
  const auto& env2 = std::get<Envelope>(reparsed);
  FUZZ_CHECK(env2.header.type == env.header.type && env2.header.msg_id == env.header.msg_id &&
                 env2.header.sent_at_ms == env.header.sent_at_ms && env2.header.in_reply_to == env.header.in_reply_to,
             "header changes in a round trip: " + show(frames[first + 1]));
  FUZZ_CHECK(env2.body == env.body && env2.peer == env.peer, "body or peer changes in a round trip");

  // The receiver's path: decode<M> by the header's type agrees with the body alone.
  with_message(env.header.type, [&](auto m) {
    using M = decltype(m);
    auto via_env = wire::decode<M>(env);
    auto alone = wire::decode_body<M>(env.body);
    FUZZ_CHECK(via_env.is_ok() == alone.is_ok(), std::string(proto::type_name(M::kType)) + ": decode<M> and "
                                                     "decode_body<M> disagree on " + show(env.body));
    if (via_env) {
      FUZZ_CHECK(wire::encode_body(*via_env) == wire::encode_body(*alone), "decode<M> and decode_body<M> differ");
    } else {
      FUZZ_CHECK(!via_env.error().empty(), "an error without a message");
    }
  });
}

void check_error(const FrameError& err, const std::vector<std::string>& frames, bool with_peer) {
  FUZZ_CHECK(err.code == proto::err::kVersion || err.code == proto::err::kMalformed, "error code " + show(err.code));
  FUZZ_CHECK(!err.message.empty(), "an error without a message");
  if (with_peer && !frames.empty()) FUZZ_CHECK(err.peer == frames[0], "error names peer " + show(err.peer));
  if (!with_peer) FUZZ_CHECK(err.peer.empty(), "a peer on a DEALER socket: " + show(err.peer));
  if (err.code == proto::err::kVersion) {
    const std::string& tag = frames[with_peer ? 1 : 0];
    FUZZ_CHECK(tag != proto::kTag && tag.rfind("FFLEET/", 0) == 0, "version error for tag " + show(tag));
  }
}

// Finds the first required field (by path) missing from a decoded object,
// through nested structs, lists and maps: the codec must refuse those.
struct RequiredPresent {
  const msgpack::object* obj;
  std::string path;
  std::string missing;

  static const msgpack::object* find(const msgpack::object& map, std::string_view key) {
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
      const auto& kv = map.via.map.ptr[i];
      if (kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key)
        return &kv.val;
    }
    return nullptr;
  }

  template <class U> void descend(const std::string& at, const msgpack::object& v, U& x) {
    if constexpr (std::is_arithmetic_v<U> || std::is_same_v<U, std::string> || std::is_same_v<U, proto::Bytes>) {
      (void)at, (void)v, (void)x;
    } else if constexpr (wire::detail::is_vector<U>::value) {
      if (v.type != msgpack::type::ARRAY) return;
      for (std::uint32_t i = 0; i < v.via.array.size && missing.empty(); ++i) {
        typename U::value_type e{};
        descend(at + "[" + std::to_string(i) + "]", v.via.array.ptr[i], e);
      }
    } else if constexpr (wire::detail::is_map<U>::value) {
      if (v.type != msgpack::type::MAP) return;
      for (std::uint32_t i = 0; i < v.via.map.size && missing.empty(); ++i) {
        typename U::mapped_type e{};
        descend(at + "{}", v.via.map.ptr[i].val, e);
      }
    } else {
      if (v.type != msgpack::type::MAP) return;
      RequiredPresent inner{&v, at + ".", ""};
      proto::describe(inner, x);
      if (missing.empty()) missing = inner.missing;
    }
  }

  template <class U> void field(const char* k, U& x, bool required) {
    if (!missing.empty()) return;
    const msgpack::object* v = find(*obj, k);
    if (v == nullptr) {
      if (required) missing = path + k;
      return;
    }
    descend(path + k, *v, x);
  }
  template <class U> void req(const char* k, U& x) { field(k, x, true); }
  template <class U> void opt(const char* k, U& x) { field(k, x, false); }
};

template <class M> void check_required(const msgpack::object& o, std::string_view from) {
  RequiredPresent r{&o, "", ""};
  M dummy{};
  proto::describe(r, dummy);
  FUZZ_CHECK(r.missing.empty(), name_of<M>() + " decoded without its required field " + r.missing + " from " +
                                    show(from));
}

// Every message type reads the body; whatever reads is a fixed point.
void decode_as_every_type(const std::string& body) {
  auto oh = wire::detail::unpack(body);
  if (!oh) return;
  for_each_message([&](auto m) {
    using M = decltype(m);
    M decoded{};
    if (wire::detail::read_struct(oh->get(), decoded)) {
      check_required<M>(oh->get(), body);
      check_round_trip(decoded, body);
    }
  });
  proto::Header h{};
  if (wire::detail::read_struct(oh->get(), h)) {
    check_required<proto::Header>(oh->get(), body);
    check_round_trip(h, body);
  }
}

}  // namespace
}  // namespace ffleet::fuzz

using namespace ffleet;        // NOLINT: the two entry points below only
using namespace ffleet::fuzz;  // NOLINT

// A message type added to schema/ but not to wire_messages.hpp is a gap in
// what this fuzzer covers: refuse to run until it is listed.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (std::uint32_t t = 0; t < 256; ++t) {
    if (proto::type_name(static_cast<proto::MsgType>(t)) == "UNKNOWN") continue;
    if (!with_message(t, [](auto) {})) {
      std::fprintf(stderr, "fuzz_wire: message type %u (%s) is missing from tests/fuzz/wire_messages.hpp\n", t,
                   std::string(proto::type_name(static_cast<proto::MsgType>(t))).c_str());
      std::abort();
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in = as_view(data, size);
  if (in.empty()) return 0;
  const auto flags = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  const bool with_peer = (flags & 1) != 0;
  const std::size_t n = (flags >> 1) & 7;
  std::vector<std::string> frames;
  for (std::size_t i = 0; i + 1 < n; ++i) frames.push_back(take_prefixed(in));
  if (n > 0) frames.emplace_back(in);

  auto parsed = wire::parse(frames, with_peer);
  if (const auto* env = std::get_if<Envelope>(&parsed)) {
    check_envelope(*env, frames, with_peer);
  } else {
    check_error(std::get<FrameError>(parsed), frames, with_peer);
  }
  if (!frames.empty()) {
    check_peer_label(frames[0]);
    decode_as_every_type(frames.back());
  }
  return 0;
}
