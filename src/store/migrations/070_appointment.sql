-- 070_appointment.sql - appointments (issue 13, "Appointments"); owned by
-- src/appointment.
--
-- appointment_hours: a professional's hours for appointments in one
-- organisation, in the promise's text forms (promise_week_parse,
-- promise_holidays_parse), read in the organisation's zone.
CREATE TABLE appointment_hours (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	professional_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	schedule TEXT NOT NULL,
	exceptions TEXT NOT NULL DEFAULT '',
	slot_minutes BIGINT NOT NULL,
	buffer_before BIGINT NOT NULL DEFAULT 0,
	buffer_after BIGINT NOT NULL DEFAULT 0,
	clients_book BIGINT NOT NULL DEFAULT 1,
	late_hours BIGINT NOT NULL DEFAULT 24,
	updated_at BIGINT NOT NULL,
	UNIQUE (org_id, professional_id)
);

-- One appointment.  location and reason are sealed with the
-- organisation's key (the client may have written them).  uid stays the
-- same across reschedules; sequence counts the changes (RFC 5545).
CREATE TABLE appointments (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	professional_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	client_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('visit', 'video', 'phone')),
	location {{BLOB}},
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	buffer_before BIGINT NOT NULL DEFAULT 0,
	buffer_after BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL
	    CHECK (status IN ('requested', 'booked', 'cancelled', 'noshow')),
	sequence BIGINT NOT NULL DEFAULT 0,
	uid TEXT NOT NULL UNIQUE,
	reason {{BLOB}},
	late BIGINT NOT NULL DEFAULT 0,
	reminder_id BIGINT,
	created_by BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK (ends_at > starts_at)
);
-- The database's own guard against a double booking: one booked
-- appointment per professional and start.  Overlaps that do not share a
-- start are refused inside the write job (one writer, so no race).
CREATE UNIQUE INDEX appointments_slot ON appointments(professional_id, starts_at)
	WHERE status = 'booked';
CREATE INDEX appointments_professional ON appointments(professional_id, starts_at);
CREATE INDEX appointments_client ON appointments(client_id, starts_at);
CREATE INDEX appointments_trajectory ON appointments(trajectory_id, starts_at);

-- Follow-up tasks for the professional (a no-show); shown on the calendar.
CREATE TABLE appointment_tasks (
	id {{ID}},
	appointment_id BIGINT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
	professional_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	done_at BIGINT
);
CREATE INDEX appointment_tasks_professional
	ON appointment_tasks(professional_id, done_at);

-- Private iCalendar feeds: only the SHA-256 of the token is stored.
CREATE TABLE appointment_feeds (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	professional_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	with_names BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT
);
CREATE INDEX appointment_feeds_professional
	ON appointment_feeds(org_id, professional_id);
