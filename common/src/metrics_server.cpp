// The only file that includes cpp-httplib (compile time, and one place that
// knows the library).
#include "ffleet/common/metrics_server.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <httplib.h>

namespace ffleet::metrics {
namespace {
// A scrape is a few kilobytes; a client that reads or writes slower than this
// holds the one worker for no longer.
constexpr int kIoTimeoutS = 5;
constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

bool parse_port(const std::string& s, int& port) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(s);
  return port <= 65535;
}
}  // namespace

Result<Address> parse_address(const std::string& text) {
  const std::string bad = "--metrics " + text + ": expected ADDR:PORT (e.g. 127.0.0.1:9101)";
  Address a;
  std::string port;
  if (text.find(':') == std::string::npos) {
    a.host = "127.0.0.1";
    port = text;
  } else if (!text.empty() && text[0] == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) return Result<Address>::failure(bad);
    a.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (text.find(':') != colon) return Result<Address>::failure(bad + "; write an IPv6 address as [ADDR]:PORT");
    a.host = colon == 0 ? "127.0.0.1" : text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (a.host.empty() || !parse_port(port, a.port)) return Result<Address>::failure(bad);
  return a;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

struct Server::Impl {
  httplib::Server http;
  std::thread thread;
  mutable std::mutex mu;
  std::string text;  // guarded by mu
  std::atomic<std::size_t> scrapes{0};
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<Server>> Server::start(const std::string& addr) {
  auto a = parse_address(addr);
  if (!a) return a.status();
  auto impl = std::make_unique<Impl>();
  Impl* p = impl.get();
  auto& http = impl->http;
  // One worker: scrapes come every few seconds from one or two Prometheus.
  http.new_task_queue = [] { return new httplib::ThreadPool(1); };
  http.set_read_timeout(kIoTimeoutS, 0);
  http.set_write_timeout(kIoTimeoutS, 0);
  http.set_keep_alive_max_count(10);
  http.set_payload_max_length(4096);
  // SO_REUSEADDR only: the library's default adds SO_REUSEPORT, which would
  // let a second daemon bind the same port and share the scrapes silently.
  http.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.Get("/metrics", [p](const httplib::Request&, httplib::Response& res) {
    std::string body;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      body = p->text;
    }
    ++p->scrapes;
    res.set_content(std::move(body), kContentType);
  });
  // Everything else, whatever the method.
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("not found: metrics are at GET /metrics\n", "text/plain");
  });
  int port = a->port;
  bool bound = false;
  if (port == 0) {
    port = http.bind_to_any_port(a->host);
    bound = port > 0;
  } else {
    bound = http.bind_to_port(a->host, port);
  }
  if (!bound)
    return Result<std::unique_ptr<Server>>::failure("--metrics " + addr +
                                                    ": cannot listen there (in use, or not an address of this host)");
  impl->thread = std::thread([p] { p->http.listen_after_bind(); });
  // stop() does nothing until the thread is in its accept loop: wait for it,
  // so a start-up that fails right after this still stops and joins it.
  for (int i = 0; i < 5000 && !p->http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::unique_ptr<Server> s(new Server(std::move(impl)));
  const bool v6 = a->host.find(':') != std::string::npos;
  s->endpoint_ = (v6 ? "[" + a->host + "]" : a->host) + ":" + std::to_string(port);
  return s;
}

void Server::publish(std::string text) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->text = std::move(text);
}

std::size_t Server::scrapes() const { return impl_->scrapes.load(); }

}  // namespace ffleet::metrics
