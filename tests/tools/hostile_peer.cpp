// A hostile agent for tests: registers (with a key, if given) and floods the
// controller with heartbeats listing many runs, as fast as it can, and now
// and then a frame over the size limit (which makes libzmq drop the
// connection; it reconnects under a new routing id, as an attacker would).
//
//   hostile_peer ENDPOINT NAME SECONDS RUNS [KEY_FILE CONTROLLER_PUB_FILE]
//
// Prints "sent=N reconnects=M registered=0|1" and exits 0.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/curve.hpp"
#include "ffleet/common/zmq_io.hpp"

using namespace ffleet;

namespace {
std::unique_ptr<zmq::socket_t> connect(zmq::context_t& ctx, const std::string& endpoint, const std::string& id,
                                       const std::optional<curve::KeyPair>& own, const std::string& ctl) {
  auto s = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
  s->set(zmq::sockopt::routing_id, id);
  s->set(zmq::sockopt::linger, 0);
  s->set(zmq::sockopt::sndhwm, 100);
  if (own) curve::make_client(*s, *own, ctl);
  s->connect(endpoint);
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 7) {
    std::fprintf(stderr, "usage: hostile_peer ENDPOINT NAME SECONDS RUNS [KEY_FILE CONTROLLER_PUB_FILE]\n");
    return 2;
  }
  const std::string endpoint = argv[1], name = argv[2];
  const double seconds = std::atof(argv[3]);
  const int runs = std::atoi(argv[4]);
  std::optional<curve::KeyPair> own;
  std::string ctl;
  if (argc == 7) {
    auto k = curve::load_secret(argv[5]);
    auto c = curve::load_public(argv[6]);
    if (!k || !c) {
      std::fprintf(stderr, "hostile_peer: bad keys\n");
      return 2;
    }
    own = *k;
    ctl = *c;
  }
  proto::Register reg;
  reg.name = name;
  reg.hostname = "hostile";
  reg.cpus = 64;
  reg.mem_bytes = 1LL << 40;
  reg.ffmpeg_version = "hostile";
  reg.max_streams = 50;
  reg.encoders = {"h264_nvenc", "libx264"};
  proto::Heartbeat hb;
  for (int i = 0; i < runs; ++i) {
    proto::RunReport r;
    r.stream_id = 900000 + i;
    r.attempt = 1;
    r.pid = 1;
    hb.runs.push_back(r);
  }
  const auto hb_frames = wire::message(hb, 1);
  const std::string oversized(3u << 20, 'x');
  zmq::context_t ctx(1);
  std::mt19937_64 rng(std::random_device{}());
  int reconnects = 0;
  long sent = 0;
  bool registered = false;
  auto sock = connect(ctx, endpoint, name + "/h" + std::to_string(rng()), own, ctl);
  (void)zio::send(*sock, wire::message(reg, 1));
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    while (auto got = zio::try_recv(*sock)) {
      auto p = wire::parse(std::move(*got), false);
      if (auto* e = std::get_if<wire::Envelope>(&p); e && e->type() == proto::MsgType::Registered) registered = true;
    }
    if (!zio::send(*sock, hb_frames)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ++sent;
    if (sent % 50 == 0) {
      (void)zio::send(*sock, {std::string(proto::kTag), std::string(oversized), std::string()});
      sock = connect(ctx, endpoint, name + "/h" + std::to_string(rng()), own, ctl);
      (void)zio::send(*sock, wire::message(reg, 1));
      ++reconnects;
    }
  }
  std::printf("sent=%ld reconnects=%d registered=%d\n", sent, reconnects, registered ? 1 : 0);
  return 0;
}
