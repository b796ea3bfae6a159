-- 002_keys.sql - the organisations' data keys, each wrapped (sealed) with
-- the master key; see src/keys/keyring.h.  org_id 0 is the system key for
-- secrets that belong to no organisation (users' TOTP secrets), which is
-- why org_id has no foreign key to orgs.  A new version is added when an
-- organisation's data key is replaced; old versions stay so old rows open.
-- Rotating the master key rewrites every wrapped value in one transaction.

CREATE TABLE org_keys (
	org_id BIGINT NOT NULL,
	version BIGINT NOT NULL,
	wrapped {{BLOB}} NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (org_id, version)
);
