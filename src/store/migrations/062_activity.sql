-- 062_activity.sql - time accounting (issue 10; owner: src/activity).
-- Who did what in which trajectory, when and for how long, ready to be
-- priced.  A correction is a new row naming the row it corrects
-- (corrects); the original stays as it was recorded.
CREATE TABLE activities (
	id {{ID}},
	org_id BIGINT NOT NULL,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id),
	kind TEXT NOT NULL,
	source_id BIGINT,
	started_at BIGINT NOT NULL,
	seconds BIGINT NOT NULL CHECK (seconds >= 0),
	recorded_by BIGINT NOT NULL REFERENCES users(id),
	recorded_at BIGINT NOT NULL,
	corrects BIGINT REFERENCES activities(id)
);
CREATE INDEX activities_trajectory ON activities(trajectory_id, id);
CREATE INDEX activities_corrects ON activities(corrects)
	WHERE corrects IS NOT NULL;
