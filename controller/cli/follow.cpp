#include "follow.hpp"

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include "ffleet/common/clock.hpp"
#include "ffleet/common/timeparse.hpp"
#include "output.hpp"

namespace ffleet::cli {
namespace {

volatile std::sig_atomic_t g_raised = 0;
struct sigaction g_old_int {}, g_old_term {};

void on_signal(int) { g_raised = 1; }

// ANSI: home + clear screen, hide and show the cursor.
constexpr const char* kClear = "\x1b[H\x1b[2J";
constexpr const char* kHideCursor = "\x1b[?25l";
constexpr const char* kShowCursor = "\x1b[?25h";

std::string now_text() { return timeparse::iso_local(clock::wall_ms()); }

}  // namespace

StopSignals::StopSignals() {
  g_raised = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a waiting poll returns at once
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
  interrupted = &StopSignals::raised;
}

StopSignals::~StopSignals() {
  interrupted = nullptr;
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
}

bool StopSignals::raised() { return g_raised != 0; }

bool StopSignals::sleep_ms(std::int64_t ms) {
  const std::int64_t until = clock::steady_ms() + ms;
  for (std::int64_t left = ms; left > 0 && !raised(); left = until - clock::steady_ms())
    ::poll(nullptr, 0, static_cast<int>(std::min<std::int64_t>(left, 1000)));
  return !raised();
}

std::vector<std::string> unseen_lines(const std::deque<std::string>& printed, const std::vector<std::string>& final_tail) {
  const std::size_t most = std::min(printed.size(), final_tail.size());
  for (std::size_t k = most; k > 0; --k) {
    bool match = true;
    for (std::size_t i = 0; i < k && match; ++i) match = printed[printed.size() - k + i] == final_tail[i];
    if (match) return {final_tail.begin() + static_cast<std::ptrdiff_t>(k), final_tail.end()};
  }
  return final_tail;
}

std::variant<std::vector<proto::StreamView>, CallError> list_streams(const Globals& g) {
  // Page by page (each answer stays small whatever the number of streams).
  std::vector<proto::StreamView> all;
  proto::StreamList m;
  m.user = g.user;
  for (;;) {
    auto out = ask(g, m);
    if (auto* e = std::get_if<CallError>(&out)) return *e;
    const auto& r = std::get<proto::Reply>(out);
    all.insert(all.end(), r.streams.begin(), r.streams.end());
    if (!r.more || r.streams.empty()) break;
    m.after_id = r.streams.back().id;
  }
  return all;
}

int watch_streams(const Globals& g, std::int64_t interval_ms) {
  StopSignals signals;
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  if (tty) std::cout << kHideCursor;
  for (bool first = true; !StopSignals::raised(); first = false) {
    auto got = list_streams(g);
    if (StopSignals::raised()) break;
    std::string block;
    if (auto* e = std::get_if<CallError>(&got)) {
      // A lost controller is a line on the screen, not the end of the watch.
      block = "ffleet: " + e->message + " (retrying every " + std::to_string(interval_ms / 1000.0).substr(0, 4) +
              " s)\n";
      if (e->exit_code == kExitUsage || e->exit_code == kExitProtocol) {
        if (tty) std::cout << kShowCursor << std::flush;
        return die(e->exit_code, e->message);
      }
    } else if (g.json) {
      auto a = nlohmann::json::array();
      for (const auto& s : std::get<0>(got)) a.push_back(stream_json(s, false));
      block = a.dump(-1, ' ', false, kReplace) + "\n";
    } else {
      block = stream_table(std::get<0>(got));
    }
    if (tty) std::cout << kClear << "every " << interval_ms << " ms: ffleet stream ls    " << now_text() << "\n\n" << block;
    else std::cout << (first ? "" : "\n") << block;
    std::cout << std::flush;
    if (!StopSignals::sleep_ms(interval_ms)) break;
  }
  if (tty) std::cout << kShowCursor << std::flush;
  return kExitOk;
}

int follow_logs(const Globals& g, const std::string& ref, std::int64_t tail, std::int64_t interval_ms) {
  StopSignals signals;
  std::deque<std::string> printed;  // the latest lines printed, to match a finished run's stored tail
  constexpr std::size_t kRemember = 1000;
  auto print = [&](const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
      std::cout << l << "\n";
      printed.push_back(l);
      if (printed.size() > kRemember) printed.pop_front();
    }
    std::cout << std::flush;
  };
  proto::StreamLogs m;
  m.user = g.user;
  m.ref = ref;
  m.tail = tail;
  std::int64_t attempt = 0;  // the run followed; 0 before the first answer
  bool said_unreachable = false;
  for (;;) {
    auto out = ask(g, m);
    if (StopSignals::raised()) return kExitOk;
    if (auto* e = std::get_if<CallError>(&out)) {
      // A stream that does not exist (or may not be read) ends the follow; a
      // controller away or a log not fetched in time is tried again.
      const bool transient = e->exit_code == kExitUnreachable || e->message.find("try again") != std::string::npos ||
                             e->message.find("did not send the log in time") != std::string::npos;
      if (!transient) return die(e->exit_code, e->message);
      if (!said_unreachable) std::cerr << "ffleet: " << redact::for_error(e->message) << " (retrying)\n";
      said_unreachable = e->exit_code == kExitUnreachable;
      if (!StopSignals::sleep_ms(interval_ms)) return kExitOk;
      continue;
    }
    said_unreachable = false;
    const auto& r = std::get<proto::Reply>(out);
    if (!r.log_live) {
      // No live run: the stored tail of the latest one. When it is the run
      // we followed, what it wrote after our last poll is at its end.
      if (attempt == 0) print(r.lines);
      else if (r.log_attempt == attempt) print(unseen_lines(printed, r.lines));
      return kExitOk;
    }
    if (attempt != 0 && r.log_attempt != attempt) {
      // A new run (a retry): its lines are numbered from 1 again.
      std::cout << "--- run " << r.log_attempt << " ---\n";
      attempt = r.log_attempt;
      m.after = 0;
      continue;
    }
    if (attempt != 0 && m.after >= 0 && r.log_first_seq > m.after + 1)
      std::cerr << "ffleet: " << (r.log_first_seq - m.after - 1) << " lines were dropped before they could be read\n";
    attempt = r.log_attempt;
    print(r.lines);
    if (r.log_last_seq >= 0) m.after = std::max<std::int64_t>(m.after, r.log_last_seq);
    else if (m.after < 0) m.after = 0;
    m.tail = 500;  // more than the agent keeps, so nothing is left behind
    if (!StopSignals::sleep_ms(interval_ms)) return kExitOk;
  }
}

}  // namespace ffleet::cli
