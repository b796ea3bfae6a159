-- 115_closing_report.sql - a trajectory's closing report (issue 13, the
-- closing meeting with the client, the employer and HR; owner:
-- src/stakeholder, stake_report.c).  A professional writes a draft and
-- finishes it as a version the client reads; the client shares a version
-- with a consenting stakeholder (STAKE_REPORT), who keeps seeing that
-- version however the report changes after it.  Texts are sealed with
-- the organisation's key (keyring_seal), as messages are.
CREATE TABLE closing_reports (
	trajectory_id BIGINT PRIMARY KEY REFERENCES trajectories(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	draft_box {{BLOB}},
	draft_by BIGINT REFERENCES users(id),
	draft_at BIGINT,
	version BIGINT NOT NULL DEFAULT 0
);
-- Every finished version, never changed: what a stakeholder was shown
-- stays as it was shown.
CREATE TABLE closing_report_versions (
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	version BIGINT NOT NULL,
	body_box {{BLOB}} NOT NULL,
	written_by BIGINT NOT NULL REFERENCES users(id),
	written_at BIGINT NOT NULL,
	PRIMARY KEY (trajectory_id, version)
);
-- The version of the report the client shared with the stakeholder (0:
-- none); set when the client consents with STAKE_REPORT, 0 on withdrawal.
ALTER TABLE stakeholders ADD COLUMN report_version BIGINT NOT NULL DEFAULT 0;
