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

std::string state_of(const Candidate& c) {
  if (!c.state.empty()) return c.state;
  return c.accepts_work ? "ready" : "not ready";
}

std::string listed(const std::vector<std::string>& v) {
  if (v.empty()) return "none";
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 8; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > 8) out += ", and " + std::to_string(v.size() - 8) + " more";
  return out;
}

// No agent takes work: which agents there are, and what brings one back.
std::string no_ready_agent(const std::vector<Candidate>& agents) {
  std::vector<std::string> known;
  bool draining = false;
  for (const auto& c : agents) {
    known.push_back(c.name + " (" + state_of(c) + ")");
    draining = draining || c.state == "draining";
  }
  std::string out = "no ready agent; agents known: " + listed(known);
  if (agents.empty()) out += "; start ffleet-agent with --controller pointing at this controller";
  else if (draining) out += "; `ffleet agent resume NAME` ends a drain";
  return out;
}

// No ready agent has the encoder: who has it at all (and why they do not
// take it), and the option that would let the stream run.
std::string no_encoder(const proto::StreamSpec& spec, const std::vector<Candidate>& agents) {
  const bool named = spec.encoder != "auto" && !spec.encoder.empty();
  std::vector<std::string> with;
  for (const auto& c : agents) {
    const bool has = named ? std::find(c.encoders.begin(), c.encoders.end(), spec.encoder) != c.encoders.end()
                           : std::any_of(c.encoders.begin(), c.encoders.end(),
                                         [](const std::string& e) { return ffleet::encoders::is_h264(e); });
    if (!has) continue;
    std::string why = state_of(c);
    if (c.accepts_work) why = has_encoder_for(spec, c) ? "may not open this stream's inputs and outputs" : "no free session";
    with.push_back(c.name + " (" + why + ")");
  }
  if (named)
    return "no ready agent has " + spec.encoder + (with.empty() ? "" : " with a free session") +
           "; agents with it: " + listed(with) + "; try --encoder auto";
  return "no ready agent has an H.264 encoder; agents with one: " + listed(with) +
         "; `ffleet agent detect NAME` tests an agent's encoders again";
}

}  // namespace

Result<std::string> choose(const proto::StreamSpec& spec, const std::vector<Candidate>& agents, const std::string& avoid) {
  int ready = 0, with_encoder = 0, confined_out = 0;
  std::vector<const Candidate*> fits;
  // Agents mostly share a policy: each distinct one is judged once per
  // decision (a judgement costs far more than comparing two policies).
  std::vector<std::pair<const Candidate*, bool>> judged;
  auto allowed = [&](const Candidate& c) {
    for (const auto& [seen, ok] : judged) {
      if (c.policy_key != 0 || seen->policy_key != 0) {
        if (seen->policy_key == c.policy_key) return ok;
        continue;
      }
      const confine::Policy &a = seen->policy, &b = c.policy;
      if (a.protocols == b.protocols && a.media_roots == b.media_roots && a.output_roots == b.output_roots) return ok;
    }
    const bool ok = confine::check_spec(spec, c.policy).is_ok();
    judged.emplace_back(&c, ok);
    return ok;
  };
  for (const auto& c : agents) {
    if (!c.accepts_work) continue;
    ++ready;
    // Only where the stream's inputs and outputs are allowed (lexically: the
    // agent checks real paths again before it spawns).
    if (!c.policy.protocols.empty() && !allowed(c)) {
      ++confined_out;
      continue;
    }
    if (!has_encoder_for(spec, c)) continue;
    ++with_encoder;
    if (c.active >= c.max_streams || c.behind) continue;
    fits.push_back(&c);
  }
  if (fits.empty()) {
    if (ready == 0) return Result<std::string>::failure(no_ready_agent(agents));
    if (confined_out == ready)
      return Result<std::string>::failure("no ready agent may open this stream's inputs and outputs "
                                          "(media roots, output roots, protocols)");
    if (with_encoder == 0) return Result<std::string>::failure(no_encoder(spec, agents));
    return Result<std::string>::failure("all " + std::to_string(with_encoder) + " ready agents are full");
  }
  // Least loaded first: by share of slots in use, then by host CPU; the
  // avoided agent only if it is the only one.
  const auto better = [&](const Candidate* a, const Candidate* b) {
    const bool av_a = !avoid.empty() && a->name == avoid, av_b = !avoid.empty() && b->name == avoid;
    if (av_a != av_b) return av_b;
    const double la = static_cast<double>(a->active) / static_cast<double>(std::max<std::int64_t>(1, a->max_streams));
    const double lb = static_cast<double>(b->active) / static_cast<double>(std::max<std::int64_t>(1, b->max_streams));
    if (la != lb) return la < lb;
    if (a->cpu_percent != b->cpu_percent) return a->cpu_percent < b->cpu_percent;
    return a->name < b->name;
  };
  return (*std::min_element(fits.begin(), fits.end(), better))->name;
}

}  // namespace ffleet::controller::placement
