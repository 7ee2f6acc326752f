// Writes the seed corpus of fuzz_wire: every message type of protocol v1
// framed as a peer sends it (every field set, and only the defaults), the
// golden bodies of tests/fixtures/wire/, and a few refused frame sets.
//
//   cmake --build build/fuzz --target fuzz_wire_seeds
//   build/fuzz/bin/fuzz_wire_seeds tests/fuzz/corpus/wire tests/fixtures/wire
//
// Run again after adding a message; the files are small and named by type.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "ffleet/common/codec.hpp"
#include "fuzz_util.hpp"
#include "wire_messages.hpp"

namespace ffleet::fuzz {
namespace {

// Sets every field to a plausible non-default value, recursively.
struct Filler {
  template <class T> static void fill(const std::string& key, T& x) {
    if constexpr (std::is_same_v<T, bool>) {
      x = true;
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      x = key.size() > 3 && key.ends_with("_ms") ? 1764000000000 : 3;
    } else if constexpr (std::is_integral_v<T>) {
      x = 7;
    } else if constexpr (std::is_floating_point_v<T>) {
      x = 1.5;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (key == "outputs" || key == "output") x = "rtmp://live.example.com/app/sk-12345";
      else if (key == "inputs") x = "/srv/media/intro.mp4";
      else if (key == "encoder" || key == "encoders") x = "libx264";
      else x = key;
    } else if constexpr (std::is_same_v<T, proto::Bytes>) {
      x.data = std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xd9", 13);  // a JPEG's first and last marks
    } else if constexpr (wire::detail::is_vector<T>::value) {
      x.resize(1);
      fill(key, x[0]);
    } else if constexpr (wire::detail::is_map<T>::value) {
      fill(key, x["nvenc"]);
    } else {
      Filler f;
      proto::describe(f, x);
    }
  }
  template <class T> void req(const char* k, T& x) { fill(k, x); }
  template <class T> void opt(const char* k, T& x) { fill(k, x); }
};

std::string frame_input(bool with_peer, const std::string& peer, const std::vector<std::string>& frames) {
  std::vector<std::string> all;
  if (with_peer) all.push_back(peer);
  all.insert(all.end(), frames.begin(), frames.end());
  std::string out(1, static_cast<char>((with_peer ? 1 : 0) | (all.size() << 1)));
  for (std::size_t i = 0; i + 1 < all.size(); ++i) out += prefixed(all[i]);
  if (!all.empty()) out += all.back();
  return out;
}

std::string header(proto::MsgType type, std::uint64_t in_reply_to) {
  proto::Header h;
  h.type = static_cast<std::uint32_t>(type);
  h.msg_id = 42;
  h.sent_at_ms = 1764000000000;
  h.in_reply_to = in_reply_to;
  return wire::encode_body(h);
}

void write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace
}  // namespace ffleet::fuzz

int main(int argc, char** argv) {
  using namespace ffleet;        // NOLINT
  using namespace ffleet::fuzz;  // NOLINT
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR GOLDEN_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out = argv[1], golden = argv[2];
  std::filesystem::create_directories(out);
  const std::string cli_peer("\x00\x6b\x8b\x45\x67", 5);  // a ROUTER-made id, as the CLI has
  for_each_message([&](auto m) {
    using M = decltype(m);
    std::string name(proto::type_name(M::kType));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    M full{};
    Filler f;
    proto::describe(f, full);
    // CLI requests (types 40 and up) come from a binary id, agents by name.
    const std::string peer = static_cast<std::uint32_t>(M::kType) >= 40 ? cli_peer : std::string("enc1");
    write(out, name + "-full-router",
          frame_input(true, peer, {std::string(proto::kTag), header(M::kType, 7), wire::encode_body(full)}));
    write(out, name + "-default-dealer",
          frame_input(false, "", {std::string(proto::kTag), header(M::kType, 0), wire::encode_body(M{})}));
  });
  // The golden bodies as released, framed with their type.
  const std::map<std::string, proto::MsgType> kGolden = {{"register.msgpack", proto::MsgType::Register},
                                                         {"start_run.msgpack", proto::MsgType::StartRun},
                                                         {"run_exited.msgpack", proto::MsgType::RunExited}};
  for (const auto& [file, type] : kGolden)
    write(out, "golden-" + file,
          frame_input(true, cli_peer, {std::string(proto::kTag), header(type, 0), slurp(golden / file)}));
  // Refused: another version, too few frames, a foreign tag, no frames.
  write(out, "refused-version", frame_input(true, "enc1", {"FFLEET/2", header(proto::MsgType::Heartbeat, 0), "\x80"}));
  write(out, "refused-two-frames", frame_input(false, "", {std::string(proto::kTag), header(proto::MsgType::Ack, 0)}));
  write(out, "refused-foreign-tag", frame_input(false, "", {"GET / HTTP/1.1", "", ""}));
  write(out, "refused-no-frames", frame_input(true, "", {}));
  return 0;
}
