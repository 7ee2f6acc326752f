#include "http/respond.hpp"

#include <utility>

#include "ffleet/schema/protocol.hpp"

namespace ffleet::controller::http {

int status_of(std::string_view code) {
  namespace c = proto::code;
  static const std::pair<std::string_view, int> kStatus[] = {
      {c::kInvalid, 400},  {c::kUnauthenticated, 401}, {c::kDenied, 403},      {c::kNotFound, 404},
      {"method", 405},     {c::kConflict, 409},        {c::kTooLarge, 413},     {"media_type", 415},
      {c::kBusy, 429},     {c::kInternal, 500},        {c::kUnavailable, 502},  {c::kStore, 503},
      {"timeout", 504},
  };
  for (const auto& [name, status] : kStatus)
    if (name == code) return status;
  return 500;
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // Names and ffmpeg's lines are outside bytes: invalid UTF-8 is replaced,
  // never a reason to fail the answer.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, std::string_view code, const std::string& message) {
  if (code == proto::code::kUnauthenticated) res.set_header("WWW-Authenticate", "Bearer realm=\"ffleet\"");
  if (code == proto::code::kBusy) res.set_header("Retry-After", "1");
  send_json(res, status_of(code), {{"code", code}, {"message", message}});
}

void harden(httplib::Response& res, bool page) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  if (page) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
                   "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.set_header("Cache-Control", "no-cache");
  } else {
    res.set_header("Cache-Control", "no-store");
  }
}

}  // namespace ffleet::controller::http
