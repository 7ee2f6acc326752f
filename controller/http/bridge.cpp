#include "http/bridge.hpp"

#include <algorithm>

#include "ffleet/common/zmq_io.hpp"

namespace ffleet::controller::http {
namespace {
// Sockets kept for reuse; more are made when all are busy, and closed
// when more than this are idle.
constexpr std::size_t kIdleKept = 16;
// How often a waiting call looks whether the server is stopping.
constexpr std::chrono::milliseconds kStopCheck{100};
}  // namespace

Bridge::~Bridge() { stop(); }

void Bridge::stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  idle_.clear();
}

zmq::socket_t Bridge::take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return zmq::socket_t{};
    if (!idle_.empty()) {
      zmq::socket_t s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
  }
  zmq::socket_t s(ctx_, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(kRequestsEndpoint);
  return s;
}

void Bridge::give_back(zmq::socket_t s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stopping_ && idle_.size() < kIdleKept) idle_.push_back(std::move(s));
}

Result<proto::Reply> Bridge::exchange(std::vector<std::string> frames, std::uint64_t id, const std::string& bearer,
                                      std::chrono::milliseconds wait) {
  zmq::socket_t s = take();
  if (!s) return Result<proto::Reply>::failure(kNoAnswer);  // stopping
  frames.insert(frames.begin(), bearer);
  if (Status st = zio::send(s, frames); !st) return Result<proto::Reply>::failure("cannot reach the loop: " + st.message());
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!stopping_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::min(left, kStopCheck));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    auto got = zio::try_recv(s);
    if (!got) continue;
    auto parsed = wire::parse(std::move(*got), false);
    auto* env = std::get_if<wire::Envelope>(&parsed);
    // An answer to an earlier call that timed out on this socket: not ours.
    if (env == nullptr || env->header.in_reply_to != id) continue;
    give_back(std::move(s));
    if (env->type() != proto::MsgType::Reply)
      return Result<proto::Reply>::failure("the controller does not know this request (" +
                                           std::string(proto::type_name(env->type())) + ")");
    auto r = wire::decode<proto::Reply>(*env);
    if (!r) return Result<proto::Reply>::failure("cannot read the controller's answer: " + r.error());
    return *r;
  }
  // The socket may still get the late answer: dropped with it, not reused.
  return Result<proto::Reply>::failure(kNoAnswer);
}

}  // namespace ffleet::controller::http
