#include "ffleet/common/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace ffleet::metrics {
namespace {

bool valid_name(std::string_view n) {
  if (n.empty() || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void labels_text(std::string& out, const std::vector<std::string>& names, const Labels& values,
                 std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string_view to_string(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

Registry::Registry(std::vector<Def> defs) : defs_(std::move(defs)) {
  std::set<std::string> label_bad = {"le", "quantile"};
  for (std::size_t i = 0; i < defs_.size(); ++i) {
    const Def& d = defs_[i];
    if (!valid_name(d.name) || d.name.rfind("ffleet_", 0) != 0)
      throw std::invalid_argument("metric name " + d.name + ": not ffleet_[a-z0-9_]*");
    if ((d.type == Type::kCounter) != ends_with(d.name, "_total"))
      throw std::invalid_argument("metric " + d.name + ": counters, and only counters, end in _total");
    if (d.type == Type::kHistogram && d.buckets.empty())
      throw std::invalid_argument("metric " + d.name + ": a histogram needs buckets");
    if (!std::is_sorted(d.buckets.begin(), d.buckets.end()))
      throw std::invalid_argument("metric " + d.name + ": buckets must ascend");
    if (!d.unit.empty() && !ends_with(d.name, "_" + d.unit) && !ends_with(d.name, "_" + d.unit + "_total"))
      throw std::invalid_argument("metric " + d.name + ": the name must end in its unit " + d.unit);
    for (const auto& l : d.labels)
      if (!valid_name(l) || l.rfind("__", 0) == 0 || label_bad.count(l))
        throw std::invalid_argument("metric " + d.name + ": bad label name " + l);
    auto [it, fresh] = families_.emplace(d.name, Family{i, {}});
    if (!fresh) throw std::invalid_argument("metric " + d.name + " is defined twice");
    // A family without labels starts at 0, so rate() and increase() have a
    // first sample (Prometheus' advice for counters).
    if (d.labels.empty()) it->second.series[{}].bucket.assign(d.buckets.size(), 0);
  }
}

Registry::Family& Registry::family(std::string_view name, Type want, const Labels& labels) {
  auto it = families_.find(name);
  if (it == families_.end()) throw std::invalid_argument("no metric " + std::string(name));
  const Def& d = defs_[it->second.def];
  if (d.type != want) throw std::invalid_argument("metric " + d.name + " is a " + std::string(to_string(d.type)));
  if (labels.size() != d.labels.size())
    throw std::invalid_argument("metric " + d.name + ": " + std::to_string(d.labels.size()) + " label values expected");
  return it->second;
}

void Registry::add(std::string_view name, const Labels& labels, double by) {
  if (!(by >= 0)) throw std::invalid_argument("counter " + std::string(name) + " cannot go down");
  family(name, Type::kCounter, labels).series[labels].value += by;
}

void Registry::set(std::string_view name, const Labels& labels, double value) {
  auto it = families_.find(name);
  const bool counter = it != families_.end() && defs_[it->second.def].type == Type::kCounter;
  family(name, counter ? Type::kCounter : Type::kGauge, labels).series[labels].value = value;
}

void Registry::observe(std::string_view name, const Labels& labels, double value) {
  Family& f = family(name, Type::kHistogram, labels);
  const auto& b = defs_[f.def].buckets;
  Series& s = f.series[labels];
  if (s.bucket.empty()) s.bucket.assign(b.size(), 0);
  const auto i = static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), value) - b.begin());
  if (i < b.size()) ++s.bucket[i];
  ++s.count;
  s.value += value;
}

void Registry::clear(std::string_view name) {
  auto it = families_.find(name);
  if (it == families_.end()) throw std::invalid_argument("no metric " + std::string(name));
  it->second.series.clear();
}

std::size_t Registry::remove_where(std::string_view label, std::string_view value) {
  std::size_t n = 0;
  for (auto& [name, f] : families_) {
    const auto& names = defs_[f.def].labels;
    const auto pos = std::find(names.begin(), names.end(), label);
    if (pos == names.end()) continue;
    const auto i = static_cast<std::size_t>(pos - names.begin());
    n += std::erase_if(f.series, [&](const auto& kv) { return kv.first[i] == value; });
  }
  return n;
}

std::size_t Registry::series(std::string_view name) const {
  auto it = families_.find(name);
  return it == families_.end() ? 0 : it->second.series.size();
}

std::string Registry::render() const {
  std::string out;
  for (const Def& d : defs_) {
    const Family& f = families_.find(d.name)->second;
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", d.name, escape_help(d.help), d.name, to_string(d.type));
    for (const auto& [labels, s] : f.series) {
      if (d.type != Type::kHistogram) {
        out += d.name;
        labels_text(out, d.labels, labels);
        out += ' ';
        out += format_value(s.value);
        out += '\n';
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= d.buckets.size(); ++i) {
        const bool inf = i == d.buckets.size();
        cumulative = inf ? s.count : cumulative + s.bucket[i];
        out += d.name + "_bucket";
        labels_text(out, d.labels, labels, "le", inf ? "+Inf" : format_value(d.buckets[i]));
        out += ' ' + std::to_string(cumulative) + '\n';
      }
      out += d.name + "_sum";
      labels_text(out, d.labels, labels);
      out += ' ' + format_value(s.value) + '\n';
      out += d.name + "_count";
      labels_text(out, d.labels, labels);
      out += ' ' + std::to_string(s.count) + '\n';
    }
  }
  return out;
}

}  // namespace ffleet::metrics
