-- 092_modules.sql - self-help modules (issue 12; owner: src/module,
-- module.c).  A module is an organisation's: its draft is the source
-- text (module.h's format: sessions of pages); publishing copies the
-- draft into a numbered version that never changes again.  A run is a
-- module given to a trajectory (guided or not, with its timing); it
-- keeps the version the client started.  What the client writes
-- (answers) and the professional's feedback are sealed boxes.
-- Module texts are the organisation's material, not client data: plain.
-- module_runs.reminded: the sessions the client was reminded of so far;
-- remind_at: when the reminder pass looks at the run next (0: now).
CREATE TABLE modules (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	source TEXT NOT NULL,
	created_by BIGINT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	published_n BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX modules_org ON modules(org_id, id);
CREATE TABLE module_versions (
	id {{ID}},
	module_id BIGINT NOT NULL REFERENCES modules(id) ON DELETE CASCADE,
	n BIGINT NOT NULL,
	title TEXT NOT NULL,
	source TEXT NOT NULL,
	sessions BIGINT NOT NULL,
	published_by BIGINT NOT NULL REFERENCES users(id),
	published_at BIGINT NOT NULL,
	UNIQUE (module_id, n)
);
CREATE TABLE module_runs (
	id {{ID}},
	org_id BIGINT NOT NULL,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	module_id BIGINT NOT NULL REFERENCES modules(id),
	version_id BIGINT NOT NULL REFERENCES module_versions(id),
	sessions BIGINT NOT NULL,
	guided BIGINT NOT NULL,
	timing TEXT NOT NULL,
	every_days BIGINT NOT NULL DEFAULT 0,
	opens_at BIGINT NOT NULL DEFAULT 0,
	appt_hours BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	started_at BIGINT NOT NULL DEFAULT 0,
	last_at BIGINT NOT NULL DEFAULT 0,
	active_seconds BIGINT NOT NULL DEFAULT 0,
	reminded BIGINT NOT NULL DEFAULT 0,
	remind_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX module_runs_trajectory ON module_runs(trajectory_id, id);
CREATE INDEX module_runs_remind ON module_runs(remind_at);
CREATE TABLE module_session_state (
	run_id BIGINT NOT NULL REFERENCES module_runs(id) ON DELETE CASCADE,
	n BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	feedback_box {{BLOB}},
	feedback_by BIGINT REFERENCES users(id),
	feedback_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, n)
);
CREATE TABLE module_answers (
	run_id BIGINT NOT NULL REFERENCES module_runs(id) ON DELETE CASCADE,
	session_n BIGINT NOT NULL,
	page_n BIGINT NOT NULL,
	body_box {{BLOB}},
	ref_id BIGINT NOT NULL DEFAULT 0,
	wants_reply BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (run_id, session_n, page_n)
);
