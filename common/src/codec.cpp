#include "ffleet/common/codec.hpp"

#include <algorithm>
#include <limits>

#include "ffleet/common/clock.hpp"

namespace ffleet::wire {
namespace detail {

Status read_scalar(const msgpack::object& o, bool& out) {
  if (o.type != msgpack::type::BOOLEAN) return Status::error("expected a boolean");
  out = o.via.boolean;
  return Status::ok();
}

Status read_scalar(const msgpack::object& o, std::int64_t& out) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    out = o.via.i64;
    return Status::ok();
  }
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return Status::error("integer out of range");
    out = static_cast<std::int64_t>(o.via.u64);
    return Status::ok();
  }
  return Status::error("expected an integer");
}

Status read_scalar(const msgpack::object& o, std::uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return Status::error("expected a non-negative integer");
  out = o.via.u64;
  return Status::ok();
}

Status read_scalar(const msgpack::object& o, std::uint32_t& out) {
  std::uint64_t v = 0;
  if (Status s = read_scalar(o, v); !s) return s;
  if (v > std::numeric_limits<std::uint32_t>::max()) return Status::error("integer out of range");
  out = static_cast<std::uint32_t>(v);
  return Status::ok();
}

Status read_scalar(const msgpack::object& o, double& out) {
  switch (o.type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: out = o.via.f64; return Status::ok();
    case msgpack::type::POSITIVE_INTEGER: out = static_cast<double>(o.via.u64); return Status::ok();
    case msgpack::type::NEGATIVE_INTEGER: out = static_cast<double>(o.via.i64); return Status::ok();
    default: return Status::error("expected a number");
  }
}

Status read_scalar(const msgpack::object& o, std::string& out) {
  if (o.type != msgpack::type::STR) return Status::error("expected a string");
  out.assign(o.via.str.ptr, o.via.str.size);
  return Status::ok();
}

Status read_scalar(const msgpack::object& o, proto::Bytes& out) {
  if (o.type != msgpack::type::BIN) return Status::error("expected binary data");
  out.data.assign(o.via.bin.ptr, o.via.bin.size);
  return Status::ok();
}

Result<msgpack::object_handle> unpack(std::string_view bytes) {
  // Far above anything the protocol sends, far below what hurts.
  const msgpack::unpack_limit limits(/*array=*/100000, /*map=*/10000, /*str=*/proto::kMaxMessageBytes,
                                     /*bin=*/proto::kMaxMessageBytes, /*ext=*/0, /*depth=*/16);
  try {
    std::size_t offset = 0;
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limits);
    if (offset != bytes.size()) return Result<msgpack::object_handle>::failure("trailing bytes after MessagePack value");
    return oh;
  } catch (const std::exception& e) {
    return Result<msgpack::object_handle>::failure(std::string("malformed MessagePack: ") + e.what());
  }
}

}  // namespace detail

std::variant<Envelope, FrameError> parse(std::vector<std::string> parts, bool with_peer) {
  Envelope env;
  std::size_t i = 0;
  if (with_peer) {
    if (parts.empty()) return FrameError{std::string(proto::err::kMalformed), "no frames", ""};
    env.peer = std::move(parts[0]);
    i = 1;
  }
  auto fail = [&](std::string_view code, std::string msg) {
    return FrameError{std::string(code), std::move(msg), env.peer};
  };
  if (parts.size() - i < 1) return fail(proto::err::kMalformed, "no protocol tag");
  const std::string& tag = parts[i];
  if (tag != proto::kTag) {
    if (tag.rfind("FFLEET/", 0) == 0 && tag.size() < 32)
      return fail(proto::err::kVersion,
                  "peer speaks protocol " + tag + ", this side speaks " + std::string(proto::kTag));
    return fail(proto::err::kMalformed, "not an ffleet message (bad protocol tag)");
  }
  if (parts.size() - i != 3)
    return fail(proto::err::kMalformed, "expected 3 frames after the routing id, got " + std::to_string(parts.size() - i));
  if (parts[i + 1].size() + parts[i + 2].size() > proto::kMaxMessageBytes)
    return fail(proto::err::kMalformed, "message of " + std::to_string(parts[i + 1].size() + parts[i + 2].size()) +
                                            " bytes is over the limit of " + std::to_string(proto::kMaxMessageBytes));
  auto header = decode_body<Header>(parts[i + 1]);
  if (!header) return fail(proto::err::kMalformed, "header: " + header.error());
  env.header = *header;
  env.body = std::move(parts[i + 2]);
  return env;
}

std::string peer_label(const std::string& peer) {
  const bool printable = !peer.empty() && std::all_of(peer.begin(), peer.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f;
  });
  // A routing id is at most 255 bytes; a log line shows 32 of them.
  constexpr std::size_t kShown = 32;
  if (printable) return peer.size() <= kShown ? peer : peer.substr(0, kShown) + "...";
  static const char* kHex = "0123456789abcdef";
  std::string out = "0x";
  for (std::size_t i = 0; i < peer.size() && i < kShown / 2; ++i) {
    const auto c = static_cast<unsigned char>(peer[i]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  if (peer.size() > kShown / 2) out += "...";
  return out;
}

std::vector<std::string> frames(MsgType type, std::uint64_t msg_id, std::uint64_t in_reply_to, std::string body) {
  Header h;
  h.type = static_cast<std::uint32_t>(type);
  h.msg_id = msg_id;
  h.sent_at_ms = clock::wall_ms();
  h.in_reply_to = in_reply_to;
  return {std::string(proto::kTag), encode_body(h), std::move(body)};
}

}  // namespace ffleet::wire
