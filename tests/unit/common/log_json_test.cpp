// --log-format json: every line one JSON object that parses, with the
// message split into event and fields when it reads cleanly.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include "ffleet/common/log.hpp"
#include "ffleet/common/log_json.hpp"
#include "ffleet/common/text.hpp"

namespace ffleet::log {
namespace {

std::vector<nlohmann::json> lines_of(const std::string& out) {
  std::vector<nlohmann::json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) v.push_back(nlohmann::json::parse(line));  // throws if not JSON
  return v;
}

std::string logged(const std::function<void(spdlog::logger&)>& fn) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_formatter(json_formatter());
  spdlog::logger l("agent.runner", sink);
  l.set_level(spdlog::level::trace);
  fn(l);
  return out.str();
}

TEST(LogJson, OneObjectPerLineWithTheMessageSplitIntoFields) {
  const auto v = lines_of(logged([](spdlog::logger& l) {
    l.info("run_started stream={} run={} agent={} cmd=\"{}\"", 7, 3, "a1", "ffmpeg -re -i x");
    l.warn("loop_lag ms=1200 where=wake");
  }));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0]["level"], "info");
  EXPECT_EQ(v[0]["component"], "agent.runner");
  EXPECT_EQ(v[0]["msg"], "run_started stream=7 run=3 agent=a1 cmd=\"ffmpeg -re -i x\"");
  EXPECT_EQ(v[0]["event"], "run_started");
  EXPECT_EQ(v[0]["fields"]["stream"], "7");
  EXPECT_EQ(v[0]["fields"]["agent"], "a1");
  EXPECT_EQ(v[0]["fields"]["cmd"], "ffmpeg -re -i x");
  EXPECT_EQ(v[1]["level"], "warning");
  EXPECT_EQ(v[1]["fields"]["ms"], "1200");
  // The project's timestamp: UTC, milliseconds.
  const std::string ts = v[0]["ts"];
  ASSERT_EQ(ts.size(), 24u) << ts;
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(LogJson, ControlCharactersAndInvalidUtf8CannotBreakOrForgeALine) {
  const std::string evil = "a\nb\r\"c\\\x01\x1b[2J\xff\xc3(\x7f";
  const std::string out = logged([&](spdlog::logger& l) { l.error("handler_failed error=\"{}\"", evil); });
  // One line, valid UTF-8, no raw control character in it.
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_TRUE(text::valid_utf8(out));
  for (unsigned char c : out.substr(0, out.size() - 1)) EXPECT_FALSE(c < 0x20 || c == 0x7f) << int(c);
  const auto v = lines_of(out);
  ASSERT_EQ(v.size(), 1u);
  const std::string msg = v[0]["msg"];
  EXPECT_EQ(msg, "handler_failed error=\"" + text::relayed(evil) + "\"");
}

TEST(LogJson, SplitTakesQuotedValuesWithQuotesAndSpacesInside) {
  auto s = split_message("store_failed during=\"request \"x\" y\" error=\"disk full\"");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->event, "store_failed");
  ASSERT_EQ(s->fields.size(), 2u);
  EXPECT_EQ(s->fields[0].second, "request \"x\" y");
  EXPECT_EQ(s->fields[1].second, "disk full");
}

TEST(LogJson, SplitWithoutAnEvent) {
  auto s = split_message("keys=curve public_key=abc");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->event, "");
  ASSERT_EQ(s->fields.size(), 2u);
  EXPECT_EQ(s->fields[0], (std::pair<std::string, std::string>{"keys", "curve"}));
}

TEST(LogJson, AMessageThatIsNotKeyValueIsKeptWholeAndNotSplit) {
  for (const char* m : {"ffmpeg said: could not open", "event key=\"unterminated", "event Key=1", "x =1", "a=b c"}) {
    EXPECT_FALSE(split_message(m)) << m;
    const auto v = lines_of(logged([&](spdlog::logger& l) { l.info("{}", m); }));
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0]["msg"], m);
    EXPECT_FALSE(v[0].contains("fields")) << m;
  }
  // Just an event.
  auto s = split_message("drain_done");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->event, "drain_done");
  EXPECT_TRUE(s->fields.empty());
}

TEST(LogJson, SetupRefusesAnUnknownFormat) {
  EXPECT_TRUE(check_format("text"));
  EXPECT_TRUE(check_format("json"));
  const Status s = setup("info", "yaml");
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("text, json"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace ffleet::log
