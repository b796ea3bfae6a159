-- 110_time.sql - time accounting per trajectory and period (issue 13;
-- owner: src/activity).  activity_settings: a simple agreed budget in
-- minutes (none: NULL) and whether the client sees the time page, per
-- trajectory; until the contract engineer's contracts supply the budget.
CREATE TABLE activity_settings (
	trajectory_id BIGINT PRIMARY KEY REFERENCES trajectories(id) ON DELETE CASCADE,
	budget_minutes BIGINT CHECK (budget_minutes IS NULL OR budget_minutes >= 0),
	client_sees BIGINT NOT NULL DEFAULT 0,
	updated_by BIGINT NOT NULL REFERENCES users(id),
	updated_at BIGINT NOT NULL
);
-- Period totals read a trajectory's activities by their start.
CREATE INDEX activities_trajectory_start ON activities(trajectory_id, started_at);
-- Active time grows the same person's open row of a kind.
CREATE INDEX activities_open ON activities(trajectory_id, user_id, kind, id);
