#include "placement/placement.hpp"

#include <algorithm>

#include "ffleet/common/encoders.hpp"

namespace ffleet::controller::placement {

bool needs_encoder(const proto::StreamSpec& spec) { return spec.mode != "copy"; }

namespace {
bool has_encoder_for(const proto::StreamSpec& spec, const Candidate& c) {
  if (!needs_encoder(spec)) return true;
  if (spec.encoder != "auto" && !spec.encoder.empty()) {
    if (std::find(c.encoders.begin(), c.encoders.end(), spec.encoder) == c.encoders.end()) return false;
    // A stream that insists on a hardware encoder needs a free session of it.
    auto it = c.free_sessions.find(ffleet::encoders::vendor_of(spec.encoder));
    return it == c.free_sessions.end() || it->second > 0;
  }
  // --encoder auto: the agent picks an H.264 encoder of the encoder table.
  return std::any_of(c.encoders.begin(), c.encoders.end(),
                     [](const std::string& e) { return ffleet::encoders::is_h264(e); });
}
}  // namespace

Result<std::string> choose(const proto::StreamSpec& spec, const std::vector<Candidate>& agents, const std::string& avoid) {
  int ready = 0, with_encoder = 0, confined_out = 0;
  std::vector<const Candidate*> fits;
  for (const auto& c : agents) {
    if (!c.accepts_work) continue;
    ++ready;
    // Only where the stream's inputs and outputs are allowed (lexically: the
    // agent checks real paths again before it spawns).
    if (!c.policy.protocols.empty() && !confine::check_spec(spec, c.policy)) {
      ++confined_out;
      continue;
    }
    if (!has_encoder_for(spec, c)) continue;
    ++with_encoder;
    if (c.active >= c.max_streams || c.behind) continue;
    fits.push_back(&c);
  }
  if (fits.empty()) {
    if (ready == 0) return Result<std::string>::failure("no ready agent");
    if (confined_out == ready)
      return Result<std::string>::failure("no ready agent may open this stream's inputs and outputs "
                                          "(media roots, output roots, protocols)");
    if (with_encoder == 0)
      return Result<std::string>::failure(spec.encoder != "auto" && !spec.encoder.empty()
                                              ? "no ready agent has encoder " + spec.encoder + " with a free session"
                                              : "no ready agent has an H.264 encoder");
    return Result<std::string>::failure("all " + std::to_string(with_encoder) + " ready agents are full");
  }
  // Least loaded first: by share of slots in use, then by host CPU; the
  // avoided agent only if it is the only one.
  std::stable_sort(fits.begin(), fits.end(), [&](const Candidate* a, const Candidate* b) {
    const bool av_a = a->name == avoid, av_b = b->name == avoid;
    if (av_a != av_b) return av_b;
    const double la = static_cast<double>(a->active) / static_cast<double>(std::max<std::int64_t>(1, a->max_streams));
    const double lb = static_cast<double>(b->active) / static_cast<double>(std::max<std::int64_t>(1, b->max_streams));
    if (la != lb) return la < lb;
    if (a->cpu_percent != b->cpu_percent) return a->cpu_percent < b->cpu_percent;
    return a->name < b->name;
  });
  return fits.front()->name;
}

}  // namespace ffleet::controller::placement
