-- 063_hourglass.sql - the hourglass, a timer both parties see (issue 10;
-- owner: src/chat/hourglass.c).  used_secs is the time run before
-- run_since; while running, run_since is when it last started.
CREATE TABLE hourglasses (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	budget_secs BIGINT NOT NULL CHECK (budget_secs > 0),
	state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped')),
	used_secs BIGINT NOT NULL DEFAULT 0,
	run_since BIGINT,
	started_by BIGINT NOT NULL REFERENCES users(id),
	started_at BIGINT NOT NULL,
	stopped_at BIGINT,
	activity_id BIGINT REFERENCES activities(id)
);
CREATE INDEX hourglasses_trajectory ON hourglasses(trajectory_id, id);
