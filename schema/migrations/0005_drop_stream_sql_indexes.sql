-- 0005: the controller keeps every stream row in memory and looks streams up
-- by state and by agent there (controller/store/stream_index.hpp); no query
-- reads these indexes any more, and every state change paid for keeping them.
DROP INDEX IF EXISTS streams_by_state;
DROP INDEX IF EXISTS streams_by_agent;
