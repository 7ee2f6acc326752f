// What ffmpeg may touch: the lexical rules shared by controller and agent.
// Each row is an attack of security issue 9 (or a case that must still pass).
#include "ffleet/common/confine.hpp"

#include <gtest/gtest.h>

namespace ffleet::confine {
namespace {

proto::StreamSpec spec(std::vector<std::string> in, std::vector<std::string> out, std::string fmt = "") {
  proto::StreamSpec s;
  s.inputs = std::move(in);
  s.outputs = std::move(out);
  s.input_format = std::move(fmt);
  return s;
}

Policy host() {
  Policy p;
  p.media_roots = {"/srv/media"};
  p.output_roots = {"/srv/out"};
  p.protocols = default_protocols();
  return p;
}

struct Row {
  const char* what;
  proto::StreamSpec spec;
  const char* refusal;  // "" if allowed; else a part of the message (the rule)
};

void expect(const Row& r, const Status& st) {
  if (*r.refusal == '\0') {
    EXPECT_TRUE(st.is_ok()) << r.what << ": " << st.message();
  } else {
    EXPECT_FALSE(st.is_ok()) << r.what;
    EXPECT_NE(st.message().find(r.refusal), std::string::npos) << r.what << ": " << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << r.what << ": one line";
  }
}

TEST(Confine, RulesThatNeedNoAgent) {
  const Row rows[] = {
      {"lavfi source to null", spec({"testsrc2=size=320x240:rate=25"}, {"null"}, "lavfi"), ""},
      {"lavfi with instance and labels", spec({"testsrc2@k1-a-=size=160x120[out0]"}, {"-"}, "lavfi"), ""},
      {"lavfi chain", spec({"testsrc2=s=320x240,scale=160:120,fps=10;sine[out1]"}, {"null"}, "lavfi"), ""},
      {"drawtext with text only", spec({"testsrc2,drawtext=text=hello:x=10:y=10"}, {"null"}, "lavfi"), ""},
      {"metadata writes a file", spec({"testsrc2,metadata=mode=print:file=/tmp/x"}, {"null"}, "lavfi"),
       "rule lavfi: lavfi filter 'metadata'"},
      {"ametadata", spec({"sine,ametadata=mode=print:file=/tmp/x"}, {"null"}, "lavfi"), "rule lavfi"},
      {"drawtext textfile", spec({"testsrc2,drawtext=textfile=/root/secret"}, {"null"}, "lavfi"),
       "option textfile names a file"},
      {"drawtext fontfile", spec({"testsrc2,drawtext=fontfile=/etc/shadow:text=a"}, {"null"}, "lavfi"),
       "option fontfile"},
      {"drawtext positional", spec({"testsrc2,drawtext=/etc/shadow"}, {"null"}, "lavfi"), "key=value"},
      {"movie", spec({"movie=/etc/passwd"}, {"null"}, "lavfi"), "lavfi filter 'movie'"},
      {"amovie", spec({"amovie=/etc/passwd"}, {"null"}, "lavfi"), "rule lavfi"},
      {"sendcmd", spec({"testsrc2,sendcmd=f=/tmp/cmds"}, {"null"}, "lavfi"), "rule lavfi"},
      {"zmq", spec({"testsrc2,zmq"}, {"null"}, "lavfi"), "rule lavfi"},
      {"subtitles", spec({"testsrc2,subtitles=/etc/passwd"}, {"null"}, "lavfi"), "rule lavfi"},
      {"psnr stats_file", spec({"testsrc2[a];testsrc2[b];[a][b]psnr=stats_file=/tmp/x"}, {"null"}, "lavfi"),
       "rule lavfi"},
      {"quoting", spec({"testsrc2,drawtext=text='a\\,movie=/etc/passwd'"}, {"null"}, "lavfi"), "quoting"},
      {"escaping", spec({"testsrc2,drawtext=text=a\\;movie=/x"}, {"null"}, "lavfi"), "quoting"},
      {"option from file (ffmpeg 6.1)", spec({"testsrc2,drawtext=/text=/etc/passwd"}, {"null"}, "lavfi"),
       "not a plain name"},
      {"sws_flags prefix", spec({"sws_flags=bicubic;testsrc2"}, {"null"}, "lavfi"), "rule lavfi"},
      {"empty filter", spec({"testsrc2,,scale=1:1"}, {"null"}, "lavfi"), "empty filter"},
      {"graph as option", spec({"-i"}, {"null"}, "lavfi"), "rule option-injection"},
      {"input as option", spec({"-i"}, {"null"}), "rule option-injection"},
      {"output as option", spec({"/srv/media/a.mp4"}, {"-report"}), "rule option-injection"},
      {"encoder as option", [] {
         auto s = spec({"/srv/media/a.mp4"}, {"null"});
         s.encoder = "-report";
         return s;
       }(),
       "rule option-injection"},
      {"tty input format", spec({"/root/secret"}, {"null"}, "tty"), "rule input-format"},
      {"x11grab", spec({":0.0"}, {"null"}, "x11grab"), "rule input-format"},
      {"concat format", spec({"/srv/media/list.txt"}, {"null"}, "concat"), "rule input-format"},
      {"concat protocol", spec({"concat:/etc/passwd|/etc/shadow"}, {"null"}), "rule protocol"},
      {"subfile protocol", spec({"subfile,,start,0,end,0,:/etc/passwd"}, {"null"}), "rule protocol"},
      {"gopher", spec({"gopher://internal/"}, {"null"}), "rule protocol"},
      {"hls+http nested", spec({"hls+http://x/a.m3u8"}, {"null"}), "rule protocol"},
      {"tee output", spec({"/srv/media/a.mp4"}, {"tee:[f=flv]rtmp://x"}), "rule protocol"},
      {"relative output climbing", spec({"/srv/media/a.mp4"}, {"../x"}), "rule output-roots"},
      {"relative input climbing", spec({"a/../../etc/passwd"}, {"null"}), "rule media-roots"},
      {"playlist of URLs", spec({"/srv/media/a.mp4", "http://x/b.mp4"}, {"null"}), "rule playlist"},
      {"several lavfi", spec({"testsrc2", "sine"}, {"null"}, "lavfi"), "rule playlist"},
      {"relative paths are the agent's to judge", spec({"in.mp4"}, {"out.ts"}), ""},
      {"outside roots: no agent to judge", spec({"/root/secret"}, {"/etc/cron.d/x"}), ""},
  };
  for (const auto& r : rows) expect(r, check_spec(r.spec));
}

TEST(Confine, RulesOfOneHost) {
  Policy no_http = host();
  no_http.protocols = {"file", "rtmp"};
  const Row rows[] = {
      {"file in the roots", spec({"/srv/media/a.mp4"}, {"/srv/out/a.ts"}), ""},
      {"file: prefix", spec({"file:/srv/media/a.mp4"}, {"file:/srv/out/a.ts"}), ""},
      {"rtmp out", spec({"/srv/media/a.mp4"}, {"rtmp://127.0.0.1/live/k"}), ""},
      {"input outside", spec({"/root/secret"}, {"null"}), "rule media-roots: --input #1 '/root/secret'"},
      {"input climbing out", spec({"/srv/media/../../etc/passwd"}, {"null"}), "rule media-roots"},
      {"prefix is not a parent", spec({"/srv/media2/a.mp4"}, {"null"}), "rule media-roots"},
      {"output to cron", spec({"/srv/media/a.mp4"}, {"/etc/cron.d/x"}), "rule output-roots"},
      {"output climbing out", spec({"/srv/media/a.mp4"}, {"/srv/out/../x"}), "rule output-roots"},
      {"output into media", spec({"/srv/media/a.mp4"}, {"/srv/media/b.ts"}), "rule output-roots"},
      {"hls out", spec({"/srv/media/a.mp4"}, {"/srv/out/live.m3u8"}), ""},
  };
  for (const auto& r : rows) expect(r, check_spec(r.spec, host()));
  expect({"http when not allowed", {}, "rule protocol"},
         check_spec(spec({"http://169.254.169.254/latest"}, {"null"}), no_http));
  expect({"hls when not allowed", {}, "HLS is not allowed"},
         check_spec(spec({"/srv/media/a.m3u8"}, {"null"}), no_http));
  Policy nothing = host();
  nothing.media_roots.clear();
  expect({"no media root", {}, "none configured: start ffleet-agent with --media-root DIR"},
         check_spec(spec({"/srv/media/a.mp4"}, {"null"}), nothing));
}

TEST(Confine, Normalize) {
  EXPECT_EQ(normalize("/a/./b//c/"), "/a/b/c");
  EXPECT_EQ(normalize("/a/../../b"), "/b");
  EXPECT_EQ(normalize("/.."), "/");
  EXPECT_EQ(normalize("a/../../b"), "../b");
  EXPECT_TRUE(under("/srv/out", "/srv/out"));
  EXPECT_TRUE(under("/srv/out/x", "/srv/out"));
  EXPECT_FALSE(under("/srv/outside", "/srv/out"));
  EXPECT_TRUE(under("/x", "/"));
}

TEST(Confine, EveryInputGetsTheWhitelistOfItsOwnProtocol) {
  const Policy p = host();
  EXPECT_EQ(input_whitelist("/srv/media/a.mp4", "", p), "file");
  EXPECT_EQ(input_whitelist("/srv/media/a.m3u8", "", p), "file,crypto");
  EXPECT_EQ(input_whitelist("rtmp://h/live/k", "", p), "rtmp,tcp");
  EXPECT_EQ(input_whitelist("rtmps://h/live/k", "", p), "rtmps,tls,tcp");
  EXPECT_EQ(input_whitelist("srt://h:9000", "", p), "srt");
  EXPECT_EQ(input_whitelist("udp://239.0.0.1:1234", "", p), "udp");
  EXPECT_EQ(input_whitelist("http://h/a.mp4", "", p), "http,tcp");
  EXPECT_EQ(input_whitelist("https://h/live.m3u8?t=1", "", p), "https,tls,tcp,crypto,http");
  EXPECT_EQ(input_whitelist("testsrc2", "lavfi", p), "none");
  Policy tls_only = p;
  tls_only.protocols = {"https", "hls"};
  EXPECT_EQ(input_whitelist("https://h/live.m3u8", "", tls_only), "https,tls,tcp,crypto");
}

TEST(Confine, InputFormats) {
  for (const char* f : {"lavfi", "flv", "mpegts", "mp4", "matroska", "hls"}) EXPECT_TRUE(input_format_allowed(f)) << f;
  for (const char* f : {"tty", "x11grab", "v4l2", "alsa", "pulse", "fbdev", "kmsgrab", "concat", "sdp", "dash", "rtsp"})
    EXPECT_FALSE(input_format_allowed(f)) << f;
}

}  // namespace
}  // namespace ffleet::confine

namespace ffleet::confine {
namespace {

// Found in review: librtmp reads options after a space in an RTMP URL
// (swfUrl=http://169.254.169.254/ swfVfy=1) and fetches them itself.
TEST(Confine, AUrlWithBlanksIsRefused) {
  for (const char* u : {"rtmp://h/app/k swfUrl=http://169.254.169.254/ swfVfy=1", "rtmp://h/app/k\tx=1",
                        "http://h/a\nb"}) {
    auto st = check_spec(spec({"testsrc2"}, {u}, "lavfi"));
    ASSERT_FALSE(st.is_ok()) << u;
    EXPECT_NE(st.message().find("spaces or control characters"), std::string::npos) << st.message();
  }
  EXPECT_TRUE(check_spec(spec({"testsrc2"}, {"rtmp://h/app/k%20x"}, "lavfi")).is_ok());
}

}  // namespace
}  // namespace ffleet::confine
