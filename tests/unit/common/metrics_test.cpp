#include "ffleet/common/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "ffleet/common/metrics_server.hpp"

namespace ffleet::metrics {
namespace {

Registry sample() {
  return Registry({
      {"ffleet_test_runs_total", Type::kCounter, "Runs.", "", {"reason"}, {}},
      {"ffleet_test_streams", Type::kGauge, "Streams \\ by state\nsecond line", "", {"stream", "stream_id"}, {}},
      {"ffleet_test_lag_seconds", Type::kHistogram, "Lag.", "seconds", {}, {0.1, 1}},
  });
}

TEST(Metrics, EmptyFamiliesStillShowHelpAndTypeAndUnlabelledOnesStartAtZero) {
  EXPECT_EQ(sample().render(),
            "# HELP ffleet_test_runs_total Runs.\n# TYPE ffleet_test_runs_total counter\n"
            "# HELP ffleet_test_streams Streams \\\\ by state\\nsecond line\n# TYPE ffleet_test_streams gauge\n"
            "# HELP ffleet_test_lag_seconds Lag.\n# TYPE ffleet_test_lag_seconds histogram\n"
            "ffleet_test_lag_seconds_bucket{le=\"0.1\"} 0\nffleet_test_lag_seconds_bucket{le=\"1\"} 0\n"
            "ffleet_test_lag_seconds_bucket{le=\"+Inf\"} 0\nffleet_test_lag_seconds_sum 0\n"
            "ffleet_test_lag_seconds_count 0\n");
}

TEST(Metrics, CountersGaugesAndLabelEscaping) {
  auto r = sample();
  r.add("ffleet_test_runs_total", {"exited"});
  r.add("ffleet_test_runs_total", {"exited"}, 2);
  r.set("ffleet_test_streams", {"a \"quoted\" \\ name\nx", "7"}, 1.5);
  const auto text = r.render();
  EXPECT_NE(text.find("ffleet_test_runs_total{reason=\"exited\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ffleet_test_streams{stream=\"a \\\"quoted\\\" \\\\ name\\nx\",stream_id=\"7\"} 1.5\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  auto r = sample();
  r.observe("ffleet_test_lag_seconds", 0.05);
  r.observe("ffleet_test_lag_seconds", 0.1);  // on the bound: counts in le="0.1"
  r.observe("ffleet_test_lag_seconds", 0.5);
  r.observe("ffleet_test_lag_seconds", 7);
  const auto text = r.render();
  EXPECT_NE(text.find("ffleet_test_lag_seconds_bucket{le=\"0.1\"} 2\n"
                      "ffleet_test_lag_seconds_bucket{le=\"1\"} 3\n"
                      "ffleet_test_lag_seconds_bucket{le=\"+Inf\"} 4\n"
                      "ffleet_test_lag_seconds_sum 7.65\n"
                      "ffleet_test_lag_seconds_count 4\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, RemoveWhereDropsEveryFamilysSeriesOfThatLabelValue) {
  auto r = sample();
  r.set("ffleet_test_streams", {"one", "1"}, 1);
  r.set("ffleet_test_streams", {"two", "2"}, 1);
  EXPECT_EQ(r.remove_where("stream_id", "1"), 1u);
  EXPECT_EQ(r.series("ffleet_test_streams"), 1u);
  EXPECT_EQ(r.render().find("\"one\""), std::string::npos);
  r.clear("ffleet_test_streams");
  EXPECT_EQ(r.series("ffleet_test_streams"), 0u);
}

TEST(Metrics, MisuseIsABug) {
  auto r = sample();
  EXPECT_THROW(r.add("ffleet_test_nope_total"), std::invalid_argument);
  EXPECT_THROW(r.add("ffleet_test_runs_total"), std::invalid_argument);  // a label value missing
  EXPECT_THROW(r.observe("ffleet_test_streams", {"a", "1"}, 1), std::invalid_argument);
  EXPECT_THROW(r.add("ffleet_test_runs_total", {"x"}, -1), std::invalid_argument);
  EXPECT_THROW(Registry({{"ffleet_x", Type::kCounter, "", "", {}, {}}}), std::invalid_argument);      // no _total
  EXPECT_THROW(Registry({{"ffleet_x_total", Type::kGauge, "", "", {}, {}}}), std::invalid_argument);  // _total gauge
  EXPECT_THROW(Registry({{"ffleet_x", Type::kGauge, "", "seconds", {}, {}}}), std::invalid_argument);  // unit not in name
  EXPECT_THROW(Registry({{"ffleet_x", Type::kGauge, "", "", {"le"}, {}}}), std::invalid_argument);
  EXPECT_THROW(Registry({{"other_x", Type::kGauge, "", "", {}, {}}}), std::invalid_argument);
}

TEST(Metrics, Values) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
}

TEST(MetricsAddress, Forms) {
  auto a = parse_address("127.0.0.1:9101");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9101);
  a = parse_address("9102");  // a bare port is loopback
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  a = parse_address(":0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  a = parse_address("[::1]:9103");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  for (const char* bad : {"", "host:", "host:99999", "host:12x", "::1:80", "[::1]", "a:-1"})
    EXPECT_FALSE(parse_address(bad)) << bad;
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.1.2.3"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
}

}  // namespace
}  // namespace ffleet::metrics
