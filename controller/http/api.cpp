// Streams and agents over HTTP: what `ffleet stream ...` and `ffleet agent
// ...` do, answered as their --json prints it.
#include "http/api.hpp"

#include "ffleet/common/clock.hpp"
#include "ffleet/common/json_describe.hpp"
#include "ffleet/common/timeparse.hpp"
#include "ffleet/common/views_json.hpp"

namespace ffleet::controller::http {
namespace {

// The streams' list is paged by the loop; the API answers all of it, as
// `stream ls` prints all of it.
void list_streams(Call& c) {
  auto all = nlohmann::json::array();
  proto::StreamList m;
  for (;;) {
    auto r = c.ask(m);
    if (!r) return;
    for (const auto& s : r->streams) all.push_back(views::stream_json(s, false));
    if (!r->more || r->streams.empty()) break;
    m.after_id = r->streams.back().id;
  }
  send_json(c.res, 200, all);
}

// A TIME or DUR field of the body, as the CLI's --start-at, --end-at, --duration.
bool read_time(Call& c, const nlohmann::json& b, const char* key, bool duration, std::int64_t& out) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) return true;
  if (!it->is_string()) {
    c.fail(proto::code::kInvalid, std::string(key) + ": expected a string (a time or a duration)");
    return false;
  }
  auto v = duration ? timeparse::duration_ms(it->get<std::string>())
                    : timeparse::time_ms(it->get<std::string>(), clock::wall_ms());
  if (!v || (duration && *v <= 0)) {
    c.fail(proto::code::kInvalid, std::string(key) + ": " + (v ? "must be more than 0" : v.error()));
    return false;
  }
  out = *v;
  return true;
}

void add_stream(Call& c) {
  auto b = c.body();
  if (!b) return;
  proto::StreamAdd m;
  auto name = b->find("name");
  if (name == b->end() || !name->is_string()) return c.fail(proto::code::kInvalid, "name: expected a string");
  m.name = name->get<std::string>();
  auto spec = b->find("spec");
  if (spec == b->end()) return c.fail(proto::code::kInvalid, "spec: missing (inputs, outputs, ...)");
  auto parsed = jsonv::from_json<proto::StreamSpec>(*spec);
  if (!parsed) return c.fail(proto::code::kInvalid, "spec: " + parsed.error());
  m.spec = std::move(*parsed);
  if (!read_time(c, *b, "start_at", false, m.spec.start_at_ms) || !read_time(c, *b, "end_at", false, m.spec.end_at_ms) ||
      !read_time(c, *b, "duration", true, m.spec.duration_ms))
    return;
  auto r = c.ask(m);
  if (!r) return;
  send_json(c.res, 201, {{"id", r->id}});
}

void show_stream(Call& c) {
  proto::StreamShow m;
  m.ref = c.params[0];
  auto runs = c.query_int("runs", 0);
  if (!runs) return;
  m.runs = *runs;
  auto r = c.ask(m);
  if (!r) return;
  if (r->streams.empty()) return c.fail(proto::code::kNotFound, "no stream " + m.ref);
  send_json(c.res, 200, views::stream_json(r->streams.front(), true));
}

std::function<void(Call&)> stream_action(const char* action) {
  return [action](Call& c) {
    proto::StreamAction m;
    m.ref = c.params[0];
    m.action = action;
    if (auto r = c.ask(m)) send_json(c.res, 200, message_json(*r));
  };
}

void schedule(Call& c, bool clear) {
  proto::StreamSchedule m;
  m.ref = c.params[0];
  m.clear = clear;
  if (!clear) {
    auto b = c.body();
    if (!b) return;
    if (!read_time(c, *b, "start_at", false, m.start_at_ms) || !read_time(c, *b, "end_at", false, m.end_at_ms) ||
        !read_time(c, *b, "duration", true, m.duration_ms))
      return;
    if (auto it = b->find("repeat"); it != b->end() && !it->is_null()) {
      if (!it->is_string()) return c.fail(proto::code::kInvalid, "repeat: expected a string");
      m.repeat = it->get<std::string>();
    }
  }
  if (auto r = c.ask(m); r && !r->streams.empty()) send_json(c.res, 200, views::stream_json(r->streams.front(), true));
  else if (r) send_json(c.res, 200, message_json(*r));
}

void logs(Call& c) {
  proto::StreamLogs m;
  m.ref = c.params[0];
  auto tail = c.query_int("tail", 50);
  auto after = tail ? c.query_int("after", -1) : std::nullopt;
  if (!tail || !after) return;
  m.tail = *tail;
  m.after = *after;
  auto r = c.ask(m);
  if (!r) return;
  send_json(c.res, 200,
            {{"lines", r->lines},
             {"live", r->log_live},
             {"attempt", r->log_attempt},
             {"first_seq", r->log_first_seq},
             {"last_seq", r->log_last_seq}});
}

// The latest JPEG of a live transcode, fetched from its agent by the loop.
void thumbnail(Call& c) {
  proto::StreamThumb m;
  m.ref = c.params[0];
  auto r = c.ask(m);
  if (!r) return;
  c.res.set_content(std::move(r->thumbnail.data), "image/jpeg");
}

void list_agents(Call& c) {
  auto r = c.ask(proto::AgentList{});
  if (!r) return;
  auto all = nlohmann::json::array();
  for (const auto& a : r->agents) all.push_back(views::agent_json(a));
  send_json(c.res, 200, all);
}

std::function<void(Call&)> agent_action(const char* action) {
  return [action](Call& c) {
    proto::AgentAction m;
    m.name = c.params[0];
    m.action = action;
    if (auto r = c.ask(m)) send_json(c.res, 200, message_json(*r));
  };
}

}  // namespace

nlohmann::json message_json(const proto::Reply& r) {
  std::string text;
  for (const auto& l : r.lines) text += (text.empty() ? "" : "\n") + l;
  return {{"message", text}};
}

void Call::fail(std::string_view code, const std::string& message) {
  // Who is asking is decided before what is asked: a request with a token
  // the loop does not know is 401, whatever else is wrong with it.
  if (!verified) {
    auto who = bridge.call(proto::Whoami{}, bearer, kWait);
    if (!who) return send_error(res, who.error() == kNoAnswer ? "timeout" : proto::code::kInternal, who.error());
    if (!who->ok) return send_error(res, who->code.empty() ? proto::code::kUnauthenticated : who->code, who->error);
  }
  send_error(res, code, message);
}

std::optional<nlohmann::json> Call::body() {
  const auto type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    fail("media_type", "send the body as JSON (Content-Type: application/json)");
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    fail(proto::code::kInvalid, "the body is not a JSON object");
    return std::nullopt;
  }
  return j;
}

std::optional<std::int64_t> Call::query_int(const char* name, std::int64_t fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  const bool negative = !v.empty() && v[0] == '-';
  const std::string digits = negative ? v.substr(1) : v;
  if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos) {
    fail(proto::code::kInvalid, std::string(name) + ": expected a whole number");
    return std::nullopt;
  }
  return negative ? -std::stoll(digits) : std::stoll(digits);
}

std::vector<Route> api_routes() {
  return {
      {"GET", "/streams", list_streams},
      {"POST", "/streams", add_stream},
      {"GET", "/streams/{ref}", show_stream},
      {"DELETE", "/streams/{ref}", stream_action("rm")},
      {"POST", "/streams/{ref}/start", stream_action("start")},
      {"POST", "/streams/{ref}/stop", stream_action("stop")},
      {"PUT", "/streams/{ref}/schedule", [](Call& c) { schedule(c, false); }},
      {"DELETE", "/streams/{ref}/schedule", [](Call& c) { schedule(c, true); }},
      {"GET", "/streams/{ref}/logs", logs},
      {"GET", "/streams/{ref}/thumbnail", thumbnail},
      {"GET", "/agents", list_agents},
      {"POST", "/agents/{name}/drain", agent_action("drain")},
      {"POST", "/agents/{name}/resume", agent_action("resume")},
      {"POST", "/agents/{name}/detect", agent_action("detect")},
      {"POST", "/agents/{name}/stop-unknown", agent_action("stop-unknown")},
  };
}

}  // namespace ffleet::controller::http
