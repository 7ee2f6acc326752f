// Answers of the HTTP API: JSON bodies, and failures as
// {"code": "...", "message": "one line"} with the status the code maps to
// (schema/openapi.yaml lists both).
#pragma once

#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace ffleet::controller::http {

// proto::code (and the HTTP side's own: "timeout", "method") -> HTTP status.
int status_of(std::string_view code);
void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, std::string_view code, const std::string& message);
// Headers every answer carries: no caching of API answers, no sniffing, no
// framing, no referrer; the page may load only its own files.
void harden(httplib::Response& res, bool page);

}  // namespace ffleet::controller::http
