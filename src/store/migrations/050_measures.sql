-- 050_measures.sql - questionnaires and their answers (issue 11; owner:
-- instrument, src/instrument/measure.c).  An instrument is kept as the
-- text of its file, one row per version, so answers stay tied to the
-- version they were given to; nothing is overwritten.  What the client
-- writes (answers, scores) is sealed with the organisation's key.
CREATE TABLE instrument_versions (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	version_no BIGINT NOT NULL,
	origin TEXT NOT NULL CHECK (origin IN ('shipped', 'own')),
	body TEXT NOT NULL,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (org_id, name, version_no)
);

-- A questionnaire given to a trajectory: one version, with its schedule.
CREATE TABLE questionnaires (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	version_id BIGINT NOT NULL REFERENCES instrument_versions(id),
	schedule TEXT NOT NULL CHECK (schedule IN ('once', 'every', 'phase', 'appointment')),
	every_days BIGINT NOT NULL DEFAULT 0,
	due_at BIGINT,
	reminded_at BIGINT,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX questionnaires_trajectory ON questionnaires(trajectory_id);
CREATE INDEX questionnaires_due ON questionnaires(due_at);

-- One filling-in: open (completed_at NULL) while the client saves and
-- resumes, then complete with its scores.
CREATE TABLE questionnaire_responses (
	id {{ID}},
	questionnaire_id BIGINT NOT NULL REFERENCES questionnaires(id) ON DELETE CASCADE,
	version_id BIGINT NOT NULL REFERENCES instrument_versions(id),
	answers {{BLOB}} NOT NULL,
	scores {{BLOB}},
	started_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	completed_at BIGINT
);
CREATE INDEX questionnaire_responses_q
	ON questionnaire_responses(questionnaire_id, completed_at);
