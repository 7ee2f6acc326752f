// Counts for the metrics: one aggregate query each, read at most once a
// second by the loop (controller/loop/metrics.cpp).
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace ffleet::controller::store {

std::map<std::string, std::int64_t> Store::streams_per_state() {
  Stmt q(db_.raw(), "SELECT state, COUNT(*) FROM streams GROUP BY state");
  std::map<std::string, std::int64_t> out;
  while (q.row()) out[q.text(0)] = q.int64(1);
  return out;
}

std::int64_t Store::pending_waiting(std::int64_t now_ms) {
  Stmt q(db_.raw(),
         "SELECT COUNT(*) FROM streams WHERE state='pending' AND desired='running' AND agent='' AND retry_at_ms <= ?");
  q.bind(1, now_ms);
  return q.row() ? q.int64(0) : 0;
}

}  // namespace ffleet::controller::store
