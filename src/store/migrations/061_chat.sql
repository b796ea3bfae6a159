-- 061_chat.sql - chat inside a trajectory (issue 10; owner: src/chat).
-- A chat message's text is sealed with the organisation's key (body_box)
-- and findable through the same keyed filter as written messages
-- (search_bloom); a session has a start and an end; chat_active holds the
-- minutes in which someone wrote or typed (their active minutes);
-- chat_reads the last message each person has seen (unread counts);
-- chat_presence_off those who do not show whether they are online.
CREATE TABLE chat_sessions (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	started_by BIGINT NOT NULL REFERENCES users(id),
	started_at BIGINT NOT NULL,
	ended_by BIGINT REFERENCES users(id),
	ended_at BIGINT
);
CREATE INDEX chat_sessions_trajectory ON chat_sessions(trajectory_id, id);
CREATE TABLE chat_messages (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	session_id BIGINT REFERENCES chat_sessions(id) ON DELETE SET NULL,
	author_id BIGINT NOT NULL REFERENCES users(id),
	kind TEXT NOT NULL CHECK (kind IN ('text', 'call_phone', 'call_video')),
	body_box {{BLOB}},
	search_bloom {{BLOB}},
	created_at BIGINT NOT NULL
);
CREATE INDEX chat_messages_trajectory ON chat_messages(trajectory_id, id);
CREATE TABLE chat_reads (
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	last_read BIGINT NOT NULL,
	PRIMARY KEY (trajectory_id, user_id)
);
CREATE TABLE chat_active (
	session_id BIGINT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	minute BIGINT NOT NULL,
	PRIMARY KEY (session_id, user_id, minute)
);
CREATE TABLE chat_presence_off (
	user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
);
