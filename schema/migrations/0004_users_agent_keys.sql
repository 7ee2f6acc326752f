-- 0004: who may connect when the controller runs with --key (CurveZMQ).
-- People and scripts by public key, each with a user name and a role; agents
-- by public key, each bound to its agent name. Admins named by --admin-key
-- files are configuration, not rows. Public keys only: no secret is stored.

CREATE TABLE users (
  name          TEXT PRIMARY KEY,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'user')),
  public_key    TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE agent_keys (
  name          TEXT PRIMARY KEY,
  public_key    TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL
);
