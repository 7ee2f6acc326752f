#include "http/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "ffleet/common/log.hpp"
#include "ffleet/common/metrics_server.hpp"
#include "ffleet/common/text.hpp"
#include "http/api.hpp"
#include "http/assets.hpp"
#include "ffleet/common/token.hpp"
#include "http/events.hpp"

namespace ffleet::controller::http {
namespace {
auto http_log() {
  static auto l = log::get("controller.http");
  return l;
}

constexpr const char* kApi = "/api/v1";
// A client that reads or writes slower than this loses its connection: a
// stalled browser holds a worker for no longer.
constexpr int kIoTimeoutS = 5;
constexpr int kKeepAliveS = 5;
// Workers beyond the event streams, for API calls and the page's files.
constexpr std::size_t kSpareWorkers = 16;
constexpr std::size_t kMaxBody = 1u << 20;
// Comment lines that keep an idle event stream open through proxies and
// find a browser that went away.
constexpr auto kKeepAliveEvery = std::chrono::seconds(10);
constexpr auto kEventWait = std::chrono::milliseconds(1000);
constexpr auto kRecheckEvery = std::chrono::seconds(5);
// At a stop, how long the workers get to finish; a client trickling bytes
// could hold one far longer (a read timeout is per read), and a controller
// told to stop must stop.
constexpr auto kStopWait = std::chrono::seconds(3);

// The SHA-256 of "Authorization: Bearer TOKEN", or "" without a well-formed one.
std::string bearer_digest(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (h.size() <= kScheme.size() || h.size() > 512 || h.compare(0, kScheme.size(), kScheme) != 0) return {};
  const std::string t = h.substr(kScheme.size());
  if (t.find_first_of(" \t\r\n") != std::string::npos) return {};
  return token::sha256_hex(t);
}

// "/streams/{ref}/logs" -> "/api/v1/streams/([^/]+)/logs"
std::string pattern_of(const std::string& path) {
  static const std::regex param(R"(\{[a-z_]+\})");
  return kApi + std::regex_replace(path, param, "([^/]+)");
}

void no_token(httplib::Response& res) {
  send_error(res, proto::code::kUnauthenticated,
             "send the header Authorization: Bearer TOKEN (`ffleet token create` makes one)");
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

std::vector<std::string> extra_routes() { return {"GET /events", "GET /openapi.yaml"}; }

struct Server::Impl {
  Impl(zmq::context_t& ctx, std::size_t event_clients) : bridge(ctx), hub(ctx, event_clients) {}
  void add_routes();
  void add_events();
  void add_files();

  Bridge bridge;
  EventHub hub;
  std::unique_ptr<httplib::Server> http;
  std::promise<void> stopped_promise;
  std::future<void> stopped;
  std::thread thread;
};

void Server::Impl::add_routes() {
  auto routes = api_routes();
  for (auto& r : admin_routes()) routes.push_back(std::move(r));
  for (auto& r : routes) {
    auto handler = [this, fn = r.handle](const httplib::Request& req, httplib::Response& res) {
      harden(res, false);
      std::string bearer = bearer_digest(req);
      if (bearer.empty()) return no_token(res);
      Call c{req, res, std::move(bearer), {}, bridge};
      for (std::size_t i = 1; i < req.matches.size(); ++i) c.params.push_back(req.matches[i].str());
      fn(c);
    };
    const std::string method = r.method, pattern = pattern_of(r.path);
    if (method == "GET") http->Get(pattern, handler);
    else if (method == "POST") http->Post(pattern, handler);
    else if (method == "PUT") http->Put(pattern, handler);
    else if (method == "DELETE") http->Delete(pattern, handler);
  }
}

// GET /api/v1/events: who is asking is checked once (WHOAMI), then the
// stream holds this worker until the browser goes or the server stops.
void Server::Impl::add_events() {
  http->Get(std::string(kApi) + "/events", [this](const httplib::Request& req, httplib::Response& res) {
    harden(res, false);
    const std::string bearer = bearer_digest(req);
    if (bearer.empty()) return no_token(res);
    auto who = bridge.call(proto::Whoami{}, bearer, Call::kWait);
    if (!who) return send_error(res, who.error() == kNoAnswer ? "timeout" : proto::code::kInternal, who.error());
    if (!who->ok) return send_error(res, who->code.empty() ? proto::code::kInvalid : who->code, who->error);
    auto client = hub.join();
    if (!client)
      return send_error(res, proto::code::kBusy,
                        "too many event streams are open (http_event_clients); close a dashboard or raise the limit");
    const std::string hello =
        nlohmann::json({{"user", who->user}, {"role", who->role}, {"boot", hub.boot()}}).dump(-1, ' ', false,
                                                                                              nlohmann::json::error_handler_t::replace);
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, client, hello, bearer, first = true, last = std::chrono::steady_clock::now(),
         checked = std::chrono::steady_clock::now()](std::size_t, httplib::DataSink& sink) mutable {
          // The token is asked about again now and then: a revoked or expired
          // one (or its user removed) ends the stream within kRecheckEvery.
          if (std::chrono::steady_clock::now() - checked >= kRecheckEvery) {
            checked = std::chrono::steady_clock::now();
            auto again = bridge.call(proto::Whoami{}, bearer, Call::kWait);
            if (again && !again->ok && again->code == proto::code::kUnauthenticated) return false;
          }
          std::string out;
          if (first) {
            // Subscribed before hello: what the page fetches after it
            // cannot miss a change.
            hub.wait_subscribed(kEventWait);
            out = "retry: 2000\n\n" + sse_event(0, "hello", hello);
            first = false;
          } else if (!hub.next(*client, kEventWait, out)) {
            return false;  // stopping
          }
          const auto now = std::chrono::steady_clock::now();
          if (out.empty()) {
            if (now - last < kKeepAliveEvery) return true;
            out = ": keep-alive\n\n";
          }
          last = now;
          return sink.write(out.data(), out.size());
        },
        [this, client](bool) { hub.leave(client); });
  });
}

void Server::Impl::add_files() {
  auto serve = [](const std::string& name, httplib::Response& res) {
    const Asset* a = find_asset(name);
    if (a == nullptr) {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
      return;
    }
    harden(res, true);
    res.set_content(std::string(a->data, a->size), a->content_type);
  };
  http->Get("/", [serve](const httplib::Request&, httplib::Response& res) { serve("index.html", res); });
  http->Get(R"(/assets/([A-Za-z0-9_.-]+))",
            [serve](const httplib::Request& req, httplib::Response& res) { serve(req.matches[1].str(), res); });
  http->Get(std::string(kApi) + "/openapi.yaml", [](const httplib::Request&, httplib::Response& res) {
    harden(res, false);
    res.set_content(std::string(openapi_yaml()), "application/yaml");
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  impl_->hub.stop();     // event streams end at their next wait
  impl_->bridge.stop();  // calls waiting for the (stopped) loop give up; its sockets close
  impl_->http->stop();
  if (impl_->stopped.wait_for(kStopWait) == std::future_status::ready) {
    impl_->thread.join();
    return;
  }
  // A worker is still held by a client: its threads are left to the
  // process's exit (which follows), with nothing of the loop's they could touch.
  http_log()->warn("http_stop_slow action=exit_without_waiting wait_s={}", kStopWait.count());
  impl_->thread.detach();
  (void)impl_.release();
}

Result<std::shared_ptr<Server>> Server::start(zmq::context_t& ctx, const Config& cfg) {
  using R = Result<std::shared_ptr<Server>>;
  auto a = metrics::parse_address(cfg.listen);
  if (!a) return R::failure("--http: " + a.error());
  const bool tls = !cfg.tls_cert.empty();
  auto impl = std::make_unique<Impl>(ctx, cfg.event_clients);
  if (tls) {
    for (const auto* f : {&cfg.tls_cert, &cfg.tls_key})
      if (!readable(*f)) return R::failure("cannot read " + *f + " (--tls-cert/--tls-key)");
    auto s = std::make_unique<httplib::SSLServer>(cfg.tls_cert.c_str(), cfg.tls_key.c_str());
    if (!s->is_valid())
      return R::failure("cannot use " + cfg.tls_cert + " and " + cfg.tls_key +
                        " for HTTPS: not a PEM certificate and its private key");
    impl->http = std::move(s);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  auto& http = *impl->http;
  const std::size_t workers = cfg.event_clients + kSpareWorkers;
  http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  http.set_read_timeout(kIoTimeoutS, 0);
  http.set_write_timeout(kIoTimeoutS, 0);
  http.set_keep_alive_timeout(kKeepAliveS);
  http.set_payload_max_length(kMaxBody);
  // SO_REUSEADDR only: SO_REUSEPORT (the library's default) would let a
  // second process bind the same port and take some of the requests.
  http.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  impl->add_routes();
  impl->add_events();
  impl->add_files();
  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    http_log()->error("http_handler_failed method=\"{}\" path=\"{}\"", text::for_people(req.method.substr(0, 16)),
                      text::for_people(req.path.substr(0, 200)));
    send_error(res, proto::code::kInternal, "internal error; see the controller's log");
  });
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) return send_error(res, proto::code::kTooLarge, "the request body is over 1 MiB");
    if (req.path.rfind(kApi, 0) == 0 && res.status == 404)
      return send_error(res, proto::code::kNotFound, "no such route (GET /api/v1/openapi.yaml lists them)");
  });
  int port = a->port;
  const bool bound = port == 0 ? (port = http.bind_to_any_port(a->host)) > 0 : http.bind_to_port(a->host, port);
  if (!bound) return R::failure("--http " + cfg.listen + ": cannot listen there (in use, or not an address of this host)");
  Impl* p = impl.get();
  impl->stopped = impl->stopped_promise.get_future();
  impl->thread = std::thread([p] {
    p->http->listen_after_bind();  // returns once every worker has ended
    p->stopped_promise.set_value();
  });
  // stop() does nothing until the thread is in its accept loop.
  for (int i = 0; i < 5000 && !p->http->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::shared_ptr<Server> s(new Server(std::move(impl)));
  const bool v6 = a->host.find(':') != std::string::npos;
  s->url_ = std::string(tls ? "https://" : "http://") + (v6 ? "[" + a->host + "]" : a->host) + ":" + std::to_string(port);
  return s;
}

}  // namespace ffleet::controller::http
