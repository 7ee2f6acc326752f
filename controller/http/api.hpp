// The HTTP API's routes: each turns a request into the message the CLI would
// send, asks the loop through the Bridge and answers what the CLI would
// print with --json. The table is the one list of routes: the server
// registers it and a unit test checks it against schema/openapi.yaml.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http/bridge.hpp"
#include "http/respond.hpp"

namespace ffleet::controller::http {

class EventHub;

// One request as a handler sees it.
struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  std::string bearer;               // SHA-256 (hex) of the bearer token
  std::vector<std::string> params;  // the path's {parameters}, in order
  Bridge& bridge;
  bool verified = false;  // the loop has taken the token once already

  // Asks the loop; on a failure (no answer, or ok=false) answers the error
  // and returns nothing.
  template <class M> std::optional<proto::Reply> ask(const M& m, std::chrono::milliseconds wait = kWait) {
    auto r = bridge.call(m, bearer, wait);
    if (!r) {
      send_error(res, r.error() == kNoAnswer ? "timeout" : proto::code::kInternal, r.error());
      return std::nullopt;
    }
    verified = verified || r->code != proto::code::kUnauthenticated;
    if (!r->ok) {
      send_error(res, r->code.empty() ? proto::code::kInvalid : r->code, r->error);
      return std::nullopt;
    }
    return std::move(*r);
  }
  // A failure found here, before asking the loop: answered as such once the
  // loop has taken the token (else 401).
  void fail(std::string_view code, const std::string& message);
  // The JSON object in the body, or an error answered (415, 400).
  std::optional<nlohmann::json> body();
  // A query parameter as a number (fallback when absent); nullopt and 400 when not one.
  std::optional<std::int64_t> query_int(const char* name, std::int64_t fallback);

  // Long enough for the loop (it answers within a turn) and for an agent
  // asked for logs or a thumbnail (the loop's own deadline is shorter).
  static constexpr std::chrono::milliseconds kWait{10000};
};

struct Route {
  const char* method;  // GET, POST, PUT, DELETE
  const char* path;    // under /api/v1, OpenAPI form: /streams/{ref}
  std::function<void(Call&)> handle;
};

// Every route but /events (the server's own: it streams).
std::vector<Route> api_routes();
std::vector<Route> admin_routes();  // limits, users, tokens, me (api_admin.cpp)
// What server.cpp serves itself under /api/v1: "GET /events", "GET /openapi.yaml".
std::vector<std::string> extra_routes();

// "Message: lines" -> {"message": "..."} for answers that are one line for people.
nlohmann::json message_json(const proto::Reply& r);

}  // namespace ffleet::controller::http
