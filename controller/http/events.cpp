#include "http/events.hpp"

#include <sys/random.h>

#include "ffleet/common/log.hpp"
#include "ffleet/common/zmq_io.hpp"
#include "http/bridge.hpp"

namespace ffleet::controller::http {
namespace {
auto events_log() {
  static auto l = log::get("controller.http");
  return l;
}

// What one client may have waiting; beyond it, its queue is dropped and it
// is told to resync. A minute of a busy fleet's events fits easily.
constexpr std::size_t kMaxClientBytes = 4u << 20;
constexpr auto kPoll = std::chrono::milliseconds(100);

std::string random_boot() {
  unsigned char b[6] = {};
  if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) return "0";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}
}  // namespace

std::string sse_event(std::uint64_t seq, const std::string& name, const std::string& data) {
  std::string out;
  out.reserve(data.size() + name.size() + 32);
  if (seq > 0) out += "id: " + std::to_string(seq) + "\n";
  out += "event: " + name + "\ndata: ";
  // One line: JSON text never holds a raw newline; guard anyway, as a newline
  // would end the field and let data pose as another event.
  for (char ch : data) out.push_back(ch == '\n' || ch == '\r' ? ' ' : ch);
  out += "\n\n";
  return out;
}

EventHub::EventHub(zmq::context_t& ctx, std::size_t max_clients)
    : ctx_(ctx), max_clients_(max_clients), boot_(random_boot()) {
  thread_ = std::thread([this] { run(); });
}

EventHub::~EventHub() { stop(); }

void EventHub::stop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : clients_) c->cv.notify_all();
  }
  subscribed_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<EventHub::Client> EventHub::join() {
  std::lock_guard<std::mutex> lock(mu_);
  if (clients_.size() >= max_clients_ || stopping_) return nullptr;
  clients_.push_back(std::make_shared<Client>());
  return clients_.back();
}

void EventHub::leave(const std::shared_ptr<Client>& c) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase(clients_, c);
}

std::size_t EventHub::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

void EventHub::wait_subscribed(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  subscribed_cv_.wait_for(lock, wait, [this] { return subscribed_ || stopping_; });
}

bool EventHub::next(Client& c, std::chrono::milliseconds wait, std::string& out) {
  std::unique_lock<std::mutex> lock(c.mu);
  c.cv.wait_for(lock, wait, [&] { return !c.queue.empty() || c.resync || stopping_; });
  if (stopping_) return false;
  if (c.resync) {
    out += sse_event(0, "resync", "{}");
    c.resync = false;
  }
  for (auto& e : c.queue) out += e;
  c.queue.clear();
  c.bytes = 0;
  return true;
}

void EventHub::deliver(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& c : clients_) {
    std::lock_guard<std::mutex> cl(c->mu);
    if (c->bytes + text.size() > kMaxClientBytes) {
      // This client reads too slowly: what it missed is replaced by one resync.
      if (!c->resync) ++dropped_;
      c->queue.clear();
      c->bytes = 0;
      c->resync = true;
    } else {
      c->queue.push_back(text);
      c->bytes += text.size();
    }
    c->cv.notify_one();
  }
}

void EventHub::run() {
  zmq::socket_t sub(ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::rcvhwm, 100000);
  sub.connect(kEventsEndpoint);
  bool subscribed = false;
  while (!stopping_) {
    // Subscribed only while someone listens: the loop then builds no events.
    const bool want = clients() > 0;
    if (want != subscribed) {
      if (want) sub.set(zmq::sockopt::subscribe, "");
      else sub.set(zmq::sockopt::unsubscribe, "");
      subscribed = want;
      {
        std::lock_guard<std::mutex> lock(mu_);
        subscribed_ = want;
      }
      subscribed_cv_.notify_all();
    }
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, kPoll);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      continue;
    }
    for (int i = 0; i < 10000; ++i) {
      auto frames = zio::try_recv(sub);
      if (!frames) break;
      if (frames->size() != 2) {
        events_log()->error("event_dropped error=\"expected 2 frames, got {}\"", frames->size());
        continue;
      }
      deliver(sse_event(++seq_, (*frames)[0], (*frames)[1]));
    }
  }
}

}  // namespace ffleet::controller::http
