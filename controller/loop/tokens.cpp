// HTTP bearer tokens: `ffleet token create|ls|revoke` (and the same requests
// from the HTTP API), `whoami`, and who a token stands for (token_caller).
//
// Rules: a token acts for one user with one role. `name` defaults to the
// caller and `role` to that user's own (without keys, where every local
// caller is an admin: to `user`). Anyone but an admin makes, lists and
// revokes only their own tokens, never above their own role; an admin any.
// Neither a token nor its digest is ever logged or answered: only its id and
// prefix.
#include <string>

#include "auth/tokens.hpp"
#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "ffleet/common/token.hpp"
#include "loop/controller.hpp"
#include "loop/replies.hpp"

namespace ffleet::controller {
namespace {
auto tokens_log() {
  static auto l = log::get("controller.tokens");
  return l;
}

// Labels are for people: up to this many characters, no control characters.
constexpr std::size_t kMaxLabelChars = 100;

Status check_label(const std::string& label) {
  if (!text::valid_utf8(label)) return Status::error("bad --label: not valid UTF-8");
  std::size_t chars = 0;
  for (unsigned char ch : label) {
    if (ch < 0x20 || ch == 0x7f) return Status::error("bad --label: no control characters (tabs, new lines)");
    if ((ch & 0xC0) != 0x80) ++chars;
  }
  if (chars > kMaxLabelChars)
    return Status::error("bad --label: " + std::to_string(chars) + " characters, at most " +
                         std::to_string(kMaxLabelChars));
  return Status::ok();
}

proto::TokenView token_view(const store::TokenRow& t, std::int64_t last_used) {
  proto::TokenView v;
  v.id = t.id;
  v.user = t.user;
  v.role = t.role;
  v.prefix = t.prefix;
  v.label = t.label;
  v.created_by = t.created_by;
  v.created_at_ms = t.created_at_ms;
  v.expires_at_ms = t.expires_at_ms;
  v.last_used_ms = last_used;
  return v;
}
}  // namespace

Result<auth::Caller> Controller::token_caller(const std::string& sha256_hex) {
  return tokens_.identify(sha256_hex, directory_, secure(), clock::wall_ms());
}

void Controller::load_tokens() { tokens_.load(store_.list_tokens()); }

void Controller::reload_tokens() {
  // Undone with the transaction: a change rolled back (a refusal after it, a
  // commit that failed) leaves the table as it was.
  store_.db().on_undo([this, before = tokens_.rows()] { tokens_.load(before); });
  load_tokens();
}

void Controller::store_token_uses(std::int64_t now_wall_ms) {
  auto uses = tokens_.take_last_used(now_wall_ms);
  if (uses.empty()) return;
  if (Status s = store_.touch_tokens(uses); !s) throw store::Unavailable(s.message());
}

proto::Reply Controller::token_create(const auth::Caller& c, const proto::TokenCreate& m) {
  const std::string user = m.name.empty() ? c.user : m.name;
  if (Status s = auth::check_user_name(user); !s) return fail(proto::code::kInvalid, s.message());
  const bool admin = c.role == auth::Role::kAdmin;
  if (user != c.user && !admin)
    return refuse(c, "token create --user " + user, Status::error("only an admin makes tokens for another user"));
  // The highest role the token may have: the caller's own (as it is now,
  // capped by the token it came with, if any), or the user's for an admin
  // making one for someone else. Without keys, the caller's own role: a
  // CLI caller there is an admin, but a `user` token over HTTP must not mint
  // itself an admin one.
  auth::Role cap = c.role;
  if (secure()) {
    const auth::Principal* p = directory_.person(user);
    if (p == nullptr)
      return fail(proto::code::kNotFound, "no user " + user + " (`ffleet user ls` lists them)");
    cap = user == c.user ? std::min(c.role, p->role) : p->role;
  }
  const std::string role_text = !m.role.empty() ? m.role : secure() ? std::string(auth::role_name(cap)) : "user";
  const auto role = auth::parse_role(role_text);
  if (!role)
    return fail(proto::code::kInvalid, "bad role " + text::for_people(role_text) + ": admin, operator or user");
  if (*role > cap) {
    const std::string why = "a token's role is at most its user's: " + user + " is " +
                            std::string(auth::role_name(cap)) + ", not " + role_text;
    if (!admin) return refuse(c, "token create --role " + role_text, Status::error(why));
    return fail(proto::code::kInvalid, why);
  }
  if (!token::looks_like_sha256(m.sha256))
    return fail(proto::code::kInvalid, "bad token digest: expected the SHA-256 of the token in 64 lowercase hex digits");
  if (!token::looks_like_prefix(m.prefix))
    return fail(proto::code::kInvalid, "bad token prefix: expected ffl_ and 4 characters of the token");
  if (Status s = check_label(m.label); !s) return fail(proto::code::kInvalid, s.message());
  const std::int64_t now = clock::wall_ms();
  if (m.expires_at_ms < 0 || (m.expires_at_ms > 0 && m.expires_at_ms <= now))
    return fail(proto::code::kInvalid, "bad expiry: it is in the past");
  if (tokens_.knows(m.sha256))
    return fail(proto::code::kConflict, "that token is stored already: make a new one");
  store::TokenRow row;
  row.user = user;
  row.role = role_text;
  row.sha256 = m.sha256;
  row.prefix = m.prefix;
  row.label = m.label;
  row.created_by = c.user;
  row.created_at_ms = now;
  row.expires_at_ms = m.expires_at_ms;
  auto id = store_.add_token(row);
  if (!id) return fail(proto::code::kStore, "cannot store the token: " + id.error());
  row.id = *id;
  reload_tokens();
  tokens_log()->info("token_created id={} user={} role={} prefix={} expires_at_ms={} by={}", row.id, row.user,
                     row.role, row.prefix, row.expires_at_ms, c.user);
  proto::Reply r;
  r.id = row.id;
  r.tokens.push_back(token_view(row, 0));
  r.lines.push_back("token " + std::to_string(row.id) + " made for " + row.user + " (" + row.role + ")");
  return r;
}

proto::Reply Controller::token_revoke(const auth::Caller& c, const proto::TokenRevoke& m) {
  const store::TokenRow* found = nullptr;
  for (const auto& t : tokens_.rows())
    if (t.id == m.id) found = &t;
  if (found == nullptr)
    return fail(proto::code::kNotFound,
                      "no token with id " + std::to_string(m.id) + " (`ffleet token ls` lists them)");
  const store::TokenRow t = *found;
  if (t.user != c.user && c.role != auth::Role::kAdmin)
    return refuse(c, "token revoke " + std::to_string(m.id),
                  Status::error("token " + std::to_string(m.id) + " is " + t.user + "'s: only they or an admin revoke it"));
  auto removed = store_.remove_token(m.id);
  if (!removed) return fail(proto::code::kStore, "cannot store the change: " + removed.error());
  if (!*removed)
    return fail(proto::code::kNotFound, "no token with id " + std::to_string(m.id));
  reload_tokens();
  tokens_log()->info("token_revoked id={} user={} role={} prefix={} by={}", t.id, t.user, t.role, t.prefix, c.user);
  return ok_line("token " + std::to_string(t.id) + " (" + t.prefix + "…, " + t.user + ") revoked: it no longer works");
}

proto::Reply Controller::token_list(const auth::Caller& c) {
  proto::Reply r;
  for (const auto& t : tokens_.rows())
    if (c.role == auth::Role::kAdmin || t.user == c.user) r.tokens.push_back(token_view(t, tokens_.last_used(t.id)));
  return r;
}

proto::Reply Controller::whoami(const auth::Caller& c) {
  // on_client_frames fills in Reply.user and Reply.role.
  return ok_line("you are " + c.user + " (" + std::string(auth::role_name(c.role)) + ")");
}

}  // namespace ffleet::controller
