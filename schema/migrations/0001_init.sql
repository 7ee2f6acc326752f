-- 0001: agents, streams and the history of their runs.
-- Times are milliseconds since the Unix epoch, UTC.

CREATE TABLE agents (
  name            TEXT PRIMARY KEY,
  hostname        TEXT NOT NULL DEFAULT '',
  cpus            INTEGER NOT NULL DEFAULT 0,
  mem_bytes       INTEGER NOT NULL DEFAULT 0,
  ffmpeg_version  TEXT NOT NULL DEFAULT '',
  max_streams     INTEGER NOT NULL DEFAULT 0,
  encoders        TEXT NOT NULL DEFAULT '[]',   -- JSON array
  draining        INTEGER NOT NULL DEFAULT 0,   -- operator asked to drain; survives restarts
  first_seen_ms   INTEGER NOT NULL,
  last_seen_ms    INTEGER NOT NULL
);

CREATE TABLE streams (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT NOT NULL UNIQUE,
  owner           TEXT NOT NULL,
  spec            TEXT NOT NULL,                -- JSON: the whole definition
  desired         TEXT NOT NULL DEFAULT 'stopped' CHECK (desired IN ('running', 'stopped')),
  state           TEXT NOT NULL DEFAULT 'stopped',
  agent           TEXT,                         -- agent of the current attempt
  attempt         INTEGER NOT NULL DEFAULT 0,   -- fencing token: only this attempt may live
  pid             INTEGER,
  encoder         TEXT NOT NULL DEFAULT '',
  last_error      TEXT NOT NULL DEFAULT '',
  waiting_for     TEXT NOT NULL DEFAULT '',
  created_at_ms   INTEGER NOT NULL,
  updated_at_ms   INTEGER NOT NULL
);

CREATE TABLE runs (
  stream_id       INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
  attempt         INTEGER NOT NULL,
  agent           TEXT NOT NULL,
  pid             INTEGER,
  encoder         TEXT NOT NULL DEFAULT '',
  requested_at_ms INTEGER NOT NULL,
  started_at_ms   INTEGER,
  ended_at_ms     INTEGER,
  exit_code       INTEGER,
  signal          INTEGER,
  reason          TEXT NOT NULL DEFAULT '',
  error           TEXT NOT NULL DEFAULT '',
  stderr_tail     TEXT NOT NULL DEFAULT '[]',   -- JSON array of lines
  PRIMARY KEY (stream_id, attempt)
);

CREATE TABLE limits (
  scope           TEXT PRIMARY KEY,             -- 'global', 'per_user' or 'user:NAME'
  value           INTEGER NOT NULL
);

CREATE INDEX streams_by_state ON streams(state);
CREATE INDEX streams_by_agent ON streams(agent);
