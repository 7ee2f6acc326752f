#include "ffleet/common/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "ffleet/common/log.hpp"

namespace ffleet::sdnotify {
namespace {

// A whole decimal number, or -1.
std::int64_t number(const char* s) {
  if (s == nullptr || *s == '\0') return -1;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0) return -1;
  return v;
}

}  // namespace

Config from_env(bool unset) {
  Config c;
  const char* sock = std::getenv("NOTIFY_SOCKET");
  if (sock != nullptr && (sock[0] == '/' || sock[0] == '@') && sock[1] != '\0') c.socket = sock;
  const std::int64_t usec = number(std::getenv("WATCHDOG_USEC"));
  const std::int64_t pid = number(std::getenv("WATCHDOG_PID"));
  // WATCHDOG_PID names the process the watchdog is for: a child that
  // inherited it must not keep its parent alive.
  if (usec > 0 && (pid < 0 || pid == ::getpid())) c.watchdog_usec = usec;
  if (unset) {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  return c;
}

bool send(const std::string& socket, std::string_view state) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket.empty() || socket.size() > sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, socket.data(), socket.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
  // A path's length counts its terminating NUL when it fits; an abstract
  // name's length is exactly its bytes.
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket.size());
  if (socket[0] == '/' && socket.size() < sizeof addr.sun_path) ++len;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  ssize_t n;
  do n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  while (n < 0 && errno == EINTR);
  const int err = errno;  // the caller logs why: close() must not change it
  ::close(fd);
  errno = err;
  return n == static_cast<ssize_t>(state.size());
}

std::int64_t Notifier::keepalive_ms() const {
  if (cfg_.watchdog_usec <= 0) return 0;
  return std::max<std::int64_t>(1, cfg_.watchdog_usec / 2000);
}

void Notifier::send_state(const std::string& state) {
  if (!send(cfg_.socket, state)) {
    // Said once: the manager may be restarting, and the next one may work.
    static bool said = false;
    if (!said) log::get("sd_notify")->warn("notify_failed socket={} error=\"{}\"", cfg_.socket, std::strerror(errno));
    said = true;
  }
}

void Notifier::ready(const std::string& status, std::int64_t now_ms) {
  if (!enabled()) return;
  last_status_ = status;
  send_state("READY=1\nSTATUS=" + status + (keepalive_ms() > 0 ? "\nWATCHDOG=1" : ""));
  next_status_ms_ = now_ms + kStatusMs;
  if (keepalive_ms() > 0) next_keepalive_ms_ = now_ms + keepalive_ms();
}

void Notifier::stopping(const std::string& status) {
  if (!enabled()) return;
  last_status_ = status;
  send_state("STOPPING=1\nSTATUS=" + status);
}

void Notifier::tick(std::int64_t now_ms, const std::function<std::string()>& status) {
  if (!enabled() || next_status_ms_ < 0) return;  // not ready yet
  std::string state;
  if (next_keepalive_ms_ >= 0 && now_ms >= next_keepalive_ms_) {
    state = "WATCHDOG=1";
    next_keepalive_ms_ = now_ms + keepalive_ms();
  }
  if (now_ms >= next_status_ms_) {
    next_status_ms_ = now_ms + kStatusMs;
    if (std::string s = status(); s != last_status_) {
      last_status_ = s;
      state += (state.empty() ? "" : "\n") + ("STATUS=" + s);
    }
  }
  if (!state.empty()) send_state(state);
}

std::int64_t Notifier::next_deadline() const {
  if (!enabled() || next_status_ms_ < 0) return -1;
  return next_keepalive_ms_ >= 0 ? std::min(next_keepalive_ms_, next_status_ms_) : next_status_ms_;
}

}  // namespace ffleet::sdnotify
