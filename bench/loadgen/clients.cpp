#include "clients.hpp"

#include <variant>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/zmq_io.hpp"
#include "fleet.hpp"

namespace ffleet::bench {

Clients::Clients(zmq::context_t& ctx, const std::string& endpoint, int count, int window, std::string user,
                 std::vector<StreamRec>& streams, proto::StreamSpec spec)
    : window_(static_cast<std::size_t>(window)), user_(std::move(user)), streams_(streams), spec_(std::move(spec)) {
  clients_.resize(static_cast<std::size_t>(count));
  for (auto& c : clients_) {
    c.sock = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
    c.sock->set(zmq::sockopt::linger, 0);
    c.sock->set(zmq::sockopt::sndhwm, 100000);
    c.sock->set(zmq::sockopt::rcvhwm, 100000);
    c.sock->connect(endpoint);
  }
}

void Clients::add(std::size_t stream) {
  clients_[next_client_++ % clients_.size()].queue.push_back(Req{Kind::kAdd, stream});
}

void Clients::start(std::size_t stream) {
  clients_[next_client_++ % clients_.size()].queue.push_back(Req{Kind::kStart, stream});
}

bool Clients::send(Client& c, const Req& r) {
  const auto id = next_msg_id_++;
  auto& s = streams_[r.stream];
  Status st;
  if (r.kind == Kind::kAdd) {
    proto::StreamAdd m;
    m.user = user_;
    m.name = s.name;
    m.spec = spec_;
    st = zio::send(*c.sock, wire::message(m, id));
  } else {
    proto::StreamAction m;
    m.user = user_;
    m.ref = std::to_string(s.id);
    m.action = "start";
    s.start_sent_ms = now_ms();
    st = zio::send(*c.sock, wire::message(m, id));
  }
  if (!st) return false;
  c.in_flight.emplace(id, r);
  return true;
}

void Clients::pump() {
  for (auto& c : clients_)
    while (!c.queue.empty() && c.in_flight.size() < window_) {
      if (!send(c, c.queue.front())) break;  // the socket's queue is full: next turn
      c.queue.pop_front();
    }
}

void Clients::on_readable(std::size_t i) {
  auto& c = clients_[i];
  while (auto got = zio::try_recv(*c.sock)) {
    auto parsed = wire::parse(std::move(*got), false);
    auto* env = std::get_if<wire::Envelope>(&parsed);
    if (env == nullptr || env->type() != proto::MsgType::Reply) continue;
    auto it = c.in_flight.find(env->header.in_reply_to);
    if (it == c.in_flight.end()) continue;
    const Req r = it->second;
    c.in_flight.erase(it);
    auto m = wire::decode<proto::Reply>(*env);
    auto& s = streams_[r.stream];
    if (!m || !m->ok) {
      ++errors_;
      if (first_error_.empty())
        first_error_ = std::string(r.kind == Kind::kAdd ? "stream add " : "stream start ") + s.name + ": " +
                       (m ? m->error : m.error());
      continue;
    }
    if (r.kind == Kind::kAdd) {
      s.id = m->id;
      s.added = true;
      ++adds_ok_;
    } else {
      s.started = true;
      ++starts_ok_;
    }
  }
}

bool Clients::idle() const {
  for (const auto& c : clients_)
    if (!c.queue.empty() || !c.in_flight.empty()) return false;
  return true;
}

}  // namespace ffleet::bench
