-- 010_trajectory.sql - trajectories (trajecten), who takes part, the
-- client's learning questions, and each trajectory's service promise.
-- Columns ending in _box hold text sealed with the organisation's data key
-- (keyring_seal): the client's words are never stored in plain text.

CREATE TABLE trajectories (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	client_id BIGINT NOT NULL REFERENCES users(id),
	title_box {{BLOB}} NOT NULL,
	phase TEXT NOT NULL DEFAULT 'intake'
	    CHECK (phase IN ('intake', 'working', 'closing', 'closed')),
	started_at BIGINT NOT NULL,
	planned_end BIGINT,
	closed_at BIGINT,
	-- the client's reading level for the writing assistant:
	-- 'simple' (B1, easy language), 'standard', 'advanced'
	reading_level TEXT NOT NULL DEFAULT 'standard',
	-- the client decides whether professionals see when they read
	share_reads BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX trajectories_org ON trajectories(org_id);
CREATE INDEX trajectories_client ON trajectories(client_id);

-- role: 'client' or 'professional' (the trajectory's client also has a row)
CREATE TABLE trajectory_members (
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('client', 'professional')),
	added_at BIGINT NOT NULL,
	PRIMARY KEY (trajectory_id, user_id)
);
CREATE INDEX trajectory_members_user ON trajectory_members(user_id);

-- leervragen, in the client's own words
CREATE TABLE learning_questions (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	body_box {{BLOB}} NOT NULL,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX learning_questions_trajectory ON learning_questions(trajectory_id);

-- The service promise (one per trajectory).  schedule and reachable use
-- promise.h's text form ("mon-fri 09:00-17:00; sat 10:00-12:00"), holidays
-- its date list.  reply_minutes is the reply time in working minutes.
-- These are the professional's terms, not client data: stored plain.
CREATE TABLE promises (
	trajectory_id BIGINT NOT NULL PRIMARY KEY
	    REFERENCES trajectories(id) ON DELETE CASCADE,
	reply_minutes BIGINT NOT NULL,
	tz TEXT NOT NULL,
	schedule TEXT NOT NULL,
	reachable TEXT NOT NULL,
	holidays TEXT NOT NULL DEFAULT '',
	contact_days BIGINT NOT NULL DEFAULT 7,
	not_reachable TEXT NOT NULL DEFAULT '',
	emergency TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL
);
