// STREAM_THUMB: a live stream's thumbnail, fetched from the agent that runs
// it, the way `stream logs` fetches a live log (cli_requests.cpp): the
// request goes on as THUMB_REQUEST, and the caller is answered when the
// agent's THUMB_REPLY comes back, or with `unavailable` at the deadline.
// Nothing is stored: a thumbnail is a picture of now.
#include "ffleet/common/clock.hpp"
#include "ffleet/common/log.hpp"
#include "ffleet/common/text.hpp"
#include "loop/controller.hpp"
#include "loop/replies.hpp"

namespace ffleet::controller {
namespace {
auto thumbnails_log() {
  static auto l = log::get("controller.cli");
  return l;
}

// Requests waiting for agents at once, all callers together: each may bring
// back kMaxThumbnailBytes, so a flood of them is refused (busy) rather than
// held.
constexpr std::size_t kMaxPendingThumbs = 64;
}  // namespace

std::optional<proto::Reply> Controller::stream_thumb(const wire::Envelope& env, const auth::Caller& c,
                                                     const proto::StreamThumb& m) {
  auto s = store_.find_stream(m.ref);
  if (!s) return no_stream(m.ref);
  // Who may read its logs may see its picture.
  if (Status st = auth::may(c, auth::Act::kStreamLogs, s->owner); !st) return refuse(c, "stream thumbnail " + s->name, st);
  if (s->spec.mode == "copy")
    return fail(proto::code::kNotFound,
                s->name + " has no thumbnail: it copies its input (copy mode), and a thumbnail would cost a decode");
  if (s->spec.batch)
    return fail(proto::code::kNotFound, s->name + " has no thumbnail: it is batch work (`ffleet stream show` has its progress)");
  const auto* a = registry_.find(s->agent);
  if (!s->holds_process())
    return fail(proto::code::kNotFound,
                s->name + " has no thumbnail: it is " + std::string(to_string(s->state)) + ", not running");
  if (a == nullptr || !a->connected)
    return fail(proto::code::kUnavailable, s->name + " has no thumbnail now: agent " + s->agent + " is not connected");
  if (pending_thumbs_.size() >= kMaxPendingThumbs)
    return fail(proto::code::kBusy, "too many thumbnails are being fetched; try again in a moment");
  proto::ThumbRequest req;
  req.stream_id = s->id;
  req.attempt = s->attempt;
  const std::uint64_t id = next_id_;
  send_to(a->peer, req);
  // As for logs: two heartbeats, then the agent is in trouble.
  pending_thumbs_[id] = {env.peer, env.header.msg_id, clock::steady_ms() + 2 * opts_.heartbeat_ms + 500, s->agent, s->name};
  return std::nullopt;
}

void Controller::on_thumb_reply(const registry::Agent& a, const wire::Envelope& env, const proto::ThumbReply& m) {
  auto it = pending_thumbs_.find(env.header.in_reply_to);
  if (it == pending_thumbs_.end()) return;  // too late: the caller has had its answer
  // Only the agent that was asked may answer: another could guess the id.
  if (it->second.agent != a.name) {
    thumbnails_log()->warn("thumb_reply_dropped agent={} asked={} why=not_asked", a.name, it->second.agent);
    return;
  }
  const PendingThumb p = std::move(it->second);
  pending_thumbs_.erase(it);
  const auto& jpeg = m.jpeg.data;
  proto::Reply r;
  if (!m.found) {
    // The agent's reason, guarded like any text it sends.
    const std::string why = text::truncate_utf8(text::relayed(m.why), 256);
    r = fail(proto::code::kNotFound, p.stream + " has no thumbnail" + (why.empty() ? std::string() : ": " + why));
  } else if (jpeg.size() > proto::kMaxThumbnailBytes) {
    thumbnails_log()->warn("thumb_reply_refused agent={} bytes={} why=too_large", a.name, jpeg.size());
    r = fail(proto::code::kTooLarge, "agent " + a.name + " sent a thumbnail of " + std::to_string(jpeg.size()) +
                                         " bytes, over the limit of " + std::to_string(proto::kMaxThumbnailBytes));
  } else if (jpeg.size() < 4 || static_cast<unsigned char>(jpeg[0]) != 0xFF || static_cast<unsigned char>(jpeg[1]) != 0xD8) {
    thumbnails_log()->warn("thumb_reply_refused agent={} bytes={} why=not_a_jpeg", a.name, jpeg.size());
    r = fail(proto::code::kUnavailable, "agent " + a.name + " sent a thumbnail that is not a JPEG");
  } else {
    r.thumbnail = m.jpeg;
  }
  send_to(p.peer, r, p.msg_id);
}

void Controller::expire_thumb_requests(std::int64_t now) {
  for (auto it = pending_thumbs_.begin(); it != pending_thumbs_.end();) {
    if (now < it->second.deadline_ms) {
      ++it;
      continue;
    }
    send_to(it->second.peer,
            fail(proto::code::kUnavailable, "agent " + it->second.agent + " did not send the thumbnail in time"),
            it->second.msg_id);
    it = pending_thumbs_.erase(it);
  }
}

}  // namespace ffleet::controller
