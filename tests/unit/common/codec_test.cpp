#include "ffleet/common/codec.hpp"
#include "ffleet/common/json_describe.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ffleet::wire {
namespace {

proto::StreamSpec full_spec() {
  proto::StreamSpec s;
  s.inputs = {"a.mp4", "b c.mp4"};
  s.input_format = "lavfi";
  s.loop = true;
  s.shuffle = true;
  s.outputs = {"rtmp://h/live/k", "out.ts"};
  s.mode = "transcode";
  s.encoder = "libx264";
  s.video_bitrate_kbps = 2500;
  s.resolution = "1280x720";
  s.fps = 30;
  s.batch = true;
  s.start_at_ms = 1;
  s.end_at_ms = 2;
  s.duration_ms = 3;
  s.repeat = "daily";
  s.on_host_lost = "wait";
  return s;
}

// Encodes, frames, parses and decodes one message.
template <class M> M round_trip(const M& m) {
  auto f = message(m, 42, 7);
  auto parsed = parse(f, false);
  EXPECT_TRUE(std::holds_alternative<Envelope>(parsed));
  const auto& env = std::get<Envelope>(parsed);
  EXPECT_EQ(env.type(), M::kType);
  EXPECT_EQ(env.header.msg_id, 42u);
  EXPECT_EQ(env.header.in_reply_to, 7u);
  auto back = decode<M>(env);
  EXPECT_TRUE(back.is_ok()) << (back ? "" : back.error());
  return back ? *back : M{};
}

TEST(Codec, RegisterRoundTripsEveryField) {
  proto::Register r;
  r.name = "enc1";
  r.hostname = "host";
  r.cpus = 8;
  r.mem_bytes = 1ll << 34;
  r.ffmpeg_version = "5.1";
  r.max_streams = 6;
  r.encoders = {"libx264", "h264_nvenc"};
  r.draining = true;
  proto::RunReport run;
  run.stream_id = 3;
  run.attempt = 9;
  run.pid = 1234;
  run.cpu_percent = 12.5;
  run.speed = 0.99;
  run.warning = "cpu";
  run.behind = true;
  r.runs = {run};
  auto b = round_trip(r);
  EXPECT_EQ(b.name, "enc1");
  EXPECT_EQ(b.mem_bytes, 1ll << 34);
  EXPECT_EQ(b.encoders, r.encoders);
  EXPECT_TRUE(b.draining);
  ASSERT_EQ(b.runs.size(), 1u);
  EXPECT_EQ(b.runs[0].attempt, 9);
  EXPECT_DOUBLE_EQ(b.runs[0].cpu_percent, 12.5);
  EXPECT_TRUE(b.runs[0].behind);
}

TEST(Codec, StartRunCarriesTheWholeSpec) {
  proto::StartRun m;
  m.stream_id = 5;
  m.attempt = 2;
  m.name = "s";
  m.spec = full_spec();
  auto b = round_trip(m);
  EXPECT_EQ(b.spec.inputs, m.spec.inputs);
  EXPECT_EQ(b.spec.outputs, m.spec.outputs);
  EXPECT_EQ(b.spec.video_bitrate_kbps, 2500);
  EXPECT_EQ(b.spec.repeat, "daily");
  EXPECT_EQ(b.spec.on_host_lost, "wait");
  EXPECT_TRUE(b.spec.shuffle);
}

TEST(Codec, EveryOtherMessageRoundTrips) {
  EXPECT_EQ(round_trip(proto::ErrorMsg{"version", "x"}).message, "x");
  round_trip(proto::Ack{});
  EXPECT_EQ(round_trip(proto::Unsupported{77}).type, 77u);
  EXPECT_EQ(round_trip(proto::Registered{1000, 4000}).lost_after_ms, 4000);
  proto::Heartbeat hb;
  hb.host.cpu_percent = 50;
  hb.draining = true;
  EXPECT_TRUE(round_trip(hb).draining);
  EXPECT_EQ(round_trip(proto::StopRun{1, 2, "user_stop"}).reason, "user_stop");
  EXPECT_EQ(round_trip(proto::RunStarted{1, 2, 3, "libx264", 4, "n", "s"}).pid, 3);
  proto::RunExited ex;
  ex.stream_id = 1;
  ex.attempt = 2;
  ex.exit_code = 255;
  ex.reason = "stopped";
  ex.stderr_tail = {"a", "b"};
  ex.ended_at_ms = 9;
  EXPECT_EQ(round_trip(ex).stderr_tail.size(), 2u);
  EXPECT_EQ(round_trip(proto::LogsRequest{1, 2, 30}).tail, 30);
  EXPECT_EQ(round_trip(proto::LogsReply{1, 2, true, {"x"}}).lines.front(), "x");
  EXPECT_EQ(round_trip(proto::AgentControl{"drain"}).action, "drain");
  EXPECT_EQ(round_trip(proto::StreamAdd{"u", "n", full_spec()}).spec.fps, 30);
  EXPECT_EQ(round_trip(proto::StreamAction{"u", "7", "stop"}).action, "stop");
  EXPECT_EQ(round_trip(proto::StreamList{"u"}).user, "u");
  EXPECT_EQ(round_trip(proto::StreamShow{"u", "x"}).ref, "x");
  EXPECT_EQ(round_trip(proto::StreamLogs{"u", "x", 5}).tail, 5);
  EXPECT_EQ(round_trip(proto::AgentList{"u"}).user, "u");
  EXPECT_EQ(round_trip(proto::AgentAction{"u", "a", "resume"}).action, "resume");
  EXPECT_EQ(round_trip(proto::LimitsShow{"u"}).user, "u");
  EXPECT_EQ(round_trip(proto::LimitsSet{"u", 3, 2, "bob", 9}).target_max, 9);
  EXPECT_EQ(round_trip(proto::StreamSchedule{"u", "x", 1, 2, 0, "daily", false}).repeat, "daily");
  proto::Reply rep;
  proto::StreamView v;
  v.id = 1;
  v.name = "n";
  v.owner = "o";
  v.state = "running";
  v.runs = {proto::RunView{}};
  rep.streams = {v};
  rep.agents = {proto::AgentView{}};
  rep.limits.user_overrides = {{"bob", 4}};
  auto back = round_trip(rep);
  ASSERT_EQ(back.streams.size(), 1u);
  EXPECT_EQ(back.streams[0].runs.size(), 1u);
  EXPECT_EQ(back.limits.user_overrides.at("bob"), 4);
}

TEST(Codec, ForeignVersionIsRefusedNamingBothVersions) {
  auto f = message(proto::Ack{}, 1);
  f[0] = "FFLEET/2";
  auto r = parse(f, false);
  ASSERT_TRUE(std::holds_alternative<FrameError>(r));
  EXPECT_EQ(std::get<FrameError>(r).code, "version");
  EXPECT_EQ(std::get<FrameError>(r).message, "peer speaks protocol FFLEET/2, this side speaks FFLEET/1");
}

TEST(Codec, MalformedFramesAreErrorsNeverExceptions) {
  auto err = [](std::vector<std::string> f, bool peer = false) {
    auto r = parse(std::move(f), peer);
    return std::holds_alternative<FrameError>(r) ? std::get<FrameError>(r).message : std::string("accepted");
  };
  EXPECT_EQ(err({}), "no protocol tag");
  EXPECT_EQ(err({}, true), "no frames");
  EXPECT_EQ(err({"HTTP/1.1", "", ""}), "not an ffleet message (bad protocol tag)");
  EXPECT_EQ(err({"FFLEET/1", "x"}), "expected 3 frames after the routing id, got 2");
  EXPECT_NE(err({"FFLEET/1", "\xc1", ""}).find("header"), std::string::npos);
  EXPECT_NE(err({"FFLEET/1", std::string(600000, 'a'), std::string(600000, 'b')}).find("over the limit"),
            std::string::npos);
  // Header fields of the wrong type.
  auto ok = message(proto::Ack{}, 1);
  EXPECT_NE(err({"FFLEET/1", encode_body(proto::ErrorMsg{"a", "b"}), ok[2]}).find("missing field 'type'"),
            std::string::npos);
}

TEST(Codec, BodyErrorsNameTheField) {
  // A StreamAction body missing `action`.
  proto::StreamShow show{"u", "x"};
  auto bad = decode_body<proto::StreamAction>(encode_body(show));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.error(), "missing field 'action'");
  // A body of another message: its fields are not these.
  EXPECT_EQ(decode_body<proto::Registered>(encode_body(proto::ErrorMsg{"x", "y"})).error(),
            "missing field 'heartbeat_ms'");
  // Garbage bytes and trailing bytes.
  EXPECT_FALSE(decode_body<proto::Ack>("\xc1").is_ok());
  auto two = encode_body(proto::Ack{}) + encode_body(proto::Ack{});
  EXPECT_EQ(decode_body<proto::Ack>(two).error(), "trailing bytes after MessagePack value");
  // Deep nesting is refused by the unpack limits.
  std::string deep(100, '\x91');
  deep += '\xc0';
  EXPECT_FALSE(decode_body<proto::Ack>(deep).is_ok());
}

TEST(Codec, MistypedFieldIsNamed) {
  // {"user": "u", "ref": 5}
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(2);
  pk.pack(std::string("user"));
  pk.pack(std::string("u"));
  pk.pack(std::string("ref"));
  pk.pack(5);
  auto r = decode_body<proto::StreamShow>(std::string(buf.data(), buf.size()));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error(), "field 'ref': expected a string");
}

TEST(Codec, UnknownFieldsAreIgnoredAndOptionalOnesDefault) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(3);
  pk.pack(std::string("user"));
  pk.pack(std::string("u"));
  pk.pack(std::string("ref"));
  pk.pack(std::string("s1"));
  pk.pack(std::string("added_in_v1_7"));
  pk.pack(true);
  auto r = decode_body<proto::StreamLogs>(std::string(buf.data(), buf.size()));
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(r->ref, "s1");
  EXPECT_EQ(r->tail, 50);  // optional, default
}

// Binary fields (proto::Bytes) are MessagePack BIN, byte for byte: every
// byte value, NULs included, and nothing else is taken for them.
TEST(Codec, BytesAreBinAndRoundTrip) {
  proto::ThumbReply r;
  r.stream_id = 3;
  r.attempt = 2;
  r.found = true;
  for (int i = 0; i < 1000; ++i) r.jpeg.data.push_back(static_cast<char>(i * 7));
  r.jpeg.data[5] = '\0';
  const auto back = round_trip(r);
  EXPECT_EQ(back.jpeg, r.jpeg);
  EXPECT_TRUE(back.found);
  // On the wire: a BIN value, not a STR.
  auto oh = detail::unpack(encode_body(r));
  ASSERT_TRUE(oh.is_ok());
  const auto& map = oh->get().via.map;
  bool seen = false;
  for (std::uint32_t i = 0; i < map.size; ++i)
    if (std::string_view(map.ptr[i].key.via.str.ptr, map.ptr[i].key.via.str.size) == "jpeg") {
      EXPECT_EQ(map.ptr[i].val.type, msgpack::type::BIN);
      seen = true;
    }
  EXPECT_TRUE(seen);
  // Empty bytes and the Reply field.
  proto::Reply reply;
  reply.thumbnail.data = std::string("\xff\xd8\x00\xff\xd9", 5);
  EXPECT_EQ(round_trip(reply).thumbnail, reply.thumbnail);
  EXPECT_EQ(round_trip(proto::ThumbReply{}).jpeg.data, "");
}

TEST(Codec, BytesAreStrict) {
  // A string where bytes belong is refused, and bytes where a string belongs.
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(4);
  pk.pack(std::string("stream_id"));
  pk.pack(1);
  pk.pack(std::string("attempt"));
  pk.pack(1);
  pk.pack(std::string("found"));
  pk.pack(true);
  pk.pack(std::string("jpeg"));
  pk.pack(std::string("\xff\xd8"));
  auto r = decode_body<proto::ThumbReply>(std::string(buf.data(), buf.size()));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error(), "field 'jpeg': expected binary data");
  msgpack::sbuffer b2;
  msgpack::packer<msgpack::sbuffer> p2(b2);
  p2.pack_map(2);
  p2.pack(std::string("user"));
  p2.pack_bin(1);
  p2.pack_bin_body("u", 1);
  p2.pack(std::string("ref"));
  p2.pack(std::string("s"));
  auto s = decode_body<proto::StreamThumb>(std::string(b2.data(), b2.size()));
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.error(), "field 'user': expected a string");
  // A BIN longer than its bytes is malformed, not read past the end.
  std::string cut = encode_body(proto::ThumbReply{1, 1, true, proto::Bytes{std::string(300, 'x')}, ""});
  cut.resize(cut.size() - 10);
  EXPECT_FALSE(decode_body<proto::ThumbReply>(cut).is_ok());
}

TEST(Codec, BytesInJsonAreBase64) {
  proto::ThumbReply r;
  r.jpeg.data = std::string("\xff\xd8\x00\x01\xff", 5);
  const auto j = jsonv::to_json(r);
  EXPECT_EQ(j["jpeg"], "/9gAAf8=");
  auto back = jsonv::from_json<proto::ThumbReply>(j);
  ASSERT_TRUE(back.is_ok()) << back.error();
  EXPECT_EQ(back->jpeg, r.jpeg);
  for (const char* bad : {"/9gAAf8", "/9g*Af8=", "/9gAAf9=", "=AAA"}) {
    auto k = j;
    k["jpeg"] = bad;
    EXPECT_FALSE(jsonv::from_json<proto::ThumbReply>(k).is_ok()) << bad;
  }
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
    EXPECT_EQ(base64::decode(base64::encode(s)), s);
  EXPECT_EQ(base64::encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64::encode("fo"), "Zm8=");
}

TEST(Codec, PeerLabelHexesBinaryIds) {
  EXPECT_EQ(peer_label("enc1"), "enc1");
  EXPECT_EQ(peer_label(std::string("\x00\x6b", 2)), "0x006b");
}

// Golden bodies: v1 must keep reading and writing these bytes.
std::string fixture_path(const std::string& name) { return std::string(FFLEET_FIXTURES_DIR) + "/wire/" + name; }

template <class M> void check_golden(const std::string& name, const M& m) {
  const std::string bytes = encode_body(m);
  if (std::getenv("FFLEET_REGEN_FIXTURES")) {
    std::ofstream(fixture_path(name), std::ios::binary) << bytes;
  }
  std::ifstream in(fixture_path(name), std::ios::binary);
  ASSERT_TRUE(in) << "missing fixture " << name << " (run once with FFLEET_REGEN_FIXTURES=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  // Read as released, then written again, it must equal today's encoding of
  // the same values: fields added since (optional, defaulted) do not matter.
  auto old = decode_body<M>(ss.str());
  ASSERT_TRUE(old.is_ok()) << name << ": " << old.error();
  EXPECT_EQ(encode_body(*old), bytes) << name << " no longer reads as released";
}

TEST(Codec, GoldenBodiesOfV1) {
  proto::Register r;
  r.name = "enc1";
  r.hostname = "enc1.example";
  r.cpus = 2;
  r.mem_bytes = 1000;
  r.ffmpeg_version = "5.1.9";
  r.max_streams = 4;
  r.encoders = {"libx264"};
  check_golden("register.msgpack", r);
  proto::StartRun s;
  s.stream_id = 1;
  s.attempt = 1;
  s.name = "s1";
  s.spec.inputs = {"testsrc2"};
  s.spec.input_format = "lavfi";
  s.spec.outputs = {"out.ts"};
  check_golden("start_run.msgpack", s);
  proto::RunExited e;
  e.stream_id = 1;
  e.attempt = 1;
  e.exit_code = 255;
  e.reason = "stopped";
  e.ended_at_ms = 1764000000000;
  check_golden("run_exited.msgpack", e);
}

}  // namespace
}  // namespace ffleet::wire
