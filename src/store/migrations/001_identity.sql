-- 001_identity.sql - organisations, people, memberships, sessions,
-- invitations, password resets, two-factor recovery codes and the log-in
-- throttle.  Times are BIGINT Unix seconds (UTC), flags are BIGINT 0/1,
-- tokens are stored only as their SHA-256 (32 bytes).

CREATE TABLE orgs (
	id {{ID}},
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	tz TEXT NOT NULL,
	require_2fa BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);

-- totp_secret and totp_pending are sealed with the keyring's system key
-- (organisation 0): a copy of the database alone cannot make codes.
-- totp_last_step is the last accepted TOTP time step: a code for that step
-- or an earlier one is refused, so each code works once.
CREATE TABLE users (
	id {{ID}},
	email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
	name TEXT NOT NULL,
	pw_hash TEXT NOT NULL,
	lang TEXT NOT NULL DEFAULT 'nl',
	totp_secret {{BLOB}},
	totp_pending {{BLOB}},
	totp_enabled BIGINT NOT NULL DEFAULT 0,
	totp_last_step BIGINT NOT NULL DEFAULT 0,
	disabled BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

-- The role is not stored here.  session_lookup joins memberships, so a
-- changed or removed membership takes effect on the next request.
-- org_id is 0 until an organisation is chosen, hence no foreign key.
CREATE TABLE sessions (
	id {{ID}},
	token_hash {{BLOB}} NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL DEFAULT 0,
	twofa_passed BIGINT NOT NULL DEFAULT 0,
	twofa_pending BIGINT NOT NULL DEFAULT 0,
	csrf TEXT NOT NULL,
	addr TEXT,
	user_agent TEXT,
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_last_seen ON sessions(last_seen);
CREATE INDEX sessions_created ON sessions(created_at);

CREATE TABLE invites (
	id {{ID}},
	token_hash {{BLOB}} NOT NULL UNIQUE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	email TEXT NOT NULL CHECK (email = lower(email)),
	role TEXT NOT NULL,
	invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX invites_org ON invites(org_id);
CREATE INDEX invites_invited_by ON invites(invited_by);

CREATE TABLE password_resets (
	token_hash {{BLOB}} NOT NULL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets(user_id, created_at);

CREATE TABLE recovery_codes (
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	code_hash {{BLOB}} NOT NULL,
	used_at BIGINT,
	PRIMARY KEY (user_id, code_hash)
);

-- One row per attempt that has not (yet) succeeded, shared through the
-- database so every node counts the same attempts.  bucket is
-- 'acct:<sha256 of the e-mail>', 'addr:<address>' or 'totp:<user id>'.
-- Rows older than the window (an hour) are pruned as new ones arrive.
CREATE TABLE login_attempts (
	id {{ID}},
	bucket TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts(bucket, at);
CREATE INDEX login_attempts_at ON login_attempts(at);
