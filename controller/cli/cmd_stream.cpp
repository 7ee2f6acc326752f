// `ffleet stream …`: define, start, stop and inspect streams.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "app.hpp"
#include "ffleet/common/clock.hpp"
#include "ffleet/common/timeparse.hpp"
#include "follow.hpp"
#include "output.hpp"

namespace ffleet::cli {
namespace {

struct TimeArgs {
  std::string start_at, end_at, duration;
};

// TIME and DUR arguments to milliseconds, relative times anchored at now.
Status parse_times(const TimeArgs& a, proto::StreamSpec& spec) {
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

// --interval: a DUR, or plain milliseconds.
Result<std::int64_t> interval_ms(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    const auto v = std::stoll(text.substr(0, 12));
    if (v < 100) return Result<std::int64_t>::failure("--interval: at least 100 ms");
    return v;
  }
  auto d = timeparse::duration_ms(text);
  if (!d) return Result<std::int64_t>::failure("--interval: " + d.error());
  if (*d < 100) return Result<std::int64_t>::failure("--interval: at least 100 ms");
  return *d;
}

struct StreamState {
  std::string name;
  proto::StreamSpec spec;
  TimeArgs times;
  std::string ref;
  std::int64_t tail = 50;
  std::int64_t runs = 0;
  bool reveal = false;
  bool clear = false;
  std::string output;  // stream thumbnail --output
  bool watch = false;
  bool follow = false;
  std::string interval;
};

void add_add(CLI::App& stream, Globals& g, const std::shared_ptr<StreamState>& st) {
  st->spec.inputs.clear();
  auto* c = stream.add_subcommand("add", "define a stream; prints its id");
  c->add_option("name", st->name, "stream name")->required();
  c->add_option("--input", st->spec.inputs, "input file, URL or lavfi graph (repeat for a playlist)")->required();
  c->add_option("--input-format", st->spec.input_format, "input format, e.g. lavfi");
  c->add_flag("--loop", st->spec.loop, "loop the input(s) forever");
  c->add_flag("--shuffle", st->spec.shuffle, "shuffle the playlist");
  c->add_option("--output", st->spec.outputs, "output URL or file (repeat for several)")->required();
  c->add_option("--mode", st->spec.mode, "auto, copy or transcode")->check(CLI::IsMember({"auto", "copy", "transcode"}));
  c->add_option("--encoder", st->spec.encoder, "auto or an ffmpeg encoder name");
  // Ranges are checked by the controller, the one place that knows them.
  c->add_option("--video-bitrate", st->spec.video_bitrate_kbps, "video bitrate in kbit/s (0: the encoder's default)");
  c->add_option("--resolution", st->spec.resolution, "WxH");
  c->add_option("--fps", st->spec.fps, "frames per second (0: as the input)");
  c->add_option("--start-at", st->times.start_at, "TIME: ISO 8601 or +90s");
  auto* end_opt = c->add_option("--end-at", st->times.end_at, "TIME: ISO 8601 or +2h");
  c->add_option("--duration", st->times.duration, "DUR: 90s, 15m, 2h, 1h30m")->excludes(end_opt);
  c->add_option("--repeat", st->spec.repeat, "daily or weekly:mon,wed,...");
  c->add_flag("--batch", st->spec.batch, "a finite transcode, as fast as the host allows (shows progress and ETA)");
  c->add_flag("--overwrite", st->spec.overwrite, "an output file that exists may be replaced (default: the run fails)");
  c->add_option("--priority", st->spec.priority, "pending streams start higher first (default 0)")
      ->check(CLI::Range(std::int64_t{-1000}, std::int64_t{1000}));
  c->add_option("--on-host-lost", st->spec.on_host_lost, "failover, wait or fence")
      ->check(CLI::IsMember({"failover", "wait", "fence"}));
  example(c, "ffleet stream add cam1 --input-format lavfi --input testsrc2=size=1280x720:rate=30 \\\n"
             "      --output rtmp://live.example/app/KEY --encoder auto");
  c->callback([&g, st] {
    g.action = [&g, st] {
      proto::StreamAdd m;
      m.user = g.user;
      m.name = st->name;
      m.spec = st->spec;
      if (Status s = parse_times(st->times, m.spec); !s) return die(kExitUsage, s.message());
      return run(g, m, [&](const proto::Reply& r) {
        if (g.json) std::cout << nlohmann::json({{"id", r.id}}).dump(-1, ' ', false, kReplace) << "\n";
        else std::cout << r.id << "\n";
      });
    };
  });
}

void add_actions(CLI::App& stream, Globals& g, const std::shared_ptr<StreamState>& st) {
  const std::pair<const char*, const char*> actions[] = {
      {"start", "start a stream (it waits as pending if no agent can take it now)"},
      {"stop", "stop a stream's run"},
      {"rm", "remove a stream (stopping its run)"}};
  for (const auto& [name, what] : actions) {
    auto* c = stream.add_subcommand(name, what);
    c->add_option("stream", st->ref, "stream id or name")->required();
    example(c, std::string("ffleet stream ") + name + " cam1");
    const std::string action = name;
    c->callback([&g, st, action] {
      g.action = [&g, st, action] {
        proto::StreamAction m;
        m.user = g.user;
        m.ref = st->ref;
        m.action = action;
        return run(g, m, [&](const proto::Reply& r) { print_lines(g, r); });
      };
    });
  }
}

void add_show_logs_ls(CLI::App& stream, Globals& g, const std::shared_ptr<StreamState>& st) {
  auto* show = stream.add_subcommand("show", "one stream in detail, with its latest runs");
  show->add_option("stream", st->ref, "stream id or name")->required();
  show->add_option("--runs", st->runs, "the latest N runs (default 20)")->check(CLI::Range(std::int64_t{1}, std::int64_t{200}));
  show->add_flag("--reveal", st->reveal, "show inputs and outputs with their keys (the owner or an admin only)");
  example(show, "ffleet stream show cam1 --runs 5");
  show->callback([&g, st] {
    g.action = [&g, st] {
      proto::StreamShow m;
      m.user = g.user;
      m.ref = st->ref;
      m.runs = st->runs;
      m.reveal = st->reveal;
      return run(g, m, [&](const proto::Reply& r) {
        if (r.streams.empty()) return;
        if (g.json) std::cout << stream_json(r.streams.front(), true).dump(2, ' ', false, kReplace) << "\n";
        else std::cout << stream_details(r.streams.front());
      });
    };
  });

  auto* logs = stream.add_subcommand("logs", "the last lines ffmpeg wrote for a stream");
  logs->add_option("stream", st->ref, "stream id or name")->required();
  logs->add_option("--tail", st->tail, "last N lines")->check(CLI::Range(std::int64_t{1}, std::int64_t{10000}));
  logs->add_flag("-f,--follow", st->follow, "keep printing new lines until the run ends (or Ctrl-C)");
  logs->add_option("--interval", st->interval, "with --follow: how often to ask (DUR or ms, default 500ms)");
  example(logs, "ffleet stream logs cam1 --tail 20 --follow");
  logs->callback([&g, st] {
    g.action = [&g, st] {
      if (st->follow) {
        if (g.json) return die(kExitUsage, "stream logs --follow prints lines, not JSON; drop --json");
        auto every = interval_ms(st->interval.empty() ? "500" : st->interval);
        if (!every) return die(kExitUsage, every.error());
        return follow_logs(g, st->ref, st->tail, *every);
      }
      proto::StreamLogs m;
      m.user = g.user;
      m.ref = st->ref;
      m.tail = st->tail;
      return run(g, m, [&](const proto::Reply& r) {
        if (g.json) std::cout << nlohmann::json({{"lines", r.lines}}).dump(-1, ' ', false, kReplace) << "\n";
        else
          for (const auto& l : r.lines) std::cout << l << "\n";
      });
    };
  });

  auto* ls = stream.add_subcommand("ls", "list streams (a batch shows its progress and ETA)");
  ls->add_flag("-w,--watch", st->watch, "redraw every --interval until Ctrl-C");
  ls->add_option("--interval", st->interval, "with --watch: how often to redraw (DUR or ms, default 2s)");
  example(ls, "ffleet stream ls --watch --interval 1s");
  ls->callback([&g, st] {
    g.action = [&g, st] {
      if (st->watch) {
        auto every = interval_ms(st->interval.empty() ? "2000" : st->interval);
        if (!every) return die(kExitUsage, every.error());
        return watch_streams(g, *every);
      }
      auto got = list_streams(g);
      if (auto* e = std::get_if<CallError>(&got)) return die(e->exit_code, e->message);
      const auto& all = std::get<0>(got);
      if (!g.json) {
        std::cout << stream_table(all);
        return kExitOk;
      }
      auto a = nlohmann::json::array();
      for (const auto& s : all) a.push_back(stream_json(s, false));
      std::cout << a.dump(2, ' ', false, kReplace) << "\n";
      return kExitOk;
    };
  });
}

// Writes the JPEG to `path` ("-": stdout), whole or not at all.
Status write_jpeg(const std::string& path, const std::string& jpeg) {
  if (path == "-") {
    if (::isatty(STDOUT_FILENO)) return Status::error("stdout is a terminal: give --output FILE, or pipe it");
    std::cout.write(jpeg.data(), static_cast<std::streamsize>(jpeg.size()));
    std::cout.flush();
    return std::cout ? Status::ok() : Status::error("cannot write the thumbnail to stdout");
  }
  // Beside the target, then renamed over it: a viewer never sees half a picture.
  const std::string tmp = path + ".part";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::error("cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < jpeg.size()) {
    const ssize_t n = ::write(fd, jpeg.data() + done, jpeg.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const int err = errno;
  if (::close(fd) != 0 || done != jpeg.size() || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(done != jpeg.size() ? err : errno);
    ::unlink(tmp.c_str());
    return Status::error("cannot write " + path + ": " + why);
  }
  return Status::ok();
}

void add_thumbnail(CLI::App& stream, Globals& g, const std::shared_ptr<StreamState>& st) {
  auto* c = stream.add_subcommand("thumbnail",
                                  "save a running stream's latest picture as a JPEG (streams that transcode; "
                                  "refreshed every few seconds)");
  c->add_option("stream", st->ref, "stream id or name")->required();
  c->add_option("-o,--output", st->output, "where to write the JPEG (- for stdout)")->required();
  example(c, "ffleet stream thumbnail cam1 --output cam1.jpg");
  c->callback([&g, st] {
    g.action = [&g, st] {
      proto::StreamThumb m;
      m.user = g.user;
      m.ref = st->ref;
      auto got = ask(g, m);
      if (auto* e = std::get_if<CallError>(&got)) return die(e->exit_code, e->message);
      const auto& jpeg = std::get<proto::Reply>(got).thumbnail.data;
      if (jpeg.empty()) return die(kExitProtocol, "the controller sent no thumbnail");
      if (Status s = write_jpeg(st->output, jpeg); !s) return die(kExitRefused, s.message());
      if (st->output == "-") return kExitOk;
      if (g.json)
        std::cout << nlohmann::json({{"output", st->output}, {"bytes", jpeg.size()}}).dump(-1, ' ', false, kReplace)
                  << "\n";
      else std::cout << st->output << ": " << jpeg.size() << " bytes\n";
      return kExitOk;
    };
  });
}

void add_schedule(CLI::App& stream, Globals& g, const std::shared_ptr<StreamState>& st) {
  auto* c = stream.add_subcommand("schedule", "replace a stream's schedule (a live run keeps running)");
  c->add_option("stream", st->ref, "stream id or name")->required();
  c->add_option("--start-at", st->times.start_at, "TIME: ISO 8601 or +90s");
  auto* end = c->add_option("--end-at", st->times.end_at, "TIME: ISO 8601 or +2h");
  c->add_option("--duration", st->times.duration, "DUR: 90s, 15m, 2h, 1h30m")->excludes(end);
  c->add_option("--repeat", st->spec.repeat, "daily or weekly:mon,wed,...");
  c->add_flag("--clear", st->clear, "remove the schedule");
  example(c, "ffleet stream schedule cam1 --start-at 2026-11-24T18:00:00Z --duration 2h --repeat daily");
  c->callback([&g, st] {
    g.action = [&g, st] {
      proto::StreamSchedule m;
      m.user = g.user;
      m.ref = st->ref;
      m.clear = st->clear;
      proto::StreamSpec spec;
      if (Status s = parse_times(st->times, spec); !s) return die(kExitUsage, s.message());
      m.start_at_ms = spec.start_at_ms;
      m.end_at_ms = spec.end_at_ms;
      m.duration_ms = spec.duration_ms;
      m.repeat = st->spec.repeat;
      if (!m.clear && m.start_at_ms == 0 && m.end_at_ms == 0 && m.duration_ms == 0 && m.repeat.empty())
        return die(kExitUsage, "stream schedule: give --start-at, --end-at, --duration, --repeat or --clear");
      return run(g, m, [&](const proto::Reply& r) {
        if (r.streams.empty()) return;
        if (g.json) std::cout << stream_json(r.streams.front(), false).dump(2, ' ', false, kReplace) << "\n";
        else std::cout << schedule_line(r.streams.front()) << "\n";
      });
    };
  });
}

}  // namespace

void add_stream_commands(CLI::App& app, Globals& g) {
  auto* stream = app.add_subcommand("stream", "define, start, stop and inspect streams");
  stream->require_subcommand(1);
  stream->fallthrough();
  example(stream, "ffleet stream ls");
  auto st = std::make_shared<StreamState>();
  add_add(*stream, g, st);
  add_actions(*stream, g, st);
  add_show_logs_ls(*stream, g, st);
  add_schedule(*stream, g, st);
  add_thumbnail(*stream, g, st);
}

}  // namespace ffleet::cli
