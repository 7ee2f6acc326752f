#include "runner/child.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ffleet::agent::runner {
namespace {

// Killed children whose owner is gone, reaped by reap_abandoned().
std::vector<pid_t>& abandoned() {
  static std::vector<pid_t> pids;
  return pids;
}

// In the forked child, before exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const char* exe, char* const* argv, int in_fd, int out_fd, int err_pipe, pid_t parent) {
  ::setpgid(0, 0);  // its own group: a kill at the deadline reaches all it spawned
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the agent
  if (::getppid() != parent) ::_exit(127);
  ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv(exe, argv);
  const int e = errno;
  [[maybe_unused]] auto n = ::write(err_pipe, &e, sizeof e);
  ::_exit(127);
}

}  // namespace

Result<std::unique_ptr<WatchedChild>> WatchedChild::start(const std::string& exe, const std::vector<std::string>& args,
                                                          std::string out_path, std::int64_t deadline_ms) {
  using R = Result<std::unique_ptr<WatchedChild>>;
  // Everything the child needs is prepared here: it may not allocate after fork.
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return R::failure("cannot write " + out_path + ": " + std::strerror(errno));
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int err_pipe[2] = {-1, -1};
  if (in < 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const std::string e = std::strerror(errno);
    for (int fd : {out, in, err_pipe[0], err_pipe[1]})
      if (fd >= 0) ::close(fd);
    ::unlink(out_path.c_str());
    return R::failure("cannot start " + exe + ": " + e);
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(exe.c_str(), argv.data(), in, out, err_pipe[1], parent);
  const int fork_errno = errno;
  ::close(err_pipe[1]);
  ::close(out);
  ::close(in);
  std::unique_ptr<WatchedChild> c(new WatchedChild());
  c->out_path_ = std::move(out_path);
  c->deadline_ms_ = deadline_ms;
  if (pid < 0) {
    ::close(err_pipe[0]);
    c->reaped_ = true;  // nothing to wait for; the destructor removes the file
    return R::failure("cannot start " + exe + ": " + std::strerror(fork_errno));
  }
  c->pid_ = pid;
  ::setpgid(pid, pid);  // also here, so a kill right after start finds the group
  // The pipe closes at exec (close-on-exec) or carries exec's errno: a few ms.
  int exec_errno = 0;
  ssize_t n;
  do n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n > 0) return R::failure("cannot start " + exe + ": " + std::strerror(exec_errno));  // ~c reaps it
  return c;
}

WatchedChild::~WatchedChild() {
  if (pid_ > 0 && !reaped_) {
    if (state_ == State::kRunning) ::kill(-pid_, SIGKILL);
    try_reap();
    if (!reaped_) abandoned().push_back(pid_);
  }
  ::unlink(out_path_.c_str());
}

void WatchedChild::try_reap() {
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
}

bool WatchedChild::poll(std::int64_t now_ms) {
  if (state_ == State::kRunning) {
    siginfo_t si{};
    // WNOWAIT: the zombie keeps holding the pid, so the group id cannot have
    // been reused when what is left of the group is killed.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid_) {
      ::kill(-pid_, SIGKILL);
      state_ = State::kExited;
      exit_code_ = si.si_code == CLD_EXITED ? si.si_status : -1;
    } else if (now_ms >= deadline_ms_) {
      ::kill(-pid_, SIGKILL);
      state_ = State::kTimedOut;
    }
  }
  if (state_ != State::kRunning && !reaped_) try_reap();
  return finished();
}

std::string WatchedChild::output(std::size_t max_bytes) const {
  std::ifstream f(out_path_, std::ios::binary);
  std::string s;
  s.resize(max_bytes);
  f.read(s.data(), static_cast<std::streamsize>(max_bytes));
  s.resize(static_cast<std::size_t>(f.gcount()));
  return s;
}

std::size_t reap_abandoned() {
  auto& pids = abandoned();
  for (auto it = pids.begin(); it != pids.end();) {
    int status = 0;
    const pid_t r = ::waitpid(*it, &status, WNOHANG);
    it = (r == *it || (r < 0 && errno == ECHILD)) ? pids.erase(it) : std::next(it);
  }
  return pids.size();
}

}  // namespace ffleet::agent::runner
