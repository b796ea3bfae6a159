-- The access log (NEN 7513): one hash chain per organisation, see
-- src/audit/audit.h.  Rows are only ever inserted.  No foreign keys: the
-- log must outlive the users and clients it names (ids are plain BIGINT).
CREATE TABLE audit_log (
	org_id BIGINT NOT NULL,
	seq BIGINT NOT NULL,
	at BIGINT NOT NULL,
	at_usec BIGINT NOT NULL,
	action TEXT NOT NULL,
	outcome TEXT NOT NULL,
	detail TEXT,
	actor_id BIGINT,
	actor_role TEXT NOT NULL,
	on_behalf_of BIGINT,
	purpose TEXT NOT NULL,
	address TEXT NOT NULL,
	device TEXT NOT NULL,
	client_id BIGINT,
	kind TEXT NOT NULL,
	object_id BIGINT,
	node TEXT NOT NULL,
	prev_hash {{BLOB}} NOT NULL,
	hash {{BLOB}} NOT NULL,
	PRIMARY KEY (org_id, seq)
);
-- The views: everything in a period, per employee, per client (newest
-- first, so at then seq).
CREATE INDEX audit_log_at ON audit_log (org_id, at, seq);
CREATE INDEX audit_log_actor ON audit_log (org_id, actor_id, at, seq);
CREATE INDEX audit_log_client ON audit_log (org_id, client_id, at, seq);

-- The last seq and hash of each chain, updated in the same transaction as
-- every append: it hands out seq under a row lock and makes a deleted tail
-- visible to audit verify.
CREATE TABLE audit_head (
	org_id BIGINT PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash {{BLOB}} NOT NULL
);
