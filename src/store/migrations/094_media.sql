-- 094_media.sql - media files (issue 12); owned by src/media.
--
-- media: one image, sound, film or PDF of an organisation.  type is the
-- type told by content (media/sniff.h's names), sha256 the content's hash
-- (the ETag).  shared: readable by every signed-in person of any
-- organisation (an administrator's choice, for a shared library); else
-- only by the organisation's members.  Media are content written by
-- professionals, not client data: not sealed.
CREATE TABLE media (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	shared BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX media_org ON media (org_id, id);

-- The bytes, LIMIT_MEDIA_CHUNK at a time: seq 0, 1, ... in order, every
-- chunk full but the last.  Every node reads them from the database.
CREATE TABLE media_chunks (
	media_id BIGINT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
	seq BIGINT NOT NULL,
	data {{BLOB}} NOT NULL,
	PRIMARY KEY (media_id, seq)
);
