// The streams table: written to SQLite and to the index in memory together
// (store/stream_index.hpp); read from the index, so that no read costs a
// query or a parse of a spec. The table is read whole once, at open.
#include <algorithm>
#include <cctype>

#include "ffleet/common/codec.hpp"
#include "ffleet/common/json_describe.hpp"
#include "ffleet/common/text.hpp"
#include "store/store.hpp"

namespace ffleet::controller::store {
namespace {

const char* kStreamCols =
    "id, name, owner, spec, desired, state, agent, attempt, pid, encoder, last_error, waiting_for, created_at_ms, "
    "updated_at_ms, next_start_ms, stop_at_ms, retries, retry_at_ms, avoid_agent, priority, pending_since_ms";

// Specs are MessagePack (BLOB): paths are bytes and need not be UTF-8.
// Rows written before migration 0003 hold JSON text.
std::string encode_spec(const proto::StreamSpec& spec) { return wire::encode_body(spec); }

Result<proto::StreamSpec> decode_spec(const Stmt& q, int col) {
  if (q.is_blob(col)) return wire::decode_body<proto::StreamSpec>(q.text(col));
  return jsonv::from_json<proto::StreamSpec>(nlohmann::json::parse(q.text(col), nullptr, false));
}

// A row this build cannot read (edited by hand, or written by a newer
// version) is an error, never a default: read as "stopped", a running stream
// would have its live run fenced.
StreamRow read_stream(const Stmt& q) {
  StreamRow s;
  s.id = q.int64(0);
  s.name = q.text(1);
  s.owner = q.text(2);
  auto unreadable = [&](const std::string& what) {
    return Unavailable("stream " + std::to_string(s.id) + " in the database is unreadable (" + what +
                       "): it was changed outside ffleet or by a newer version");
  };
  auto spec = decode_spec(q, 3);
  if (!spec) throw unreadable("spec: " + spec.error());
  s.spec = *spec;
  auto desired = parse_desired(q.text(4));
  auto state = parse_state(q.text(5));
  if (!desired) throw unreadable("desired state " + text::for_people(q.text(4)));
  if (!state) throw unreadable("state " + text::for_people(q.text(5)));
  s.desired = *desired;
  s.state = *state;
  s.agent = q.text(6);
  s.attempt = q.int64(7);
  s.pid = q.int64(8);
  s.encoder = q.text(9);
  s.last_error = q.text(10);
  s.waiting_for = q.text(11);
  s.created_at_ms = q.int64(12);
  s.updated_at_ms = q.int64(13);
  s.next_start_ms = q.int64(14);
  s.stop_at_ms = q.int64(15);
  s.retries = q.int64(16);
  s.retry_at_ms = q.int64(17);
  s.avoid_agent = q.text(18);
  s.priority = q.int64(19);
  s.pending_since_ms = q.int64(20);
  return s;
}

std::vector<StreamRow> copies(const std::vector<const StreamRow*>& rows) {
  std::vector<StreamRow> out;
  out.reserve(rows.size());
  for (const auto* r : rows) out.push_back(*r);
  return out;
}

}  // namespace

Result<StreamIndex> Store::read_index() {
  StreamIndex index;
  try {
    Stmt q(db_, std::string("SELECT ") + kStreamCols + " FROM streams ORDER BY id");
    while (q.row()) index.put(read_stream(q));
  } catch (const Unavailable& e) {
    return Result<StreamIndex>::failure(e.what());
  }
  return index;
}

Status Store::load_index() {
  auto fresh = read_index();
  if (!fresh) return fresh.status();
  *index_ = std::move(*fresh);
  return Status::ok();
}

std::string Store::verify_index() {
  auto fresh = read_index();
  if (!fresh) return kCannotReadStreams + fresh.error();
  return index_->diff(*fresh);
}

void Store::remember(StreamRow s) {
  const std::int64_t id = s.id;
  std::optional<StreamRow> before = index_->put(std::move(s));
  db_.on_undo([ix = index_.get(), id, before = std::move(before)] {
    if (before) ix->put(*before);
    else ix->erase(id);
  });
}

Result<std::int64_t> Store::insert_stream(const StreamRow& s) {
  Stmt q(db_,
         "INSERT INTO streams (name, owner, spec, desired, state, agent, attempt, pid, encoder, last_error, waiting_for, "
         "created_at_ms, updated_at_ms, next_start_ms, stop_at_ms, retries, retry_at_ms, avoid_agent, priority, "
         "pending_since_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.bind(1, s.name).bind(2, s.owner).bind_blob(3, encode_spec(s.spec)).bind(4, std::string(to_string(s.desired))).bind(5, std::string(to_string(s.state)));
  q.bind(6, s.agent).bind(7, s.attempt).bind(8, s.pid).bind(9, s.encoder).bind(10, s.last_error);
  q.bind(11, s.waiting_for).bind(12, s.created_at_ms).bind(13, s.updated_at_ms).bind(14, s.next_start_ms);
  q.bind(15, s.stop_at_ms).bind(16, s.retries).bind(17, s.retry_at_ms).bind(18, s.avoid_agent).bind(19, s.priority);
  q.bind(20, s.pending_since_ms);
  q.step();
  if (!q.status()) {
    if (q.status().message().find("UNIQUE") != std::string::npos)
      return Result<std::int64_t>::failure("a stream named " + s.name + " exists already");
    return q.status();
  }
  StreamRow stored = s;
  stored.id = db_.last_insert_id();
  const std::int64_t id = stored.id;
  remember(std::move(stored));
  return id;
}

Status Store::update_stream(const StreamRow& s) {
  const StreamRow* old = index_->get(s.id);
  // Most updates change the state, not the spec: an unchanged spec is
  // neither encoded nor written again.
  const bool same_spec = old && old->spec == s.spec;
  Stmt q(db_, same_spec ? "UPDATE streams SET desired=?, state=?, agent=?, attempt=?, pid=?, encoder=?, last_error=?, "
                          "waiting_for=?, updated_at_ms=?, next_start_ms=?, stop_at_ms=?, retries=?, retry_at_ms=?, "
                          "avoid_agent=?, priority=?, pending_since_ms=? WHERE id=?"
                        : "UPDATE streams SET desired=?, state=?, agent=?, attempt=?, pid=?, encoder=?, last_error=?, "
                          "waiting_for=?, updated_at_ms=?, next_start_ms=?, stop_at_ms=?, retries=?, retry_at_ms=?, "
                          "avoid_agent=?, priority=?, pending_since_ms=?, spec=? WHERE id=?");
  q.bind(1, std::string(to_string(s.desired))).bind(2, std::string(to_string(s.state))).bind(3, s.agent).bind(4, s.attempt);
  q.bind(5, s.pid).bind(6, s.encoder).bind(7, s.last_error).bind(8, s.waiting_for).bind(9, s.updated_at_ms);
  q.bind(10, s.next_start_ms).bind(11, s.stop_at_ms).bind(12, s.retries).bind(13, s.retry_at_ms);
  q.bind(14, s.avoid_agent).bind(15, s.priority).bind(16, s.pending_since_ms);
  if (same_spec) q.bind(17, s.id);
  else q.bind_blob(17, encode_spec(s.spec)).bind(18, s.id);
  q.step();
  if (!q.status()) return q.status();
  // The name and owner never change (the UPDATE leaves them): memory keeps
  // what the table holds.
  if (old && db_.changes() > 0) {
    StreamRow stored = s;
    stored.name = old->name;
    stored.owner = old->owner;
    stored.created_at_ms = old->created_at_ms;
    remember(std::move(stored));
  }
  return Status::ok();
}

Status Store::delete_stream(std::int64_t id) {
  Stmt q(db_, "DELETE FROM streams WHERE id=?");
  q.bind(1, id).step();
  if (!q.status()) return q.status();
  if (auto old = index_->erase(id))
    db_.on_undo([ix = index_.get(), row = std::move(*old)] { ix->put(row); });
  return Status::ok();
}

std::optional<StreamRow> Store::stream(std::int64_t id) {
  const StreamRow* s = index_->get(id);
  if (s == nullptr) return std::nullopt;
  return *s;
}

std::optional<StreamRow> Store::find_stream(const std::string& ref) {
  const bool numeric = !ref.empty() && ref.size() < 18 &&
                       std::all_of(ref.begin(), ref.end(), [](unsigned char c) { return std::isdigit(c); });
  if (numeric)
    if (auto s = stream(std::stoll(ref))) return s;
  const StreamRow* s = index_->named(ref);
  if (s == nullptr) return std::nullopt;
  return *s;
}

std::vector<StreamRow> Store::streams_page(std::int64_t after_id, std::int64_t limit) {
  std::vector<StreamRow> out;
  const auto& rows = index_->rows();
  for (auto it = rows.upper_bound(after_id); it != rows.end() && static_cast<std::int64_t>(out.size()) < limit; ++it)
    out.push_back(it->second);
  return out;
}

std::vector<StreamRow> Store::streams_on_agent(const std::string& agent) { return copies(index_->on_agent(agent)); }
std::vector<StreamRow> Store::streams_due_to_start(std::int64_t now_ms) { return copies(index_->due_to_start(now_ms)); }
std::vector<StreamRow> Store::streams_due_to_stop(std::int64_t now_ms) { return copies(index_->due_to_stop(now_ms)); }
std::vector<StreamRow> Store::pending_queue() { return copies(index_->pending()); }

std::map<std::string, std::int64_t> Store::streams_per_state() {
  std::map<std::string, std::int64_t> out;
  for (State st : kAllStates)
    if (const auto n = index_->count_in_state(st); n > 0) out[std::string(to_string(st))] = n;
  return out;
}

}  // namespace ffleet::controller::store
