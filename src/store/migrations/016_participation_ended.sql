-- 016_participation_ended.sql - participation that ended (issue 9,
-- finding 4).  Removing someone from an organisation ends their part in
-- its trajectories: the row moves from trajectory_members to here, so
-- every check that reads trajectory_members (access, lists, queues,
-- notifications, search) ignores it without knowing of this table, and
-- someone who joins again starts with nothing.  Kept as history: who took
-- part in what, from when until when.
CREATE TABLE trajectory_members_ended (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('client', 'professional')),
	added_at BIGINT NOT NULL,
	ended_at BIGINT NOT NULL
);
CREATE INDEX trajectory_members_ended_trajectory
	ON trajectory_members_ended(trajectory_id);
CREATE INDEX trajectory_members_ended_user ON trajectory_members_ended(user_id);
