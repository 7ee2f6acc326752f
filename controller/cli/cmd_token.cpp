// `ffleet token …`: bearer tokens for the HTTP API, and `ffleet whoami`.
// The secret is made here and printed once; the controller gets only its
// SHA-256 and its first characters (as with keys, no secret crosses the wire).
#include <iostream>

#include "app.hpp"
#include "ffleet/common/clock.hpp"
#include "ffleet/common/timeparse.hpp"
#include "ffleet/common/token.hpp"
#include "output.hpp"

namespace ffleet::cli {
namespace {

struct TokenState {
  std::string user;
  std::string role;
  std::string label;
  std::string expires;
  std::int64_t id = 0;
};

std::string when(std::int64_t ms) { return ms > 0 ? timeparse::iso_local(ms) : "-"; }

std::string token_table(const std::vector<proto::TokenView>& tokens, std::int64_t now_ms) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "USER", "ROLE", "PREFIX", "LABEL", "CREATED", "LAST USED", "EXPIRES"}};
  for (const auto& t : tokens) {
    std::string expires = t.expires_at_ms > 0 ? when(t.expires_at_ms) : "never";
    if (t.expires_at_ms > 0 && t.expires_at_ms <= now_ms) expires += " (expired)";
    rows.push_back({std::to_string(t.id), t.user, t.role, t.prefix, t.label.empty() ? "-" : t.label,
                    when(t.created_at_ms), when(t.last_used_ms), expires});
  }
  return table(rows);
}

void add_create(CLI::App& token, Globals& g, const std::shared_ptr<TokenState>& st) {
  auto* c = token.add_subcommand("create", "make a token and print it, once");
  c->add_option("--user", st->user, "the user it acts for (default: you; others: admin only)");
  c->add_option("--role", st->role, "admin, operator or user, at most the user's (default: the user's)")
      ->check(CLI::IsMember({"admin", "operator", "user"}));
  c->add_option("--label", st->label, "what it is for, shown by token ls (at most 100 characters)");
  c->add_option("--expires", st->expires, "it stops working after this long (DUR: 90d, 12h; default: never)");
  example(c, "ffleet token create --role operator --label dashboard --expires 90d");
  c->callback([&g, st] {
    g.action = [&g, st] {
      proto::TokenCreate m;
      m.user = g.user;
      m.name = st->user;
      m.role = st->role;
      m.label = st->label;
      if (!st->expires.empty()) {
        auto d = timeparse::duration_ms(st->expires);
        if (!d) return die(kExitUsage, "--expires: " + d.error());
        if (*d <= 0) return die(kExitUsage, "--expires: give a duration above zero");
        m.expires_at_ms = clock::wall_ms() + *d;
      }
      const std::string secret = token::new_token();
      m.sha256 = token::sha256_hex(secret);
      m.prefix = token::token_prefix(secret);
      return run(g, m, [&](const proto::Reply& r) {
        const proto::TokenView v = r.tokens.empty() ? proto::TokenView{} : r.tokens.front();
        if (g.json) {
          std::cout << nlohmann::json({{"id", r.id}, {"token", secret}, {"user", v.user}, {"role", v.role}})
                           .dump(-1, ' ', false, kReplace)
                    << "\n";
          return;
        }
        std::cout << "token " << r.id << " for " << v.user << " (" << v.role << ")"
                  << (v.expires_at_ms > 0 ? ", expires " + when(v.expires_at_ms) : std::string()) << ":\n"
                  << secret << "\n"
                  << "It is shown only now: keep it (the controller stores only its SHA-256). "
                     "Send it as `Authorization: Bearer TOKEN`.\n";
      });
    };
  });
}

}  // namespace

void add_token_commands(CLI::App& app, Globals& g) {
  auto* token = app.add_subcommand("token", "bearer tokens for the HTTP API and the dashboard");
  token->require_subcommand(1);
  token->fallthrough();
  example(token, "ffleet token ls");
  auto st = std::make_shared<TokenState>();
  add_create(*token, g, st);

  auto* ls = token->add_subcommand("ls", "list tokens (yours; an admin's: all), never the tokens themselves");
  example(ls, "ffleet --json token ls");
  ls->callback([&g] {
    g.action = [&g] {
      proto::TokenList m;
      m.user = g.user;
      return run(g, m, [&](const proto::Reply& r) {
        if (!g.json) {
          std::cout << token_table(r.tokens, clock::wall_ms());
          return;
        }
        auto a = nlohmann::json::array();
        for (const auto& t : r.tokens) a.push_back(token::token_json(t));
        std::cout << a.dump(2, ' ', false, kReplace) << "\n";
      });
    };
  });

  auto* revoke = token->add_subcommand("revoke", "revoke a token: it stops working at once");
  revoke->add_option("id", st->id, "the token's id (token ls)")->required()->check(CLI::PositiveNumber);
  example(revoke, "ffleet token revoke 3");
  revoke->callback([&g, st] {
    g.action = [&g, st] {
      proto::TokenRevoke m;
      m.user = g.user;
      m.id = st->id;
      return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
    };
  });

  auto* who = app.add_subcommand("whoami", "who the controller takes you for, with which role");
  example(who, "ffleet whoami");
  who->callback([&g] {
    g.action = [&g] {
      proto::Whoami m;
      m.user = g.user;
      return run(g, m, [&](const proto::Reply& r) {
        if (g.json)
          std::cout << nlohmann::json({{"user", r.user}, {"role", r.role}}).dump(-1, ' ', false, kReplace) << "\n";
        else std::cout << r.user << " (" << r.role << ")\n";
      });
    };
  });
}

}  // namespace ffleet::cli
