-- 0006: HTTP bearer tokens (`ffleet token create|ls|revoke`). Each maps to a
-- user and a role. Only the SHA-256 of a token is stored: the token is 32
-- random bytes, so a plain digest cannot be reversed and needs no salt; a
-- copy of this file lets no one in. Ids are never reused, so a stale
-- `token revoke ID` cannot hit a newer token.

CREATE TABLE tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'user')),
  sha256        TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  prefix        TEXT NOT NULL,
  label         TEXT NOT NULL DEFAULT '',
  created_by    TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL DEFAULT 0,
  last_used_ms  INTEGER NOT NULL DEFAULT 0
);
