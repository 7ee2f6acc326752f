// ffleet: the command-line client of the controller. See DESIGN.md's
// Contract for the commands; exit codes are in client.hpp.
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "client.hpp"
#include "ffleet/common/clock.hpp"
#include "ffleet/common/curve.hpp"
#include "ffleet/common/env.hpp"
#include "ffleet/common/redact.hpp"
#include "ffleet/common/timeparse.hpp"
#include "output.hpp"

namespace {

using namespace ffleet;

std::string login_name() {
  if (auto u = env::text("FFLEET_USER")) return *u;
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
  return "unknown";
}

// The controller sends valid UTF-8; if a byte slipped through, print it
// replaced rather than abort.
constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

// Every error line may quote what was typed (CLI11 echoes an unexpected
// argument, the controller a bad value): any URL in it is masked.
int die(int code, const std::string& msg) {
  std::fprintf(stderr, "ffleet: %s\n", redact::for_error(msg).c_str());
  return code;
}

struct Globals {
  std::string controller;
  std::string user;
  bool json = false;
  std::int64_t timeout_ms = 3000;
  std::string key_file;             // --key, FFLEET_KEY
  std::string controller_key_file;  // --controller-key, FFLEET_CONTROLLER_KEY
  std::optional<cli::ClientKeys> keys;
};

// Both key files or neither: CURVE needs our pair and the controller's key.
Status load_keys(Globals& g) {
  if (g.key_file.empty() && g.controller_key_file.empty()) return Status::ok();
  if (g.key_file.empty() || g.controller_key_file.empty())
    return Status::error("--key and --controller-key go together (or FFLEET_KEY and FFLEET_CONTROLLER_KEY)");
  auto own = curve::load_secret(g.key_file);
  if (!own) return Status::error("--key: " + own.error());
  auto ctl = curve::load_public(g.controller_key_file);
  if (!ctl) return Status::error("--controller-key: " + ctl.error());
  g.keys = cli::ClientKeys{*own, *ctl};
  return Status::ok();
}

// `ffleet keygen FILE`: a new key pair, no controller involved.
int keygen(const Globals& g, const std::string& path) {
  auto keys = curve::generate();
  if (!keys) return die(cli::kExitUsage, keys.error());
  if (Status s = curve::write_pair(path, *keys); !s) return die(cli::kExitUsage, s.message());
  if (g.json)
    std::cout << nlohmann::json({{"secret_key_file", path}, {"public_key_file", path + ".pub"},
                                 {"public_key", keys->public_z85}})
                     .dump(-1, ' ', false, kReplace)
              << "\n";
  else
    std::cout << "secret key: " << path << " (mode 0600: keep it on this host)\n"
              << "public key: " << path << ".pub  " << keys->public_z85 << "\n";
  return cli::kExitOk;
}

struct AddArgs {
  std::string name;
  proto::StreamSpec spec;
  std::string start_at, end_at, duration;
  std::string bitrate;
};

// Sends one request and prints the answer with `print`; returns the exit code.
template <class M, class Print> int run(const Globals& g, const M& req, Print&& print) {
  cli::Client client(g.controller, std::chrono::milliseconds(g.timeout_ms), g.keys ? &*g.keys : nullptr);
  auto out = client.call(req);
  if (auto* e = std::get_if<cli::CallError>(&out)) return die(e->exit_code, e->message);
  const auto& r = std::get<proto::Reply>(out);
  if (!r.ok) return die(cli::kExitRefused, r.error);
  print(r);
  return cli::kExitOk;
}

// TIME and DUR arguments to milliseconds, relative times anchored at now.
Status parse_times(const AddArgs& a, proto::StreamSpec& spec) {
  const std::int64_t now = clock::wall_ms();
  if (!a.start_at.empty()) {
    auto t = timeparse::time_ms(a.start_at, now);
    if (!t) return Status::error("--start-at: " + t.error());
    spec.start_at_ms = *t;
  }
  if (!a.end_at.empty()) {
    auto t = timeparse::time_ms(a.end_at, now);
    if (!t) return Status::error("--end-at: " + t.error());
    spec.end_at_ms = *t;
  }
  if (!a.duration.empty()) {
    auto d = timeparse::duration_ms(a.duration);
    if (!d) return Status::error("--duration: " + d.error());
    if (*d <= 0) return Status::error("--duration must be more than 0");
    spec.duration_ms = *d;
  }
  return Status::ok();
}

void print_lines(const Globals& g, const proto::Reply& r) {
  if (g.json) {
    std::cout << nlohmann::json({{"ok", true}, {"message", r.lines.empty() ? "" : r.lines.front()}}).dump(-1, ' ', false, kReplace) << "\n";
    return;
  }
  for (const auto& l : r.lines) std::cout << l << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  Globals g;
  g.controller = env::text("FFLEET_CONTROLLER").value_or("tcp://127.0.0.1:7700");
  g.user = login_name();
  g.key_file = env::text("FFLEET_KEY").value_or("");
  g.controller_key_file = env::text("FFLEET_CONTROLLER_KEY").value_or("");

  CLI::App app{"ffleet: run ffmpeg streams across a fleet of hosts"};
  app.set_version_flag("--version", "ffleet 0.1.0");
  app.add_option("--controller", g.controller, "controller endpoint (env FFLEET_CONTROLLER)");
  app.add_flag("--json", g.json, "print JSON for scripts");
  app.add_option("--user", g.user, "act as this user, without keys (env FFLEET_USER, else the login name)");
  app.add_option("--key", g.key_file, "your secret key file (env FFLEET_KEY): with keys, you are who the key says");
  app.add_option("--controller-key", g.controller_key_file,
                 "the controller's public key file (env FFLEET_CONTROLLER_KEY)");
  app.add_option("--timeout-ms", g.timeout_ms, "give up on the controller after this long")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{600000}));
  app.require_subcommand(1);
  app.fallthrough();

  // stream ...
  auto* stream = app.add_subcommand("stream", "define, start, stop and inspect streams");
  stream->require_subcommand(1);
  stream->fallthrough();
  AddArgs add;
  add.spec.inputs.clear();
  auto* s_add = stream->add_subcommand("add", "define a stream; prints its id");
  s_add->add_option("name", add.name, "stream name")->required();
  s_add->add_option("--input", add.spec.inputs, "input file, URL or lavfi graph (repeat for a playlist)")->required();
  s_add->add_option("--input-format", add.spec.input_format, "input format, e.g. lavfi");
  s_add->add_flag("--loop", add.spec.loop, "loop the input(s) forever");
  s_add->add_flag("--shuffle", add.spec.shuffle, "shuffle the playlist");
  s_add->add_option("--output", add.spec.outputs, "output URL or file (repeat for several)")->required();
  s_add->add_option("--mode", add.spec.mode, "auto, copy or transcode")->check(CLI::IsMember({"auto", "copy", "transcode"}));
  s_add->add_option("--encoder", add.spec.encoder, "auto or an ffmpeg encoder name");
  // Ranges are checked by the controller, the one place that knows them.
  s_add->add_option("--video-bitrate", add.spec.video_bitrate_kbps, "video bitrate in kbit/s (0: the encoder's default)");
  s_add->add_option("--resolution", add.spec.resolution, "WxH");
  s_add->add_option("--fps", add.spec.fps, "frames per second (0: as the input)");
  s_add->add_option("--start-at", add.start_at, "TIME: ISO 8601 or +90s");
  auto* end_opt = s_add->add_option("--end-at", add.end_at, "TIME: ISO 8601 or +2h");
  s_add->add_option("--duration", add.duration, "DUR: 90s, 15m, 2h, 1h30m")->excludes(end_opt);
  s_add->add_option("--repeat", add.spec.repeat, "daily or weekly:mon,wed,...");
  s_add->add_flag("--batch", add.spec.batch, "a finite transcode, as fast as the host allows");
  s_add->add_flag("--overwrite", add.spec.overwrite, "an output file that exists may be replaced (default: the run fails)");
  s_add->add_option("--priority", add.spec.priority, "pending streams start higher first (default 0)")
      ->check(CLI::Range(std::int64_t{-1000}, std::int64_t{1000}));
  s_add->add_option("--on-host-lost", add.spec.on_host_lost, "failover, wait or fence")
      ->check(CLI::IsMember({"failover", "wait", "fence"}));

  std::string ref, action;
  std::int64_t tail = 50;
  std::int64_t show_runs = 0;
  bool reveal = false;
  for (const char* a : {"start", "stop", "rm", "show", "logs"}) {
    auto* sc = stream->add_subcommand(a, std::string(a) + " a stream");
    sc->add_option("stream", ref, "stream id or name")->required();
    if (std::string(a) == "logs")
      sc->add_option("--tail", tail, "last N lines")->check(CLI::Range(std::int64_t{1}, std::int64_t{10000}));
    if (std::string(a) == "show") {
      sc->add_option("--runs", show_runs, "the latest N runs (default 20)")->check(CLI::Range(std::int64_t{1}, std::int64_t{200}));
      sc->add_flag("--reveal", reveal, "show inputs and outputs with their keys (the owner or an admin only)");
    }
    sc->callback([&action, a] { action = a; });
  }
  auto* s_ls = stream->add_subcommand("ls", "list streams");
  AddArgs sched;
  bool sched_clear = false;
  auto* s_sched = stream->add_subcommand("schedule", "replace a stream's schedule (a live run keeps running)");
  s_sched->add_option("stream", ref, "stream id or name")->required();
  s_sched->add_option("--start-at", sched.start_at, "TIME: ISO 8601 or +90s");
  auto* sched_end = s_sched->add_option("--end-at", sched.end_at, "TIME: ISO 8601 or +2h");
  s_sched->add_option("--duration", sched.duration, "DUR: 90s, 15m, 2h, 1h30m")->excludes(sched_end);
  s_sched->add_option("--repeat", sched.spec.repeat, "daily or weekly:mon,wed,...");
  s_sched->add_flag("--clear", sched_clear, "remove the schedule");

  // agent ...
  auto* agent = app.add_subcommand("agent", "list, drain and resume agents");
  agent->require_subcommand(1);
  agent->fallthrough();
  auto* a_ls = agent->add_subcommand("ls", "list agents");
  std::string agent_name;
  auto* a_drain = agent->add_subcommand("drain", "stop giving an agent new streams");
  a_drain->add_option("name", agent_name)->required();
  auto* a_resume = agent->add_subcommand("resume", "let a drained agent take streams again");
  a_resume->add_option("name", agent_name)->required();
  auto* a_detect = agent->add_subcommand("detect", "make an agent test its encoders again");
  a_detect->add_option("name", agent_name)->required();
  auto* a_unknown = agent->add_subcommand(
      "stop-unknown", "stop the runs on an agent that this controller's database never placed (after a database loss)");
  a_unknown->add_option("name", agent_name)->required();
  std::string pub_file;
  auto* a_allow = agent->add_subcommand("allow", "let the agent of this name connect with this key (admin)");
  a_allow->add_option("name", agent_name)->required();
  a_allow->add_option("--key", pub_file, "the agent's public key file (ffleet keygen)")->required();
  auto* a_revoke = agent->add_subcommand("revoke", "end an agent's key now; its streams move elsewhere (admin)");
  a_revoke->add_option("name", agent_name)->required();

  // user ... (admin)
  auto* user = app.add_subcommand("user", "who may run commands, with which role (needs keys; admin)");
  user->require_subcommand(1);
  user->fallthrough();
  proto::UserAdd uadd;
  auto* u_add = user->add_subcommand("add", "let a person or script connect with this key");
  u_add->add_option("name", uadd.name)->required();
  u_add->add_option("--role", uadd.role, "admin, operator or user")
      ->required()
      ->check(CLI::IsMember({"admin", "operator", "user"}));
  u_add->add_option("--key", pub_file, "their public key file (ffleet keygen)")->required();
  std::string user_name;
  auto* u_rm = user->add_subcommand("rm", "remove a user: their key stops working at once");
  u_rm->add_option("name", user_name)->required();
  auto* u_ls = user->add_subcommand("ls", "list users and agent keys");

  // keygen FILE
  std::string key_path;
  auto* keygen_cmd = app.add_subcommand("keygen", "write a CurveZMQ key pair: FILE (secret, 0600) and FILE.pub");
  keygen_cmd->add_option("file", key_path, "where the secret key goes")->required();

  // limits ...
  auto* limits = app.add_subcommand("limits", "show or set concurrency limits");
  limits->require_subcommand(1);
  limits->fallthrough();
  auto* l_show = limits->add_subcommand("show", "show the limits");
  auto* l_set = limits->add_subcommand("set", "change the limits (persistent)");
  proto::LimitsSet lset;
  l_set->add_option("--global", lset.global, "streams running at once in the whole fleet")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}));
  l_set->add_option("--per-user", lset.per_user, "streams running at once per user")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}));
  auto* lu = l_set->add_option("--user", lset.target_user, "the user whose own limit --max sets");
  l_set->add_option("--max", lset.target_max, "the limit for --user")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}))
      ->needs(lu);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    // One line: CLI11's message, which names the option.
    return die(cli::kExitUsage, e.what());
  }

  if (keygen_cmd->parsed()) return keygen(g, key_path);
  if (Status st = load_keys(g); !st) return die(cli::kExitUsage, st.message());
  auto public_key = [&](std::string& out) -> Status {
    auto k = curve::load_public(pub_file);
    if (!k) return k.status();
    out = *k;
    return Status::ok();
  };

  if (s_add->parsed()) {
    proto::StreamAdd m;
    m.user = g.user;
    m.name = add.name;
    m.spec = add.spec;
    if (Status st = parse_times(add, m.spec); !st) return die(cli::kExitUsage, st.message());
    return run(g, m, [&](const proto::Reply& r) {
      if (g.json) std::cout << nlohmann::json({{"id", r.id}}).dump(-1, ' ', false, kReplace) << "\n";
      else std::cout << r.id << "\n";
    });
  }
  if (s_sched->parsed()) {
    proto::StreamSchedule m;
    m.user = g.user;
    m.ref = ref;
    m.clear = sched_clear;
    if (Status st = parse_times(sched, sched.spec); !st) return die(cli::kExitUsage, st.message());
    m.start_at_ms = sched.spec.start_at_ms;
    m.end_at_ms = sched.spec.end_at_ms;
    m.duration_ms = sched.spec.duration_ms;
    m.repeat = sched.spec.repeat;
    if (!m.clear && m.start_at_ms == 0 && m.end_at_ms == 0 && m.duration_ms == 0 && m.repeat.empty())
      return die(cli::kExitUsage, "stream schedule: give --start-at, --end-at, --duration, --repeat or --clear");
    return run(g, m, [&](const proto::Reply& r) {
      if (r.streams.empty()) return;
      if (g.json) std::cout << cli::stream_json(r.streams.front(), false).dump(2, ' ', false, kReplace) << "\n";
      else std::cout << cli::schedule_line(r.streams.front()) << "\n";
    });
  }
  if (action == "start" || action == "stop" || action == "rm") {
    proto::StreamAction m;
    m.user = g.user;
    m.ref = ref;
    m.action = action;
    return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
  }
  if (action == "show") {
    proto::StreamShow m;
    m.user = g.user;
    m.ref = ref;
    m.runs = show_runs;
    m.reveal = reveal;
    return run(g, m, [&](const proto::Reply& r) {
      if (r.streams.empty()) return;
      if (g.json) std::cout << cli::stream_json(r.streams.front(), true).dump(2, ' ', false, kReplace) << "\n";
      else std::cout << cli::stream_details(r.streams.front());
    });
  }
  if (action == "logs") {
    proto::StreamLogs m;
    m.user = g.user;
    m.ref = ref;
    m.tail = tail;
    return run(g, m, [&](const proto::Reply& r) {
      if (g.json) std::cout << nlohmann::json({{"lines", r.lines}}).dump(-1, ' ', false, kReplace) << "\n";
      else
        for (const auto& l : r.lines) std::cout << l << "\n";
    });
  }
  if (s_ls->parsed()) {
    // Page by page (each answer stays small whatever the number of streams),
    // printed once all pages are in so a table's columns line up.
    std::vector<proto::StreamView> all;
    proto::StreamList m;
    m.user = g.user;
    for (bool more = true; more;) {
      more = false;
      if (int code = run(g, m, [&](const proto::Reply& r) {
            for (const auto& s : r.streams) all.push_back(s);
            if (r.more && !r.streams.empty()) {
              more = true;
              m.after_id = r.streams.back().id;
            }
          });
          code != cli::kExitOk)
        return code;
    }
    if (!g.json) {
      std::cout << cli::stream_table(all);
      return cli::kExitOk;
    }
    auto a = nlohmann::json::array();
    for (const auto& s : all) a.push_back(cli::stream_json(s, false));
    std::cout << a.dump(2, ' ', false, kReplace) << "\n";
    return cli::kExitOk;
  }
  if (a_ls->parsed()) {
    proto::AgentList m;
    m.user = g.user;
    return run(g, m, [&](const proto::Reply& r) {
      if (!g.json) {
        std::cout << cli::agent_table(r.agents);
        return;
      }
      auto a = nlohmann::json::array();
      for (const auto& x : r.agents) a.push_back(cli::agent_json(x));
      std::cout << a.dump(2, ' ', false, kReplace) << "\n";
    });
  }
  if (a_drain->parsed() || a_resume->parsed() || a_detect->parsed() || a_unknown->parsed()) {
    proto::AgentAction m;
    m.user = g.user;
    m.name = agent_name;
    m.action = a_drain->parsed()    ? "drain"
               : a_resume->parsed() ? "resume"
               : a_detect->parsed() ? "detect"
                                    : "stop-unknown";
    return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
  }
  if (a_allow->parsed()) {
    proto::AgentAllow m;
    m.user = g.user;
    m.name = agent_name;
    if (Status st = public_key(m.public_key); !st) return die(cli::kExitUsage, "--key: " + st.message());
    return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
  }
  if (a_revoke->parsed()) {
    proto::AgentAction m;
    m.user = g.user;
    m.name = agent_name;
    m.action = "revoke";
    return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
  }
  if (u_add->parsed()) {
    uadd.user = g.user;
    if (Status st = public_key(uadd.public_key); !st) return die(cli::kExitUsage, "--key: " + st.message());
    return run(g, uadd, [&](const proto::Reply& r) { print_lines(g, r); });
  }
  if (u_rm->parsed()) {
    proto::UserRemove m;
    m.user = g.user;
    m.name = user_name;
    return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
  }
  if (u_ls->parsed()) {
    proto::UserList m;
    m.user = g.user;
    return run(g, m, [&](const proto::Reply& r) {
      if (!g.json) {
        std::cout << cli::user_table(r.users);
        return;
      }
      auto a = nlohmann::json::array();
      for (const auto& u : r.users) a.push_back(cli::user_json(u));
      std::cout << a.dump(2, ' ', false, kReplace) << "\n";
    });
  }
  if (l_show->parsed() || l_set->parsed()) {
    auto print = [&](const proto::Reply& r) {
      if (g.json) std::cout << cli::limits_json(r.limits).dump(2, ' ', false, kReplace) << "\n";
      else std::cout << cli::limits_text(r.limits);
    };
    if (l_show->parsed()) {
      proto::LimitsShow m;
      m.user = g.user;
      return run(g, m, print);
    }
    if (lset.global < 0 && lset.per_user < 0 && lset.target_user.empty())
      return die(cli::kExitUsage, "limits set: give --global, --per-user or --user with --max");
    lset.user = g.user;
    return run(g, lset, print);
  }
  return die(cli::kExitUsage, "nothing to do; see ffleet --help");
}
