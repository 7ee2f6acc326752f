// HTTP bearer tokens as the loop knows them: a map from a token's SHA-256
// (hex) to whom it stands for, loaded from the store at start and after
// every change, so a request costs one lookup and no SQL. A lookup by the
// digest of a 256-bit random value needs no slow hash and no salt: finding
// a token from its digest, or a digest that matches, is a preimage.
//
// When each token was last used is kept here and handed to the store at
// most once a minute (take_last_used), so a busy API does not write per
// request. Owned by the controller's loop; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "auth/caller.hpp"
#include "auth/directory.hpp"
#include "ffleet/common/status.hpp"
#include "store/store.hpp"

namespace ffleet::controller::auth {

// How often the uses of tokens are written to the store, at most.
inline constexpr std::int64_t kTokenUseWriteMs = 60'000;

class TokenTable {
 public:
  // Replaces the table with these rows (the store's, after any change, or
  // the rows as they were, when a change is rolled back).
  void load(const std::vector<store::TokenRow>& rows);

  // Who the token with this digest acts for. Unknown (never made, or
  // revoked) and expired tokens are an error of one line that shows neither
  // the digest nor the token. With keys (`secure`) the role is the lower of
  // the token's and its user's current one, and a token stops when its user
  // is removed (or removed and added again: the token is older than the
  // user). Without keys the token's user and role are taken as stored.
  // A success is remembered as the token's last use at `now_wall_ms`.
  Result<Caller> identify(const std::string& sha256_hex, const Directory& dir, bool secure, std::int64_t now_wall_ms);

  // The uses since the last call, as (id, last_used_ms), if kTokenUseWriteMs
  // has passed since then (`now_wall_ms`); else nothing.
  std::vector<std::pair<std::int64_t, std::int64_t>> take_last_used(std::int64_t now_wall_ms);
  // The latest use of the token `id` known here (in memory or stored), 0 if none.
  std::int64_t last_used(std::int64_t id) const;

  bool knows(const std::string& sha256_hex) const { return by_sha_.count(sha256_hex) > 0; }
  std::size_t size() const { return by_sha_.size(); }
  const std::vector<store::TokenRow>& rows() const { return rows_; }

 private:
  std::vector<store::TokenRow> rows_;
  std::map<std::string, std::size_t> by_sha_;           // digest -> index in rows_
  std::map<std::int64_t, std::int64_t> used_;           // id -> last use not yet stored
  std::map<std::int64_t, std::int64_t> last_known_;     // id -> latest use seen, stored or not
  std::int64_t next_write_ms_ = 0;
};

}  // namespace ffleet::controller::auth
