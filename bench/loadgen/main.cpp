// ffleet_loadgen: drives a real ffleet-controller over the real protocol, as
// M fake agents and a pipelining client from one process, and prints one JSON
// line of figures. See docs/performance.md.
//
//   ffleet_loadgen --endpoint tcp://127.0.0.1:PORT [--mode burst|idle]
//       [--agents M] [--streams N] [--known K [--known-running]]
//       [--max-streams S] [--clients C] [--window W] [--timeout-s T]
//       [--controller-pid PID --settle-s A --sample-s B] [--user U] [--prefix P]
//
// burst: registers M agents, adds K streams first (started too with
//   --known-running), adds N streams, then sends N starts as fast as the
//   windows allow and waits for every START_RUN: placements per second
//   (N / first start sent -> last START_RUN received), start latency per stream
//   (start sent -> its START_RUN received) p50/p99, and the worst gap between
//   the controller's heartbeats to any agent during the burst, in intervals.
// idle: the same, then waits A s and samples the controller's CPU (from
//   /proc/PID/stat) over B s while the agents heartbeat, and its RSS.
//
// Exit: 0 all placed; 3 a deadline passed (the JSON says how far it got);
// 4 the controller refused the fleet; 2 usage.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "clients.hpp"
#include "fleet.hpp"

using namespace ffleet;
using namespace ffleet::bench;

namespace {

struct Args {
  std::string endpoint;
  std::string mode = "burst";
  int agents = 10;
  int streams = 100;
  int known = 0;
  bool known_running = false;
  int max_streams = 0;  // 0: enough for every stream, spread evenly
  // 256 requests in flight, each client within the 64 the controller queues
  // per client. With 2 x 32 the rate was the window's, not the controller's:
  // 64 in flight / 13.7 ms each = ~4,700/s with its loop ~57% busy
  // (docs/performance.md).
  int clients = 4;
  int window = 64;
  double timeout_s = 120;
  int controller_pid = 0;
  double settle_s = 3;
  double sample_s = 10;
  std::string user = "bench";
  std::string prefix = "lg";
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "ffleet_loadgen: %s\n(see the comment at the top of bench/loadgen/main.cpp)\n", why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  std::map<std::string, std::function<void(const std::string&)>> opts = {
      {"--endpoint", [&](const std::string& v) { a.endpoint = v; }},
      {"--mode", [&](const std::string& v) { a.mode = v; }},
      {"--agents", [&](const std::string& v) { a.agents = std::stoi(v); }},
      {"--streams", [&](const std::string& v) { a.streams = std::stoi(v); }},
      {"--known", [&](const std::string& v) { a.known = std::stoi(v); }},
      {"--max-streams", [&](const std::string& v) { a.max_streams = std::stoi(v); }},
      {"--clients", [&](const std::string& v) { a.clients = std::stoi(v); }},
      {"--window", [&](const std::string& v) { a.window = std::stoi(v); }},
      {"--timeout-s", [&](const std::string& v) { a.timeout_s = std::stod(v); }},
      {"--controller-pid", [&](const std::string& v) { a.controller_pid = std::stoi(v); }},
      {"--settle-s", [&](const std::string& v) { a.settle_s = std::stod(v); }},
      {"--sample-s", [&](const std::string& v) { a.sample_s = std::stod(v); }},
      {"--user", [&](const std::string& v) { a.user = v; }},
      {"--prefix", [&](const std::string& v) { a.prefix = v; }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--known-running") {
      a.known_running = true;
      continue;
    }
    auto it = opts.find(k);
    if (it == opts.end()) usage("unknown option " + k);
    if (i + 1 >= argc) usage(k + " needs a value");
    try {
      it->second(argv[++i]);
    } catch (const std::exception&) {
      usage("bad value for " + k + ": " + argv[i]);
    }
  }
  if (a.endpoint.empty()) usage("--endpoint is required");
  if (a.mode != "burst" && a.mode != "idle") usage("--mode is burst or idle");
  if (a.agents < 1 || a.streams < 0 || a.known < 0 || a.clients < 1 || a.window < 1 || a.window > 64)
    usage("--agents and --clients at least 1, --window 1-64");
  if (a.mode == "idle" && a.controller_pid <= 0) usage("--mode idle needs --controller-pid");
  const int on_agents = a.streams + (a.known_running ? a.known : 0);
  if (a.max_streams == 0) a.max_streams = std::max(1, (on_agents + a.agents - 1) / a.agents + 2);
  if (static_cast<long>(a.max_streams) * a.agents < on_agents) usage("--max-streams x --agents is below the streams to run");
  if (a.max_streams > 1024) usage("more than 1,024 runs per agent: a report lists at most 1,024 (use more agents)");
  return a;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// utime + stime of a process, in clock ticks; -1 if it is gone.
long cpu_ticks(int pid) {
  // One line; getline rather than istreambuf_iterator, which GCC 12 at -O2
  // warns about (-Wnull-dereference, a false positive).
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  if (!std::getline(f, all)) return -1;
  const auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  long ut = 0, st = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) ut = std::stol(field);
    if (i == 15) {
      st = std::stol(field);
      return ut + st;
    }
  }
  return -1;
}

double status_mb(int pid, const std::string& key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return NAN;
}

std::string num(double v) {
  if (std::isnan(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

std::string quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) o.push_back(c);
  }
  return o + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  zmq::context_t ctx(1);
  std::vector<StreamRec> streams(static_cast<std::size_t>(a.known + a.streams));
  for (int i = 0; i < a.known; ++i) streams[static_cast<std::size_t>(i)].name = a.prefix + "-k" + std::to_string(i);
  for (int i = 0; i < a.streams; ++i)
    streams[static_cast<std::size_t>(a.known + i)].name = a.prefix + "-b" + std::to_string(i);
  // A cheap live stream; the fake agents never run it.
  proto::StreamSpec spec;
  spec.inputs = {"testsrc2=size=320x240:rate=25"};
  spec.input_format = "lavfi";
  spec.outputs = {"null"};
  spec.mode = "transcode";
  Fleet fleet(ctx, a.endpoint, a.prefix + "-agent", a.agents, a.max_streams);
  Clients clients(ctx, a.endpoint, a.clients, a.window, a.user, streams, spec);

  std::vector<zmq::pollitem_t> items;
  for (auto& ag : fleet.agents()) items.push_back({ag.sock->handle(), 0, ZMQ_POLLIN, 0});
  for (std::size_t i = 0; i < clients.size(); ++i) items.push_back({clients.socket(i).handle(), 0, ZMQ_POLLIN, 0});
  const std::size_t n_agents = fleet.agents().size();

  std::string phase = "register";
  // Runs the loop until pred() or the deadline; false on the deadline, a
  // fatal refusal or a refused request.
  auto run_until = [&](const std::function<bool()>& pred, double seconds) {
    const double deadline = now_ms() + seconds * 1000;
    for (;;) {
      if (pred()) return true;
      if (!fleet.fatal().empty() || clients.errors() > 0 || now_ms() >= deadline) return false;
      clients.pump();
      fleet.tick();
      const double wait = std::clamp(std::min(fleet.next_due(), deadline) - now_ms(), 0.0, 10.0);
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(static_cast<long>(wait)));
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!(items[i].revents & ZMQ_POLLIN)) continue;
        if (i < n_agents) fleet.on_readable(i);
        else clients.on_readable(i - n_agents);
      }
    }
  };

  std::ostringstream out;
  out << "{\"mode\":" << quote(a.mode) << ",\"agents\":" << a.agents << ",\"streams\":" << a.streams
      << ",\"known\":" << a.known << ",\"known_running\":" << (a.known_running ? "true" : "false")
      << ",\"max_streams\":" << a.max_streams;
  auto finish = [&](int code, const std::string& error) {
    const auto placed = static_cast<long>(std::count_if(streams.begin() + a.known, streams.end(), [&](const StreamRec& s) {
      return s.added && fleet.start_runs().count(s.id);
    }));
    out << ",\"placed\":" << placed << ",\"complete\":" << (code == 0 ? "true" : "false")
        << ",\"phase\":" << quote(phase) << ",\"resends\":" << fleet.resends();
    if (!error.empty()) out << ",\"error\":" << quote(error);
    out << "}";
    std::cout << out.str() << std::endl;
    return code;
  };
  auto failed = [&](const std::string& what) {
    if (!fleet.fatal().empty()) return finish(4, fleet.fatal());
    if (!clients.first_error().empty()) return finish(3, clients.first_error());
    return finish(3, "timed out after " + num(a.timeout_s) + " s " + what);
  };

  if (!run_until([&] { return fleet.registered() == n_agents; }, std::max(30.0, a.timeout_s / 4)))
    return failed("waiting for " + std::to_string(n_agents) + " agents to register (" +
                  std::to_string(fleet.registered()) + " did)");

  // Streams known before the burst.
  phase = "known";
  const double t_known = now_ms();
  for (int i = 0; i < a.known; ++i) clients.add(static_cast<std::size_t>(i));
  if (!run_until([&] { return clients.idle(); }, a.timeout_s)) return failed("adding the known streams");
  if (a.known_running) {
    for (int i = 0; i < a.known; ++i) clients.start(static_cast<std::size_t>(i));
    if (!run_until([&] { return clients.idle() && fleet.start_runs().size() >= static_cast<std::size_t>(a.known); },
                   a.timeout_s))
      return failed("starting the known streams");
  }
  out << ",\"known_setup_s\":" << num((now_ms() - t_known) / 1000);

  phase = "add";
  const double t_add = now_ms();
  for (int i = 0; i < a.streams; ++i) clients.add(static_cast<std::size_t>(a.known + i));
  if (!run_until([&] { return clients.idle(); }, a.timeout_s)) return failed("adding the burst's streams");
  out << ",\"add_per_s\":" << num(a.streams / std::max(1e-3, (now_ms() - t_add) / 1000));

  // The burst.
  phase = "burst";
  fleet.set_measuring(true);
  const double t0 = now_ms();
  for (int i = 0; i < a.streams; ++i) clients.start(static_cast<std::size_t>(a.known + i));
  auto placed_all = [&] {
    if (!clients.idle()) return false;
    for (int i = a.known; i < a.known + a.streams; ++i)
      if (!fleet.start_runs().count(streams[static_cast<std::size_t>(i)].id)) return false;
    return true;
  };
  // Checking every stream on each turn is O(N); count first.
  const bool ok = run_until([&] { return fleet.start_runs().size() >= static_cast<std::size_t>(a.known_running ? a.known + a.streams : a.streams) && placed_all(); },
                            a.timeout_s);
  fleet.set_measuring(false);
  std::vector<double> lat;
  double last = t0;
  for (int i = a.known; i < a.known + a.streams; ++i) {
    const auto& s = streams[static_cast<std::size_t>(i)];
    auto it = fleet.start_runs().find(s.id);
    if (!s.added || s.start_sent_ms < 0 || it == fleet.start_runs().end()) continue;
    lat.push_back(it->second - s.start_sent_ms);
    last = std::max(last, it->second);
  }
  const double burst_s = (last - t0) / 1000;
  out << ",\"burst_s\":" << num(burst_s)
      << ",\"placements_per_s\":" << num(lat.empty() ? 0 : static_cast<double>(lat.size()) / std::max(1e-3, burst_s))
      << ",\"start_p50_ms\":" << num(percentile(lat, 50)) << ",\"start_p99_ms\":" << num(percentile(lat, 99))
      << ",\"heartbeat_ms\":" << fleet.heartbeat_ms() << ",\"worst_heartbeat_gap_intervals\":"
      << num(fleet.worst_heartbeat_gap_ms() / static_cast<double>(fleet.heartbeat_ms()));
  if (!ok) return failed("placing the burst (" + std::to_string(lat.size()) + " of " + std::to_string(a.streams) + ")");

  if (a.mode == "idle") {
    phase = "idle";
    run_until([] { return false; }, a.settle_s);
    if (!fleet.fatal().empty()) return failed("settling");
    const long c0 = cpu_ticks(a.controller_pid);
    const double s0 = now_ms();
    run_until([] { return false; }, a.sample_s);
    const long c1 = cpu_ticks(a.controller_pid);
    const double s1 = now_ms();
    if (c0 < 0 || c1 < 0) return finish(3, "the controller (pid " + std::to_string(a.controller_pid) + ") is gone");
    const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    out << ",\"idle_cpu_percent\":" << num(100.0 * static_cast<double>(c1 - c0) / hz / ((s1 - s0) / 1000))
        << ",\"rss_mb\":" << num(status_mb(a.controller_pid, "VmRSS"))
        << ",\"hwm_mb\":" << num(status_mb(a.controller_pid, "VmHWM"))
        << ",\"runs_reported\":" << fleet.runs();
    if (!fleet.fatal().empty()) return failed("sampling");
  }
  return finish(0, "");
}
