// `ffleet user …`, `ffleet keygen` and `ffleet limits …`: who may do what,
// and how much runs at once.
#include <iostream>

#include "app.hpp"
#include "ffleet/common/curve.hpp"
#include "output.hpp"

namespace ffleet::cli {
namespace {

struct AdminState {
  proto::UserAdd uadd;
  std::string pub_file;
  std::string name;
  std::string key_path;
  proto::LimitsSet lset;
};

void add_users(CLI::App& app, Globals& g, const std::shared_ptr<AdminState>& st) {
  auto* user = app.add_subcommand("user", "who may run commands, with which role (needs keys; admin)");
  user->require_subcommand(1);
  user->fallthrough();
  example(user, "ffleet user ls");
  auto* add = user->add_subcommand("add", "let a person or script connect with this key");
  add->add_option("name", st->uadd.name, "user name")->required();
  add->add_option("--role", st->uadd.role, "admin, operator or user")
      ->required()
      ->check(CLI::IsMember({"admin", "operator", "user"}));
  add->add_option("--key", st->pub_file, "their public key file (ffleet keygen)")->required();
  example(add, "ffleet user add alice --role operator --key alice.key.pub");
  add->callback([&g, st] {
    g.action = [&g, st] {
      st->uadd.user = g.user;
      auto k = curve::load_public(st->pub_file);
      if (!k) return die(kExitUsage, "--key: " + k.error());
      st->uadd.public_key = *k;
      return run(g, st->uadd, [&](const proto::Reply& r) { print_lines(g, r); });
    };
  });
  auto* rm = user->add_subcommand("rm", "remove a user: their key stops working at once");
  rm->add_option("name", st->name, "user name")->required();
  example(rm, "ffleet user rm alice");
  rm->callback([&g, st] {
    g.action = [&g, st] {
      proto::UserRemove m;
      m.user = g.user;
      m.name = st->name;
      return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
    };
  });
  auto* ls = user->add_subcommand("ls", "list users and agent keys");
  example(ls, "ffleet --json user ls");
  ls->callback([&g] {
    g.action = [&g] {
      proto::UserList m;
      m.user = g.user;
      return run(g, m, [&](const proto::Reply& r) {
        if (!g.json) {
          std::cout << user_table(r.users);
          return;
        }
        auto a = nlohmann::json::array();
        for (const auto& u : r.users) a.push_back(user_json(u));
        std::cout << a.dump(2, ' ', false, kReplace) << "\n";
      });
    };
  });
}

void add_keygen(CLI::App& app, Globals& g, const std::shared_ptr<AdminState>& st) {
  auto* c = app.add_subcommand("keygen", "write a CurveZMQ key pair: FILE (secret, 0600) and FILE.pub");
  c->add_option("file", st->key_path, "where the secret key goes")->required();
  example(c, "ffleet keygen ~/.config/ffleet/me.key");
  c->callback([&g, st] {
    g.offline = true;
    g.action = [&g, st] {
      auto keys = curve::generate();
      if (!keys) return die(kExitUsage, keys.error());
      if (Status s = curve::write_pair(st->key_path, *keys); !s) return die(kExitUsage, s.message());
      const std::string& path = st->key_path;
      if (g.json)
        std::cout << nlohmann::json({{"secret_key_file", path}, {"public_key_file", path + ".pub"},
                                     {"public_key", keys->public_z85}})
                         .dump(-1, ' ', false, kReplace)
                  << "\n";
      else
        std::cout << "secret key: " << path << " (mode 0600: keep it on this host)\n"
                  << "public key: " << path << ".pub  " << keys->public_z85 << "\n";
      return kExitOk;
    };
  });
}

void add_limits(CLI::App& app, Globals& g, const std::shared_ptr<AdminState>& st) {
  auto* limits = app.add_subcommand("limits", "show or set concurrency limits");
  limits->require_subcommand(1);
  limits->fallthrough();
  example(limits, "ffleet limits show");
  auto print = [&g](const proto::Reply& r) {
    if (g.json) std::cout << limits_json(r.limits).dump(2, ' ', false, kReplace) << "\n";
    else std::cout << limits_text(r.limits);
  };
  auto* show = limits->add_subcommand("show", "show the limits");
  example(show, "ffleet limits show");
  show->callback([&g, print] {
    g.action = [&g, print] {
      proto::LimitsShow m;
      m.user = g.user;
      return run(g, m, print);
    };
  });
  auto* set = limits->add_subcommand("set", "change the limits (persistent)");
  set->add_option("--global", st->lset.global, "streams running at once in the whole fleet")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}));
  set->add_option("--per-user", st->lset.per_user, "streams running at once per user")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}));
  auto* lu = set->add_option("--user", st->lset.target_user, "the user whose own limit --max sets");
  set->add_option("--max", st->lset.target_max, "the limit for --user")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}))
      ->needs(lu);
  example(set, "ffleet limits set --global 40 --per-user 8");
  set->callback([&g, st, print] {
    g.action = [&g, st, print] {
      auto& l = st->lset;
      if (l.global < 0 && l.per_user < 0 && l.target_user.empty())
        return die(kExitUsage, "limits set: give --global, --per-user or --user with --max");
      l.user = g.user;
      return run(g, l, print);
    };
  });
}

}  // namespace

void add_admin_commands(CLI::App& app, Globals& g) {
  auto st = std::make_shared<AdminState>();
  add_users(app, g, st);
  add_keygen(app, g, st);
  add_limits(app, g, st);
}

}  // namespace ffleet::cli
