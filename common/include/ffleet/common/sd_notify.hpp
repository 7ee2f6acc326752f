// The service manager's notification protocol (sd_notify(3)), spoken
// directly: one datagram per message on the AF_UNIX socket named by
// NOTIFY_SOCKET (a path, or '@' for the abstract namespace). Without
// NOTIFY_SOCKET every call is a no-op that costs a branch.
//
// A daemon owns one Notifier, built before any thread starts (it reads and
// then unsets NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, so no child
// such as ffmpeg inherits them), and calls it from its event loop only:
// tick() each turn sends the watchdog keep-alive, so a stalled loop stops
// the keep-alives and the service manager restarts the daemon. Not
// thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ffleet::sdnotify {

// Where to send, and the watchdog, as the environment says.
struct Config {
  std::string socket;                 // "" = not under a service manager
  std::int64_t watchdog_usec = 0;     // 0 = no watchdog (or not ours: WATCHDOG_PID)
};

// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog is ours
// only if WATCHDOG_PID is unset or names this process); with `unset`, removes
// them from the environment.
Config from_env(bool unset);

// Sends one datagram with `state` ("READY=1\nSTATUS=...") to `socket`;
// false on any error (no socket, too long, the manager gone). Never blocks.
bool send(const std::string& socket, std::string_view state);

class Notifier {
 public:
  explicit Notifier(Config c) : cfg_(std::move(c)) {}
  // Built from the process's environment (and unsets it).
  Notifier() : Notifier(from_env(true)) {}

  bool enabled() const { return !cfg_.socket.empty(); }
  // Keep-alives go out every half of WATCHDOG_USEC (the usual advice: a
  // keep-alive is never late for one slow turn); 0 without a watchdog.
  std::int64_t keepalive_ms() const;

  // READY=1 with a first STATUS= line.
  void ready(const std::string& status, std::int64_t now_ms);
  // STOPPING=1 with a STATUS= line saying why (a drain, a shutdown).
  void stopping(const std::string& status);
  // Once per loop turn: the keep-alive if it is due, and every kStatusMs the
  // status line from `status` (called only then), sent if it changed.
  void tick(std::int64_t now_ms, const std::function<std::string()>& status);
  // When tick() next has work (steady ms), or -1: the loop's poll must wake by then.
  std::int64_t next_deadline() const;

  // A status line is refreshed at most this often: systemctl status and
  // the journal need no more, and a busy loop pays nothing between.
  static constexpr std::int64_t kStatusMs = 1000;

 private:
  void send_state(const std::string& state);
  Config cfg_;
  std::string last_status_;
  std::int64_t next_keepalive_ms_ = -1;
  std::int64_t next_status_ms_ = -1;
};

}  // namespace ffleet::sdnotify
