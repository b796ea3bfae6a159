-- 111_stakeholder.sql - stakeholders of a trajectory (issue 13,
-- "Stakeholders"; owner: src/stakeholder).  An employer, HR or a referrer
-- (an account of role stakeholder in the organisation) joins a trajectory
-- only with its client's consent: consent_at set and withdrawn_at NULL.
-- shares: what the client shares (stakeholder.h's STAKE_* bits).
CREATE TABLE stakeholders (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	relation TEXT NOT NULL CHECK (relation IN ('employer', 'hr', 'referrer')),
	shares BIGINT NOT NULL DEFAULT 0,
	proposed_by BIGINT NOT NULL REFERENCES users(id),
	proposed_at BIGINT NOT NULL,
	consent_at BIGINT,
	withdrawn_at BIGINT,
	UNIQUE (trajectory_id, user_id)
);
CREATE INDEX stakeholders_user ON stakeholders(user_id, trajectory_id);
-- The meetings (appointments) a stakeholder takes part in; gone when the
-- client withdraws consent.
CREATE TABLE stakeholder_appointments (
	stakeholder_id BIGINT NOT NULL REFERENCES stakeholders(id) ON DELETE CASCADE,
	appointment_id BIGINT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
	added_by BIGINT NOT NULL REFERENCES users(id),
	added_at BIGINT NOT NULL,
	PRIMARY KEY (stakeholder_id, appointment_id)
);
CREATE INDEX stakeholder_appointments_appt ON stakeholder_appointments(appointment_id);
