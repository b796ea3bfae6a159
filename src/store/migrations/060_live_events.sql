-- 060_live_events.sql - live events too large for a PostgreSQL NOTIFY
-- (issue 10; owner: src/event).  A node publishing an event over
-- LIMIT_EVENT_NOTIFY bytes stores it here and notifies its id; the other
-- nodes read it by id.  Rows live for the replay window and are deleted
-- after it by the publisher.  Unused with SQLite (one node), present for
-- one schema on both backends.  No client text is ever in a payload.
CREATE TABLE live_events (
	id {{ID}},
	payload TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX live_events_created ON live_events(created_at);
