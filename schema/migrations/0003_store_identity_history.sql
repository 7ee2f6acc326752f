-- 0003: the database's identity, so that runs placed by another database (an
-- empty or replaced file after a restart) are recognised and neither adopted
-- nor stopped; and an index for the bounded run history.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Random, made once when this database is created or upgraded.
INSERT INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));

-- Streams' specs are stored as MessagePack (BLOB) from now on, so that file
-- names that are not UTF-8 are kept byte for byte; older rows hold JSON text
-- and are read as such.
