// Prometheus metrics for the daemons: counters, gauges and histograms with
// labels, rendered in the text exposition format (version 0.0.4).
//
// Each daemon declares its metrics in ONE table of Defs (name, type, help,
// unit, label names, buckets); a Registry holds the values of those metrics
// only, the exposition's HELP/TYPE lines and docs/metrics.md come from that
// table (tests/unit/common/metrics_docs_test.cpp checks the docs list exactly
// those names). A family without labels starts with one series at 0; a family
// without series is still rendered (HELP and TYPE), so a scrape always shows
// every name.
//
// A Registry is not thread-safe: the event loop owns it and hands the
// rendered text to the HTTP thread (metrics_server.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ffleet::metrics {

enum class Type { kCounter, kGauge, kHistogram };
std::string_view to_string(Type t);

struct Def {
  std::string name;                 // ffleet_<role>_..., _total for counters, base unit suffix
  Type type = Type::kGauge;
  std::string help;                 // one line for people
  std::string unit;                 // "seconds", "bytes", "ratio", "" (a count)
  std::vector<std::string> labels;  // label names, in the order values are given
  std::vector<double> buckets;      // histograms: upper bounds, ascending (+Inf is added)
};

// Histogram buckets for latencies from 1 ms to 10 s.
std::vector<double> latency_buckets();

using Labels = std::vector<std::string>;  // values, in the order of Def::labels

class Registry {
 public:
  // Throws std::invalid_argument on a malformed table (a bug): a bad name, a
  // duplicate, a counter without _total.
  explicit Registry(std::vector<Def> defs);

  // Each throws std::invalid_argument for a name not in the table or the
  // wrong number of label values (a bug in the caller).
  void add(std::string_view name, const Labels& labels = {}, double by = 1);  // counter
  // A gauge; or a counter mirrored from a cumulative figure kept elsewhere
  // (ffmpeg's frame count), which goes down only when its source restarts.
  void set(std::string_view name, const Labels& labels, double value);
  void set(std::string_view name, double value) { set(name, {}, value); }
  void observe(std::string_view name, const Labels& labels, double value);    // histogram
  void observe(std::string_view name, double value) { observe(name, {}, value); }
  // Forgets every series of a family (per-stream gauges rebuilt each round).
  void clear(std::string_view name);
  // Forgets every series whose label `label` has `value`, in every family
  // (a stream's series when its run ends). Returns how many went.
  std::size_t remove_where(std::string_view label, std::string_view value);
  // Series held by a family (leak checks).
  std::size_t series(std::string_view name) const;

  std::string render() const;
  const std::vector<Def>& defs() const { return defs_; }

 private:
  struct Series {
    double value = 0;                   // counter, gauge; histogram sum
    std::uint64_t count = 0;            // histogram
    std::vector<std::uint64_t> bucket;  // histogram, not cumulative
  };
  struct Family {
    std::size_t def;
    std::map<Labels, Series> series;
  };
  Family& family(std::string_view name, Type want, const Labels& labels);

  std::vector<Def> defs_;
  std::map<std::string, Family, std::less<>> families_;
};

// Text escaping of the exposition format: a label value (\\, \", \n) and a
// HELP text (\\, \n).
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
// A sample value as the format wants it: shortest round-trip, +Inf, -Inf, NaN.
std::string format_value(double v);

}  // namespace ffleet::metrics
