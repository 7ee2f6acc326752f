// Who am I, limits, users and tokens over HTTP: what `ffleet limits`, `user`
// and `token` do. The loop decides who may; this side only relays.
#include "ffleet/common/clock.hpp"
#include "ffleet/common/timeparse.hpp"
#include "ffleet/common/token.hpp"
#include "ffleet/common/views_json.hpp"
#include "http/api.hpp"

namespace ffleet::controller::http {
namespace {

void me(Call& c) {
  if (auto r = c.ask(proto::Whoami{})) send_json(c.res, 200, {{"user", r->user}, {"role", r->role}});
}

void limits_show(Call& c) {
  if (auto r = c.ask(proto::LimitsShow{})) send_json(c.res, 200, views::limits_json(r->limits));
}

// {"global": N, "per_user": N, "user": NAME, "max": N}: what is absent stays.
void limits_set(Call& c) {
  auto b = c.body();
  if (!b) return;
  proto::LimitsSet m;
  for (auto [key, field] : {std::pair{"global", &m.global}, {"per_user", &m.per_user}, {"max", &m.target_max}}) {
    auto it = b->find(key);
    if (it == b->end() || it->is_null()) continue;
    if (!it->is_number_integer()) return c.fail(proto::code::kInvalid, std::string(key) + ": expected a whole number");
    *field = it->get<std::int64_t>();
  }
  if (auto it = b->find("user"); it != b->end() && !it->is_null()) {
    if (!it->is_string()) return c.fail(proto::code::kInvalid, "user: expected a string");
    m.target_user = it->get<std::string>();
  }
  if (!c.ask(m)) return;
  limits_show(c);
}

void users(Call& c) {
  auto r = c.ask(proto::UserList{});
  if (!r) return;
  auto all = nlohmann::json::array();
  for (const auto& u : r->users) all.push_back(views::user_json(u));
  send_json(c.res, 200, all);
}

// A required string field of the body; answers 400 when missing.
std::optional<std::string> text_field(Call& c, const nlohmann::json& b, const char* key, bool required) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) {
    if (required) c.fail(proto::code::kInvalid, std::string(key) + ": missing");
    return required ? std::nullopt : std::optional<std::string>("");
  }
  if (!it->is_string()) {
    c.fail(proto::code::kInvalid, std::string(key) + ": expected a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

void user_add(Call& c) {
  auto b = c.body();
  if (!b) return;
  proto::UserAdd m;
  auto name = text_field(c, *b, "name", true);
  auto role = name ? text_field(c, *b, "role", true) : std::nullopt;
  auto key = role ? text_field(c, *b, "public_key", true) : std::nullopt;
  if (!key) return;
  m.name = *name;
  m.role = *role;
  m.public_key = *key;
  if (auto r = c.ask(m)) send_json(c.res, 201, message_json(*r));
}

void user_remove(Call& c) {
  proto::UserRemove m;
  m.name = c.params[0];
  if (auto r = c.ask(m)) send_json(c.res, 200, message_json(*r));
}

void tokens(Call& c) {
  auto r = c.ask(proto::TokenList{});
  if (!r) return;
  auto all = nlohmann::json::array();
  for (const auto& t : r->tokens) all.push_back(token::token_json(t));
  send_json(c.res, 200, all);
}

// The token is made here and shown once; the loop stores only its digest.
void token_create(Call& c) {
  auto b = c.body();
  if (!b) return;
  proto::TokenCreate m;
  auto user = text_field(c, *b, "user", false);
  auto role = user ? text_field(c, *b, "role", false) : std::nullopt;
  auto label = role ? text_field(c, *b, "label", false) : std::nullopt;
  auto expires = label ? text_field(c, *b, "expires", false) : std::nullopt;
  if (!expires) return;
  if (!expires->empty()) {
    auto d = timeparse::duration_ms(*expires);
    if (!d || *d <= 0) return c.fail(proto::code::kInvalid, "expires: " + (d ? "must be more than 0" : d.error()));
    m.expires_at_ms = clock::wall_ms() + *d;
  }
  const std::string token = token::new_token();
  m.name = *user;
  m.role = *role;
  m.label = *label;
  m.sha256 = token::sha256_hex(token);
  m.prefix = token::token_prefix(token);
  auto r = c.ask(m);
  if (!r) return;
  // The token's user and role (the reply's own user and role are the caller's).
  const std::string who = r->tokens.empty() ? m.name : r->tokens.front().user;
  const std::string its_role = r->tokens.empty() ? m.role : r->tokens.front().role;
  send_json(c.res, 201, {{"id", r->id}, {"token", token}, {"user", who}, {"role", its_role}});
}

void token_revoke(Call& c) {
  proto::TokenRevoke m;
  const std::string& id = c.params[0];
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
    return c.fail(proto::code::kInvalid, "token id: expected a number (`ffleet token ls` shows them)");
  m.id = std::stoll(id);
  if (auto r = c.ask(m)) send_json(c.res, 200, message_json(*r));
}

}  // namespace

std::vector<Route> admin_routes() {
  return {
      {"GET", "/me", me},
      {"GET", "/limits", limits_show},
      {"PUT", "/limits", limits_set},
      {"GET", "/users", users},
      {"POST", "/users", user_add},
      {"DELETE", "/users/{name}", user_remove},
      {"GET", "/tokens", tokens},
      {"POST", "/tokens", token_create},
      {"DELETE", "/tokens/{id}", token_revoke},
  };
}

}  // namespace ffleet::controller::http
