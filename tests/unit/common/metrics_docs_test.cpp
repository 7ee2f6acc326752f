// docs/metrics.md lists exactly the metrics of the daemons' tables, with their
// types: the page cannot drift from what a scrape shows.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "loop/metrics.hpp"
#include "metrics.hpp"

namespace {

std::map<std::string, std::string> documented() {
  std::ifstream f(std::string(FFLEET_FIXTURES_DIR) + "/../../docs/metrics.md");
  EXPECT_TRUE(f.good()) << "docs/metrics.md not found";
  std::map<std::string, std::string> out;
  std::string line;
  const std::regex row(R"(^\| `(ffleet_[a-z0-9_]+)` \| (counter|gauge|histogram) \|)");
  while (std::getline(f, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) {
      EXPECT_FALSE(out.count(m[1])) << m[1] << " is listed twice";
      out[m[1]] = m[2];
    }
  }
  return out;
}

TEST(MetricsDocs, ListExactlyTheTablesNamesAndTypes) {
  std::map<std::string, std::string> tables;
  for (const auto* t : {&ffleet::controller::LoopMetrics::table(), &ffleet::agent::AgentMetrics::table()})
    for (const auto& d : *t) tables[d.name] = std::string(ffleet::metrics::to_string(d.type));
  EXPECT_EQ(documented(), tables);
}

TEST(MetricsDocs, TablesAreValidAndRenderEveryName) {
  // Constructing a registry checks the names (prefix, _total, unit suffix).
  ffleet::controller::LoopMetrics c;
  const auto text = c.render();
  for (const auto& d : ffleet::controller::LoopMetrics::table())
    EXPECT_NE(text.find("# TYPE " + d.name + " "), std::string::npos) << d.name;
  ffleet::agent::AgentMetrics a;
  EXPECT_EQ(a.registry().defs().size(), ffleet::agent::AgentMetrics::table().size());
}

}  // namespace
