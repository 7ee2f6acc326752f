// The ffleet command line as one CLI11 app: every command, its options and
// its example, built by make_app(). main() parses and runs the chosen
// command; the completion scripts and the man page (docs.hpp) walk the same
// app, so --help, completion and man page cannot drift apart.
//
// One file per noun registers its commands (cmd_*.cpp); each command's
// callback stores what to run in Globals::action.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "client.hpp"
#include "ffleet/common/redact.hpp"

namespace ffleet::cli {

// The controller sends valid UTF-8; if a byte slipped through, print it
// replaced rather than abort.
inline constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

struct Globals {
  std::string controller;
  std::string user;
  bool json = false;
  std::int64_t timeout_ms = 3000;
  std::string key_file;             // --key, FFLEET_KEY
  std::string controller_key_file;  // --controller-key, FFLEET_CONTROLLER_KEY
  std::optional<ClientKeys> keys;
  // What the parsed command does; returns the exit code.
  std::function<int()> action;
  // Commands that need no controller (keygen, completion, man page) skip
  // loading keys.
  bool offline = false;
};

// Every error line may quote what was typed (CLI11 echoes an unexpected
// argument, the controller a bad value): any URL in it is masked.
inline int die(int code, const std::string& msg) {
  std::fprintf(stderr, "ffleet: %s\n", redact::for_error(msg).c_str());
  return code;
}

// Sends one request and prints the answer with `print`; returns the exit code.
template <class M, class Print> int run(const Globals& g, const M& req, Print&& print) {
  Client client(g.controller, std::chrono::milliseconds(g.timeout_ms), g.keys ? &*g.keys : nullptr);
  auto out = client.call(req);
  if (auto* e = std::get_if<CallError>(&out)) return die(e->exit_code, e->message);
  const auto& r = std::get<proto::Reply>(out);
  if (!r.ok) return die(kExitRefused, r.error);
  print(r);
  return kExitOk;
}

// One request, the answer or the error, without printing anything.
template <class M> std::variant<proto::Reply, CallError> ask(const Globals& g, const M& req) {
  Client client(g.controller, std::chrono::milliseconds(g.timeout_ms), g.keys ? &*g.keys : nullptr);
  auto out = client.call(req);
  if (auto* r = std::get_if<proto::Reply>(&out); r && !r->ok) return CallError{kExitRefused, r->error};
  return out;
}

// "ok" replies of actions: their lines, or {"ok": true, "message": …}.
void print_lines(const Globals& g, const proto::Reply& r);

// The example shown at the end of a command's --help (and in the man page).
void example(CLI::App* cmd, const std::string& text);

// The whole app; `g` receives the parsed values and the action.
std::unique_ptr<CLI::App> make_app(Globals& g);

// Per noun (cmd_*.cpp).
void add_stream_commands(CLI::App& app, Globals& g);
void add_agent_commands(CLI::App& app, Globals& g);
void add_admin_commands(CLI::App& app, Globals& g);  // user, keygen, limits
void add_status_command(CLI::App& app, Globals& g);
void add_token_commands(CLI::App& app, Globals& g);  // token, whoami
void add_doc_commands(CLI::App& app, Globals& g);  // hidden: __complete, __man

}  // namespace ffleet::cli
