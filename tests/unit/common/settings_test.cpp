// The settings table: values shown as TOML that parses back to the same
// value (odd bytes and quotes included), secrets masked, and what a reload
// compares and copies.
#include "ffleet/common/settings.hpp"

#include <gtest/gtest.h>

namespace ffleet::settings {
namespace {

struct Opts {
  std::int64_t n = 5;
  bool b = true;
  std::string s = "plain";
  std::vector<std::string> l;
  IntMap m{{"nvenc", 3}};
};

Table table(Opts& o) {
  Table t;
  t.program = "test";
  t.rows = {integer("n", &o.n, 0, 10).live(), boolean("b", &o.b), text("s", &o.s).live(), list("l", &o.l, ':'),
            int_map("m", [&o] { return o.m; }, [&o](const IntMap& m) { o.m = m; }, 0, 100).live()};
  return t;
}

TEST(Settings, ValuesPrintAsTomlThatReadsBackTheSame) {
  Opts o;
  o.s = std::string("quote\" back\\slash \x01 tab\t caf\xc3\xa9 end");
  o.l = {"/srv/a b", "/x\"y"};
  o.m = {{"nvenc", 5}, {"odd key", 2}};
  auto t = table(o);
  std::string doc;
  for (const auto& r : t.rows) doc += std::string(r.key) + " = " + toml_value(r, false) + "\n";
  Opts back;
  back.m.clear();
  ASSERT_TRUE(apply_toml(doc, "printed", table(back))) << doc;
  EXPECT_EQ(back.s, o.s);
  EXPECT_EQ(back.l, o.l);
  EXPECT_EQ(back.m, o.m);
  // A byte that is not UTF-8 (from the environment) still prints as TOML that parses.
  o.s = "latin1 \xe9 end";
  doc = "s = " + toml_value(*table(o).find("s"), false) + "\n";
  ASSERT_TRUE(apply_toml(doc, "printed", table(back))) << doc;
  EXPECT_NE(back.s.find(" end"), std::string::npos);
}

TEST(Settings, CredentialsInUrlsAreMaskedWhenShown) {
  Opts o;
  o.s = "rtmp://live.example.com/app/sk_live_0123456789abcdef";
  o.l = {"tcp://ops:hunter22@10.0.0.1:7700"};
  auto t = table(o);
  const std::string shown = render(t, {{"s", "env S"}}, "");
  EXPECT_EQ(shown.find("sk_live_0123456789abcdef"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("hunter22"), std::string::npos) << shown;
  EXPECT_NE(shown.find("s = \"rtmp://live.example.com/app/"), std::string::npos) << shown;
  EXPECT_NE(shown.find("# env S"), std::string::npos);
  EXPECT_NE(shown.find("n = 5  # default"), std::string::npos);
}

TEST(Settings, DiffNamesEachChangeWithItsReloadModeAndCopyAppliesOne) {
  Opts running, next;
  next.n = 7;
  next.b = false;
  next.m["qsv"] = 4;
  next.s = "tcp://u:secret-one@h:1";
  running.s = "tcp://u:secret-two@h:1";  // differs only in the masked part
  auto tr = table(running), tn = table(next);
  auto changes = diff(tr, tn);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].key, "n");
  EXPECT_EQ(changes[0].before, "5");
  EXPECT_EQ(changes[0].after, "7");
  EXPECT_EQ(changes[0].reload, Reload::kLive);
  EXPECT_EQ(changes[1].key, "b");
  EXPECT_EQ(changes[1].reload, Reload::kRestart);
  EXPECT_EQ(changes[2].key, "s");
  EXPECT_EQ(changes[2].before.find("secret"), std::string::npos);
  EXPECT_EQ(changes[3].key, "m");
  copy(tn, tr, "n");
  copy(tn, tr, "m");
  EXPECT_EQ(running.n, 7);
  EXPECT_EQ(running.m, next.m);
  EXPECT_TRUE(running.b);  // not copied
}

TEST(Settings, ExampleUncommentedGivesTheDefaults) {
  Opts defaults;
  std::string ex = example(table(defaults), "# header\n");
  std::string live;
  std::size_t pos = 0;
  while (pos < ex.size()) {
    auto end = ex.find('\n', pos);
    std::string line = ex.substr(pos, end - pos);
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ') line.erase(0, 1);
    live += line + "\n";
    pos = end + 1;
  }
  Opts o;
  o.n = 9;
  o.m.clear();
  ASSERT_TRUE(apply_toml(live, "example", table(o))) << live;
  EXPECT_EQ(o.n, 5);
  EXPECT_EQ(o.m, defaults.m);
}

TEST(Settings, AnUnknownKeyOrWrongTypeNamesFileLineAndKeyAndOriginsAreRecorded) {
  Opts o;
  Origins origins;
  auto s = apply_toml("n = 3\n\nbogus = 1\n", "/etc/x.toml", table(o), &origins);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "config /etc/x.toml:3: key 'bogus' is not a setting of test (see docs/configuration.md)");
  s = apply_toml("n = 3\nl = \"x\"\n", "/etc/x.toml", table(o), &origins);
  EXPECT_EQ(s.message(), "config /etc/x.toml:2: key 'l' must be an array of strings");
  origins.clear();
  ASSERT_TRUE(apply_toml("b = false\nn = 2\n", "f.toml", table(o), &origins));
  EXPECT_EQ(origins["n"], "f.toml:2");
}

}  // namespace
}  // namespace ffleet::settings
