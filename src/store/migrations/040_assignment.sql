-- 040_assignment.sql - assignments tied to a learning question, their
-- versions, feedback rounds, drafts and attachments, the learning cycle's
-- steps, answered questions, and the organisation's template library
-- (src/assignment).  Columns ending in _box are sealed with the
-- organisation's data key.

-- Templates are the organisation's own teaching material, not a client's
-- data: stored plain.
CREATE TABLE assignment_templates (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	instructions TEXT NOT NULL,
	work_form TEXT NOT NULL,
	tags TEXT NOT NULL DEFAULT '',
	instrument TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX assignment_templates_org ON assignment_templates(org_id, id);

-- state: 'offered' (one of an offer, not chosen yet), 'active', 'handed_in',
-- 'feedback', 'revised', 'done'.  prev_id: the experiment before it on the
-- same learning question (the cycle's link).  offer_id: the first
-- assignment of the offer it was part of (0/NULL: given alone).
CREATE TABLE assignments (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL,
	question_id BIGINT NOT NULL REFERENCES learning_questions(id) ON DELETE CASCADE,
	template_id BIGINT REFERENCES assignment_templates(id) ON DELETE SET NULL,
	title_box {{BLOB}} NOT NULL,
	instructions_box {{BLOB}} NOT NULL,
	work_form TEXT NOT NULL,
	tags TEXT NOT NULL DEFAULT '',
	instrument TEXT NOT NULL DEFAULT '',
	due_at BIGINT,
	state TEXT NOT NULL CHECK (state IN ('offered', 'active', 'handed_in',
	    'feedback', 'revised', 'done')),
	offer_id BIGINT,
	prev_id BIGINT REFERENCES assignments(id) ON DELETE SET NULL,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	reminded_at BIGINT
);
CREATE INDEX assignments_trajectory ON assignments(trajectory_id, id);
CREATE INDEX assignments_due ON assignments(state, due_at);

-- Every version handed in stays (n from 1); nothing updates body_box.
CREATE TABLE assignment_versions (
	id {{ID}},
	assignment_id BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
	n BIGINT NOT NULL,
	body_box {{BLOB}} NOT NULL,
	author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (assignment_id, n)
);

CREATE TABLE assignment_feedback (
	id {{ID}},
	assignment_id BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
	version_n BIGINT NOT NULL,
	body_box {{BLOB}} NOT NULL,
	author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX assignment_feedback_assignment ON assignment_feedback(assignment_id, id);

-- The client's work in progress (saved as they go); handing in makes a
-- version of it and removes it.
CREATE TABLE assignment_drafts (
	assignment_id BIGINT NOT NULL PRIMARY KEY
	    REFERENCES assignments(id) ON DELETE CASCADE,
	body_box {{BLOB}} NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE assignment_files (
	id {{ID}},
	assignment_id BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
	version_n BIGINT NOT NULL,
	name_box {{BLOB}} NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	data_box {{BLOB}} NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX assignment_files_assignment ON assignment_files(assignment_id);

-- The cycle after an experiment: kind 'report' (practice report),
-- 'reflection', 'conclusion'; one of each per experiment, in that order.
CREATE TABLE cycle_steps (
	id {{ID}},
	assignment_id BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	question_id BIGINT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('report', 'reflection', 'conclusion')),
	body_box {{BLOB}} NOT NULL,
	author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (assignment_id, kind)
);
CREATE INDEX cycle_steps_trajectory ON cycle_steps(trajectory_id, question_id);

-- A learning question marked answered (by the professional or the client).
CREATE TABLE question_answered (
	question_id BIGINT NOT NULL PRIMARY KEY
	    REFERENCES learning_questions(id) ON DELETE CASCADE,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	answered_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	answered_at BIGINT NOT NULL
);
