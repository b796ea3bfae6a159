-- 100_call.sql - video and voice calls (issue 10; owner: src/call).  A
-- call of a trajectory and who takes part in it: waiting (for a
-- professional to admit them), in, or left.  seconds is a participant's
-- time in the call before `since`, when they entered it last.  Nothing
-- of a call's content is stored.
CREATE TABLE calls (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	video BIGINT NOT NULL CHECK (video IN (0, 1)),
	started_by BIGINT NOT NULL REFERENCES users(id),
	started_at BIGINT NOT NULL,
	ended_by BIGINT REFERENCES users(id),
	ended_at BIGINT
);
CREATE INDEX calls_trajectory ON calls(trajectory_id, id);
CREATE TABLE call_parts (
	call_id BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id),
	state TEXT NOT NULL CHECK (state IN ('waiting', 'in', 'left')),
	joined_at BIGINT NOT NULL,
	since BIGINT,
	seconds BIGINT NOT NULL DEFAULT 0 CHECK (seconds >= 0),
	seen_at BIGINT NOT NULL,
	PRIMARY KEY (call_id, user_id)
);
