// The HTTP API's routes against its description (schema/openapi.yaml, as
// embedded in the binary), both ways; the status of every failure code; the
// framing of events; how the loop tells its sockets' peers apart.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>
#include <set>
#include <sstream>
#include <string>

#include "ffleet/common/zmq_io.hpp"
#include "http/api.hpp"
#include "http/bridge.hpp"
#include "http/assets.hpp"
#include "http/events.hpp"
#include "http/respond.hpp"
#include "loop/channels.hpp"

namespace ffleet::controller::http {
namespace {

// "GET /streams/{ref}" for each method under each path of `paths:`: paths
// at two spaces, methods at four (the file's header says so).
std::set<std::string> documented() {
  std::set<std::string> out;
  std::istringstream in{std::string(openapi_yaml())};
  std::string line, path;
  bool in_paths = false;
  static const std::regex path_re(R"(^  (/[^:]*):\s*$)");
  static const std::regex method_re(R"(^    (get|post|put|delete|patch):)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (!line.empty() && line[0] != ' ' && line[0] != '#') break;  // the next top-level key
    if (std::regex_search(line, m, path_re)) path = m[1];
    else if (std::regex_search(line, m, method_re)) {
      std::string method = m[1];
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.insert(method + " " + path);
    }
  }
  return out;
}

std::set<std::string> served() {
  std::set<std::string> out;
  for (const auto& r : api_routes()) out.insert(std::string(r.method) + " " + r.path);
  for (const auto& r : admin_routes()) out.insert(std::string(r.method) + " " + r.path);
  for (const auto& r : extra_routes()) out.insert(r);
  return out;
}

TEST(HttpRoutes, EveryServedRouteIsDescribedAndTheOtherWayRound) {
  const auto doc = documented();
  const auto srv = served();
  ASSERT_GT(doc.size(), 20u) << "the paths of schema/openapi.yaml were not read";
  for (const auto& r : srv) EXPECT_TRUE(doc.count(r)) << r << " is served but not in schema/openapi.yaml";
  for (const auto& r : doc) EXPECT_TRUE(srv.count(r)) << r << " is in schema/openapi.yaml but not served";
}

TEST(HttpRoutes, EveryFailureCodeHasItsStatus) {
  namespace c = proto::code;
  EXPECT_EQ(status_of(c::kInvalid), 400);
  EXPECT_EQ(status_of(c::kUnauthenticated), 401);
  EXPECT_EQ(status_of(c::kDenied), 403);
  EXPECT_EQ(status_of(c::kNotFound), 404);
  EXPECT_EQ(status_of(c::kConflict), 409);
  EXPECT_EQ(status_of(c::kTooLarge), 413);
  EXPECT_EQ(status_of(c::kBusy), 429);
  EXPECT_EQ(status_of(c::kInternal), 500);
  EXPECT_EQ(status_of(c::kUnavailable), 502);
  EXPECT_EQ(status_of(c::kStore), 503);
  EXPECT_EQ(status_of("timeout"), 504);
  EXPECT_EQ(status_of("something new"), 500);
}

TEST(HttpEvents, AnEventIsOneDataLineWhateverItCarries) {
  EXPECT_EQ(sse_event(7, "stream", R"({"id":1})"), "id: 7\nevent: stream\ndata: {\"id\":1}\n\n");
  // A newline would end the data field and let the rest pose as an event.
  const std::string e = sse_event(8, "figures", "a\n\nevent: resync\ndata: x");
  EXPECT_EQ(e.find("\n\n"), e.size() - 2);
  EXPECT_EQ(sse_event(0, "resync", "{}"), "event: resync\ndata: {}\n\n");
}

TEST(HttpEvents, AClientThatReadsTooSlowlyGetsOneResyncInsteadOfItsBacklog) {
  zmq::context_t ctx;
  zmq::socket_t pub(ctx, zmq::socket_type::xpub);
  pub.set(zmq::sockopt::linger, 0);
  pub.set(zmq::sockopt::sndhwm, 0);
  pub.bind(kEventsEndpoint);
  {
    EventHub hub(ctx, 2);
    auto slow = hub.join();
    auto fast = hub.join();
    ASSERT_TRUE(slow && fast);
    EXPECT_EQ(hub.join(), nullptr) << "a third listener beyond the cap";
    hub.wait_subscribed(std::chrono::seconds(5));
    // The subscription reaches the XPUB before anything is published.
    zmq::pollitem_t item{pub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(5000));
    ASSERT_TRUE(zio::try_recv(pub));
    const std::string data(64 * 1024, 'x');
    std::string got_fast;
    for (int i = 0; i < 100; ++i) {  // 6.4 MB: over one client's 4 MiB
      ASSERT_TRUE(zio::send(pub, {"figures", data}));
      if (i % 10 == 9) {
        // The fast client keeps up.
        for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
             got_fast.size() < static_cast<std::size_t>(i + 1) * data.size() && std::chrono::steady_clock::now() < until;)
          hub.next(*fast, std::chrono::milliseconds(100), got_fast);
      }
    }
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         hub.dropped() == 0 && std::chrono::steady_clock::now() < until;)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(hub.dropped(), 1u);
    std::string out;
    ASSERT_TRUE(hub.next(*slow, std::chrono::milliseconds(100), out));
    EXPECT_EQ(out.rfind("event: resync\n", 0), 0u) << out.substr(0, 80);
    EXPECT_LT(out.size(), 4u << 20);
    EXPECT_NE(got_fast.find("id: 100\n"), std::string::npos) << "the fast client missed events";
    EXPECT_EQ(got_fast.find("resync"), std::string::npos);
    hub.leave(slow);
    hub.leave(fast);
  }
}

TEST(LoopChannels, NoPeerCanPassForAnotherSocket) {
  using channel::Kind;
  EXPECT_EQ(channel::route(channel::tcp("agent-1/abc")).kind, Kind::kTcp);
  EXPECT_EQ(channel::route(channel::tcp("agent-1/abc")).id, "agent-1/abc");
  const std::string sneaky = std::string("\x01H") + "worker";  // a TCP peer naming itself like an HTTP worker
  EXPECT_EQ(channel::route(channel::tcp(sneaky)).kind, Kind::kTcp);
  EXPECT_EQ(channel::route(channel::tcp(sneaky)).id, sneaky);
  EXPECT_NE(channel::tcp(sneaky), channel::http("worker"));
  EXPECT_EQ(channel::route(channel::http(std::string("\0\1\2", 3))).kind, Kind::kHttp);
  EXPECT_EQ(channel::route(channel::http(std::string("\0\1\2", 3))).id, std::string("\0\1\2", 3));
  EXPECT_TRUE(channel::is_http(channel::http("x")));
  EXPECT_FALSE(channel::is_http(channel::tcp(sneaky)));
  EXPECT_EQ(channel::route(channel::kEvents).kind, Kind::kEvents);
  EXPECT_EQ(channel::route(channel::tcp(std::string("\0abcd", 5))).id, std::string("\0abcd", 5));
}

}  // namespace
}  // namespace ffleet::controller::http
