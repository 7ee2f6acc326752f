-- 0002: schedule and retry bookkeeping, all derived from a stream's definition
-- and its runs, kept in the database so a controller restart loses none of it.

-- Start of the next scheduled occurrence (0: none). While scheduled, the
-- controller starts the stream when this passes.
ALTER TABLE streams ADD COLUMN next_start_ms INTEGER NOT NULL DEFAULT 0;
-- End of the current occurrence (0: runs until stopped or until ffmpeg exits).
ALTER TABLE streams ADD COLUMN stop_at_ms INTEGER NOT NULL DEFAULT 0;
-- Consecutive failed runs, and the earliest time of the next retry.
ALTER TABLE streams ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN retry_at_ms INTEGER NOT NULL DEFAULT 0;
-- An agent to avoid on the next placement (a failure that looked host-related).
ALTER TABLE streams ADD COLUMN avoid_agent TEXT NOT NULL DEFAULT '';
-- Order of the pending queue: lower first, then by when it started waiting.
ALTER TABLE streams ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN pending_since_ms INTEGER NOT NULL DEFAULT 0;

-- Occurrences that did not run as planned (missed while the controller was down).
CREATE TABLE schedule_log (
  stream_id      INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
  occurrence_ms  INTEGER NOT NULL,
  outcome        TEXT NOT NULL,      -- missed | started_late
  detail         TEXT NOT NULL DEFAULT '',
  recorded_at_ms INTEGER NOT NULL
);
CREATE INDEX schedule_log_by_stream ON schedule_log(stream_id);
